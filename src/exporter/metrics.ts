/** Metric streams as the `ResourceMetrics` shape `@opentelemetry/otlp-transformer` serializes. */
import { ValueType } from "@opentelemetry/api";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import type { MetricStream } from "../metrics/genai-metrics.js";
import { toHrTime } from "../trace/clock.js";
import type { InstrumentationScope } from "../trace/span.js";
import type { ResourceLike } from "./resource.js";
import { fixDoubles } from "./traces.js";

// `@opentelemetry/sdk-metrics` enum values the transformer switches on (DELTA, HISTOGRAM, SUM);
// that package is the transformer's dependency, not ours, so its numbers are restated here.
const DELTA = 0;
const HISTOGRAM = 0;
const SUM = 3;

export function serializeMetrics(
  streams: MetricStream[],
  resource: ResourceLike,
  scope: InstrumentationScope,
  startMs: number,
  endMs: number,
): Uint8Array {
  const startTime = toHrTime(startMs);
  const endTime = toHrTime(endMs);
  const metrics = streams.map(({ descriptor, points }) => ({
    // Name and unit as they are (the transformer reads no other field of ours).
    descriptor: { ...descriptor, description: descriptor.description ?? "", valueType: descriptor.valueType === "int" ? ValueType.INT : ValueType.DOUBLE },
    aggregationTemporality: DELTA,
    dataPointType: descriptor.kind === "histogram" ? HISTOGRAM : SUM,
    isMonotonic: true,
    dataPoints: points.map((point) => ({
      attributes: point.attributes,
      startTime,
      endTime,
      // A histogram's count, sum, min and max as they are, its buckets as the transformer names them.
      value: point.histogram ? { ...point.histogram, buckets: { boundaries: point.histogram.bounds, counts: point.histogram.counts } } : point.sum,
    })),
  }));
  const request = { resource, scopeMetrics: [{ scope, metrics }] };
  // The transformer's types name the SDK's ResourceMetrics; the structure above is what it reads.
  const json = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(request as never));
  // Metric attributes have no double-typed names of their own: only unsafe integers are fixed.
  return new TextEncoder().encode(fixDoubles(json, []));
}
