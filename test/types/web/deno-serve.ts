/** `Deno.serve` in each of its forms, the handler's `(request, info)` typed by Deno. */
import { withTracing } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

// Deno's types are not installed here: the part of lib.deno.d.ts (Deno 2.x) that Deno.serve uses.
declare namespace Deno {
  interface NetAddr {
    transport: "tcp" | "udp";
    hostname: string;
    port: number;
  }
  interface UnixAddr {
    transport: "unix" | "unixpacket";
    path: string;
  }
  type Addr = NetAddr | UnixAddr;
  interface ServeHandlerInfo<A extends Addr = Addr> {
    remoteAddr: A;
    completed: Promise<void>;
  }
  type ServeHandler<A extends Addr = Addr> = (request: Request, info: ServeHandlerInfo<A>) => Response | Promise<Response>;
  interface ServeTcpOptions {
    port?: number;
    hostname?: string;
  }
  interface ServeUnixOptions {
    path: string;
  }
  interface ServeInit<A extends Addr = Addr> {
    handler: ServeHandler<A>;
  }
  interface HttpServer {
    finished: Promise<void>;
  }
  interface ServeDefaultExport {
    fetch: ServeHandler;
  }
  function serve(handler: ServeHandler<NetAddr>): HttpServer;
  function serve(options: ServeUnixOptions, handler: ServeHandler<UnixAddr>): HttpServer;
  function serve(options: ServeTcpOptions, handler: ServeHandler<NetAddr>): HttpServer;
  function serve(options: ServeUnixOptions & ServeInit<UnixAddr>): HttpServer;
  function serve(options: ServeTcpOptions & ServeInit<NetAddr>): HttpServer;
}

// As in the README ("Deno and Deno Deploy").
Deno.serve(withTracing(async (request) => {
  return fetch("https://api.openai.com/v1/chat/completions", { method: "POST", body: request.body });
}));

// The handler's parameters are typed by Deno.serve, through withTracing.
Deno.serve(
  withTracing((request, info) => {
    expectType<Exact<typeof request, Request>>();
    expectType<Exact<typeof info, Deno.ServeHandlerInfo<Deno.NetAddr>>>();
    return new Response(info.remoteAddr.hostname);
  }),
);
Deno.serve({ port: 8000 }, withTracing(async (request, info) => new Response(`${request.method} ${info.remoteAddr.port}`)));
Deno.serve({ port: 8000, handler: withTracing(async (request) => fetch(request)) });

// A typed handler keeps its type; `deno serve` takes a default export with fetch.
const handler: Deno.ServeHandler = (request, info) => new Response(`${request.url} ${info.remoteAddr.transport}`);
const traced = withTracing(handler, { serviceName: "deno-app" });
expectType<Exact<Parameters<typeof traced>, Parameters<Deno.ServeHandler>>>();
export default { fetch: traced } satisfies Deno.ServeDefaultExport;

// @ts-expect-error Deno.serve wants a Response, not a string
Deno.serve(withTracing(() => "hello"));
// @ts-expect-error config values are checked
withTracing(handler, { limits: { maxLinks: "many" } });
