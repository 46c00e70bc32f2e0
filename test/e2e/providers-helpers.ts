/**
 * Shared by test/e2e/providers-*.test.ts: the instrumented and the bare provider Worker
 * (test/workers/providers*.ts) calling the providers' real hosts, answered from fixtures by
 * test/support/outbound.ts, the OTLP collector reached through the same outbound service;
 * one call through both Workers at once, and what each side saw.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { afterAll, beforeAll, expect } from "vitest";
import type { ProviderRun } from "../workers/providers-app.js";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { createOutbound, type Outbound, type OutboundRequest, type Serving } from "../support/outbound.js";
import { fixtureBytes, fixtureText } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

export const KEYS = {
  GEMINI_KEY: "AIzaSyE2E-gemini-5c1d9a7f3b2e-SECRET",
  MISTRAL_KEY: "mistral-e2e-7f2a9c4d1b8e-SECRET",
  COHERE_KEY: "cohere-e2e-3b6e8d2f9a1c-SECRET",
  AWS_ACCESS_KEY_ID: "AKIAE2EFAKE7Q3Z9W4XY",
  AWS_SECRET_ACCESS_KEY: "e2eFakeSecret/9d3f71c2a4b8e605K7bQ2xY4pLmN0sT1",
  AWS_SESSION_TOKEN: "e2eFakeSessionToken-4c8a1f7e2d9b3a6c5e0f-SECRET",
};
/** Distinctive prompt and system texts: they must never reach the exported telemetry. */
export const PROMPT = "zq-prompt-8842 which river is the longest?";
export const SYSTEM = "zq-system-6107 answer in one word";
export const CLIENT = 3;
export const SERVER = 2;
export const SCOPE = "otel-genai-edge";

export type Attrs = Record<string, unknown>;

export interface ProvidersHarness {
  collector: Collector;
  outbound: Outbound;
  traced: StartedWorker;
  bare: StartedWorker;
  close(): Promise<void>;
}

/**
 * Bare Node built-in imports (`fs`, `stream`) become `node:*` ones, as wrangler does under
 * nodejs_compat: cohere-ai's CommonJS requires `fs` and `readable-stream` lazily (file uploads).
 */
const nodeBuiltins: Plugin = {
  name: "node-builtins",
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_]+(\/[a-z_/]+)?$/ }, (args) =>
      names.has(args.path) ? { path: `node:${args.path}`, external: true } : undefined,
    );
  },
};

const bundles = new Map<string, Promise<string>>();

/**
 * The Worker bundled as wrangler would, to a file test/support/workerd.ts then loads as is:
 * platform `browser` so package.json `browser` maps apply (the AWS SDK's fetch-based runtime
 * config instead of node:http, cohere-ai's `fs: false`).
 */
export function prebundle(entry: string, family: string): Promise<string> {
  const key = `${entry} ${family}`;
  let file = bundles.get(key);
  if (!file) {
    file = build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["browser", "module", "main"],
      target: "es2022",
      external: ["cloudflare:*", "node:*"],
      plugins: [nodeBuiltins],
      define: { "globalThis.__PROVIDERS__": JSON.stringify(family) },
      minifySyntax: true,
      logLevel: "silent",
    }).then((result) => {
      const path = join(mkdtempSync(join(tmpdir(), "providers-e2e-")), "worker.mjs");
      writeFileSync(path, result.outputFiles[0].text);
      return path;
    });
    bundles.set(key, file);
  }
  return file;
}

/** The test file's harness: `start` runs before its tests (workerd may take long to start), the harness closes after them. */
export function useHarness<H extends { close(): Promise<void> }>(start: () => Promise<H>): () => H {
  let h: H | undefined;
  beforeAll(async () => {
    h = await start();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });
  return () => h!;
}

/** `family`: the SDK family the Workers carry (test/workers/providers-app.ts). */
export async function startProviders(family: "google" | "bedrock" | "more" | "openai"): Promise<ProvidersHarness> {
  const service = `providers-e2e-${family}`;
  const collector = await startCollector();
  const outbound = createOutbound({ passThrough: [collector.url] });
  const [tracedEntry, bareEntry] = await Promise.all([prebundle("test/workers/providers.ts", family), prebundle("test/workers/providers-bare.ts", family)]);
  const common = { compatibilityFlags: ["nodejs_compat"] };
  const [traced, bare] = await Promise.all([
    startWorker({
      ...common,
      entry: tracedEntry,
      env: { ...KEYS, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: service },
      miniflare: { outboundService: outbound.handler("traced") },
    }),
    startWorker({ ...common, entry: bareEntry, env: KEYS, miniflare: { outboundService: outbound.handler("bare") } }),
  ]);
  return {
    collector,
    outbound,
    traced,
    bare,
    async close() {
      await Promise.all([traced.close(), bare.close()]);
      await collector.close();
    },
  };
}

export interface ProviderCall {
  traceId: string;
  traced: any;
  bare: any;
  tracedRequest: OutboundRequest;
  bareRequest: OutboundRequest;
  spans: DecodedSpan[];
  server: DecodedSpan;
  /** Our CLIENT spans of the trace. */
  clients: DecodedSpan[];
  /** The exported OTLP JSON text that holds this trace. */
  exported: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

async function post(worker: StartedWorker, run: ProviderRun, traceparent?: string): Promise<unknown> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (traceparent) headers.traceparent = traceparent;
  const response = await worker.fetch("/run", { method: "POST", headers, body: JSON.stringify(run) });
  return response.json();
}

/** One call through both Workers at once, answered with `serving`; resolves when the trace is exported. */
export async function runProvider(h: ProvidersHarness, run: ProviderRun, serving: Serving): Promise<ProviderCall> {
  const traceId = hex(16);
  h.outbound.serve(serving);
  const before = h.outbound.requests.length;
  const [traced, bare] = await Promise.all([post(h.traced, run, `00-${traceId}-${hex(8)}-01`), post(h.bare, run)]);
  const arrived = h.outbound.requests.slice(before);
  const tracedRequests = arrived.filter((r) => r.worker === "traced");
  const bareRequests = arrived.filter((r) => r.worker === "bare");
  expect(tracedRequests, "one request from the instrumented Worker").toHaveLength(1);
  expect(bareRequests, "one request from the bare Worker").toHaveLength(1);
  const all = await h.collector.waitForSpans((spans) => spans.some((s) => s.traceId === traceId && s.kind === SERVER), 10_000);
  const spans = all.filter((s) => s.traceId === traceId);
  return {
    traceId,
    traced,
    bare,
    tracedRequest: tracedRequests[0],
    bareRequest: bareRequests[0],
    spans,
    server: spans.find((s) => s.kind === SERVER)!,
    clients: spans.filter((s) => s.kind === CLIENT && s.scope.name === SCOPE),
    exported: h.collector.requests
      .filter((r) => r.path.endsWith("/v1/traces") && r.text.includes(traceId))
      .map((r) => r.text)
      .join("\n"),
  };
}

/** Headers that change with the clock or the trace: compared for presence only. */
const VARYING = ["authorization", "x-amz-date", "amz-sdk-invocation-id"];

/**
 * The SDK gave the instrumented Worker what it gave the bare one, and the provider received the
 * same request from both: method, path and query, body bytes, headers (traceparent added;
 * SigV4's signature and date, which follow the clock, present on both sides).
 */
export function expectSameAsBare(c: ProviderCall): void {
  expect(c.traced.ok, JSON.stringify(c.traced.error)).toBe(true);
  expect(c.traced).toEqual(c.bare);
  const t = c.tracedRequest;
  const b = c.bareRequest;
  expect(t.method).toBe(b.method);
  expect(t.host).toBe(b.host);
  expect(t.path).toBe(b.path);
  expect(Buffer.from(t.body).equals(Buffer.from(b.body)), "same body bytes").toBe(true);
  const { traceparent, tracestate, ...tracedHeaders } = t.headers;
  expect(traceparent).toBe(`00-${c.traceId}-${c.clients[0]?.spanId}-01`);
  expect(tracestate).toBeUndefined();
  const varying = (headers: Record<string, string>) => {
    const out: Record<string, string> = { ...headers };
    for (const name of VARYING) if (name in out) out[name] = "(present)";
    return out;
  };
  expect(varying(tracedHeaders)).toEqual(varying(b.headers));
}

/** The scope of @ai-sdk/otel's spans. */
const AI_SDK_SCOPE = "gen_ai";

export interface SpanExpectation {
  name: string;
  /** The exact attribute set, gen_ai.response.time_to_first_chunk aside (checked apart). */
  attributes: Attrs;
}

/** The call's one GenAI span: name, kind, exact attributes, TTFC for streams, parentage, OK status. */
export function expectGenaiSpan(c: ProviderCall, e: SpanExpectation): DecodedSpan {
  expect(c.clients, "one CLIENT span of ours per call").toHaveLength(1);
  const span = c.clients[0];
  const { "gen_ai.response.time_to_first_chunk": ttfc, ...rest } = span.attributes;
  expect(rest).toEqual(e.attributes);
  expect(span.name).toBe(e.name);
  expect(span.kind).toBe(CLIENT);
  expect(span.status.code).toBe(0);
  // Under the SERVER span; the AI SDK's own telemetry (registered in these Workers) puts its
  // operation, agent and step spans between them, and only those.
  const byId = new Map(c.spans.map((s) => [s.spanId, s]));
  const between = new Set<DecodedSpan>();
  let parent = byId.get(span.parentSpanId ?? "");
  for (; parent && parent !== c.server; parent = byId.get(parent.parentSpanId ?? "")) {
    expect(parent.scope.name, `${parent.name} between ours and the SERVER span`).toBe(AI_SDK_SCOPE);
    between.add(parent);
  }
  expect(parent).toBe(c.server);
  if (Number(e.attributes["otel_genai_edge.stream.chunks"] ?? 0) > 0) {
    const durationS = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;
    expect(ttfc as number).toBeGreaterThan(0);
    expect(ttfc as number).toBeLessThanOrEqual(durationS + 0.001);
  } else {
    expect(ttfc).toBeUndefined();
  }
  // One call span in the whole trace, ours: any other GenAI span is one of the AI SDK's above it.
  expect(c.spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined && s !== span && !between.has(s))).toEqual([]);
  return span;
}

/** The HTTP attributes of a call to `https://{host}{path}` (url.full as the span records it). */
export function httpAttributes(urlFull: string, status = 200): Attrs {
  const url = new URL(urlFull);
  return {
    "http.request.method": "POST",
    "server.address": url.hostname,
    "server.port": url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    "url.full": urlFull,
    "http.response.status_code": status,
  };
}

/** The secrets a run carries: keys, the prompt, and what the provider saw in the signature. */
export function expectNoSecrets(exported: string, requests: OutboundRequest[]): void {
  expect(exported.length).toBeGreaterThan(0);
  for (const secret of [...Object.values(KEYS).slice(0, 3), KEYS.AWS_SECRET_ACCESS_KEY, KEYS.AWS_SESSION_TOKEN, PROMPT, SYSTEM]) {
    expect(exported).not.toContain(secret);
    expect(exported).not.toContain(encodeURIComponent(secret));
  }
  for (const r of requests) {
    const signature = /Signature=([0-9a-f]{64})/.exec(r.headers.authorization ?? "")?.[1];
    if (signature) expect(exported).not.toContain(signature);
    const key = r.headers["x-goog-api-key"] ?? new URL(r.path, "https://x").searchParams.get("key");
    if (key) expect(exported).not.toContain(key);
  }
}

// ---------------------------------------------------------------------------
// Reading the fixtures: the values the attributes must carry come from the recording itself.
// ---------------------------------------------------------------------------

/** The JSON bodies of an SSE, NDJSON or JSON fixture (SSE `[DONE]` skipped). */
export function fixtureEvents(fixture: string): any[] {
  const text = fixtureText(fixture);
  if (fixture.endsWith(".json")) return [JSON.parse(text)];
  if (fixture.endsWith(".ndjson")) return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  const out: any[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data !== "[DONE]") out.push(JSON.parse(data));
  }
  return out;
}

/** An AWS event-stream fixture's frames: `:event-type` (or `:exception-type`) and the JSON payload. */
export function eventStreamFrames(fixture: string): { type: string; payload: any }[] {
  const bytes = fixtureBytes(fixture);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: { type: string; payload: any }[] = [];
  for (let offset = 0; offset + 16 <= bytes.byteLength; ) {
    const total = view.getUint32(offset);
    const headersLength = view.getUint32(offset + 4);
    const headers: Record<string, string> = {};
    for (let p = offset + 12; p < offset + 12 + headersLength; ) {
      const nameLength = bytes[p];
      const name = Buffer.from(bytes.subarray(p + 1, p + 1 + nameLength)).toString();
      p += 1 + nameLength;
      const type = bytes[p];
      p += 1;
      if (type !== 7) throw new Error(`eventStreamFrames: header type ${type} of ${name}`);
      const length = view.getUint16(p);
      headers[name] = Buffer.from(bytes.subarray(p + 2, p + 2 + length)).toString();
      p += 2 + length;
    }
    const payload = Buffer.from(bytes.subarray(offset + 12 + headersLength, offset + total - 4)).toString();
    frames.push({ type: headers[":event-type"] ?? headers[":exception-type"] ?? "", payload: payload ? JSON.parse(payload) : undefined });
    offset += total;
  }
  return frames;
}

export interface CallExpectation {
  operation: string;
  provider: string;
  /** gen_ai.request.model, as the call named it. */
  model: string;
  /** url.full as recorded (secrets in the query redacted). */
  url: string;
  stream?: boolean;
  /** Further request attributes the call sets (temperature, max tokens...). */
  request?: Attrs;
  /** Response attributes, read from the fixture. */
  response: Attrs;
}

/** All three checks of a call: same as bare, the exact GenAI span, no secret exported. */
export function expectProviderCall(c: ProviderCall, e: CallExpectation): void {
  expectSameAsBare(c);
  expectGenaiSpan(c, {
    name: `${e.operation} ${e.model}`,
    attributes: {
      "gen_ai.operation.name": e.operation,
      "gen_ai.provider.name": e.provider,
      "gen_ai.request.model": e.model,
      ...(e.stream ? { "gen_ai.request.stream": true } : {}),
      ...e.request,
      ...httpAttributes(e.url),
      ...e.response,
    },
  });
  expectNoSecrets(c.exported, [c.tracedRequest, c.bareRequest]);
}

/** Finish reasons in order of arrival, without repeats of the same choice. */
export function distinct<T>(values: (T | undefined | null)[]): T[] {
  return values.filter((v): v is T => v !== undefined && v !== null);
}
