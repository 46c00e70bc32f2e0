/**
 * OTLP/JSON values, written here instead of taken from `@opentelemetry/otlp-transformer`: its
 * JSON serializers cost a Worker ~2 KB gzipped for a mapping this small. The output is the
 * transformer's byte for byte (test/unit/otlp-json.test.ts compares them), except that
 * double-typed attributes stay doubles when whole (`doubles`).
 */
import { toHrTime } from "../trace/clock.js";

/** Epoch ms as the nanosecond string OTLP/JSON uses (through HrTime, rounded as the SDK does). */
export function nanos(ms: number): string {
  const [seconds, ns] = toHrTime(ms);
  return String(BigInt(seconds) * 1000000000n + BigInt(ns));
}

function anyValue(value: unknown, doubles?: ReadonlySet<string>, double?: boolean): object {
  const type = typeof value;
  if (type === "string") return { stringValue: value };
  if (type === "number") return double || !Number.isInteger(value) ? { doubleValue: value } : { intValue: value };
  if (type === "boolean") return { boolValue: value };
  if (value instanceof Uint8Array) return { bytesValue: btoa(Array.from(value, (b) => String.fromCharCode(b)).join("")) };
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => anyValue(v, doubles)) } };
  if (value && type === "object") return { kvlistValue: { values: keyValues(value as Record<string, unknown>, doubles) } };
  return {};
}

/** Attributes as OTLP KeyValues; a key in `doubles` with a number value is always a `doubleValue`. */
export function keyValues(attributes: Record<string, unknown>, doubles?: ReadonlySet<string>): object[] {
  return Object.keys(attributes).map((key) => ({ key, value: anyValue(attributes[key], doubles, doubles?.has(key)) }));
}

export const encode = (request: object): Uint8Array => new TextEncoder().encode(JSON.stringify(request));
