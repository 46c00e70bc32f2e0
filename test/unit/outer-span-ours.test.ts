/**
 * Our provider is the registered one: a span an API tracer starts outside any invocation (a
 * framework's span around the route, as Next.js makes) is ours and not recorded, so it must not
 * become the parent of the request's span: that stays a SERVER span continuing the header.
 */
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { type Collector, startCollector } from "../support/collector.js";

let collector: Collector;
beforeAll(async () => {
  collector = await startCollector();
});
afterAll(() => collector?.close());

it("a framework span started by our tracer outside the invocation is not taken as the parent", async () => {
  const handler = withTracing(async () => new Response("ok"), { endpoint: collector.url, serviceName: "framework-span" });
  // The first request registers our provider.
  await (await handler(new Request("http://app.test/warm"))).text();
  const framework = trace.getTracer("next.js").startSpan("executeRoute");
  expect(framework.isRecording()).toBe(false);
  const header = `00-${"3c".repeat(16)}-${"4d".repeat(8)}-01`;
  const response = await context.with(trace.setSpan(context.active(), framework), () => handler(new Request("http://app.test/route", { headers: { traceparent: header } })));
  expect(await response.text()).toBe("ok");
  await flush();
  const span = collector.spans().find((s) => s.attributes["url.path"] === "/route");
  expect(span).toMatchObject({ traceId: "3c".repeat(16), parentSpanId: "4d".repeat(8), kind: 2 });
});
