/** Deno, bare: the runtime tests' app unwrapped, without this package anywhere in the bundle. `deno run bundle.js <port>` */
import { chat } from "../app.js";

declare const Deno: {
  args: string[];
  serve(options: { port: number; hostname: string; onListen(address: { port: number }): void }, handler: (request: Request) => Promise<Response>): unknown;
};

Deno.serve({ port: Number(Deno.args[0] ?? 0), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening ${port}`) }, chat);
