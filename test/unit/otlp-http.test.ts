/**
 * The exporter's HTTP side on a real socket: a collector's answer is read only as far as needed
 * (bounded, the rest cancelled), exports run with tracing suppressed, and they are recognisable.
 */
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { afterEach, describe, expect, it } from "vitest";
import { isOwnExport, postOtlp } from "../../src/exporter/otlp-http.js";
import { setupContext } from "../../src/trace/context.js";
import { flattenHeaders, type LoopbackServer, listenLoopback, type NodeServerResponse } from "../support/collector.js";

const MB = 1024 * 1024;
const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Writes `total` bytes of `fill` in 64 KiB chunks, honouring backpressure; counts what the socket took. */
async function stream(res: NodeServerResponse, total: number, fill: string): Promise<number> {
  const chunk = new TextEncoder().encode(fill.repeat(64 * 1024).slice(0, 64 * 1024));
  let written = 0;
  let closed = false;
  res.once("close", () => void (closed = true));
  while (written < total && !closed) {
    written += chunk.byteLength;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
  }
  if (!closed) res.end();
  return written;
}

/** A collector answering `status` with a 50 MB body; resolves the bytes written before the client went away. */
async function hugeAnswer(status: number, fill: string) {
  let done!: (n: number) => void;
  const written = new Promise<number>((resolve) => (done = resolve));
  const server = await listenLoopback((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(status, { "content-type": "application/json" });
      void stream(res, 50 * MB, fill).then(done);
    });
  });
  servers.push(server);
  return { url: `${server.url}/v1/traces`, written };
}

const post = (url: string, extra: Partial<Parameters<typeof postOtlp>[0]> = {}) =>
  postOtlp({ url, body: new TextEncoder().encode("{}"), headers: {}, timeoutMs: 10_000, fetch: (u, init) => fetch(u, init), ...extra });

describe("a collector's answer is read bounded", () => {
  it("a 50 MB 200: the export is ok, and the client stops reading after a small prefix", async () => {
    const c = await hugeAnswer(200, " ");
    const started = Date.now();
    const result = await post(c.url);
    expect(result).toEqual({ ok: true, attempts: 1, status: 200 });
    const written = await c.written;
    // What the socket took includes the kernel's buffers on both sides (a few MB on loopback),
    // not 50 MB: reading the whole answer would have taken all of it.
    expect(written).toBeLessThan(16 * MB);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a 50 MB 400: a short reason, never the whole body", async () => {
    const c = await hugeAnswer(400, "x");
    const result = await post(c.url);
    expect(result).toEqual({ ok: false, attempts: 1, status: 400, reason: `HTTP 400: ${"x".repeat(200)}` });
    expect(await c.written).toBeLessThan(16 * MB);
  });

  it("a partial success inside the prefix is still read", async () => {
    const server = await listenLoopback((req, res) => {
      req.on("data", () => {});
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ partialSuccess: { rejectedSpans: 3, errorMessage: "too old" } }));
      });
    });
    servers.push(server);
    expect(await post(`${server.url}/v1/traces`)).toEqual({ ok: true, attempts: 1, status: 200, rejected: 3, reason: "partial success: too old" });
  });
});

describe("exports are never traced", () => {
  it("the export fetch runs with tracing suppressed", async () => {
    setupContext();
    const seen: boolean[] = [];
    const fetchSpy = async () => {
      seen.push(isTracingSuppressed(context.active()));
      return new Response("{}");
    };
    await context.with(ROOT_CONTEXT, () => post("http://collector.test/v1/traces", { fetch: fetchSpy }));
    expect(seen).toEqual([true]);
    // Only inside the export: the caller's context is untouched.
    expect(isTracingSuppressed(context.active())).toBe(false);
  });

  it("the request an export sends is recognised by isOwnExport, even with a user's User-Agent header", async () => {
    const received: Record<string, string>[] = [];
    const server = await listenLoopback((req, res) => {
      received.push(flattenHeaders(req.headers));
      req.on("data", () => {});
      req.on("end", () => res.end("{}"));
    });
    servers.push(server);
    await post(`${server.url}/v1/traces`, { headers: { "User-Agent": "my-app/1.0", "x-api-key": "k" } });
    expect(received).toHaveLength(1);
    expect(received[0]["content-type"]).toBe("application/json");
    expect(received[0]["x-api-key"]).toBe("k");
    expect(isOwnExport(new Headers(received[0]))).toBe(true);
    expect(isOwnExport(new Headers({ "user-agent": "curl/8.5.0" }))).toBe(false);
    expect(isOwnExport(new Headers())).toBe(false);
  });
});
