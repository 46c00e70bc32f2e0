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
    // Scrubbed whole, then cut: a key cut in two is no longer recognisable.
    return scrubText(typeof v === "string" || (typeof v === "object" && v) ? JSON.stringify(v) : String(v), undefined, 400).slice(0, 80);
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
/** What fetch sends as a header value (a ByteString without control characters but tab). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A header name and value fetch accepts; the name lower-cased, so a later source overrides an earlier one in any case. */
export const header = (key: string, value: string): [string, string] | undefined =>
  TOKEN.test(key) && HEADER_VALUE.test(value) ? [key.toLowerCase(), value] : undefined;

/**
 * `k1=v1,k2=v2` (W3C baggage list form, percent-decoded), as OTEL_*_HEADERS and
 * OTEL_RESOURCE_ATTRIBUTES use. A bad entry (no `=`, bad percent-encoding, a header fetch
 * would refuse) is skipped with a warning naming its key, never its value (headers carry secrets).
 */
export function parseKeyValueList(value: string | undefined, label: string, kind: "headers" | "resource"): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const part of value?.split(",") ?? []) {
    n++;
    if (!part.trim()) continue;
    const eq = part.indexOf("=");
    let key = part.slice(0, eq).trim();
    let raw = part.slice(eq + 1).trim();
    let decoded = eq > 0;
    try {
      raw = decodeURIComponent(raw);
      if (kind === "resource") key = decodeURIComponent(key);
    } catch {
      decoded = false;
    }
    const entry = !decoded ? undefined : kind === "headers" ? header(key, raw) : key ? ([key, raw] as const) : undefined;
    if (entry) {
      out[entry[0]] = entry[1];
      continue;
    }
    // Name the key only when it is followed by a separator: a lone token may be the secret itself.
    const name = part.split(/[:=]/)[0].trim();
    const which = /[:=]/.test(part) && TOKEN.test(name) ? `"${name}"` : `#${n}`;
    const problem =
      eq <= 0 || (kind === "headers" && !TOKEN.test(key))
        ? "is not key=value (percent-encoded value)"
        : decoded
          ? "has a character an HTTP header cannot carry"
          : "is not valid percent-encoding";
    warn(`${label}: entry ${which} ${problem}: ignored`);
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
export function entries<T>(field: string, value: unknown, parse: Parse<T>, headers = false): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  if (value === undefined) return out;
  if (!isObject(value)) {
    // Headers in another form (a list of pairs, a string) hold secrets: only the form is said.
    warn(`config.${field}${headers ? ` (${Array.isArray(value) ? "an array" : typeof value})` : `=${show(value)}`} is not an object: ignored`);
    return out;
  }
  for (const [key, v] of Object.entries(value)) {
    const ok = parse(v);
    // Headers: names lower-cased, values fetch can send; never a value in the warning.
    const entry = ok === undefined ? undefined : headers ? header(key, ok as string) : [key, ok];
    if (entry) out[entry[0] as string] = entry[1] as T;
    else warn(`config.${field}[${JSON.stringify(key.slice(0, 80))}]${headers ? "" : `=${show(v)}`} is invalid: ignored`);
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
  if (!ok) return undefined;
  const u = new URL(ok);
  const signal = /\/v1\/(traces|metrics|logs)\/?$/.exec(u.pathname);
  if (!signal) return ok;
  u.pathname = u.pathname.slice(0, signal.index);
  warn(`${label}=${show(ok)} already ends in ${signal[0]}; /v1/<signal> is appended to it, so ${scrubText(u.href)} is used`);
  return u.href;
}

/** A signal's URL under a base endpoint: its path extended, any query string kept where it belongs. */
export function under(root: string, path: string): string {
  const u = new URL(root);
  u.pathname = u.pathname.replace(/\/+$/, "") + path;
  return u.href;
}

/**
 * A URL's userinfo, which fetch refuses to send (a Request cannot be made from such a URL): taken
 * out of it and returned as a Basic `authorization` value, as curl would send it.
 */
export function credentials(raw: string): { url: string; authorization?: string } {
  const u = new URL(raw);
  if (!u.username && !u.password) return { url: raw };
  let authorization: string | undefined;
  try {
    // UTF-8, as RFC 7617 and curl send it.
    const bytes = new TextEncoder().encode(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
    authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  } catch {
    // bad percent-encoding: dropped
  }
  u.username = "";
  u.password = "";
  warn(
    authorization
      ? "an OTLP endpoint has credentials in its URL, which fetch refuses: they are sent as a Basic authorization header instead (unless one is configured)"
      : "an OTLP endpoint has credentials in its URL that are not valid percent-encoding: left out",
  );
  return { url: u.href, authorization };
}
