/**
 * The local upstream the app fetches from, in the test process. Paths are
 * `/t/<token>/<route>`: one token per case and variant, so each run's requests are recorded
 * apart. Per request it records method, path (after the token), every header but
 * traceparent/tracestate (the only ones the wrapper may add), body bytes, and whether the body
 * arrived whole. Multipart boundaries (random per request) are replaced by a fixed one, in the
 * recording and in what /echo sends back.
 *
 * Routes: /echo, /bytes?n=&chunked=1, /chunked?n=, /gzip|/deflate|/br[?chunked=1], /gzip-raw,
 * /json, /headers, /status/<code>, /redirect/<code> (to /echo), /sse, /v1/chat/completions
 * (a recorded OpenAI stream, or JSON when `stream` is false), /hang, /hang-body.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { listenLoopback, type NodeIncomingMessage, type NodeServerResponse } from "../support/collector.js";
import { fixtureBytes, fixtureChunks } from "../support/replay.js";

export type BodySummary = { length: number; base64: string } | { length: number; sha256: string };

export interface UpstreamRequest {
  method: string;
  path: string;
  /** Lower-cased name → values in the order sent. */
  headers: Record<string, string[]>;
  body: BodySummary;
  /** The request body ended normally (false: the connection closed first). */
  complete: boolean;
  /** Not compared: what the wrapper injected. */
  traceparent: string | null;
}

export interface Upstream {
  url: string;
  /** The base URL for a token: `${url}/t/${token}`. */
  base(token: string): string;
  /** This token's requests, once each one's body has ended or its connection closed. */
  requests(token: string): Promise<UpstreamRequest[]>;
  close(): Promise<void>;
}

export const TEXT = "The quick brown fox jumps over the lazy dog. Transparency means byte for byte.\n".repeat(160);
const GZIP = gzipSync(TEXT);
const ENCODED: Record<string, Buffer> = { gzip: GZIP, deflate: deflateSync(TEXT), br: brotliCompressSync(TEXT) };
export const LLM_STREAM = "openai/chat-stream-include-usage.sse";
const LLM_JSON = "openai/chat-nonstream.json";
const BLOCK = Buffer.alloc(65536, 0).map((_, i) => (i * 31 + (i >> 8)) & 255);
const BOUNDARY = "----fixed-boundary-for-comparison";

export function headerMap(pairs: [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) (out[name] ??= []).push(value);
  return out;
}

export function summarizeBytes(bytes: Uint8Array): BodySummary {
  if (bytes.byteLength <= 4096) return { length: bytes.byteLength, base64: Buffer.from(bytes).toString("base64") };
  return { length: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes with backpressure; stops when the client went away. */
async function write(res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/**
 * Streamed bodies (chunked, SSE, the LLM stream) pause after their first piece, so they are
 * not complete when the app hands them on: Bun sends a fetched body it already holds whole with
 * a Content-Length, and whether it does would depend on the machine's load.
 */
const FIRST_PAUSE_MS = 150;

async function sendBytes(res: ServerResponse, n: number, chunked: boolean, head: boolean): Promise<void> {
  res.writeHead(200, { "content-type": "application/octet-stream", ...(chunked ? {} : { "content-length": n }) });
  if (head) return void res.end();
  const piece = chunked ? Math.min(BLOCK.length, Math.ceil(n / 3)) : BLOCK.length;
  for (let sent = 0; sent < n; sent += piece) {
    if (!(await write(res, BLOCK.subarray(0, Math.min(piece, n - sent))))) return;
    if (chunked && sent === 0) await sleep(FIRST_PAUSE_MS);
  }
  res.end();
}

function normalizeMultipart(headers: [string, string][], body: Buffer): Buffer {
  const type = headers.find(([name]) => name === "content-type")?.[1] ?? "";
  const boundary = /boundary=("?)([^";]+)\1/.exec(type)?.[2];
  if (!boundary) return body;
  const normalized = Buffer.from(body.toString("latin1").split(boundary).join(BOUNDARY), "latin1");
  for (const header of headers) {
    if (header[0] === "content-type") header[1] = header[1].split(boundary).join(BOUNDARY);
    if (header[0] === "content-length") header[1] = String(normalized.length);
  }
  return normalized;
}

async function respond(route: string, query: URLSearchParams, token: string, req: IncomingMessage, res: ServerResponse, body: Promise<Buffer>): Promise<void> {
  const head = req.method === "HEAD";
  const [, first, arg] = route.split("/");
  switch (first) {
    case "echo": {
      const bytes = await body;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length, "x-echo-method": req.method ?? "" });
      return void res.end(bytes);
    }
    case "bytes":
    case "chunked":
      return sendBytes(res, Number(query.get("n") ?? 0), first === "chunked" || query.has("chunked"), head);
    case "gzip":
    case "deflate":
    case "br": {
      const bytes = ENCODED[first];
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-encoding": first, ...(query.has("chunked") ? {} : { "content-length": bytes.length }) });
      return void res.end(bytes);
    }
    case "gzip-raw":
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": GZIP.length });
      return void res.end(GZIP);
    case "json":
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "world", n: [1, 2, 3] }));
    case "early":
      // Answers at once, before the request body has ended (an upload the app goes on with after the answer).
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ answered: "before the body ended" }));
    case "headers":
      res.writeHead(200, ["content-type", "text/plain", "set-cookie", "a=1; Path=/", "set-cookie", "b=2; HttpOnly", "x-multi", "one", "x-multi", "two", "X-Mixed-Case", "Value", "content-length", "2"]);
      return void res.end("ok");
    case "status": {
      const code = Number(arg);
      if (code === 204 || code === 304) return void res.writeHead(code, { etag: '"e1"', "x-status": String(code) }).end();
      return void res.writeHead(code, `Custom Reason ${code}`, { "content-type": "text/plain" }).end(`status ${code}`);
    }
    case "redirect":
      await body;
      res.writeHead(Number(arg), { location: `/t/${token}/echo`, "content-type": "text/plain", "content-length": 11 });
      return void res.end("redirecting");
    case "sse":
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (let i = 0; i < 5; i++) {
        if (!(await write(res, Buffer.from(`id: ${i}\ndata: {"n":${i}}\n\n`)))) return;
        await sleep(i === 0 ? FIRST_PAUSE_MS : 2);
      }
      return void res.end("event: done\ndata: [DONE]\n\n");
    case "v1": {
      let stream = true;
      try {
        stream = JSON.parse((await body).toString()).stream !== false;
      } catch {
        return void res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad json"}');
      }
      if (!stream) return void res.writeHead(200, { "content-type": "application/json" }).end(fixtureBytes(LLM_JSON));
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const [i, chunk] of fixtureChunks(LLM_STREAM).entries()) {
        if (!(await write(res, chunk))) return;
        await sleep(i === 0 ? FIRST_PAUSE_MS : 1);
      }
      return void res.end();
    }
    case "hang":
      return;
    case "hang-body":
      res.writeHead(200, { "content-type": "text/plain" });
      return void res.write("first chunk");
    default:
      return void res.writeHead(404).end(`no route ${route}`);
  }
}

export async function startUpstream(): Promise<Upstream> {
  const recorded = new Map<string, Promise<UpstreamRequest>[]>();
  const server = await listenLoopback((nodeReq: NodeIncomingMessage, nodeRes: NodeServerResponse) => {
    const req = nodeReq as unknown as IncomingMessage;
    const res = nodeRes as unknown as ServerResponse;
    res.sendDate = false;
    const url = new URL(req.url ?? "/", "http://upstream");
    const match = /^\/t\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!match) return void res.writeHead(404).end("no token");
    const [, token, route = "/"] = match;
    const headers: [string, string][] = [];
    let traceparent: string | null = null;
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      // Every value, as a list when there are several (Deno's fetch appends its own to the app's).
      if (name === "traceparent") traceparent = traceparent === null ? req.rawHeaders[i + 1] : `${traceparent}, ${req.rawHeaders[i + 1]}`;
      else if (name !== "tracestate") headers.push([name, req.rawHeaders[i + 1]]);
    }
    const body = new Promise<{ bytes: Buffer; complete: boolean }>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => resolve({ bytes: Buffer.concat(chunks), complete: true }));
      req.on("close", () => resolve({ bytes: Buffer.concat(chunks), complete: false }));
    }).then(({ bytes, complete }) => ({ bytes: normalizeMultipart(headers, bytes), complete }));
    // How much of an upload the answer cut arrives depends on timing (bare as much as wrapped): not recorded.
    const cut = route.startsWith("/early/");
    const entry = body.then(({ bytes, complete }) => ({
      method: req.method ?? "",
      path: route + url.search,
      headers: headerMap(headers),
      body: summarizeBytes(cut ? Buffer.alloc(0) : bytes),
      complete: cut || complete,
      traceparent,
    }));
    recorded.set(token, [...(recorded.get(token) ?? []), entry]);
    respond(route, url.searchParams, token, req, res, body.then((b) => b.bytes)).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  return {
    url: server.url,
    base: (token) => `${server.url}/t/${token}`,
    async requests(token) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`upstream: a request body for ${token} never ended`)), 5000);
      });
      try {
        return await Promise.race([Promise.all(recorded.get(token) ?? []), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => server.close(),
  };
}
