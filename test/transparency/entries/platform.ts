/**
 * How Deno, Bun and Vercel's edge runtime serve a `(request) => Response` handler, for the
 * entries beside this file. Deno and Bun print `listening <port>`.
 */
type Handler = (request: Request, platform?: never) => Promise<Response>;

declare const Deno: {
  args: string[];
  serve(options: { port: number; hostname: string; onListen(address: { port: number }): void }, handler: Handler): unknown;
};
declare const Bun: {
  argv: string[];
  serve(options: { port: number; hostname: string; fetch: Handler; development: boolean }): { port: number };
};
interface FetchEvent {
  request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

export function serveDeno(handler: Handler): void {
  Deno.serve({ port: Number(Deno.args[0] ?? 0), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening ${port}`) }, handler);
}

/** Production mode: a thrown error gives Bun's plain 500, not a page with the stack (which names the wrapper's frames). */
export function serveBun(handler: Handler): void {
  const server = Bun.serve({ port: Number(Bun.argv[2] ?? 0), hostname: "127.0.0.1", fetch: handler, development: false });
  console.log(`listening ${server.port}`);
}

export function serveEdge(handler: Handler): void {
  addEventListener("fetch", (event) => event.respondWith(handler(event.request)));
}
