/** Our finished spans as the `ReadableSpan` shape `@opentelemetry/otlp-transformer` serializes. */
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { DOUBLE_ATTRIBUTES } from "../attributes.js";
import { toHrTime } from "../trace/clock.js";
import type { RecordingSpan } from "../trace/span.js";
import type { ResourceLike } from "./resource.js";

/** Per list of double attributes (one per semconv profile), the pattern of their whole-number values. */
const patterns = new Map<readonly string[], RegExp>();
function wholeDoubles(keys: readonly string[]): RegExp {
  let pattern = patterns.get(keys);
  if (!pattern) {
    pattern = new RegExp(`"key":"(${keys.map((k) => k.replace(/\./g, "\\.")).join("|")})","value":\\{"intValue":"?(-?\\d+)"?\\}`, "g");
    patterns.set(keys, pattern);
  }
  return pattern;
}

/**
 * The transformer writes every whole number as `intValue`; the attributes the conventions type as
 * double (a temperature of 1, a score of 1) go back to `doubleValue` in the serialized JSON.
 */
export const fixDoubles = (json: string, doubles: readonly string[]): string =>
  json.replace(wholeDoubles(doubles), '"key":"$1","value":{"doubleValue":$2}');

export function serializeSpans(spans: RecordingSpan[], resource: ResourceLike, doubles: readonly string[] = DOUBLE_ATTRIBUTES): Uint8Array {
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
      events: span.events.map((event) => ({
        name: event.name,
        time: toHrTime(event.timeMs),
        attributes: event.attributes,
        droppedAttributesCount: 0,
      })),
      resource,
      instrumentationScope: span.scope,
      droppedAttributesCount: span.droppedAttributes,
      droppedEventsCount: span.droppedEvents,
      droppedLinksCount: span.droppedLinks,
    };
  });
  // The transformer's types name the SDK's ReadableSpan; the structure above is what it reads.
  const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readable as never));
  return new TextEncoder().encode(fixDoubles(json, doubles));
}
