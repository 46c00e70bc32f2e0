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
import { afterAll, beforeAll, expect, it } from "vitest";
import { registerAppContextManager } from "../support/app-context.js";
import { flush, withTracing } from "../../src/index.js";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";

// The app's SDK, as at its boot: context manager, provider, W3C propagator, undici instrumentation.
registerAppContextManager();
const ended: ReadableSpan[] = [];
const keep = { onStart() {}, onEnd: (span: ReadableSpan) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [keep] }));
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
new UndiciInstrumentation();

let collector: Collector;
let replay: Replay;
beforeAll(async () => {
  [collector, replay] = await Promise.all([startCollector(), startReplay()]);
});
afterAll(async () => {
  await collector?.close();
  await replay?.close();
});

const chat = (base: string) => async () => {
  const answer = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "hi" }] }),
  });
  return new Response(await answer.text());
};

async function sentTraceparent(handler: (request: Request) => Promise<Response>): Promise<string[]> {
  const before = replay.requests.length;
  const response = await handler(new Request("http://app.test/chat"));
  expect(response.status).toBe(200);
  await response.text();
  const sent = replay.requests.slice(before);
  expect(sent).toHaveLength(1);
  return sent[0].headers.traceparent?.split(", ") ?? [];
}

it("the upstream gets one traceparent, as bare: the instrumentation's, whose span is under our GenAI span", async () => {
  const base = replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 });
  const bare = await sentTraceparent(chat(base));
  expect(bare).toHaveLength(1);
  const wrapped = await sentTraceparent(withTracing(chat(base), { endpoint: collector.url, serviceName: "node-undici-sdk" }));
  expect(wrapped).toHaveLength(1);
  await flush();
  const ours = collector.spans().filter((s) => s.resource["service.name"] === "node-undici-sdk");
  const genai = ours.find((s) => s.kind === 3)!;
  expect(genai.name).toBe("chat gpt-3.5-turbo");
  const [, traceId, parentId] = wrapped[0].split("-");
  const undiciSpan = ended.find((s) => s.spanContext().spanId === parentId)!;
  expect(undiciSpan.instrumentationScope.name).toBe("@opentelemetry/instrumentation-undici");
  expect(undiciSpan.spanContext().traceId).toBe(traceId);
  expect(undiciSpan.parentSpanContext?.spanId).toBe(genai.spanId);
});

it("propagateTraceContext: false: none, the instrumentation's suppressed too", async () => {
  const base = replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 });
  const sent = await sentTraceparent(withTracing(chat(base), { endpoint: collector.url, serviceName: "node-undici-quiet", propagateTraceContext: false }));
  expect(sent).toEqual([]);
});
