/**
 * Log records (GenAI events: `gen_ai.client.inference.operation.details`, `gen_ai.evaluation.result`)
 * as the `ReadableLogRecord` shape `@opentelemetry/otlp-transformer` serializes, and where they go.
 */
import type { TraceFlags } from "@opentelemetry/api";
import { JsonLogsSerializer } from "@opentelemetry/otlp-transformer";
import type { EnvSource } from "../config.js";
import { base, endpoint, show, str, url, warn } from "../config-values.js";
import { toHrTime } from "../trace/clock.js";
import type { InstrumentationScope } from "../trace/span.js";
import type { ResourceLike } from "./resource.js";
import { fixDoubles } from "./traces.js";

/** OTLP SeverityNumber values we use. */
export const SEVERITY_DEBUG = 5;
export const SEVERITY_INFO = 9;
const SEVERITY_TEXT: Record<number, string> = { [SEVERITY_DEBUG]: "DEBUG", [SEVERITY_INFO]: "INFO" };

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
    if (value === undefined || value === null || typeof value === "function" || typeof value === "symbol") continue;
    if (typeof value === "number" && !Number.isFinite(value)) continue;
    if (typeof value === "bigint") continue;
    out[key] = value;
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
      hrTime: time,
      hrTimeObserved: time,
      severityNumber: record.severityNumber,
      severityText: SEVERITY_TEXT[record.severityNumber],
      eventName: record.eventName,
      attributes: present(record.attributes),
      droppedAttributesCount: 0,
      spanContext:
        record.traceId && record.spanId ? { traceId: record.traceId, spanId: record.spanId, traceFlags: record.traceFlags } : undefined,
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

/**
 * The logs URL, resolved as config.ts resolves the traces and metrics ones: `logsEndpoint` as is,
 * else OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as is (unless an explicit base endpoint was given), else
 * the base endpoint + `/v1/logs`. OTEL_LOGS_EXPORTER=none turns it off (an explicit
 * `logsEndpoint` wins). Bad values are warned about and not used.
 */
export function resolveLogsUrl(env: EnvSource, explicit: { endpoint?: unknown; logsEndpoint?: unknown }): string | undefined {
  const explicitBase = base("config.endpoint", explicit.endpoint);
  const root = explicitBase ?? base("OTEL_EXPORTER_OTLP_ENDPOINT", str(env, "OTEL_EXPORTER_OTLP_ENDPOINT"));
  const logsUrl =
    endpoint("config.logsEndpoint", explicit.logsEndpoint) ??
    (explicitBase ? undefined : endpoint("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", str(env, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"))) ??
    (root ? `${root}/v1/logs` : undefined);
  const exporter = str(env, "OTEL_LOGS_EXPORTER")?.toLowerCase();
  if (exporter && exporter !== "otlp" && exporter !== "none") warn(`OTEL_LOGS_EXPORTER=${show(exporter)} is not supported (otlp or none); using otlp`);
  return exporter === "none" && !url(explicit.logsEndpoint) ? undefined : logsUrl;
}
