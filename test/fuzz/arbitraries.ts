/** Generators and checks shared by the fuzz tests. */
import fc from "fast-check";
import { MAX_FACT_LENGTH } from "../../src/genai/json.js";
import type { ResponseFacts } from "../../src/genai/types.js";

/** Text made of the pieces an event stream is made of, CR/LF/CRLF mixed, BOMs, multi-byte characters. */
export function streamText(maxTokens = 60): fc.Arbitrary<string> {
  const token = fc.constantFrom(
    "data",
    "data:",
    "data: ",
    "event:",
    "event: ",
    "id: 7",
    "retry: 5",
    ":",
    " ",
    "x",
    "yy",
    "é",
    "😀",
    "\ufeff",
    "\r",
    "\n",
    "\r\n",
    "\n\n",
    "{}",
    '"',
    "[DONE]",
    "\t",
    "\0",
  );
  return fc.array(token, { maxLength: maxTokens }).map((t) => t.join(""));
}

/** Cut offsets (clamped and sorted by `piecesOf`). */
export function cutsOf(max = 400): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max }), { maxLength: 24 });
}

export function piecesOf(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.filter((c) => c <= text.length))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const cut of at) {
    pieces.push(text.slice(from, cut));
    from = cut;
  }
  pieces.push(text.slice(from));
  return pieces;
}

export function bytePiecesOf(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.filter((c) => c <= bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of at) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

const KEYS = new Set(["id", "model", "finishReasons", "usage", "error", "serviceTier", "systemFingerprint", "embeddingDimensions", "chunks", "complete", "conversationId"]);
const USAGE = new Set(["input", "output", "cacheRead", "cacheWrite", "reasoning"]);
const MODALITY_MAPS = new Set(["inputModalities", "outputModalities", "cacheReadModalities"]);
/** The `gen_ai.token.modality` values a format may report. */
const MODALITIES = new Set(["text", "audio", "image", "video"]);

const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= MAX_FACT_LENGTH;

/** The facts a format may produce: known keys, counts finite non-negative integers, strings non-empty and bounded. Returns what is wrong. */
export function factProblems(facts: ResponseFacts): string[] {
  const problems: string[] = [];
  const bad = (what: string, v: unknown) => problems.push(`${what}: ${JSON.stringify(v)?.slice(0, 80)}`);
  for (const key of Object.keys(facts)) if (!KEYS.has(key)) bad("unknown key", key);
  for (const key of ["id", "model", "serviceTier", "systemFingerprint", "conversationId"] as const) {
    if (key in facts && !isText(facts[key])) bad(key, facts[key]);
  }
  if (!Array.isArray(facts.finishReasons) || facts.finishReasons.length > 128) bad("finishReasons", facts.finishReasons);
  else {
    for (const [i, r] of facts.finishReasons.entries()) if (r !== undefined && !isText(r)) bad(`finishReasons[${i}]`, r);
  }
  if (typeof facts.usage !== "object" || facts.usage === null) bad("usage", facts.usage);
  else {
    for (const [key, v] of Object.entries(facts.usage)) {
      if (MODALITY_MAPS.has(key)) {
        const map = v as unknown as Record<string, unknown>;
        if (typeof map !== "object" || map === null) bad(`usage.${key}`, v);
        else for (const [m, n] of Object.entries(map)) if (!MODALITIES.has(m) || !isCount(n)) bad(`usage.${key}.${m}`, n);
      } else if (!USAGE.has(key) || !isCount(v)) bad(`usage.${key}`, v);
    }
  }
  if ("error" in facts) {
    const e = facts.error;
    if (!e || !isText(e.type) || ("message" in e && !isText(e.message)) || Object.keys(e).some((k) => k !== "type" && k !== "message")) bad("error", e);
  }
  if ("embeddingDimensions" in facts && !isCount(facts.embeddingDimensions)) bad("embeddingDimensions", facts.embeddingDimensions);
  if ("complete" in facts && facts.complete !== true) bad("complete", facts.complete);
  return problems;
}

/** Any UTF-16 text (lone surrogates, NUL, BOMs, CR/LF), cheaper to generate than fc.string({unit: "binary"}). */
export function utf16(maxLength = 200): fc.Arbitrary<string> {
  const unit = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.constantFrom(0x0d, 0x0a, 0xfeff, 0xd83d, 0xde00), fc.integer({ min: 0, max: 0xffff }));
  return fc.array(unit, { maxLength }).map((codes) => String.fromCharCode(...codes));
}

/**
 * Adversarial object keys: names Object's prototype has (`__proto__` set by assignment changes the
 * prototype; `constructor` or `toString` found in a plain table) and the wire keys the formats read.
 */
export const ADV_KEY: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "toJSON", "then", "length", "__defineGetter__", "isPrototypeOf"),
  fc.constantFrom(
    ...["type", "text", "content", "parts", "usage", "model", "id", "index", "choices", "delta", "message", "error", "arguments", "name", "function", "tool_calls", "input"],
    ...["candidates", "finish_reason", "stop_reason", "role", "prompt_tokens", "completion_tokens", "input_tokens", "output_tokens", "data", "bytes"],
  ),
);

/**
 * JSON values as a body parsed off the wire holds them: objects keyed by `ADV_KEY`, and its names
 * among the strings too (a value may be used as a table key). fc.jsonValue takes no key arbitrary
 * and never makes a `__proto__` key; JSON.parse makes it an own key.
 */
export const jsonWithKeys = (maxDepth: number): fc.Arbitrary<unknown> =>
  fc
    .anything({ key: ADV_KEY, maxDepth, values: [fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 20 }), ADV_KEY, fc.constant(null)] })
    .map((v) => JSON.parse(JSON.stringify(v) ?? "null"));
