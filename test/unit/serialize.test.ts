/** OTLP JSON encoding details the transformer alone gets wrong for us. */
import { SpanKind, TraceFlags } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../../src/attributes.js";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { serializeLogs } from "../../src/exporter/logs.js";
import { serializeMetrics } from "../../src/exporter/metrics.js";
import { serializeSpans } from "../../src/exporter/traces.js";
import { RecordingSpan } from "../../src/trace/span.js";

const sink = { limits: DEFAULT_LIMITS, spanStarted() {}, spanEnded() {} };

function encoded(attributes: Record<string, number>, doubles?: readonly string[]) {
  const span = new RecordingSpan(
    "chat gpt-4o",
    SpanKind.CLIENT,
    { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED },
    undefined,
    1_760_000_000_000.25,
    sink,
    { name: "test" },
    attributes,
  );
  span.end(1_760_000_001_000.5);
  const body = JSON.parse(new TextDecoder().decode(serializeSpans([span], { attributes: { "service.name": "t" } }, doubles)));
  const out = body.resourceSpans[0].scopeSpans[0].spans[0];
  return { span: out, values: Object.fromEntries(out.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value])) };
}

describe("span attribute length", () => {
  it("cuts plain strings at maxAttributeLength, never the content attributes' JSON (bounded when made)", () => {
    const span = new RecordingSpan("chat m", SpanKind.CLIENT, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED }, undefined, 0, {
      ...sink,
      limits: { ...DEFAULT_LIMITS, maxAttributeLength: 10 },
    }, { name: "test" });
    const json = JSON.stringify([{ role: "user", parts: [{ type: "text", content: "a long prompt" }] }]);
    span.setAttributes({ "gen_ai.input.messages": json, "gen_ai.output.messages": json, "url.full": "https://example.test/long" });
    expect(span.attributes["gen_ai.input.messages"]).toBe(json);
    expect(span.attributes["gen_ai.output.messages"]).toBe(json);
    expect(span.attributes["url.full"]).toBe("https://ex");
  });
});

describe("span serialization", () => {
  it("types gen_ai.request.top_k as each profile does: a double in v1.41, an int since", () => {
    expect(encoded({ "gen_ai.request.top_k": 40 }, PROFILES["v1.41"].doubleAttributes).values).toEqual({ "gen_ai.request.top_k": { doubleValue: 40 } });
    expect(encoded({ "gen_ai.request.top_k": 40 }, PROFILES.latest.doubleAttributes).values).toEqual({ "gen_ai.request.top_k": { intValue: 40 } });
  });

  it("keeps double-typed attributes doubles even when the value is a whole number", () => {
    const { values } = encoded({
      "gen_ai.request.temperature": 1,
      "gen_ai.request.top_p": 0.5,
      "gen_ai.request.presence_penalty": 0,
      "gen_ai.response.time_to_first_chunk": 2,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.usage.input_tokens": 22,
    });
    expect(values).toEqual({
      "gen_ai.request.temperature": { doubleValue: 1 },
      "gen_ai.request.top_p": { doubleValue: 0.5 },
      "gen_ai.request.presence_penalty": { doubleValue: 0 },
      "gen_ai.response.time_to_first_chunk": { doubleValue: 2 },
      "gen_ai.request.max_tokens": { intValue: 256 },
      "gen_ai.usage.input_tokens": { intValue: 22 },
    });
  });

  it("encodes ids as hex, kind and status as integers, and timestamps as nanosecond strings", () => {
    const { span } = encoded({});
    expect(span).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      kind: 3,
      status: { code: 0 },
      startTimeUnixNano: "1760000000000250000",
      endTimeUnixNano: "1760000001000500000",
    });
    expect(span.parentSpanId).toBeUndefined();
  });
});

/** Integers a Go receiver cannot take as int64 (or JS cannot hold exactly), and ones it can. */
const INTEGERS = {
  two64: 2 ** 64,
  e21: 1e21,
  minusE300: -1e300,
  minInt64: -(2 ** 63),
  maxSafe: Number.MAX_SAFE_INTEGER,
  maxSafePlus2: Number.MAX_SAFE_INTEGER + 2,
  ordinary: 42,
};
const INTEGERS_ENCODED = {
  two64: { doubleValue: 2 ** 64 },
  e21: { doubleValue: 1e21 },
  minusE300: { doubleValue: -1e300 },
  minInt64: { doubleValue: -(2 ** 63) },
  maxSafe: { intValue: Number.MAX_SAFE_INTEGER },
  maxSafePlus2: { doubleValue: Number.MAX_SAFE_INTEGER + 2 },
  ordinary: { intValue: 42 },
};
const RESOURCE = { attributes: { "service.name": "t", "host.big": 2 ** 64, "host.small": 7 } };
const RESOURCE_ENCODED = { "service.name": { stringValue: "t" }, "host.big": { doubleValue: 2 ** 64 }, "host.small": { intValue: 7 } };
const scope = { name: "test" };

type KeyValue = { key: string; value: unknown };
const values = (attributes: KeyValue[]) => Object.fromEntries(attributes.map((a) => [a.key, a.value]));
/** The body as text (to check the exact tokens) and parsed: it must be valid JSON. */
function decoded(body: Uint8Array) {
  const text = new TextDecoder().decode(body);
  return { text, json: JSON.parse(text) };
}

describe("integers outside the safe range", () => {
  it("go out as doubleValue in span, event, link and resource attributes, safe ones as intValue", () => {
    const span = new RecordingSpan(
      "chat m",
      SpanKind.CLIENT,
      { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED },
      undefined,
      0,
      sink,
      scope,
      { ...INTEGERS, "gen_ai.request.temperature": 1e21, list: [1, 2 ** 64], text: '"intValue":1e+21' },
      [{ context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }, attributes: INTEGERS }],
    );
    span.addEvent("e", INTEGERS);
    span.end(1);
    const { text, json } = decoded(serializeSpans([span], RESOURCE, PROFILES.latest.doubleAttributes));
    expect(text).not.toMatch(/"intValue":"?-?(\d{17,}|[\d.]+e)/);
    expect(values(json.resourceSpans[0].resource.attributes)).toEqual(RESOURCE_ENCODED);
    const out = json.resourceSpans[0].scopeSpans[0].spans[0];
    expect(values(out.attributes)).toEqual({
      ...INTEGERS_ENCODED,
      "gen_ai.request.temperature": { doubleValue: 1e21 },
      list: { arrayValue: { values: [{ intValue: 1 }, { doubleValue: 2 ** 64 }] } },
      text: { stringValue: '"intValue":1e+21' },
    });
    expect(values(out.events[0].attributes)).toEqual(INTEGERS_ENCODED);
    expect(values(out.links[0].attributes)).toEqual(INTEGERS_ENCODED);
  });

  it("go out as doubleValue in log record attributes, map values included", () => {
    const record = { eventName: "e", timeMs: 0, severityNumber: 9, attributes: { ...INTEGERS, map: { big: 1e21, small: 3 } } };
    const { text, json } = decoded(serializeLogs([record], RESOURCE, scope, []));
    expect(text).not.toMatch(/"intValue":"?-?(\d{17,}|[\d.]+e)/);
    expect(values(json.resourceLogs[0].resource.attributes)).toEqual(RESOURCE_ENCODED);
    expect(values(json.resourceLogs[0].scopeLogs[0].logRecords[0].attributes)).toEqual({
      ...INTEGERS_ENCODED,
      map: { kvlistValue: { values: [{ key: "big", value: { doubleValue: 1e21 } }, { key: "small", value: { intValue: 3 } }] } },
    });
  });

  it("go out as doubleValue in metric point attributes; point values are left as they are", () => {
    const stream = {
      descriptor: { name: "gen_ai.client.token.usage", unit: "{token}", kind: "counter" as const, valueType: "int" as const },
      points: [{ attributes: INTEGERS, key: "integers", sum: 5 }],
    };
    const { text, json } = decoded(serializeMetrics([stream], RESOURCE, scope, 0, 1000));
    expect(text).not.toMatch(/"intValue":"?-?(\d{17,}|[\d.]+e)/);
    expect(values(json.resourceMetrics[0].resource.attributes)).toEqual(RESOURCE_ENCODED);
    const [point] = json.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints;
    expect(values(point.attributes)).toEqual(INTEGERS_ENCODED);
    expect(point.asInt).toBe(5);
  });
});
