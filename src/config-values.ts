/**
 * Reading one config value: parsers that answer undefined for a bad value, and the helpers
 * that then fall back and say so once (never a header's value).
 */
import type { EnvSource } from "./config.js";
import { warnOnce } from "./diag.js";
import { scrubText } from "./fetch/redact.js";

export const show = (v: unknown): string => {
  try {
    if (v === undefined) return "none";
    if (typeof v === "function") return "a function";
    // Scrubbed: a value may be an endpoint with credentials in it, or a secret in the wrong field.
    return scrubText((typeof v === "string" || (typeof v === "object" && v) ? JSON.stringify(v) : String(v)).slice(0, 80));
  } catch {
    return `<${typeof v}>`;
  }
};
export const warn = (message: string) => warnOnce(message, message);

/** An env value as text; wrangler `[vars]` numbers and booleans arrive as such. */
export function str(env: EnvSource, key: string): string | undefined {
  const v = env?.[key];
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v !== undefined && typeof v !== "string") warn(`${key} is not a string: ignored`);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~\w-]+$/;

/**
 * `k1=v1,k2=v2` (W3C baggage list form, values percent-decoded), as OTEL_*_HEADERS uses. A bad
 * entry is skipped with a warning naming its key, never its value (headers carry secrets).
 */
export function parseKeyValueList(value: string | undefined, label = "list"): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const part of value?.split(",") ?? []) {
    n++;
    if (!part.trim()) continue;
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    let raw = part.slice(eq + 1).trim();
    try {
      raw = decodeURIComponent(raw);
    } catch {}
    if (eq > 0 && TOKEN.test(key) && !/[\r\n\0]/.test(raw)) {
      out[key] = raw;
      continue;
    }
    // Name the key only when it is followed by a separator: a lone token may be the secret itself.
    const name = part.split(/[:=]/)[0].trim();
    const which = /[:=]/.test(part) && TOKEN.test(name) ? `"${name}"` : `#${n}`;
    warn(`${label}: entry ${which} is not key=value (percent-encoded value): ignored`);
  }
  return out;
}

export type Parse<T> = (v: any) => T | undefined;

/**
 * The first valid candidate (explicit config, then environment), else `fallback`; every
 * invalid one is warned about once, with what was used instead.
 */
export function pick<T>(fallback: T, expected: string, ...candidates: [label: string, raw: unknown, parse: Parse<T>][]): T {
  const bad: string[] = [];
  let out = fallback;
  for (const [label, raw, parse] of candidates) {
    if (raw === undefined) continue;
    const v = parse(raw);
    if (v !== undefined) {
      out = v;
      break;
    }
    bad.push(`${label}=${show(raw)}`);
  }
  for (const b of bad) warn(`${b} is not ${expected}; using ${show(out)}`);
  return out;
}

export const MAX_TIMER = 2 ** 31 - 1;
const is = (type: string): Parse<any> => (v) => (typeof v === type ? v : undefined);
export const bool: Parse<boolean> = is("boolean");
export const fn: Parse<(...args: any[]) => any> = is("function");
export const text: Parse<string> = (v) => (typeof v === "string" && v !== "" ? v : undefined);
export const inRange =
  (min: number, max: number, open = false): Parse<number> =>
  (v) =>
    typeof v === "number" && (open ? v > min : v >= min) && v <= max ? v : undefined;
/** Environment text through a parser of values. */
export const fromText =
  <T>(parse: Parse<T>, convert: (s: string) => unknown = Number): Parse<T> =>
  (s: string) =>
    parse(convert(s));
export const ms = inRange(0, MAX_TIMER, true);
export const textBool: Parse<boolean> = (s: string) => (/^(true|false)$/i.test(s) ? s.toLowerCase() === "true" : undefined);
export const positive = inRange(0, Number.MAX_VALUE, true);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The valid entries of an explicit record; an invalid entry is dropped with a warning. */
export function entries<T>(field: string, value: unknown, parse: Parse<T>, secret = false): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  if (value === undefined) return out;
  if (!isObject(value)) {
    warn(`config.${field}=${show(value)} is not an object: ignored`);
    return out;
  }
  for (const [key, v] of Object.entries(value)) {
    const ok = parse(v);
    if (ok !== undefined && !(secret && (!TOKEN.test(key) || /[\r\n\0]/.test(ok as string)))) out[key] = ok;
    else warn(`config.${field}[${JSON.stringify(key.slice(0, 80))}]${secret ? "" : `=${show(v)}`} is invalid: ignored`);
  }
  return out;
}

export const url: Parse<string> = (v) => {
  try {
    return /^https?:$/.test(new URL(v).protocol) ? v : undefined;
  } catch {
    return undefined;
  }
};

/** An endpoint, or undefined (warned) when it is not an http(s) URL: never a guessed scheme. */
export function endpoint(label: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const ok = url(raw);
  if (!ok) warn(`${label}=${show(raw)} is not an http(s) URL (e.g. http://collector:4318): not used`);
  return ok;
}

/** A base endpoint someone gave with its signal path: strip it rather than append it twice. */
export function base(label: string, raw: unknown): string | undefined {
  const ok = endpoint(label, raw);
  const signal = ok && /\/v1\/(traces|metrics|logs)\/?$/.exec(ok);
  if (!signal) return ok?.replace(/\/+$/, "");
  const stripped = ok.slice(0, signal.index);
  warn(`${label}=${show(ok)} already ends in ${signal[0]}; /v1/<signal> is appended to it, so ${scrubText(stripped)} is used`);
  return stripped;
}

