/**
 * Span status as the API specifies it ("Set Status"): UNSET is ignored, only ERROR carries a
 * description, OK is final and may replace ERROR. And a message-less ERROR of ours (a 5xx response)
 * keeps the description the handler gave. Asserted on the exported OTLP JSON.
 */
import { type SpanStatus, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { serializeSpans } from "../../src/exporter/traces.js";
import { flush, withTracing } from "../../src/index.js";
import { RecordingSpan, SpanKind } from "../../src/trace/span.js";
import { type Collector, startCollector } from "../support/collector.js";

const { UNSET, OK, ERROR } = SpanStatusCode;
const sink = { limits: DEFAULT_LIMITS, spanStarted() {}, spanEnded() {} };

/** The status the exporter writes for a span given these setStatus calls, in order (`end` ends it there). */
function exported(...calls: (SpanStatus | "end")[]): unknown {
  const span = new RecordingSpan("op", SpanKind.INTERNAL, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 }, undefined, 1_760_000_000_000, sink, { name: "test" });
  for (const call of calls) {
    if (call === "end") span.end(1_760_000_000_001);
    else span.setStatus(call);
  }
  if (!span.ended) span.end(1_760_000_000_001);
  const body = JSON.parse(new TextDecoder().decode(serializeSpans([span], { attributes: { "service.name": "t" } })));
  return body.resourceSpans[0].scopeSpans[0].spans[0].status;
}

describe("setStatus", () => {
  it("exports UNSET when never set", () => {
    expect(exported()).toEqual({ code: 0 });
  });

  it("ignores UNSET, with or without a description", () => {
    expect(exported({ code: UNSET, message: "x" })).toEqual({ code: 0 });
    expect(exported({ code: ERROR, message: "x" }, { code: UNSET })).toEqual({ code: 2, message: "x" });
    expect(exported({ code: ERROR }, { code: UNSET, message: "y" })).toEqual({ code: 2 });
  });

  it("drops the description of OK", () => {
    expect(exported({ code: OK, message: "x" })).toEqual({ code: 1 });
  });

  it("keeps OK once set: no later ERROR, UNSET or OK changes it", () => {
    expect(exported({ code: OK }, { code: ERROR, message: "late" })).toEqual({ code: 1 });
    expect(exported({ code: OK }, { code: UNSET })).toEqual({ code: 1 });
    expect(exported({ code: OK }, { code: OK, message: "again" })).toEqual({ code: 1 });
  });

  it("lets OK replace ERROR, its description gone", () => {
    expect(exported({ code: ERROR, message: "db timeout" }, { code: OK })).toEqual({ code: 1 });
  });

  it("keeps ERROR's description, the latest given one winning; a message-less ERROR keeps the one already there", () => {
    expect(exported({ code: ERROR, message: "db timeout" })).toEqual({ code: 2, message: "db timeout" });
    expect(exported({ code: ERROR, message: "a" }, { code: ERROR, message: "b" })).toEqual({ code: 2, message: "b" });
    expect(exported({ code: ERROR, message: "db timeout" }, { code: ERROR })).toEqual({ code: 2, message: "db timeout" });
    expect(exported({ code: ERROR, message: "db timeout" }, { code: ERROR, message: "" })).toEqual({ code: 2, message: "db timeout" });
    expect(exported({ code: ERROR }, { code: ERROR, message: "later" })).toEqual({ code: 2, message: "later" });
  });

  it("cuts a description at 1024 characters", () => {
    expect(exported({ code: ERROR, message: "e".repeat(2000) })).toEqual({ code: 2, message: "e".repeat(1024) });
  });

  it("changes nothing once the span ended", () => {
    expect(exported({ code: ERROR, message: "before" }, "end", { code: OK })).toEqual({ code: 2, message: "before" });
    expect(exported("end", { code: ERROR, message: "after" })).toEqual({ code: 0 });
  });
});

describe("the SERVER span of a 5xx response", () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(() => collector?.close());

  async function serverSpan(service: string, handle: () => void) {
    const handler = withTracing(
      async () => {
        handle();
        return new Response("failed", { status: 503 });
      },
      { endpoint: collector.url, serviceName: service },
    );
    const response = await handler(new Request("http://app.test/work"));
    expect(response.status).toBe(503);
    await response.text();
    await flush();
    const spans = collector.spans().filter((s) => s.resource["service.name"] === service);
    expect(spans).toHaveLength(1);
    return spans[0];
  }

  it("keeps the description the handler gave its span: ERROR 'db timeout' stays", async () => {
    const span = await serverSpan("status-user-error", () => trace.getActiveSpan()?.setStatus({ code: ERROR, message: "db timeout" }));
    expect(span.raw.status).toEqual({ code: 2, message: "db timeout" });
    expect(span.attributes["http.response.status_code"]).toBe(503);
    expect(span.attributes["error.type"]).toBe("503");
  });

  it("keeps the error.type the handler set (it says more than the status)", async () => {
    const span = await serverSpan("status-user-error-type", () => trace.getActiveSpan()?.setAttribute("error.type", "db_timeout"));
    expect([span.attributes["error.type"], span.raw.status]).toEqual(["db_timeout", { code: 2 }]);
  });

  it("is ERROR without a description when the handler set none", async () => {
    const span = await serverSpan("status-plain-5xx", () => {});
    expect(span.raw.status).toEqual({ code: 2 });
  });

  it("stays OK when the handler said OK: ours does not override it", async () => {
    const span = await serverSpan("status-user-ok", () => trace.getActiveSpan()?.setStatus({ code: OK, message: "handled" }));
    expect(span.raw.status).toEqual({ code: 1 });
  });
});
