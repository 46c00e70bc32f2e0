/**
 * Shared by the test/e2e/genai-*.test.ts files: starts the collector, the replay server, the
 * instrumented GenAI Worker (in one or more configurations) and the bare reference Worker; runs
 * one call through both and gathers what each side saw; and holds the attribute values every
 * fixture must produce (the same values test/genai/*.test.ts fold the fixtures to).
 */
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { RunRequest } from "../workers/genai-app.js";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { fixtureText, type Replay, type ReplayOptions, type ReplayRequest, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

export const API_KEY = "sk-e2e-9d3f71c2a4b8e605-SECRET";
/** Distinctive prompt and system texts: they must never reach the exported telemetry. */
export const PROMPT = "zq-prompt-7319 which ocean is the largest?";
export const SYSTEM = "zq-system-5521 answer in one sentence";
export const SERVER = 2;
export const CLIENT = 3;
export const SCOPE = "otel-genai-edge";
export const SCHEMA_V141 = "https://opentelemetry.io/schemas/1.41.0";
export const SCHEMA_LATEST = "https://opentelemetry.io/schemas/gen-ai-dev/1.42.0-dev";
/** Request attributes added after v1.41.0: the default (v1.41) profile leaves them out. */
const LATER_REQUEST_ATTRIBUTES = ["gen_ai.request.reasoning.level", "gen_ai.request.previous_response.id"];

/** The attributes a call's span has under the default v1.41 profile, from the latest profile's. */
export function v141<T extends Record<string, unknown>>(attributes: T): T {
  const out = { ...attributes };
  for (const key of LATER_REQUEST_ATTRIBUTES) delete out[key];
  return out;
}

/**
 * The span status of a quota failure inside a 200: the provider's error code. Its text is never
 * recorded (it may echo keys or prompts). On an HTTP error the code is `error.type` and the
 * status description is the HTTP status.
 */
export const QUOTA_MESSAGE = "insufficient_quota";

export const messages = [
  { role: "system", content: SYSTEM },
  { role: "user", content: PROMPT },
];

export type Attrs = Record<string, unknown>;

/**
 * Response-side attributes of each fixture, served whole (default profile). Streams include
 * the output chunk count. Provider-specific names are those of the provider the fixture is
 * served as (openai, azure.ai.openai, anthropic, groq).
 */
export const RESPONSE: Record<string, Attrs> = {
  "openai/chat-stream-include-usage.sse": {
    "gen_ai.response.id": "chatcmpl-BuDrRRWybY6JHzabaUyR2OtaEGp79",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 22,
    "gen_ai.usage.output_tokens": 4,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
    "otel_genai_edge.stream.chunks": 4,
  },
  "openai/chat-stream-parallel-tool-calls.sse": {
    "gen_ai.response.id": "chatcmpl-BuDpRr8h0kwBLc53wzb0GeYXsWCcX",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["tool_calls"],
    "openai.response.service_tier": "default",
    "otel_genai_edge.stream.chunks": 13,
  },
  "openai/chat-stream-tool-call-include-usage.sse": {
    "gen_ai.response.id": "chatcmpl-ChZNcadOV8XXL9i2Jh0PXsrur4L8k",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["tool_calls"],
    "gen_ai.usage.input_tokens": 59,
    "gen_ai.usage.output_tokens": 17,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_b547601dbd",
    "otel_genai_edge.stream.chunks": 10,
  },
  "openai/chat-stream-n2-multiple-choices.sse": {
    "gen_ai.response.id": "chatcmpl-BuDPruvXvy1cTouU79MhRWdmZWMqk",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["stop", "stop"],
    "openai.response.service_tier": "default",
    "otel_genai_edge.stream.chunks": 6,
  },
  "openai/azure-chat-stream-prompt-filter.sse": {
    "gen_ai.response.id": "chatcmpl-9HpbaAXyt0cAnlWvI8kUAFpZt5jyQ",
    "gen_ai.response.model": "gpt-35-turbo",
    "gen_ai.response.finish_reasons": ["stop"],
    "otel_genai_edge.stream.chunks": 24,
  },
  "openai/chat-nonstream.json": {
    "gen_ai.response.id": "chatcmpl-C4TUZMARo4XM8eqL685o7Un8pCHDX",
    "gen_ai.response.model": "gpt-3.5-turbo-0125",
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 15,
    "gen_ai.usage.output_tokens": 20,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
  },
  "openai/chat-nonstream-tool-calls.json": {
    "gen_ai.response.id": "chatcmpl-BuC0QNgPhzfHw7tSwGnvSOIL636JK",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["tool_calls"],
    "gen_ai.usage.input_tokens": 57,
    "gen_ai.usage.output_tokens": 46,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
  },
  "openai/error-400-invalid-image-url.json": { "error.type": "invalid_image_url" },
  "openai/embeddings-base64.json": {
    "gen_ai.response.model": "text-embedding-ada-002",
    "gen_ai.usage.input_tokens": 8,
    "gen_ai.embeddings.dimension.count": 1536,
  },
  "groq/chat-stream.sse": {
    "gen_ai.response.id": "chatcmpl-532a6640-2e18-4a4c-8406-8437a857ce48",
    "gen_ai.response.model": "llama3-8b-8192",
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 18,
    "gen_ai.usage.output_tokens": 73,
    "otel_genai_edge.stream.chunks": 72,
  },
  "openai-responses/responses-stream-text.sse": {
    "gen_ai.response.id": "resp_0ed97e9f646758460069d790d994888195be760e0f744275b3",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["completed"],
    "gen_ai.usage.input_tokens": 13,
    "gen_ai.usage.output_tokens": 104,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
    "otel_genai_edge.stream.chunks": 103,
  },
  "openai-responses/responses-stream-function-call.sse": {
    "gen_ai.response.id": "resp_689f74ea5fd48196ab2eea221ac99b2c05e045a92c8fd6eb",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.finish_reasons": ["completed"],
    "gen_ai.usage.input_tokens": 310,
    "gen_ai.usage.output_tokens": 17,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
    "otel_genai_edge.stream.chunks": 6,
  },
  /**
   * Read to the end (plain fetch): the `error` event, then `response.failed`. `failed` is a
   * status, not a finish reason: v1.41 lists none (latest would list "error").
   */
  "openai-responses/responses-stream-error-insufficient-quota.sse": {
    "gen_ai.response.id": "resp_05500b38c2cd9bfc00691c7c9d222481a3b595421266dab424",
    "gen_ai.response.model": "gpt-5-nano-2025-08-07",
    "openai.response.service_tier": "auto",
    "otel_genai_edge.stream.chunks": 0,
    "error.type": "insufficient_quota",
  },
  "openai-responses/error-insufficient-quota.json": { "error.type": "insufficient_quota" },
  "openai-responses/responses-nonstream.json": {
    "gen_ai.response.id": "resp_098a86033e882e31006a1818d103048192889c7541e8827731",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["completed"],
    "gen_ai.usage.input_tokens": 14,
    "gen_ai.usage.output_tokens": 26,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 0,
    "openai.response.service_tier": "default",
  },
  "anthropic/messages-stream-text.sse": {
    "gen_ai.response.id": "msg_0178nRhNdfNKxFcZRFqApVgL",
    "gen_ai.response.model": "claude-3-opus-20240229",
    "gen_ai.response.finish_reasons": ["end_turn"],
    "gen_ai.usage.input_tokens": 17,
    "gen_ai.usage.output_tokens": 158,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.cache_creation.input_tokens": 0,
    "otel_genai_edge.stream.chunks": 61,
  },
  "anthropic/messages-stream-tool-use.sse": {
    "gen_ai.response.id": "msg_0138UNF3YbNp49KkqZtUBWqz",
    "gen_ai.response.model": "claude-3-5-sonnet-20240620",
    "gen_ai.response.finish_reasons": ["tool_use"],
    "gen_ai.usage.input_tokens": 506,
    "gen_ai.usage.output_tokens": 153,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.cache_creation.input_tokens": 0,
    "otel_genai_edge.stream.chunks": 23,
  },
  "anthropic/messages-stream-thinking.sse": {
    "gen_ai.response.id": "msg_01Rg6AMdcuaQkn3YPvgQvffV",
    "gen_ai.response.model": "claude-sonnet-4-6",
    "gen_ai.response.finish_reasons": ["end_turn"],
    "gen_ai.usage.input_tokens": 52,
    "gen_ai.usage.output_tokens": 204,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.cache_creation.input_tokens": 0,
    "gen_ai.usage.reasoning.output_tokens": 54,
    "otel_genai_edge.stream.chunks": 6,
  },
  "anthropic/messages-nonstream.json": {
    "gen_ai.response.id": "msg_01ABEG1nJ4BqCbQR4BUANnCB",
    "gen_ai.response.model": "claude-3-opus-20240229",
    "gen_ai.response.finish_reasons": ["end_turn"],
    "gen_ai.usage.input_tokens": 17,
    "gen_ai.usage.output_tokens": 137,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.cache_creation.input_tokens": 0,
  },
  "anthropic/messages-nonstream-thinking.json": {
    "gen_ai.response.id": "msg_018V3xGyrq6nc25GVuWiaKHx",
    "gen_ai.response.model": "claude-opus-4-1-20250805",
    "gen_ai.response.finish_reasons": ["end_turn"],
    "gen_ai.usage.input_tokens": 49,
    "gen_ai.usage.output_tokens": 186,
    "gen_ai.usage.cache_read.input_tokens": 0,
    "gen_ai.usage.cache_creation.input_tokens": 0,
  },
};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

export interface Harness {
  collector: Collector;
  replay: Replay;
  /** Instrumented Workers by configuration name. */
  workers: Record<string, StartedWorker>;
  bare: StartedWorker;
  /** The replay server's port (server.port of every call). */
  port: number;
  close(): Promise<void>;
}

/**
 * Starts everything. `variants` gives each instrumented Worker's extra env (a function of the
 * replay server, for host mappings). The SDKs import `node:*` modules, hence `nodejs_compat`
 * (the package itself needs no flag).
 */
export async function startHarness(
  variants: Record<string, (replay: Replay) => Record<string, string>>,
): Promise<Harness> {
  const collector = await startCollector();
  const replay = await startReplay();
  const common = { entry: "", compatibilityFlags: ["nodejs_compat"] };
  const names = Object.keys(variants);
  const started = await Promise.all([
    startWorker({ ...common, entry: "test/workers/genai-bare.ts", env: { API_KEY } }),
    ...names.map((name) =>
      startWorker({
        ...common,
        entry: "test/workers/genai.ts",
        env: {
          API_KEY,
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_SERVICE_NAME: `genai-e2e-${name}`,
          // Each call's metrics are awaited: every flush exports them.
          OTEL_METRIC_EXPORT_INTERVAL: "0",
          ...variants[name](replay),
        },
      }),
    ),
  ]);
  const [bare, ...instrumented] = started;
  const workers = Object.fromEntries(names.map((name, i) => [name, instrumented[i]]));
  return {
    collector,
    replay,
    workers,
    bare,
    port: Number(new URL(replay.url).port),
    async close() {
      await Promise.all(started.map((w) => w.close()));
      await collector.close();
      await replay.close();
    },
  };
}

export interface Output {
  status: number;
  contentType: string | null;
  text: string;
  /** Parsed when the Worker answered JSON (the SDK result or error). */
  json?: any;
}

export interface CallRun {
  traceId: string;
  traced: Output;
  /** The request as the replay server received it from the instrumented Worker. */
  tracedRequest: ReplayRequest;
  bare?: Output;
  bareRequest?: ReplayRequest;
  /** Every span of the trace. */
  spans: DecodedSpan[];
  server: DecodedSpan;
  /** Our CLIENT spans in the trace. */
  clients: DecodedSpan[];
  /** The exported OTLP JSON text that holds this trace. */
  exported: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

async function call(worker: StartedWorker, run: RunRequest, traceparent?: string): Promise<Output> {
  const response = await worker.fetch("/run", {
    method: "POST",
    headers: traceparent ? { traceparent, "content-type": "application/json" } : { "content-type": "application/json" },
    body: JSON.stringify(run),
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type");
  const out: Output = { status: response.status, contentType, text };
  if (contentType?.includes("application/json")) out.json = JSON.parse(text);
  return out;
}

/**
 * One call through the instrumented Worker `variant` (with an incoming traceparent naming a
 * fresh trace) and, unless `bare` is false, the same call through the bare Worker, at once.
 * Resolves when the trace has been exported.
 */
export async function runCall(
  h: Harness,
  run: RunRequest,
  opts: { variant?: string; bare?: boolean } = {},
): Promise<CallRun> {
  const traceId = hex(16);
  const worker = h.workers[opts.variant ?? "default"];
  const before = h.replay.requests.length;
  const [traced, bare] = await Promise.all([
    call(worker, run, `00-${traceId}-${hex(8)}-01`),
    opts.bare === false ? Promise.resolve(undefined) : call(h.bare, run),
  ]);
  const arrived = h.replay.requests.slice(before);
  const tracedRequests = arrived.filter((r) => r.headers.traceparent?.startsWith(`00-${traceId}-`));
  const bareRequests = arrived.filter((r) => r.headers.traceparent === undefined);
  expect(tracedRequests, "one request from the instrumented Worker").toHaveLength(1);
  expect(bareRequests, "one request from the bare Worker").toHaveLength(opts.bare === false ? 0 : 1);

  const all = await h.collector.waitForSpans((spans) => spans.some((s) => s.traceId === traceId && s.kind === SERVER), 10_000);
  const spans = all.filter((s) => s.traceId === traceId);
  const server = spans.find((s) => s.kind === SERVER)!;
  const exported = h.collector.requests
    .filter((r) => r.path.endsWith("/v1/traces") && r.text.includes(traceId))
    .map((r) => r.text)
    .join("\n");
  return {
    traceId,
    traced,
    tracedRequest: tracedRequests[0],
    bare,
    bareRequest: bareRequests[0],
    spans,
    server,
    clients: spans.filter((s) => s.kind === CLIENT && s.scope.name === SCOPE),
    exported,
  };
}

/** The HTTP-side attributes of a call to the replay server. */
export function httpAttributes(h: Harness, base: string, subPath: string, status: number, method = "POST"): Attrs {
  return {
    "http.request.method": method,
    "server.address": "127.0.0.1",
    "server.port": h.port,
    "url.full": `${base}${subPath}`,
    "http.response.status_code": status,
  };
}

export interface GenaiExpectation {
  name: string;
  /** The exact attribute set, except gen_ai.response.time_to_first_chunk (checked apart). */
  attributes: Attrs;
  /** Span status description of a failed call. */
  errorMessage?: string;
  /**
   * The SDK makes its own GenAI call span with this name (the Anthropic SDK traces through
   * @opentelemetry/api): ours replaces it, so it is never exported and the call has one GenAI span.
   */
  replacesSdkSpan?: string;
}

/**
 * The one GenAI span of the run: name, kind, exact attributes, TTFC for streams, status,
 * parentage, and the traceparent the replay server received names it. Returns it.
 */
export function expectGenaiSpan(r: CallRun, e: GenaiExpectation): DecodedSpan {
  expect(r.clients, "one CLIENT span of ours per call").toHaveLength(1);
  const span = r.clients[0];
  expect(span.name).toBe(e.name);
  expect(span.kind).toBe(CLIENT);
  const { "gen_ai.response.time_to_first_chunk": ttfc, ...rest } = span.attributes;
  expect(rest).toEqual(e.attributes);
  const durationS = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;
  expect(durationS).toBeGreaterThan(0);
  // Time to first chunk exactly when an output chunk arrived.
  if (Number(e.attributes["otel_genai_edge.stream.chunks"] ?? 0) > 0) {
    expect(typeof ttfc).toBe("number");
    expect(ttfc as number).toBeGreaterThan(0);
    expect(ttfc as number).toBeLessThanOrEqual(durationS + 0.001);
  } else {
    expect(ttfc).toBeUndefined();
  }
  if (e.attributes["error.type"] !== undefined) {
    expect(span.status.code).toBe(2);
    if (e.errorMessage !== undefined) expect(span.status.message).toBe(e.errorMessage);
  } else {
    expect(span.status.code).toBe(0);
  }
  // One GenAI span per call, even when the SDK made its own: ours replaced it.
  expect(r.spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined)).toEqual([span]);
  if (e.replacesSdkSpan) expect(r.spans.map((s) => s.name)).not.toContain(e.replacesSdkSpan);
  // Parentage: under the SERVER span, and ended inside it; a whole JSON answer is read from a
  // clone alongside the app, so its span ends when the body arrived, within a tick of the app.
  expect(span.parentSpanId).toBe(r.server.spanId);
  const slack = span.attributes["gen_ai.request.stream"] ? 0n : 50_000_000n;
  expect(span.endTimeUnixNano).toBeLessThanOrEqual(r.server.endTimeUnixNano + slack);
  expect(r.tracedRequest.headers.traceparent).toBe(`00-${r.traceId}-${span.spanId}-01`);
  return span;
}

/** The instrumented call returned exactly what the bare one did, and sent exactly the same request. */
export function expectSameAsBare(r: CallRun, opts: { sameBody?: boolean } = {}): void {
  expect(r.traced.status).toBe(r.bare!.status);
  expect(r.traced.contentType).toBe(r.bare!.contentType);
  if (r.traced.json !== undefined) expect(r.traced.json).toEqual(r.bare!.json);
  else expect(r.traced.text).toBe(r.bare!.text);
  const { traceparent, tracestate, ...tracedHeaders } = r.tracedRequest.headers;
  expect(traceparent).toBeDefined();
  expect(tracestate).toBeUndefined();
  const { "content-length": tracedLength, ...tracedRest } = tracedHeaders;
  const { "content-length": bareLength, ...bareRest } = r.bareRequest!.headers;
  expect(tracedRest).toEqual(bareRest);
  if (opts.sameBody !== false) {
    expect(r.tracedRequest.body).toBe(r.bareRequest!.body);
    expect(tracedLength).toBe(bareLength);
  }
}

/** Text that must never be exported: the key and the prompt, plus the fixture's generated content. */
export function expectNoSecrets(exported: string, fixtures: string[]): void {
  expect(exported.length).toBeGreaterThan(0);
  for (const secret of [API_KEY, PROMPT, SYSTEM, "Bearer"]) expect(exported).not.toContain(secret);
  for (const fixture of fixtures) {
    for (const text of contentStrings(fixture)) {
      expect(exported, `content of ${fixture}`).not.toContain(text);
      expect(exported, `content of ${fixture}`).not.toContain(JSON.stringify(text).slice(1, -1));
    }
  }
}

const CONTENT_KEYS = new Set(["content", "text", "delta", "arguments", "partial_json", "thinking", "refusal", "embedding", "signature"]);

/**
 * Generated content in a fixture: every string of 12+ characters under a content key, and
 * the concatenation of all of them (a recorded completion would be the whole text).
 */
export function contentStrings(fixture: string): string[] {
  const raw = fixtureText(fixture);
  const bodies: unknown[] = [];
  if (fixture.endsWith(".json")) bodies.push(JSON.parse(raw));
  else {
    for (const line of raw.split(/\r?\n/)) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") continue;
      bodies.push(JSON.parse(data));
    }
  }
  const found: string[] = [];
  const walk = (value: unknown, key: string | undefined) => {
    if (typeof value === "string") {
      if (key && CONTENT_KEYS.has(key)) found.push(value);
    } else if (Array.isArray(value)) for (const v of value) walk(v, key);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  for (const body of bodies) walk(body, undefined);
  const long = found.filter((s) => s.trim().length >= 12);
  const joined = found.join("");
  return joined.trim().length >= 12 ? [...new Set([...long, joined])] : [...new Set(long)];
}

/**
 * Number of `data:` events of an SSE fixture, the `[DONE]` sentinel and the named `skip`
 * events excluded: what an SDK yields.
 */
export function dataEvents(fixture: string, skip: string[] = []): number {
  let count = 0;
  let event: string | undefined;
  for (const line of fixtureText(fixture).split(/\r?\n/)) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) {
      if (line.slice(5).trim() !== "[DONE]" && !(event && skip.includes(event))) count++;
    } else if (line === "") event = undefined;
  }
  return count;
}

/** Convenience: the replay base for a fixture. */
export function base(h: Harness, fixture: string, opts?: ReplayOptions): string {
  return h.replay.baseFor(fixture, opts);
}
