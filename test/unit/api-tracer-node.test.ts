/**
 * Spans an app or an SDK starts through `@opentelemetry/api` inside a wrapped handler (Node,
 * `withTracing`, a real OTLP receiver), where the trace API and SDK specs say what happens: a span
 * started with an explicit context that does not carry the request's (ROOT_CONTEXT, a context
 * a propagator's extract made) is still recorded, under that context's parent; the always_on
 * sampler records under an unsampled parent; tracing suppressed gives no span; and a request with
 * more spans than `maxSpans` keeps its root span (with the dropped count on it).
 */
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import type { DecodedSpan } from "../support/collector.js";
import { useServers } from "../support/servers.js";

const servers = useServers();

const SERVER = 2;
const REMOTE = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentId: "00f067aa0ba902b7" };

async function run(service: string, body: () => void, config: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<DecodedSpan[]> {
  const handler = withTracing(
    async () => {
      body();
      return new Response("ok");
    },
    { endpoint: servers.collector.url, serviceName: service, metrics: false, ...config },
  );
  await (await handler(new Request("http://app.test/x", { headers }))).text();
  await flush();
  return servers.collector.waitForSpans((all) => all.some((s) => s.resource["service.name"] === service && s.kind === SERVER), 5000).then((all) => all.filter((s) => s.resource["service.name"] === service));
}

it("an explicit context without the request in it: ROOT_CONTEXT starts a new trace, an extracted context continues its remote parent; both recorded with the request", async () => {
  const spans = await run("explicit-context", () => {
    const tracer = trace.getTracer("app");
    tracer.startSpan("fresh", {}, ROOT_CONTEXT).end();
    // What a W3C propagator's extract gives for `traceparent: 00-<trace>-<parent>-01` (a queue message's, say).
    const extracted = trace.setSpanContext(ROOT_CONTEXT, { traceId: REMOTE.traceId, spanId: REMOTE.parentId, traceFlags: 1, isRemote: true });
    tracer.startActiveSpan("consume", {}, extracted, (span) => span.end());
  });
  const root = spans.find((s) => s.kind === SERVER)!;
  const fresh = spans.find((s) => s.name === "fresh")!;
  const consume = spans.find((s) => s.name === "consume")!;
  expect(fresh.traceId).not.toBe(root.traceId);
  expect(fresh.parentSpanId).toBeUndefined();
  expect([consume.traceId, consume.parentSpanId, (consume.flags ?? 0) & 0xff]).toEqual([REMOTE.traceId, REMOTE.parentId, 1]);
});

it("a context kept from a finished request, used in a later one: the span is the later request's, in a new trace, not in the finished one", async () => {
  let kept: ReturnType<typeof context.active> | undefined;
  await run("stale-first", () => {
    kept = context.active();
  });
  const spans = await run("stale-second", () => trace.getTracer("app").startSpan("late", {}, kept).end());
  const first = servers.collector.spans().find((s) => s.resource["service.name"] === "stale-first" && s.kind === SERVER)!;
  const late = spans.find((s) => s.name === "late")!;
  expect(late.traceId).not.toBe(first.traceId);
  expect(late.parentSpanId).toBeUndefined();
});

it("the always_on sampler records under an unsampled parent; a parent-based one does not", async () => {
  const unsampled = () => trace.setSpanContext(ROOT_CONTEXT, { traceId: REMOTE.traceId, spanId: REMOTE.parentId, traceFlags: 0, isRemote: true });
  const on = await run("always-on", () => trace.getTracer("app").startSpan("child", {}, unsampled()).end(), { sampler: "always_on" });
  expect(on.map((s) => s.name).sort()).toEqual(["GET", "child"]);
  expect(on.find((s) => s.name === "child")!.parentSpanId).toBe(REMOTE.parentId);
  const based = await run("parent-based", () => trace.getTracer("app").startSpan("child", {}, unsampled()).end());
  expect(based.map((s) => s.name)).toEqual(["GET"]);
});

it("a span started with tracing suppressed is not recorded (as the SDK's tracer does)", async () => {
  const spans = await run("suppressed", () => {
    const span = context.with(suppressTracing(context.active()), () => trace.getTracer("app").startSpan("hidden"));
    expect(span.isRecording()).toBe(false);
    span.end();
    trace.getTracer("app").startSpan("shown").end();
  });
  expect(spans.map((s) => s.name).sort()).toEqual(["GET", "shown"]);
});

it("more spans than maxSpans: children are dropped, never the root, which carries the count", async () => {
  const spans = await run("many-spans", () => {
    for (let i = 0; i < 10; i++) trace.getTracer("app").startSpan(`child ${i}`).end();
  }, { limits: { maxSpans: 4 } });
  expect(spans.map((s) => s.name)).toEqual(["child 0", "child 1", "child 2", "GET"]);
  expect(spans.find((s) => s.kind === SERVER)!.attributes["otel_genai_edge.spans.dropped"]).toBe(7);
});
