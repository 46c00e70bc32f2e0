/** How the Deno entries serve: `deno run bundle.js <port> [mode] [argument]`, printing `listening <port>`. */
export type Handler = (request: Request, info: unknown) => Response | Promise<Response>;

declare const Deno: {
  args: string[];
  serve(options: { port: number; hostname: string; onListen(address: { port: number }): void }, handler: Handler): unknown;
};

export const [port = "0", mode = "env", argument = ""] = Deno.args;

export function serve(handler: Handler): void {
  Deno.serve({ port: Number(port), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening ${port}`) }, handler);
}
