/**
 * The exporter writes OTLP/JSON itself (src/exporter/otlp-json.ts). Its bytes must be exactly what
 * `@opentelemetry/otlp-transformer` gives for the same spans and metrics (with whole-number doubles
 * rewritten to `doubleValue`, the rule the exporter applied to the transformer's output before).
 * One difference, deliberate: a whole double of 1e21 or more is a `doubleValue` too (the old
 * rewrite missed JSON's exponent form and sent `{"intValue":1e+21}`, which no collector reads).
 */
import { type Attributes, type Link, SpanKind, SpanStatusCode, TraceFlags } from "@opentelemetry/api";
import { createTraceState } from "@opentelemetry/api";
import { JsonMetricsSerializer, JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DOUBLE_ATTRIBUTES, PROFILES } from "../../src/attributes.js";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { serializeMetrics } from "../../src/exporter/metrics.js";
import { serializeSpans } from "../../src/exporter/traces.js";
import { aggregateCalls, type MetricStream } from "../../src/metrics/genai-metrics.js";
import { Histogram } from "../../src/metrics/histogram.js";
import { toHrTime } from "../../src/trace/clock.js";
import { RecordingSpan } from "../../src/trace/span.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The exporter's former trace path: the transformer, then whole-number doubles made `doubleValue`. */
function viaTransformer(spans: RecordingSpan[], resource: { attributes: Attributes }, doubles: readonly string[]): string {
  const readable = spans.map((span) => {
    const end = span.endMs ?? span.startMs;
    return {
      name: span.name,
      kind: span.kind,
      spanContext: () => span.spanContext(),
      parentSpanContext: span.parent,
      startTime: toHrTime(span.startMs),
      endTime: toHrTime(end),
      duration: toHrTime(end - span.startMs),
      ended: true,
      status: span.status,
      attributes: span.attributes,
      links: span.links.map((link) => ({ ...link, droppedAttributesCount: 0 })),
      events: span.events.map((e) => ({ name: e.name, time: toHrTime(e.timeMs), attributes: e.attributes, droppedAttributesCount: 0 })),
      resource,
      instrumentationScope: span.scope,
      droppedAttributesCount: span.droppedAttributes,
      droppedEventsCount: span.droppedEvents,
      droppedLinksCount: span.droppedLinks,
    };
  });
  const pattern = new RegExp(`"key":"(${doubles.map((k) => k.replace(/\./g, "\\.")).join("|")})","value":\\{"intValue":"?(-?\\d+)"?\\}`, "g");
  return text(JsonTraceSerializer.serializeRequest(readable as never) as Uint8Array).replace(pattern, '"key":"$1","value":{"doubleValue":$2}');
}

function viaTransformerMetrics(streams: MetricStream[], resource: { attributes: Attributes }, scope: object, startMs: number, endMs: number) {
  const [startTime, endTime] = [toHrTime(startMs), toHrTime(endMs)];
  const metrics = streams.map(({ descriptor, points }) => ({
    descriptor: { name: descriptor.name, description: descriptor.description ?? "", unit: descriptor.unit, valueType: descriptor.valueType === "int" ? 0 : 1 },
    aggregationTemporality: 0,
    dataPointType: descriptor.kind === "histogram" ? 0 : 3,
    isMonotonic: true,
    dataPoints: points.map((point) => ({
      attributes: point.attributes,
      startTime,
      endTime,
      value: point.histogram
        ? {
            buckets: { boundaries: [...point.histogram.bounds], counts: [...point.histogram.counts] },
            count: point.histogram.count,
            sum: point.histogram.sum,
            min: point.histogram.min,
            max: point.histogram.max,
          }
        : point.sum,
    })),
  }));
  return text(JsonMetricsSerializer.serializeRequest({ resource, scopeMetrics: [{ scope, metrics }] } as never) as Uint8Array);
}

const sink = { limits: { ...DEFAULT_LIMITS, maxAttributeLength: 1e6 }, spanStarted() {}, spanEnded() {} };
const ctx = (spanId: string, traceFlags = TraceFlags.SAMPLED) => ({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId, traceFlags });
const doubleKey = fc.constantFrom(...DOUBLE_ATTRIBUTES, "gen_ai.request.top_k");
const key = fc.oneof(doubleKey, fc.string({ maxLength: 12 }));
const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ min: -1e20, max: 1e20, noNaN: true }), fc.boolean());
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.array(fc.integer(), { maxLength: 3 }));
const attributes = fc.dictionary(key, value, { maxKeys: 6 }) as fc.Arbitrary<Attributes>;
const time = fc.double({ min: 1.6e12, max: 1.9e12, noNaN: true });

describe("OTLP/JSON bytes are the transformer's", () => {
  it("for spans of any attributes, events, links, parents, status and scopes", () => {
    const spanArb = fc.record({
      name: fc.string({ maxLength: 10 }),
      kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER),
      parent: fc.option(fc.record({ remote: fc.boolean(), state: fc.boolean() }), { nil: undefined }),
      sampled: fc.boolean(),
      start: time,
      duration: fc.double({ min: 0, max: 1e5, noNaN: true }),
      attributes,
      events: fc.array(fc.record({ name: fc.string({ maxLength: 8 }), attributes, at: time }), { maxLength: 2 }),
      links: fc.array(fc.record({ attributes: fc.option(attributes, { nil: undefined }), remote: fc.boolean() }), { maxLength: 2 }),
      status: fc.constantFrom({ code: SpanStatusCode.UNSET }, { code: SpanStatusCode.OK }, { code: SpanStatusCode.ERROR, message: "boom" }),
      scope: fc.constantFrom({ name: "a" }, { name: "a", version: "1" }, { name: "otel-genai-edge", version: "0.1.0", schemaUrl: "https://opentelemetry.io/schemas/1.37.0" }),
    });
    fc.assert(
      fc.property(fc.array(spanArb, { maxLength: 4 }), fc.dictionary(key, scalar, { maxKeys: 6 }), fc.constantFrom(PROFILES.latest.doubleAttributes, PROFILES["v1.41"].doubleAttributes), (specs, resourceAttributes, doubles) => {
        const spans = specs.map((s, i) => {
          const parent = s.parent && {
            ...ctx("00f067aa0ba902b7"),
            isRemote: s.parent.remote,
            traceState: s.parent.state ? createTraceState("vendor=x,other=y") : undefined,
          };
          const links: Link[] = s.links.map((l) => ({ context: { ...ctx("1111111111111111"), isRemote: l.remote }, attributes: l.attributes }));
          const own = { ...ctx(`00000000000000${String(i).padStart(2, "0")}`, s.sampled ? 1 : 0), traceState: parent?.traceState };
          const span = new RecordingSpan(s.name, s.kind, own, parent, s.start, sink, s.scope, s.attributes, links);
          for (const e of s.events) span.addEvent(e.name, e.attributes, e.at);
          span.setStatus(s.status);
          span.end(s.start + s.duration);
          return span;
        });
        const resource = { attributes: resourceAttributes };
        expect(text(serializeSpans(spans, resource, doubles))).toBe(viaTransformer(spans, resource, doubles));
      }),
      { numRuns: 300 },
    );
  });

  it("for byte, nested-object and null values outside the API's types", () => {
    const span = new RecordingSpan("s", SpanKind.CLIENT, ctx("00f067aa0ba902b7"), undefined, 1_760_000_000_000.25, sink, { name: "t" });
    Object.assign(span.attributes, {
      bytes: new Uint8Array([0, 1, 254, 255]),
      nested: { "gen_ai.request.temperature": 1, inner: { x: "y" }, list: [{ "gen_ai.request.top_p": 2 }] },
      nulls: [null, 1],
    });
    span.end(1_760_000_001_000.5);
    const resource = { attributes: { "service.name": "t" } };
    expect(text(serializeSpans([span], resource))).toBe(viaTransformer([span], resource, DOUBLE_ATTRIBUTES));
    expect(text(serializeSpans([], resource))).toBe(viaTransformer([], resource, DOUBLE_ATTRIBUTES));
    span.attributes["gen_ai.request.temperature"] = 1e21;
    expect(text(serializeSpans([span], resource))).toContain('"key":"gen_ai.request.temperature","value":{"doubleValue":1e+21}');
  });

  it("for the GenAI metric streams (histograms, int and double counters)", () => {
    const histogram = new Histogram([1, 5, 10]);
    for (const v of [0.5, 3, 7, 42]) histogram.record(v);
    const streams: MetricStream[] = [
      { descriptor: { name: "gen_ai.client.operation.duration", unit: "s", kind: "histogram", valueType: "double" }, points: [{ attributes: { "gen_ai.request.model": "m" }, histogram }] },
      { descriptor: { name: "tokens", unit: "{token}", kind: "counter", valueType: "int", description: "d" }, points: [{ attributes: { a: 1 }, sum: 12 }] },
      { descriptor: { name: "cost", unit: "USD", kind: "counter", valueType: "double" }, points: [{ attributes: { "gen_ai.request.temperature": 1 }, sum: 0.25 }, { attributes: {}, sum: 3 }] },
      { descriptor: { name: "empty", unit: "s", kind: "histogram", valueType: "int" }, points: [{ attributes: {}, histogram: new Histogram([]) }] },
    ];
    const resource = { attributes: { "service.name": "t", n: 2 } };
    const scope = { name: "otel-genai-edge", version: "0.1.0", schemaUrl: "https://opentelemetry.io/schemas/1.37.0" };
    expect(text(serializeMetrics(streams, resource, scope, 1_760_000_000_000.25, 1_760_000_060_000.5))).toBe(
      viaTransformerMetrics(streams, resource, scope, 1_760_000_000_000.25, 1_760_000_060_000.5),
    );
    expect(aggregateCalls([], PROFILES.latest)).toEqual([]);
  });
});
