/**
 * Deno's built-in OpenTelemetry (`OTEL_DENO=true`) beside ours: Deno makes an HTTP SERVER span
 * around the handler and a CLIENT span for every fetch, exports them itself (here to the same
 * OTLP receiver, as JSON) and adds its own `traceparent` to each outbound request.
 *
 * Bare is the oracle: the same app unwrapped under the same Deno sends the upstream one
 * `traceparent`; wrapped, it must too (ours as well would make it a list of two), with the same
 * other headers and body, and give the same answer. The spans must form one trace: Deno's server
 * span, ours under it (INTERNAL: one SERVER span per request), our GenAI span, and Deno's fetch
 * span under that, whose id is the `traceparent` the upstream received.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { fixtureBytes, fixtureText, type Replay, type ReplayRequest, startReplay } from "../support/replay.js";
import { MODEL } from "./app.js";
import { BIN, type Bundle, bundleEntry, FIXTURE, type SpawnedServer, spawnServer } from "./scenario.js";

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-3]$/;

let collector: Collector;
let replay: Replay;
let bundle: Bundle;
let bareBundle: Bundle;
let anthropicBundle: Bundle;
let anthropicBareBundle: Bundle;
let aiSdkBundle: Bundle;
let aiSdkBareBundle: Bundle;
const servers: SpawnedServer[] = [];

async function deno(mode: string, extraEnv: Record<string, string> = {}, entry = bundle, arg = collector.url): Promise<SpawnedServer> {
  const server = await spawnServer(BIN("deno"), ["run", "--no-prompt", "--allow-net", "--allow-env", entry.file, "0", mode, arg], {
    cwd: entry.dir,
    env: {
      DENO_NO_UPDATE_CHECK: "1",
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: `deno-otel-${mode}`,
      // Deno's batch of spans leaves after this delay (ms), instead of 5 s.
      OTEL_BSP_SCHEDULE_DELAY: "100",
      ...extraEnv,
    },
  });
  servers.push(server);
  return server;
}

type Call = { sent: ReplayRequest; body: Uint8Array; status: number };

/**
 * One request through `server`; what the upstream received and what the client got. The chat app
 * calls the upstream named by `x-upstream`; the SDK apps, the one they were started with.
 */
async function call(server: SpawnedServer, headers: Record<string, string> = {}, path = "/chat"): Promise<Call> {
  const upstream = replay.baseFor(FIXTURE, { gapMs: 2 });
  const before = replay.requests.length;
  const response = await fetch(`${server.url}${path}`, { headers: { "x-upstream": upstream, ...headers } });
  const body = new Uint8Array(await response.arrayBuffer());
  const sent = replay.requests.slice(before);
  expect(sent).toHaveLength(1);
  return { sent: sent[0], body, status: response.status };
}

/** Bare is the oracle: the same answer, and the same request out but for the ids in `traceparent`, of which as many values. */
function expectSameAsBare(bare: Call, wrapped: Call): void {
  expect(wrapped.status).toBe(bare.status);
  expect(wrapped.body).toEqual(bare.body);
  const { traceparent: ta, ...restA } = bare.sent.headers;
  const { traceparent: tb, ...restB } = wrapped.sent.headers;
  expect(restB).toEqual(restA);
  expect(wrapped.sent.method).toBe(bare.sent.method);
  expect(wrapped.sent.body).toBe(bare.sent.body);
  expect(tb?.split(", ").length).toBe(ta?.split(", ").length);
}

/** The trace of `traceId` once `ready` holds for it. */
async function traceOf(traceId: string, ready: (spans: DecodedSpan[]) => boolean): Promise<DecodedSpan[]> {
  const inTrace = (all: DecodedSpan[]) => all.filter((s) => s.traceId === traceId);
  return inTrace(await collector.waitForSpans((all) => ready(inTrace(all)), 10_000));
}

const isDeno = (s: DecodedSpan) => s.scope.name === "deno";
/** Deno's fetch spans for our own export POSTs (Deno traces every fetch, ours too). */
const isExportPost = (s: DecodedSpan) => isDeno(s) && s.kind === CLIENT && /^\/v1\/(traces|metrics|logs)$/.test(String(s.attributes["url.path"]));
/** Our CLIENT span of the service (Deno's fetch spans and the SDKs' spans through Deno's provider carry the same service name). */
const oursOf = (service: string) => (s: DecodedSpan) => s.scope.name === "otel-genai-edge" && s.resource["service.name"] === service && s.kind === CLIENT;

beforeAll(async () => {
  [collector, replay, bundle, bareBundle, anthropicBundle, anthropicBareBundle, aiSdkBundle, aiSdkBareBundle] = await Promise.all([
    // Deno's own exporter (a Rust one) repeats an attribute key set twice: decoded without the spec checks; ours are checked.
    startCollector({ lenient: (r) => r.headers["user-agent"]?.startsWith("OTel-OTLP-Exporter-Rust") === true }),
    startReplay(),
    bundleEntry("deno.ts"),
    // Bare: this package is nowhere in the bundle.
    bundleEntry("deno-bare.ts"),
    bundleEntry("deno-anthropic.ts"),
    bundleEntry("deno-anthropic-bare.ts"),
    bundleEntry("deno-ai-sdk.ts"),
    bundleEntry("deno-ai-sdk-bare.ts"),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await collector?.close();
  await replay?.close();
  for (const b of [bundle, bareBundle, anthropicBundle, anthropicBareBundle, aiSdkBundle, aiSdkBareBundle]) b?.remove();
});

describe("withTracing under Deno's built-in OpenTelemetry (OTEL_DENO=true)", () => {
  it("the upstream gets what bare sends: one traceparent, the same headers and body; the client the same answer", async () => {
    const [bare, wrapped] = await Promise.all([deno("bare", {}, bareBundle), deno("env")]);
    const incomings: Record<string, string>[] = [{}, { traceparent: `00-${"a1".repeat(16)}-${"b2".repeat(8)}-01` }];
    for (const incoming of incomings) {
      const a = await call(bare, incoming);
      const b = await call(wrapped, incoming);
      expectSameAsBare(a, b);
      expect(b.body).toEqual(fixtureBytes(FIXTURE));
      const ta = a.sent.headers.traceparent;
      const tb = b.sent.headers.traceparent;
      expect(ta).toMatch(TRACEPARENT);
      expect(tb).toMatch(TRACEPARENT);
      if ("traceparent" in incoming) {
        // Both continue the caller's trace.
        expect(ta.split("-")[1]).toBe("a1".repeat(16));
        expect(tb.split("-")[1]).toBe("a1".repeat(16));
      }
    }
  });

  it("one trace: Deno's SERVER span, ours under it (INTERNAL), the GenAI span, Deno's fetch span, whose id the upstream received", async () => {
    const server = await deno("env");
    const traces: string[] = [];
    for (const incoming of [undefined, { traceId: "c3".repeat(16), parentId: "d4".repeat(8) }]) {
      const { sent } = await call(server, incoming ? { traceparent: `00-${incoming.traceId}-${incoming.parentId}-01` } : {});
      const [, traceId, sentParent] = TRACEPARENT.exec(sent.headers.traceparent)!;
      if (incoming) expect(traceId).toBe(incoming.traceId);
      traces.push(traceId);
      const spans = await traceOf(traceId, (s) => s.some((x) => !isDeno(x) && x.kind === CLIENT) && s.filter((x) => isDeno(x) && !isExportPost(x)).length >= 2);

      const denoServer = spans.filter((s) => isDeno(s) && s.kind === SERVER);
      expect(denoServer).toHaveLength(1);
      expect(denoServer[0].parentSpanId ?? "").toBe(incoming?.parentId ?? "");
      // Every other span in the trace: ours and Deno's fetch span of the LLM call.
      const ours = spans.filter((s) => !isDeno(s));
      expect(ours.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([`${INTERNAL} GET`, `${CLIENT} chat ${MODEL}`]);
      const root = ours.find((s) => s.kind === INTERNAL)!;
      const chat = ours.find((s) => s.kind === CLIENT)!;
      expect(root.parentSpanId).toBe(denoServer[0].spanId);
      expect(root.attributes).toMatchObject({ "http.request.method": "GET", "url.path": "/chat", "http.response.status_code": 200 });
      expect(chat.parentSpanId).toBe(root.spanId);
      expect(chat.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": MODEL });

      const denoFetch = spans.filter((s) => isDeno(s) && s.kind === CLIENT && !isExportPost(s));
      expect(denoFetch).toHaveLength(1);
      expect(denoFetch[0].parentSpanId).toBe(chat.spanId);
      expect(denoFetch[0].spanId).toBe(sentParent);
      expect(spans.filter((s) => !ours.includes(s) && !denoServer.includes(s) && !denoFetch.includes(s))).toEqual([]);
      expect(spans.filter((s) => s.kind === SERVER)).toHaveLength(1);
    }
    // Deno traces our export POSTs too (it traces every fetch): each as a root of its own, never in
    // the user's request trace (they are sent with tracing suppressed, outside any context).
    const exports = (await collector.waitForSpans((all) => all.filter(isExportPost).length >= 2, 10_000)).filter(isExportPost);
    expect(exports.filter((s) => s.parentSpanId !== undefined || traces.includes(s.traceId))).toEqual([]);
    // Nothing said: no registration refused, no warning.
    expect(server.output()).not.toMatch(/error|warn|refus/i);
  });

  it("OTEL_PROPAGATORS without tracecontext: no traceparent leaves, as bare (Deno adds none, nor do we: the variable is ours too); the call is still traced", async () => {
    const env = { OTEL_PROPAGATORS: "baggage" };
    const [bare, wrapped] = await Promise.all([deno("bare", env, bareBundle), deno("env", { ...env, OTEL_SERVICE_NAME: "deno-otel-baggage" })]);
    const a = await call(bare);
    const b = await call(wrapped);
    expectSameAsBare(a, b);
    expect([a.sent.headers.traceparent, b.sent.headers.traceparent]).toEqual([undefined, undefined]);
    const spans = await collector.waitForSpans((all) => all.some(oursOf("deno-otel-baggage")), 10_000);
    const chat = spans.find(oursOf("deno-otel-baggage"))!;
    expect(chat.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.request.model": MODEL });
    expect(wrapped.output()).not.toMatch(/error|warn|refus/i);
  });

  it("the Anthropic SDK's own call span, made through Deno's provider, stays the call's one GenAI span: ours is the HTTP span under it, the metrics count the call once", async () => {
    const fixture = "anthropic/messages-nonstream.json";
    const upstream = replay.baseFor(fixture, { gapMs: 0 });
    const [bare, wrapped] = await Promise.all([deno("bare", {}, anthropicBareBundle, upstream), deno("wrapped", { OTEL_SERVICE_NAME: "deno-otel-anthropic" }, anthropicBundle, upstream)]);
    const a = await call(bare);
    const b = await call(wrapped);
    // Same result for the SDK, same request out (the SDK's traceparent and Deno's, as bare).
    expect(b.status).toBe(200);
    expectSameAsBare(a, b);
    const tb = b.sent.headers.traceparent;

    const usage = (JSON.parse(fixtureText(fixture)) as { usage: { input_tokens: number; output_tokens: number } }).usage;
    const traceId = tb.split("-")[1];
    const spans = await traceOf(traceId, (s) => s.some((x) => x.scope.name === "com.anthropic.sdk.typescript") && s.some(oursOf("deno-otel-anthropic")));
    const genai = spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined);
    expect(genai.map((s) => `${s.scope.name} ${s.name}`)).toEqual(["com.anthropic.sdk.typescript anthropic.messages.create"]);
    const ours = spans.find(oursOf("deno-otel-anthropic"))!;
    expect(ours.name).toBe("POST");
    expect(ours.parentSpanId).toBe(genai[0].spanId);
    expect(Object.keys(ours.attributes).filter((k) => k.startsWith("gen_ai."))).toEqual([]);

    const metrics = await collector.waitForMetrics((m) => m.some((x) => x.resource["service.name"] === "deno-otel-anthropic" && x.name === "gen_ai.client.token.usage"), 10_000);
    const duration = metrics.filter((m) => m.resource["service.name"] === "deno-otel-anthropic" && m.name === "gen_ai.client.operation.duration").flatMap((m) => m.points);
    expect(duration.map((p) => [p.attributes["gen_ai.request.model"], p.count])).toEqual([["claude-3-5-sonnet-20241022", 1]]);
    const tokens = metrics.filter((m) => m.resource["service.name"] === "deno-otel-anthropic" && m.name === "gen_ai.client.token.usage").flatMap((m) => m.points);
    expect(Object.fromEntries(tokens.map((p) => [p.attributes["gen_ai.token.type"], p.sum]))).toEqual({ input: usage.input_tokens, output: usage.output_tokens });
  });

  it("the AI SDK's own telemetry through Deno's provider: its call span stays the one GenAI call span, ours the HTTP span under it; the SDK's result as bare", async () => {
    const upstream = replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 });
    const [bare, wrapped] = await Promise.all([deno("bare", {}, aiSdkBareBundle, upstream), deno("wrapped", { OTEL_SERVICE_NAME: "deno-otel-ai-sdk" }, aiSdkBundle, upstream)]);
    const a = await call(bare);
    const b = await call(wrapped);
    expect(b.status).toBe(200);
    expectSameAsBare(a, b);
    const traceId = b.sent.headers.traceparent.split(", ").at(-1)!.split("-")[1];
    const isAiSdkCall = (x: DecodedSpan) => x.kind === CLIENT && x.scope.name !== "otel-genai-edge" && !isDeno(x);
    const spans = await traceOf(traceId, (s) => s.some(oursOf("deno-otel-ai-sdk")) && s.some(isAiSdkCall));
    // The AI SDK's call span (a CLIENT span of an inference operation) is the only one; its agent span is above it.
    const calls = spans.filter((s) => s.kind === CLIENT && s.attributes["gen_ai.operation.name"] !== undefined && s.attributes["gen_ai.operation.name"] !== "invoke_agent");
    expect(calls).toHaveLength(1);
    expect(calls[0].scope.name).not.toBe("otel-genai-edge");
    const ours = spans.find(oursOf("deno-otel-ai-sdk"))!;
    expect(ours).toMatchObject({ name: "POST", parentSpanId: calls[0].spanId });
  });

  it("the AI SDK's embed call, made outside its call span's context, through Deno's provider: its span stays the one GenAI call span, ours the HTTP span", async () => {
    const fixture = "google/embed-content.json";
    const upstream = replay.baseFor(fixture, { gapMs: 0 });
    const [bare, wrapped] = await Promise.all([deno("bare", {}, aiSdkBareBundle, upstream), deno("wrapped", { OTEL_SERVICE_NAME: "deno-otel-ai-sdk-embed" }, aiSdkBundle, upstream)]);
    const a = await call(bare, {}, "/embed");
    const b = await call(wrapped, {}, "/embed");
    expect(b.status).toBe(200);
    expectSameAsBare(a, b);
    const traceId = b.sent.headers.traceparent.split(", ").at(-1)!.split("-")[1];
    const isAiSdk = (x: DecodedSpan) => x.scope.name !== "otel-genai-edge" && !isDeno(x);
    const spans = await traceOf(traceId, (s) => s.some(oursOf("deno-otel-ai-sdk-embed")) && s.filter(isAiSdk).length >= 2);
    // The AI SDK's embed operation span and its call span under it are its own; ours is not a GenAI span beside them.
    const genai = spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined);
    expect(genai.every(isAiSdk)).toBe(true);
    expect(genai.map((s) => [s.kind, s.attributes["gen_ai.operation.name"]])).toEqual([
      [CLIENT, "embeddings"],
      [CLIENT, "embeddings"],
    ]);
    const ours = spans.find(oursOf("deno-otel-ai-sdk-embed"))!;
    expect(ours.name).toBe("POST");
    expect(Object.keys(ours.attributes).filter((k) => k.startsWith("gen_ai."))).toEqual([]);
    // Counted once in the metrics, by ours.
    const metrics = await collector.waitForMetrics((m) => m.some((x) => x.resource["service.name"] === "deno-otel-ai-sdk-embed" && x.name === "gen_ai.client.operation.duration"), 10_000);
    const duration = metrics.filter((m) => m.resource["service.name"] === "deno-otel-ai-sdk-embed" && m.name === "gen_ai.client.operation.duration").flatMap((m) => m.points);
    expect(duration.map((p) => [p.attributes["gen_ai.operation.name"], p.attributes["gen_ai.request.model"], p.count])).toEqual([["embeddings", "gemini-embedding-001", 1]]);
  });

  it("an SDK span started with startActiveSpan through Deno's provider is seen too: one GenAI span, ours the HTTP span under it", async () => {
    const server = await deno("sdk-span", { OTEL_SERVICE_NAME: "deno-otel-sdk-span" });
    const { sent, body } = await call(server);
    expect(body).toEqual(fixtureBytes(FIXTURE));
    const traceId = TRACEPARENT.exec(sent.headers.traceparent)![1];
    const spans = await traceOf(traceId, (s) => s.some((x) => x.scope.name === "an-llm-sdk") && s.some((x) => !isDeno(x) && x.kind === CLIENT && x.scope.name !== "an-llm-sdk"));
    const genai = spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined);
    expect(genai.map((s) => `${s.scope.name} ${s.name}`)).toEqual(["an-llm-sdk an-llm-sdk.chat"]);
    const ours = spans.find((s) => s.scope.name === "otel-genai-edge" && s.kind === CLIENT)!;
    expect(ours).toMatchObject({ name: "POST", parentSpanId: genai[0].spanId });
  });

  it("OTEL_DENO_TRACING=false (Deno's metrics only, in the API's slot under its version): ours register there all the same; the call is traced, ours the one traceparent", async () => {
    const server = await deno("env", { OTEL_DENO_TRACING: "false", OTEL_SERVICE_NAME: "deno-otel-no-tracing" });
    const { sent } = await call(server);
    const [, traceId, sentParent] = TRACEPARENT.exec(sent.headers.traceparent)!;
    const spans = await traceOf(traceId, (s) => s.some((x) => x.kind === CLIENT));
    expect(spans.filter(isDeno)).toEqual([]);
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([`${SERVER} GET`, `${CLIENT} chat ${MODEL}`]);
    expect(sentParent).toBe(spans.find((s) => s.kind === CLIENT)!.spanId);
  });

  it("propagateTraceContext: false holds under Deno too: no traceparent leaves, Deno's fetch span is still made under ours", async () => {
    const server = await deno("no-propagation");
    const { sent } = await call(server);
    expect(sent.headers.traceparent).toBeUndefined();
    expect(sent.headers.tracestate).toBeUndefined();
    const chat = (await collector.waitForSpans((all) => all.some(oursOf("deno-otel-no-propagation")), 10_000)).find(oursOf("deno-otel-no-propagation"))!;
    const fetchSpans = await collector.waitForSpans((all) => all.some((s) => isDeno(s) && s.parentSpanId === chat.spanId), 10_000);
    expect(fetchSpans.filter((s) => isDeno(s) && s.parentSpanId === chat.spanId)).toHaveLength(1);
  });
});
