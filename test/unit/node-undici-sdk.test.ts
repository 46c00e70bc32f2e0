/**
 * Node with the app's own OpenTelemetry SDK registered first and
 * `@opentelemetry/instrumentation-undici` on (the fetch instrumentation of Node SDK setups and of
 * APM agents): it starts a span for every fetch, under the active context, and appends its
 * `traceparent` to those already on the request. Bare, the upstream gets one; wrapped it must get
 * one too (ours as well made a list of two), whose parent is the instrumentation's span under our
 * GenAI span; `propagateTraceContext: false` still sends none.
 */
import { propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import { expect, it } from "vitest";
import { CHAT_FIXTURE, chatApp, oneCall, registerAppContextManager, useServers } from "../support/beside-app-sdk.js";
import { flush, withTracing } from "../../src/index.js";

// The app's SDK, as at its boot: context manager, provider, W3C propagator, undici instrumentation.
registerAppContextManager();
const ended: ReadableSpan[] = [];
const keep = { onStart() {}, onEnd: (span: ReadableSpan) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [keep] }));
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
new UndiciInstrumentation();

const servers = useServers();

/** The one request `handler` makes, and the values of `traceparent` it carries. */
async function sentBy(handler: (request: Request) => Promise<Response>) {
  const sent = await oneCall(servers.replay, () => handler(new Request("http://app.test/chat")));
  const { traceparent, ...headers } = sent.headers;
  return { traceparent: traceparent?.split(", ") ?? [], request: { method: sent.method, headers, body: sent.body } };
}

it("the upstream gets one traceparent, as bare: the instrumentation's, whose span is under our GenAI span", async () => {
  const base = servers.replay.baseFor(CHAT_FIXTURE, { gapMs: 0 });
  const bare = await sentBy(chatApp(base));
  expect(bare.traceparent).toHaveLength(1);
  const wrappedCall = await sentBy(withTracing(chatApp(base), { endpoint: servers.collector.url, serviceName: "node-undici-sdk" }));
  // Bare is the oracle: the same request but for the ids of its one traceparent.
  expect(wrappedCall.request).toEqual(bare.request);
  const wrapped = wrappedCall.traceparent;
  expect(wrapped).toHaveLength(1);
  await flush();
  const ours = servers.collector.spans().filter((s) => s.resource["service.name"] === "node-undici-sdk");
  const genai = ours.find((s) => s.kind === 3)!;
  expect(genai.name).toBe("chat gpt-3.5-turbo");
  const [, traceId, parentId] = wrapped[0].split("-");
  const undiciSpan = ended.find((s) => s.spanContext().spanId === parentId)!;
  expect(undiciSpan.instrumentationScope.name).toBe("@opentelemetry/instrumentation-undici");
  expect(undiciSpan.spanContext().traceId).toBe(traceId);
  expect(undiciSpan.parentSpanContext?.spanId).toBe(genai.spanId);
});

it("propagateTraceContext: false: none, the instrumentation's suppressed too", async () => {
  const base = servers.replay.baseFor(CHAT_FIXTURE, { gapMs: 0 });
  const { traceparent } = await sentBy(withTracing(chatApp(base), { endpoint: servers.collector.url, serviceName: "node-undici-quiet", propagateTraceContext: false }));
  expect(traceparent).toEqual([]);
});
