/**
 * Small readers for untrusted JSON shared by the provider formats. Provider bodies are
 * never trusted: every value is checked for its type before it reaches the facts, and
 * nothing here throws.
 */

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

/** JSON.parse that returns undefined instead of throwing on malformed input. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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

/**
 * The fast path of the per-chunk code: most events of a long stream are plain output deltas
 * whose only fact is "this is output". `outputText` matches a non-empty string value of one of
 * the given keys, so such an event can be classified by a look at its text, without JSON.parse.
 * Keys inside generated text are escaped (`\"content\":`), so they cannot match.
 */
export function outputText(keys: string[]): RegExp {
  return new RegExp(`"(?:${keys.join("|")})"\\s*:\\s*"(?!")`);
}
