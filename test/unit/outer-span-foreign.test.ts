/**
 * An app whose own OpenTelemetry SDK registered first (its provider and context manager), as on
 * Node or Bun with an HTTP server instrumentation: the SDK's span active around the handler is
 * the request's SERVER span, so ours goes under it, in its trace, as INTERNAL (the incoming
 * traceparent, which that span already continued, is not read again); sampling follows it.
 * Without an active span, nothing changes: a SERVER span continuing the header.
 */
import { type Context, context, ROOT_CONTEXT, type Span, type TracerProvider, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";

// The app's SDK, registered before ours: a context manager over AsyncLocalStorage and a provider.
const { AsyncLocalStorage } = process.getBuiltinModule("node:async_hooks") as {
  AsyncLocalStorage: new <T>() => { getStore(): T | undefined; run<R>(store: T, fn: () => R): R };
};
const als = new AsyncLocalStorage<Context>();
context.setGlobalContextManager({
  active: () => als.getStore() ?? ROOT_CONTEXT,
  with: (ctx, fn, thisArg, ...args) => als.run(ctx, () => fn.call(thisArg, ...args)),
  bind: (_ctx, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
});
const appProvider: TracerProvider = { getTracer: () => trace.getTracer("noop") };
trace.setGlobalTracerProvider(appProvider);

let collector: Collector;
beforeAll(async () => {
  collector = await startCollector();
});
afterAll(() => collector?.close());

const OUTER = { traceId: "5e".repeat(16), spanId: "6f".repeat(8) };
const HEADER = `00-${"7a".repeat(16)}-${"8b".repeat(8)}-01`;

async function serve(service: string, outer: Span | undefined): Promise<DecodedSpan> {
  const handler = withTracing(async () => new Response("ok"), { endpoint: collector.url, serviceName: service });
  const call = () => handler(new Request("http://app.test/hello", { headers: { traceparent: HEADER } }));
  const response = await (outer ? context.with(trace.setSpan(context.active(), outer), call) : call());
  expect(await response.text()).toBe("ok");
  await flush();
  const spans = collector.spans().filter((s) => s.resource["service.name"] === service);
  expect(spans).toHaveLength(1);
  return spans[0];
}

it("under the SDK's active span: ours is its INTERNAL child, in its trace, the header not read again", async () => {
  const span = await serve("outer-sampled", trace.wrapSpanContext({ ...OUTER, traceFlags: 1 }));
  expect(span).toMatchObject({ traceId: OUTER.traceId, parentSpanId: OUTER.spanId, kind: 1, name: "GET" });
  expect(span.attributes).toMatchObject({ "http.request.method": "GET", "url.path": "/hello", "http.response.status_code": 200 });
});

it("an unsampled outer span: ours follows its decision and records nothing", async () => {
  const handler = withTracing(async () => new Response("ok"), { endpoint: collector.url, serviceName: "outer-unsampled" });
  const outer = trace.wrapSpanContext({ ...OUTER, traceFlags: 0 });
  const response = await context.with(trace.setSpan(ROOT_CONTEXT, outer), () => handler(new Request("http://app.test/hello", { headers: { traceparent: HEADER } })));
  expect(await response.text()).toBe("ok");
  await flush();
  expect(collector.spans().filter((s) => s.resource["service.name"] === "outer-unsampled")).toEqual([]);
});

it("no active span: a SERVER span continuing the incoming traceparent, as before", async () => {
  const span = await serve("no-outer", undefined);
  expect(span).toMatchObject({ traceId: "7a".repeat(16), parentSpanId: "8b".repeat(8), kind: 2, name: "GET" });
});
