/** Our finished spans as the `ReadableSpan` shape `@opentelemetry/otlp-transformer` serializes. */
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { DOUBLE_ATTRIBUTES } from "../attributes.js";
import { toHrTime } from "../trace/clock.js";
import type { RecordingSpan } from "../trace/span.js";
import type { ResourceLike } from "./resource.js";

/**
 * Per list of double attributes (one per semconv profile), one pattern for both fixes, matched at
 * each `"intValue":` (a literal start, so the scan stays as fast as a plain search):
 * - a whole-number value of one of the named attributes (the key is looked behind for);
 * - a value JSON.stringify may have written for an integer outside the safe range, in any AnyValue
 *   (attributes of spans, events, links, resources, log records and points, array elements, map
 *   values): 16 digits or more, or the exponent form it uses from 1e21 (`1e+21`, `-1e+300`).
 *   Beyond int64 a Go receiver (the Collector) rejects the whole request; beyond 2^53 the digits
 *   are not the value anyway.
 */
/** Keyed by the names (a pipeline's list is its own array): one pattern per distinct list, as few as the profiles. */
const patterns = new Map<string, RegExp>();
function intValues(keys: readonly string[]): RegExp {
  const id = keys.join();
  let pattern = patterns.get(id);
  if (!pattern) {
    // No names: a group that never matches, so the groups keep their numbers.
    const names = keys.length > 0 ? keys.map((k) => k.replace(/\./g, "\\.")).join("|") : "(?!)";
    pattern = new RegExp(
      String.raw`"intValue":(?:(?<="key":"(${names})","value":\{"intValue":)"?(-?\d+)"?(?=\})|"?(-?(?:\d{16,}|\d(?:\.\d+)?e\+\d+))"?)`,
      "g",
    );
    patterns.set(id, pattern);
  }
  return pattern;
}

/**
 * The transformer writes every whole number as `intValue`. The attributes the conventions type as
 * double (a temperature of 1, a score of 1) go back to `doubleValue` in the serialized JSON, and so
 * does any integer that is not a safe one (2**64, 1e21, -(2**63)): one pass over the JSON for both.
 */
export const fixDoubles = (json: string, doubles: readonly string[]): string =>
  json.replace(intValues(doubles), (match, key: string | undefined, whole: string | undefined, big: string) =>
    key !== undefined ? `"doubleValue":${whole}` : Number.isSafeInteger(Number(big)) ? match : `"doubleValue":${big}`,
  );

export function serializeSpans(spans: RecordingSpan[], resource: ResourceLike, doubles: readonly string[] = DOUBLE_ATTRIBUTES): Uint8Array {
  // What the transformer reads of a ReadableSpan: nothing else (not its `duration` or `ended`).
  const readable = spans.map((span) => ({
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parent,
    startTime: toHrTime(span.startMs),
    endTime: toHrTime(span.endMs ?? span.startMs),
    status: span.status,
    attributes: span.attributes,
    links: span.links.map((link) => ({ ...link, droppedAttributesCount: link.droppedAttributes })),
    events: span.events.map((event) => ({ ...event, time: toHrTime(event.timeMs), droppedAttributesCount: event.droppedAttributes })),
    resource,
    instrumentationScope: span.scope,
    droppedAttributesCount: span.droppedAttributes,
    droppedEventsCount: span.droppedEvents,
    droppedLinksCount: span.droppedLinks,
  }));
  // The transformer's types name the SDK's ReadableSpan; the structure above is what it reads.
  const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readable as never));
  return new TextEncoder().encode(fixDoubles(json, doubles));
}
