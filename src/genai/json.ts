/**
 * Small readers for untrusted JSON shared by the provider formats. Provider bodies are
 * never trusted: every value is checked for its type before it reaches the facts, and
 * nothing here throws.
 */
import type { RequestFacts, ResponseFacts, SseEvent, Usage } from "./types.js";

export type Obj = Record<string, unknown>;

/** A plain JSON object, or undefined (null, arrays and primitives are not objects here). */
export function obj(v: unknown): Obj | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** A non-empty string, or undefined (empty ids/models mean "not known", e.g. Azure's first chunk). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** A finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** An integer (token counts, seeds, sizes), or undefined. */
export function int(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) ? v : undefined;
}

/** A string or an array of strings as a string array (stop sequences accept both shapes). */
export function strings(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  if (!Array.isArray(v)) return undefined;
  const out = v.filter((s): s is string => typeof s === "string");
  return out.length > 0 ? out : undefined;
}

/**
 * What every chat request body starts with: the operation, `model`, and `stream` when it is a
 * boolean (absent values are left undefined, for `dropUndefined` to remove).
 */
export function chatRequest(body: Obj): RequestFacts {
  return { operation: "chat", model: str(body.model), stream: typeof body.stream === "boolean" ? body.stream : undefined };
}

/** A `fits` for chat APIs: a body with a `model` name and a `messages` array. */
export const isChatBody = (body: Obj): boolean => typeof body.model === "string" && Array.isArray(body.messages);

/** The dimension count of a list of float vectors (`embeddings: [[...], ...]`): its first vector's length, or undefined. */
export function vectorsDimensions(list: unknown): number | undefined {
  const first = Array.isArray(list) ? list[0] : undefined;
  return Array.isArray(first) ? first.length : undefined;
}

/**
 * A table's entry for a key read from the wire or from config: its own entries only, so
 * `__proto__`, `constructor` or `toString` find nothing instead of the object prototype's members.
 */
export const lookup = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** JSON.parse that returns undefined instead of throwing on malformed input. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An event's data parsed once, whoever asks first (the format's fold, then its content reader); undefined when not JSON. */
export function eventJson(event: SseEvent): unknown {
  return "json" in event ? event.json : (event.json = parseJson(event.data));
}

/**
 * The `data: [DONE]` that ends an OpenAI-style stream (Chat Completions and the servers that copy
 * it, Cohere, Workers AI): marks the response complete. True when the event is that marker, which
 * carries nothing else to fold.
 */
export function streamDone(event: SseEvent, facts: ResponseFacts): boolean {
  if (event.data !== "[DONE]") return false;
  facts.complete = true;
  return true;
}

/**
 * A sum of token counts, or undefined when it is past the safe integers: such a count is unknown
 * (exported, it would be a double, and hostile counts near 2**53 get there).
 */
export function sum(a: number, b: number, c = 0): number | undefined {
  const total = a + b + c;
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * `usage.input` where the provider counts the uncached input apart from cache reads and writes
 * (Anthropic, Bedrock): `gen_ai.usage.input_tokens` includes them. A sum that is not a safe
 * integer leaves the input unknown (an earlier count is removed).
 */
export function setInputWithCache(usage: Usage, uncached: number): void {
  const total = sum(uncached, usage.cacheRead ?? 0, usage.cacheWrite ?? 0);
  if (total === undefined) delete usage.input;
  else usage.input = total;
}

/** OpenAI's own limit for `n`; a larger index is not trusted (it would make a huge sparse array). */
const MAX_CHOICES = 128;

/**
 * A choice's `index` field, or its position in the array when absent (some compatible
 * servers omit it); undefined when out of range.
 */
export function choiceIndex(item: Obj, position: number): number | undefined {
  const i = item.index === undefined || item.index === null ? position : int(item.index);
  return i !== undefined && i >= 0 && i < MAX_CHOICES ? i : undefined;
}

/**
 * Record the failure a body reports, unless one is already recorded: the first seen is the root
 * cause (a stream's `error` event comes before `response.failed`).
 */
export function setError(facts: ResponseFacts, type: string): void {
  facts.error ??= { type };
}

/** The path without trailing slashes, which servers ignore. */
export const trimmedPath = (url: URL): string => url.pathname.replace(/\/+$/, "");

/**
 * A pattern's match on the path without trailing slashes (`trimmedPath`), its groups
 * URL-decoded (a group that is not valid percent-encoding is kept as sent). Every group of the
 * patterns passed here takes part in a match.
 */
export function matchPath(url: URL, pattern: RegExp): string[] | undefined {
  return pattern.exec(trimmedPath(url))?.map((group) => {
    try {
      return decodeURIComponent(group);
    } catch {
      return group;
    }
  });
}

/** Set `target[key]` to a value read from the body, unless it is not there: an absent value erases nothing. */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** Remove keys whose value is `undefined`, so request facts compare and log cleanly. */
export function dropUndefined<T extends object>(facts: T): T {
  for (const key of Object.keys(facts) as (keyof T)[]) {
    if (facts[key] === undefined) delete facts[key];
  }
  return facts;
}

/** A non-empty string: an output delta that carries something. */
export function hasText(v: unknown): boolean {
  return typeof v === "string" && v.length > 0;
}

/** A token count or size: a non-negative safe integer, or undefined (a count cannot be negative). */
export function count(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/**
 * Longest string a response fact keeps (ids, models, finish reasons, error types):
 * a hostile body cannot make a span attribute or a metric key out of a megabyte.
 */
export const MAX_FACT_LENGTH = 1024;

/** `str`, cut to MAX_FACT_LENGTH: for strings that become response facts. */
export function fact(v: unknown): string | undefined {
  const s = str(v);
  return s !== undefined && s.length > MAX_FACT_LENGTH ? s.slice(0, MAX_FACT_LENGTH) : s;
}

/*
 * The per-chunk fast path. Most events of a long stream are output deltas whose only fact is
 * "this is output"; a format classifies them by a look at the text, without JSON.parse (V8's
 * parser costs ~1 µs for a 300-character chunk, these regular expressions ~0.3 µs).
 *
 * Facts are never skipped: the fast path is taken only when a `guard` finds nothing that could
 * carry one, and a guard errs only towards parsing. A key the fold reads is always written
 * `"key"`, optional whitespace and `:`, unless spelled with `\uXXXX` escapes, which the guard
 * refuses when they could spell a letter or `_` (U+0050..U+007F). Generated text cannot look
 * like that: its quotes are escaped (`\"usage\":`). The output test is looser (a non-empty
 * text field anywhere in the event); for events of the format's shape it is what the fold counts.
 */

/** `"key": <anything but null>` for any of the keys. (`\s*(?!\s|null)`: no backtracking into the spaces.) */
export function notNull(keys: string[]): string {
  return `"(?:${keys.join("|")})"\\s*:\\s*(?!\\s|null)`;
}

/** `"key": "<non-empty string>"` for any of the keys. */
export function nonEmptyText(keys: string[]): string {
  return `"(?:${keys.join("|")})"\\s*:\\s*"(?!")`;
}

/** Matches wherever an event might carry a fact: any of the patterns, or an escape that could hide one. */
export function guard(patterns: string[]): RegExp {
  // A real escape: `\u` after an even run of backslashes (`\\u0075` is a backslash and text).
  return new RegExp([...patterns, String.raw`(?<!\\)(?:\\\\)*\\u00[5-7]`].join("|"));
}

/*
 * Exact shapes, for formats whose deltas are small fixed objects (Cohere, Ollama): instead of a
 * guard, the fast path takes an event only when its whole text is one known shape, so JSON.parse
 * would read exactly the object the shape describes (a near-miss in spacing, key order or extra
 * keys is parsed, never guessed at).
 */

/** A JSON string literal, non-empty (`+`) or any (`*`): no raw control character, only valid escapes. */
const jsonString = (repeat: "+" | "*") => String.raw`"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))${repeat}"`;
export const JSON_STRING = jsonString("*");
export const JSON_TEXT = jsonString("+");
/** A JSON integer (JSON.parse refuses leading zeros). */
export const JSON_INT = "-?(?:0|[1-9][0-9]*)";

/**
 * A pattern matching a whole JSON text of one shape, written as regular-expression source where a
 * space stands for optional JSON whitespace (only these four: `\s` would also take U+00A0 or
 * U+2028, which JSON.parse refuses).
 */
export function jsonShape(source: string): RegExp {
  return new RegExp(`^ ${source} $`.replaceAll(" ", "[ \\t\\n\\r]*"));
}
