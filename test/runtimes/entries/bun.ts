/** Bun: `bun bundle.js <port>`, `Bun.serve({ fetch: withTracing(handler) })`. Prints `listening <port>`. */
import { withTracing } from "../../../src/index.js";
import { chat } from "../app.js";

declare const Bun: {
  argv: string[];
  serve(options: { port: number; hostname: string; fetch(request: Request, server: unknown): Response | Promise<Response> }): { port: number };
};

const server = Bun.serve({ port: Number(Bun.argv[2] ?? 0), hostname: "127.0.0.1", fetch: withTracing(chat) });
console.log(`listening ${server.port}`);
