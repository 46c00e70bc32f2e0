/** `Bun.serve({ fetch })`: `fetch(request, server)` typed by Bun, a WebSocket upgrade answering undefined. */
import { withTracing } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

// bun-types is not installed here: the part of Bun.serve (bun-types 1.x, serve.d.ts) used.
declare namespace Bun {
  type MaybePromise<T> = T | Promise<T>;
  interface Server<WebSocketData> {
    upgrade(request: Request, options?: { data?: WebSocketData }): boolean;
    requestIP(request: Request): { address: string; port: number } | null;
  }
  interface WebSocketHandler<WebSocketData> {
    data?: WebSocketData;
    message(ws: { data: WebSocketData; send(data: string): number }, message: string): void | Promise<void>;
  }
  interface FetchOptions<WebSocketData> {
    port?: number;
    fetch(this: Server<WebSocketData>, request: Request, server: Server<WebSocketData>): MaybePromise<Response>;
  }
  interface FetchWithWebSocketOptions<WebSocketData> {
    port?: number;
    websocket: WebSocketHandler<WebSocketData>;
    // biome-ignore lint/suspicious/noConfusingVoidType: bun-types' own signature
    fetch(this: Server<WebSocketData>, request: Request, server: Server<WebSocketData>): MaybePromise<Response | void | undefined>;
  }
  function serve<WebSocketData = undefined>(
    options: FetchOptions<WebSocketData> | FetchWithWebSocketOptions<WebSocketData>,
  ): Server<WebSocketData>;
}

// As in the README ("Bun").
Bun.serve({
  port: 3000,
  fetch: withTracing(async (request) => fetch("https://api.openai.com/v1/chat/completions", { method: "POST", body: request.body })),
});

// Bun.serve is generic (its WebSocket data), and TypeScript does not type a generic call's
// arguments (withTracing's handler) from another generic call still inferring: say the type of
// `server`, or give Bun.serve its type argument.
Bun.serve({
  fetch: withTracing((request, server: Bun.Server<undefined>) => new Response(server.requestIP(request)?.address)),
});
Bun.serve<undefined>({
  fetch: withTracing((request, server) => {
    expectType<Exact<typeof server, Bun.Server<undefined>>>();
    return new Response(server.requestIP(request)?.address);
  }),
});

// A WebSocket upgrade answers nothing, and the wrapper passes that through.
const upgrading = withTracing((request: Request, server: Bun.Server<{ user: string }>) => {
  if (server.upgrade(request, { data: { user: "ada" } })) return;
  return new Response("Upgrade failed", { status: 400 });
});
expectType<Exact<ReturnType<typeof upgrading>, Promise<Response | undefined>>>();
Bun.serve<{ user: string }>({
  websocket: { message: (ws, message) => void ws.send(`${ws.data.user}: ${message}`) },
  fetch: upgrading,
});

// @ts-expect-error without a websocket handler Bun.serve wants a Response every time
Bun.serve({ fetch: upgrading });
// @ts-expect-error a handler answering something other than a Response (or nothing)
withTracing(async (request: Request) => ({ status: 200, body: request.url }));
