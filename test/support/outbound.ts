/**
 * Answers a Worker's outbound fetches to real provider hosts from test/fixtures, so the Worker
 * calls `https://generativelanguage.googleapis.com/...` as in production (and host-based
 * detection runs on the real host) while the bytes come from a recorded fixture.
 *
 * `outbound.handler(name)` is a Miniflare `outboundService` in its Node form (raw request and
 * response, so the request is recorded exactly as workerd sent it: Content-Length or chunked,
 * every header). Requests to `passThrough` origins (the OTLP collector) are forwarded untouched.
 * Every other request is recorded under the Worker's name and answered with the fixture the
 * test chose with `serve()`, framed as test/support/replay.ts frames it (one write per event).
 */
import {
  concatBytes,
  type NodeIncomingMessage,
  type NodeServerResponse,
  readBody,
  sleep,
} from "./collector.js";
import { contentTypeFor, DEFAULT_GAP_MS, fixtureChunks, fixtureKind } from "./replay.js";

export interface OutboundRequest {
  /** The Worker it came from (the name given to handler()). */
  worker: string;
  method: string;
  /** Host header as sent (`api.mistral.ai`, `127.0.0.1:11434`). */
  host: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The fixture that answered it. */
  fixture: string;
}

export interface Serving {
  fixture: string;
  status?: number;
  gapMs?: number;
  /** Extra response headers (e.g. `x-amzn-requestid`). */
  headers?: Record<string, string>;
}

export interface Outbound {
  /** The Miniflare `outboundService` of the Worker called `worker`. */
  handler(worker: string): { node: (req: NodeIncomingMessage, res: NodeServerResponse) => void };
  /** What the following requests are answered with, until the next serve(). */
  serve(serving: Serving): void;
  /** Every request recorded (live array); pass-through requests are not recorded. */
  requests: OutboundRequest[];
}

/** Miniflare's routing header, added to each request it hands a Node outbound service. */
const MINIFLARE_HEADERS = ["mf-custom-node-service"];

function headersOf(req: NodeIncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || MINIFLARE_HEADERS.includes(name)) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function forward(req: NodeIncomingMessage, res: NodeServerResponse, body: Uint8Array, host: string): Promise<void> {
  const headers = headersOf(req);
  for (const name of ["host", "connection", "content-length", "transfer-encoding", "keep-alive"]) delete headers[name];
  const response = await fetch(`http://${host}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: body.byteLength > 0 ? (body as Uint8Array<ArrayBuffer>) : undefined,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
  res.end(bytes);
}

async function answer(res: NodeServerResponse, serving: Serving): Promise<void> {
  const { fixture, status = 200, gapMs = DEFAULT_GAP_MS } = serving;
  const chunks = fixtureChunks(fixture);
  const streaming = fixtureKind(fixture) !== "json";
  const headers: Record<string, string | number> = { "content-type": contentTypeFor(fixture), ...serving.headers };
  if (streaming) headers["cache-control"] = "no-cache";
  else headers["content-length"] = concatBytes(chunks).byteLength;
  res.writeHead(status, headers);
  if (!streaming) {
    res.end(chunks[0]);
    return;
  }
  res.flushHeaders();
  for (const chunk of chunks) {
    await sleep(gapMs);
    if (res.destroyed) return;
    res.write(chunk);
  }
  res.end();
}

export function createOutbound(opts: { passThrough: string[] }): Outbound {
  const requests: OutboundRequest[] = [];
  const passThrough = new Set(opts.passThrough.map((origin) => new URL(origin).host));
  let serving: Serving | undefined;
  const handle = async (worker: string, req: NodeIncomingMessage, res: NodeServerResponse) => {
    const body = await readBody(req);
    const host = String(req.headers.host ?? "");
    if (passThrough.has(host)) return forward(req, res, body, host);
    // A Date header would differ between the two Workers' runs; the fixtures carry none.
    (res as unknown as { sendDate: boolean }).sendDate = false;
    if (!serving) {
      res.writeHead(599, { "content-type": "text/plain" });
      res.end(`outbound: no fixture chosen for ${req.method} ${host}${req.url}`);
      return;
    }
    requests.push({ worker, method: req.method ?? "GET", host, path: req.url ?? "/", headers: headersOf(req), body, fixture: serving.fixture });
    await answer(res, serving);
  };
  return {
    handler: (worker) => ({
      node: (req, res) => {
        handle(worker, req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
          res.end(`outbound error: ${(error as Error)?.message ?? error}`);
        });
      },
    }),
    serve(next) {
      serving = next;
    },
    requests,
  };
}
