/**
 * The request-body reader, end to end in this Node process: an app wrapped by `withTracing`
 * sends arbitrary bodies (text, JSON shaped like LLM requests, bytes that are not UTF-8, a
 * Request carrying its own Content-Length) to LLM-looking paths. The wrapper reads and parses
 * them to recognise the call; whatever they hold, and whatever form carries them (a string, bytes,
 * a Blob, a stream split anywhere, a Request with or without a Content-Length), the upstream
 * receives exactly the bytes the app sent, and the app gets exactly the upstream's answer.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { type Collector, type LoopbackServer, listenLoopback, readBody, startCollector } from "../support/collector.js";

let upstream: LoopbackServer;
let collector: Collector;
const received = new Map<string, { method: string; body: Uint8Array; traceparent?: string }>();

beforeAll(async () => {
  collector = await startCollector();
  upstream = await listenLoopback(async (req, res) => {
    const body = await readBody(req);
    const id = new URL(req.url ?? "/", "http://x").searchParams.get("id") ?? "";
    received.set(id, { method: req.method ?? "", body, traceparent: req.headers.traceparent as string | undefined });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`{"id":"${id}"}`);
  });
});

afterAll(async () => {
  await flush();
  await upstream?.close();
  await collector?.close();
});

const PATHS = ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings", "/v1beta/models/x:generateContent", "/other"];

const llmJson = fc.record(
  {
    model: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    stream: fc.oneof(fc.boolean(), fc.string()),
    messages: fc.oneof(fc.array(fc.record({ role: fc.string(), content: fc.oneof(fc.string(), fc.json()) })), fc.json()),
    max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string()),
    stream_options: fc.oneof(fc.constant(undefined), fc.record({ include_usage: fc.anything() })),
  },
  { requiredKeys: [] },
);

/** The forms a prompt can take besides a plain string or bytes in an init. */
const FORMS = ["request", "request-no-length", "request-bytes", "request-stream", "request-blob", "init-stream", "init-blob"] as const;

/** `bytes` as a stream cut at `cuts` (offsets taken modulo its length). */
function streamOf(bytes: Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const ends = [...new Set(cuts.map((c) => (bytes.byteLength ? c % bytes.byteLength : 0))), bytes.byteLength].sort((x, y) => x - y);
  return new ReadableStream({
    start(controller) {
      let start = 0;
      for (const end of ends) {
        if (end > start) controller.enqueue(bytes.subarray(start, end));
        start = end;
      }
      controller.close();
    },
  });
}

function send(kind: string, url: string, headers: Record<string, string>, bytes: Uint8Array<ArrayBuffer>, cuts?: number[]): Promise<Response> {
  const post = (body: BodyInit, extra: Record<string, string> = {}) => ({ method: "POST", headers: { ...headers, ...extra }, body, duplex: "half" }) as RequestInit;
  switch (kind) {
    case "request":
      return fetch(new Request(url, post(bytes, { "content-length": String(bytes.byteLength) })));
    case "request-no-length":
      return fetch(new Request(url, post(new TextDecoder().decode(bytes)))); // the official Mistral SDK's way
    case "request-bytes":
      return fetch(new Request(url, post(bytes)));
    case "request-stream":
      return fetch(new Request(url, post(streamOf(bytes, cuts))));
    case "request-blob":
      return fetch(new Request(url, post(new Blob([bytes]))));
    case "init-stream":
      return fetch(url, post(streamOf(bytes, cuts)));
    case "init-blob":
      return fetch(url, post(new Blob([bytes])));
    default:
      return fetch(url, post(bytes));
  }
}

const bodies = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }).map((s) => ({ kind: "string" as const, text: s })),
  fc.json().map((s) => ({ kind: "string" as const, text: s })),
  llmJson.map((o) => ({ kind: "string" as const, text: JSON.stringify(o) })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: "bytes" as const, bytes: b })),
  fc.tuple(fc.constantFrom(...FORMS), fc.oneof(llmJson.map((o) => JSON.stringify(o)), fc.string({ maxLength: 100 })), fc.array(fc.nat(), { maxLength: 4 })).map(
    ([kind, text, cuts]) => ({ kind, text, cuts }),
  ),
);

const encoder = new TextEncoder();

describe("request bodies the wrapper reads", () => {
  it("any body to any LLM-looking path leaves byte for byte, and the app gets the upstream's answer", async () => {
    let n = 0;
    const app = withTracing(
      async (request: Request) => {
        const { path, body } = JSON.parse(await request.text()) as { path: string; body: { kind: string; text?: string; bytes?: number[]; cuts?: number[] } };
        const url = `${upstream.url}${path}?id=${request.headers.get("x-id")}`;
        const headers = { "content-type": "application/json", authorization: "Bearer sk-test" };
        let response: Response;
        if (body.kind === "string") response = await fetch(url, { method: "POST", headers, body: body.text });
        else response = await send(body.kind, url, headers, body.kind === "bytes" ? new Uint8Array(body.bytes!) : encoder.encode(body.text), body.cuts);
        return new Response(await response.arrayBuffer(), { status: response.status });
      },
      { endpoint: collector.url, serviceName: "fuzz-request-body", metrics: false },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), bodies, async (path, body) => {
        const id = String(n++);
        const sent = body.kind === "bytes" ? body.bytes : encoder.encode(body.text);
        const wire = { path, body: body.kind === "bytes" ? { kind: "bytes", bytes: [...body.bytes] } : body };
        const response = await app(new Request("http://app.test/", { method: "POST", headers: { "x-id": id }, body: JSON.stringify(wire) }));
        expect(await response.text()).toBe(`{"id":"${id}"}`);
        const got = received.get(id)!;
        expect(got.method).toBe("POST");
        expect(Buffer.from(got.body).equals(Buffer.from(sent))).toBe(true);
        expect(got.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
      }),
      { numRuns: 200 },
    );
    // The reader did its job: a real chat request in every form is recognised from the body it
    // read (the random bodies above are LLM-shaped only now and then, so they cannot show it).
    const forms = ["string", "bytes", ...FORMS];
    for (const [i, kind] of forms.entries()) {
      const text = JSON.stringify({ model: `model-${kind}`, messages: [{ role: "user", content: "hi" }], max_tokens: i + 1 });
      const wire = { path: "/v1/chat/completions", body: { kind, text, ...(kind === "bytes" && { bytes: [...encoder.encode(text)] }), cuts: [3, 7] } };
      const response = await app(new Request("http://app.test/", { method: "POST", headers: { "x-id": `form-${kind}` }, body: JSON.stringify(wire) }));
      expect(await response.text()).toBe(`{"id":"form-${kind}"}`);
    }
    await flush();
    const genai = collector.spans().filter((s) => s.attributes["gen_ai.operation.name"] !== undefined);
    for (const [i, kind] of forms.entries()) {
      expect([kind, genai.filter((s) => s.attributes["gen_ai.request.model"] === `model-${kind}`).map((s) => s.attributes["gen_ai.request.max_tokens"])]).toEqual([kind, [i + 1]]);
    }
  });
});
