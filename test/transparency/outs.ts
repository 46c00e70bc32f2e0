/**
 * Client-side cases: the app returns a Response (one it built, or the upstream's passed
 * through) and the test reads it raw over HTTP: status line, every header, body bytes as sent.
 */
import { chatBody } from "./probes-request.js";
import type { CaseContext } from "./observe.js";

type Out = (c: CaseContext) => Promise<Response> | Response;

/** The 20 MB+ bodies; the others large enough to need many chunks. */
const LARGE = 20 * 1024 * 1024 + 17;
const MEDIUM = 3 * 1024 * 1024 + 5;

function block(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8)) & 255;
  return bytes;
}

function generated(total: number, chunk = 65536): ReadableStream<Uint8Array> {
  const source = block(chunk);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      controller.enqueue(source.slice(0, n));
      sent += n;
    },
  });
}

function threeChunks(): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of ["one ", "two ", "three"]) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

const chatInit = (): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" },
  body: chatBody(true),
});

export const OUTS: Record<string, Out> = {
  // ---- responses the app builds
  "out-string": () => new Response("hello from the app ✓", { headers: { "content-type": "text/plain; charset=utf-8", "x-app": "1" } }),
  "out-bytes": () => new Response(block(2000), { headers: { "content-type": "application/octet-stream" } }),
  "out-stream": () => new Response(threeChunks(), { headers: { "content-type": "text/plain" } }),
  "out-stream-content-length": () => new Response(threeChunks(), { headers: { "content-type": "text/plain", "content-length": "13" } }),
  "out-json": () => Response.json({ built: true, list: [1, 2, 3] }, { status: 201 }),
  "out-json-accept-encoding": () => Response.json({ compressible: "text ".repeat(200) }),
  "out-status-text": () => new Response("teapot", { status: 418, statusText: "Custom Reason" }),
  "out-set-cookie": () => {
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; HttpOnly");
    headers.append("x-multi", "one");
    headers.append("x-multi", "two");
    return new Response("cookies", { headers });
  },
  "out-204": () => new Response(null, { status: 204, headers: { "x-app": "no content" } }),
  "out-304": () => new Response(null, { status: 304, headers: { etag: '"v1"' } }),
  "out-null-body": () => new Response(null),
  "out-empty-string": () => new Response(""),
  "out-large-stream": () => new Response(generated(LARGE), { headers: { "content-type": "application/octet-stream" } }),
  "out-large-bytes": () => new Response(block(MEDIUM), { headers: { "content-type": "application/octet-stream" } }),
  "out-redirect": () => Response.redirect("http://example.test/elsewhere", 302),
  "out-encode-manual": async (c) => {
    const gz = await (await fetch(`${c.up}/gzip-raw`)).arrayBuffer();
    return new Response(gz, { encodeBody: "manual", headers: { "content-type": "text/plain", "content-encoding": "gzip" } } as ResponseInit);
  },
  "out-500": () => new Response("failed", { status: 500 }),
  "out-not-a-response": () => "not a response" as unknown as Response,
  "out-used-body": async () => {
    const response = new Response("already read");
    await response.text();
    return response;
  },
  "out-locked-body": () => {
    const response = new Response(threeChunks());
    response.body!.getReader();
    return response;
  },
  "out-throw": () => {
    throw new Error("the app failed");
  },
  "out-reject": async () => {
    await Promise.resolve();
    throw new TypeError("the app rejected");
  },

  // ---- the upstream's response passed through as is
  "out-pass-plain": (c) => fetch(`${c.up}/bytes?n=3000`),
  "out-pass-empty": (c) => fetch(`${c.up}/bytes?n=0`),
  "out-pass-chunked": (c) => fetch(`${c.up}/chunked?n=3000`),
  "out-pass-gzip": (c) => fetch(`${c.up}/gzip`),
  "out-pass-gzip-chunked": (c) => fetch(`${c.up}/gzip?chunked=1`),
  "out-pass-deflate": (c) => fetch(`${c.up}/deflate`),
  "out-pass-br": (c) => fetch(`${c.up}/br`),
  "out-pass-encode-manual": (c) => fetch(`${c.up}/gzip`, { encodeResponseBody: "manual" } as RequestInit),
  "out-pass-204": (c) => fetch(`${c.up}/status/204`),
  "out-pass-304": (c) => fetch(`${c.up}/status/304`),
  "out-pass-head": (c) => fetch(`${c.up}/bytes?n=1000`, { method: c.request.method }),
  "out-pass-404": (c) => fetch(`${c.up}/status/404`),
  "out-pass-500": (c) => fetch(`${c.up}/status/500`),
  "out-pass-status-text": (c) => fetch(`${c.up}/status/418`),
  "out-pass-headers": (c) => fetch(`${c.up}/headers`),
  "out-pass-redirect-manual": (c) => fetch(`${c.up}/redirect/302`, { redirect: "manual" }),
  "out-pass-redirect-followed": (c) => fetch(`${c.up}/redirect/301`),
  "out-pass-large": (c) => fetch(`${c.up}/bytes?n=${LARGE}`),
  "out-pass-large-chunked": (c) => fetch(`${c.up}/bytes?n=${MEDIUM}&chunked=1`),
  "out-pass-sse": (c) => fetch(`${c.up}/sse`),
  "out-pass-sse-accept-encoding": (c) => fetch(`${c.up}/sse`),
  "out-pass-llm": (c) => fetch(`${c.up}/v1/chat/completions`, chatInit()),
  "out-pass-llm-accept-encoding": (c) => fetch(`${c.up}/v1/chat/completions`, chatInit()),
  "out-pass-llm-json": (c) => fetch(`${c.up}/v1/chat/completions`, { ...chatInit(), body: chatBody(false) }),
  "out-pass-llm-rebuilt": async (c) => {
    const upstream = await fetch(`${c.up}/v1/chat/completions`, chatInit());
    return new Response(upstream.body, { status: upstream.status, headers: { "content-type": upstream.headers.get("content-type") ?? "" } });
  },
  "out-pass-llm-error": (c) => fetch(`${c.up}/v1/chat/completions`, { ...chatInit(), body: "{not json" }),
  "out-pass-proxy-llm": (c) => fetch(new Request(`${c.up}/v1/chat/completions`, c.request)),
  "out-pass-proxy-llm-as-init": (c) => fetch(`${c.up}/v1/chat/completions`, c.request),
  "out-pass-proxy-echo": (c) => fetch(new Request(`${c.up}/echo`, c.request)),
  "out-pass-proxy-as-init": (c) => fetch(`${c.up}/echo`, c.request),
  "out-pass-rebuilt-headers": async (c) => {
    const upstream = await fetch(`${c.up}/bytes?n=500`);
    return new Response(upstream.body, upstream);
  },
};
