/** Our finished spans as an OTLP/JSON ExportTraceServiceRequest. */
import type { Link, SpanContext } from "@opentelemetry/api";
import { DOUBLE_ATTRIBUTES } from "../attributes.js";
import type { RecordingSpan } from "../trace/span.js";
import { encode, keyValues, nanos } from "./otlp-json.js";
import type { ResourceLike } from "./resource.js";

/** OTLP span flags: the W3C trace flags, plus whether the parent/link is remote (and that this is known). */
const flags = (context: SpanContext, remote?: boolean) => (context.traceFlags & 255) | (remote ? 768 : 256);

export function serializeSpans(spans: RecordingSpan[], resource: ResourceLike, doubles: readonly string[] = DOUBLE_ATTRIBUTES): Uint8Array {
  const asDouble = new Set(doubles);
  const attributes = (values: Record<string, unknown>) => keyValues(values, asDouble);
  // Spans grouped by instrumentation scope, in order of first appearance.
  const scopes = new Map<string, { scope: object; spans: object[]; schemaUrl?: string }>();
  for (const span of spans) {
    const { name, version, schemaUrl } = span.scope;
    const key = `${name}@${version || ""}:${schemaUrl || ""}`;
    let group = scopes.get(key);
    if (!group) scopes.set(key, (group = { scope: { name, version }, spans: [], schemaUrl }));
    const context = span.spanContext();
    const parent = span.parent;
    group.spans.push({
      traceId: context.traceId,
      spanId: context.spanId,
      parentSpanId: parent?.spanId || undefined,
      traceState: context.traceState?.serialize(),
      name: span.name,
      kind: span.kind + 1,
      startTimeUnixNano: nanos(span.startMs),
      endTimeUnixNano: nanos(span.endMs ?? span.startMs),
      attributes: attributes(span.attributes),
      droppedAttributesCount: span.droppedAttributes,
      events: span.events.map((event) => ({
        attributes: attributes(event.attributes),
        name: event.name,
        timeUnixNano: nanos(event.timeMs),
        droppedAttributesCount: 0,
      })),
      droppedEventsCount: span.droppedEvents,
      status: { code: span.status.code, message: span.status.message },
      links: span.links.map((link: Link) => ({
        attributes: link.attributes ? attributes(link.attributes) : [],
        spanId: link.context.spanId,
        traceId: link.context.traceId,
        traceState: link.context.traceState?.serialize(),
        droppedAttributesCount: 0,
        flags: flags(link.context, link.context.isRemote),
      })),
      droppedLinksCount: span.droppedLinks,
      flags: flags(context, parent?.isRemote),
    });
  }
  const resourceSpans = spans.length
    ? [{ resource: { attributes: attributes(resource.attributes), droppedAttributesCount: 0 }, scopeSpans: [...scopes.values()] }]
    : [];
  return encode({ resourceSpans });
}
