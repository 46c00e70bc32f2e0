/**
 * Log records (GenAI events: `gen_ai.client.inference.operation.details`, `gen_ai.evaluation.result`)
 * as the `ReadableLogRecord` shape `@opentelemetry/otlp-transformer` serializes (where they go: `logsUrl`, config.ts).
 */
import type { TraceFlags } from "@opentelemetry/api";
import { JsonLogsSerializer } from "@opentelemetry/otlp-transformer";
import { toHrTime } from "../trace/clock.js";
import type { InstrumentationScope } from "../trace/span.js";
import type { ResourceLike } from "./resource.js";
import { fixDoubles } from "./traces.js";

/** OTLP SeverityNumber values we use. */
export const SEVERITY_DEBUG = 5;
export const SEVERITY_INFO = 9;
export const SEVERITY_WARN = 13;
const SEVERITY_TEXT: Record<number, string> = { [SEVERITY_DEBUG]: "DEBUG", [SEVERITY_INFO]: "INFO", [SEVERITY_WARN]: "WARN" };

/** One event as a log record. Attribute values may be structured (maps, arrays): they become AnyValue maps and arrays. */
export interface LogRecordData {
  eventName: string;
  timeMs: number;
  severityNumber: number;
  attributes: Record<string, unknown>;
  /** The span the event belongs to (hex ids), when there is one. */
  traceId?: string;
  spanId?: string;
  traceFlags?: TraceFlags;
}

/** Values an AnyValue can hold: top-level nothings are left out rather than sent as empty values. */
function present(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    // Strings, booleans, finite numbers, maps and arrays (not undefined, null, NaN, functions, symbols, bigints).
    if (value !== null && (typeof value === "string" || typeof value === "boolean" || typeof value === "object" || Number.isFinite(value))) out[key] = value;
  }
  return out;
}

export function serializeLogs(
  records: readonly LogRecordData[],
  resource: ResourceLike,
  scope: InstrumentationScope,
  doubles: readonly string[],
): Uint8Array {
  const readable = records.map((record) => {
    const time = toHrTime(record.timeMs);
    return {
      // Its event name and severity number as they are.
      ...record,
      hrTime: time,
      hrTimeObserved: time,
      severityText: SEVERITY_TEXT[record.severityNumber],
      attributes: present(record.attributes),
      droppedAttributesCount: 0,
      // The record holds its span's ids and flags under a SpanContext's names.
      spanContext: record.traceId && record.spanId ? record : undefined,
      resource,
      instrumentationScope: scope,
    };
  });
  // The transformer's types name the SDK's ReadableLogRecord; the structure above is what it reads.
  const json = new TextDecoder().decode(JsonLogsSerializer.serializeRequest(readable as never));
  // An event has no body: the transformer writes an empty AnyValue for it, which says nothing.
  const text = fixDoubles(json.replace(/"body":\{\},/g, ""), doubles);
  return new TextEncoder().encode(text);
}

