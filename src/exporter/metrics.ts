/** Metric streams as an OTLP/JSON ExportMetricsServiceRequest (delta temporality). */
import type { MetricStream } from "../metrics/genai-metrics.js";
import type { InstrumentationScope } from "../trace/span.js";
import { encode, keyValues, nanos } from "./otlp-json.js";
import type { ResourceLike } from "./resource.js";

/** AGGREGATION_TEMPORALITY_DELTA */
const DELTA = 1;

export function serializeMetrics(
  streams: MetricStream[],
  resource: ResourceLike,
  scope: InstrumentationScope,
  startMs: number,
  endMs: number,
): Uint8Array {
  const startTimeUnixNano = nanos(startMs);
  const timeUnixNano = nanos(endMs);
  const metrics = streams.map(({ descriptor, points }) => {
    const dataPoints = points.map(({ attributes, histogram, sum }) =>
      histogram
        ? {
            attributes: keyValues(attributes),
            bucketCounts: [...histogram.counts],
            explicitBounds: [...histogram.bounds],
            count: histogram.count,
            sum: histogram.sum,
            min: histogram.min,
            max: histogram.max,
            startTimeUnixNano,
            timeUnixNano,
          }
        : { attributes: keyValues(attributes), startTimeUnixNano, timeUnixNano, [descriptor.valueType === "int" ? "asInt" : "asDouble"]: sum },
    );
    const { name, description = "", unit } = descriptor;
    return descriptor.kind === "histogram"
      ? { name, description, unit, histogram: { aggregationTemporality: DELTA, dataPoints } }
      : { name, description, unit, sum: { aggregationTemporality: DELTA, isMonotonic: true, dataPoints } };
  });
  return encode({
    resourceMetrics: [
      {
        resource: { attributes: keyValues(resource.attributes), droppedAttributesCount: 0 },
        scopeMetrics: [{ scope: { name: scope.name, version: scope.version }, metrics, schemaUrl: scope.schemaUrl }],
      },
    ],
  });
}
