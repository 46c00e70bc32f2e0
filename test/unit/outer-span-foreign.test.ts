/**
 * An app whose own OpenTelemetry SDK registered first (its provider and context manager), as on
 * Node or Bun with an HTTP server instrumentation: the SDK's span recording around the handler is
 * the request's SERVER span, so ours goes under it, in its trace, as INTERNAL (the incoming
 * traceparent, which that span already continued, is not read again), and an LLM call under it
 * sends its own span's id. A span that is not recording (the SDK's sampler said no), or
 * `acceptTraceContext: false`, leaves everything as without it: a SERVER span continuing the header.
 */
import { context, ROOT_CONTEXT, type Span, type SpanContext, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { expect, it } from "vitest";
import { CHAT_FIXTURE, chatApp, oneCall, registerAppContextManager, useServers } from "../support/beside-app-sdk.js";
import { flush, withTracing } from "../../src/index.js";
import type { DecodedSpan } from "../support/collector.js";
import { fixtureText } from "../support/replay.js";

// The app's SDK, registered before ours: a context manager over AsyncLocalStorage and a provider.
registerAppContextManager();
const appTracer = { startSpan: () => trace.wrapSpanContext({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 }) } as unknown as Tracer;
const appProvider: TracerProvider = { getTracer: () => appTracer };
trace.setGlobalTracerProvider(appProvider);

/** The SDK's span around the handler: recording (sampled) or not. */
function sdkSpan(spanContext: SpanContext, recording: boolean): Span {
  const span = trace.wrapSpanContext(spanContext);
  return Object.assign(Object.create(span) as Span, { isRecording: () => recording });
}

const servers = useServers();

const OUTER = { traceId: "5e".repeat(16), spanId: "6f".repeat(8), traceFlags: 1 };
const HEADER = { traceId: "7a".repeat(16), spanId: "8b".repeat(8) };

/** One request through a wrapped handler that makes one OpenAI call; what was exported and sent. */
async function serve(service: string, outer: Span | undefined, config: { acceptTraceContext?: boolean } = {}) {
  const { collector, replay } = servers;
  const handler = withTracing(chatApp(replay.baseFor(CHAT_FIXTURE, { gapMs: 0 })), { endpoint: collector.url, serviceName: service, ...config });
  const call = () => handler(new Request("http://app.test/hello", { headers: { traceparent: `00-${HEADER.traceId}-${HEADER.spanId}-01` } }));
  const sent = await oneCall(replay, () => (outer ? context.with(trace.setSpan(ROOT_CONTEXT, outer), call) : call()));
  await flush();
  const spans = collector.spans().filter((s) => s.resource["service.name"] === service);
  return { spans, traceparent: sent.headers.traceparent };
}

const FIXTURE_USAGE = (JSON.parse(fixtureText(CHAT_FIXTURE)) as { usage: { prompt_tokens: number } }).usage;

const byKind = (spans: DecodedSpan[]) => spans.map((s) => `${s.kind} ${s.name}`).sort();

it("under the SDK's recording span: ours is its INTERNAL child, in its trace, the header not read again; the call sends its own span's id", async () => {
  const { spans, traceparent } = await serve("outer-recording", sdkSpan(OUTER, true));
  expect(byKind(spans)).toEqual(["1 GET", "3 chat gpt-3.5-turbo"]);
  const root = spans.find((s) => s.kind === 1)!;
  const chat = spans.find((s) => s.kind === 3)!;
  expect(root).toMatchObject({ traceId: OUTER.traceId, parentSpanId: OUTER.spanId });
  expect(root.attributes).toMatchObject({ "http.request.method": "GET", "url.path": "/hello", "http.response.status_code": 200 });
  expect(chat).toMatchObject({ traceId: OUTER.traceId, parentSpanId: root.spanId });
  expect(chat.attributes).toMatchObject({ "gen_ai.request.model": "gpt-3.5-turbo", "gen_ai.usage.input_tokens": FIXTURE_USAGE.prompt_tokens });
  expect(traceparent).toBe(`00-${OUTER.traceId}-${chat.spanId}-01`);
});

it.each<[string, string, Span, { acceptTraceContext?: boolean }]>([
  ["a span that is not recording (the SDK's sampler said no)", "outer-unsampled", sdkSpan({ ...OUTER, traceFlags: 0 }, false), {}],
  ["incoming context alone (a remote span context)", "outer-remote", trace.wrapSpanContext({ ...OUTER, isRemote: true }), {}],
  ["acceptTraceContext: false", "outer-refused", sdkSpan(OUTER, true), { acceptTraceContext: false }],
])("%s: ignored, as if there were none", async (_what, service, outer, config) => {
  const { spans, traceparent } = await serve(service, outer, config);
  expect(byKind(spans)).toEqual(["2 GET", "3 chat gpt-3.5-turbo"]);
  const root = spans.find((s) => s.kind === 2)!;
  const chat = spans.find((s) => s.kind === 3)!;
  if (config.acceptTraceContext === false) {
    expect(root.traceId).not.toBe(OUTER.traceId);
    expect(root.traceId).not.toBe(HEADER.traceId);
    expect(root.parentSpanId).toBeUndefined();
  } else expect(root).toMatchObject({ traceId: HEADER.traceId, parentSpanId: HEADER.spanId });
  // A trace of our own is random (0x02); the caller's keeps its flags.
  expect(traceparent).toBe(`00-${root.traceId}-${chat.spanId}-${config.acceptTraceContext === false ? "03" : "01"}`);
});

it("no active span: a SERVER span continuing the incoming traceparent, as before", async () => {
  const { spans } = await serve("no-outer", undefined);
  expect(spans.find((s) => s.kind === 2)).toMatchObject({ traceId: HEADER.traceId, parentSpanId: HEADER.spanId, name: "GET" });
});
