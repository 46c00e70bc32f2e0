/**
 * Content capture: the mode (off unless asked), the user's `redactContent` hook, and the
 * serialization of what is recorded, bounded per attribute by a truncation that keeps the JSON
 * valid. The formats' readers (this folder) only read and assemble; this file decides what leaves.
 */
import * as A from "../../attributes.js";
import { warnOnce } from "../../diag.js";
import type { Content } from "../content.js";
import { lookup } from "../json.js";

/** The upstream values (OTel Python's `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`). */
export type CaptureMode = "NO_CONTENT" | "SPAN_ONLY" | "EVENT_ONLY" | "SPAN_AND_EVENT";

const MODES: Record<string, CaptureMode> = {
  false: "NO_CONTENT",
  no_content: "NO_CONTENT",
  true: "SPAN_ONLY",
  span_only: "SPAN_ONLY",
  event_only: "EVENT_ONLY",
  span_and_event: "SPAN_AND_EVENT",
};

/** A mode from a config value or env text (case-insensitive; booleans too), or undefined when it is none of them. */
export function captureMode(v: unknown): CaptureMode | undefined {
  if (typeof v === "boolean") return v ? "SPAN_ONLY" : "NO_CONTENT";
  return typeof v === "string" ? lookup(MODES, v.trim().toLowerCase()) : undefined;
}

export const onSpan = (mode: CaptureMode): boolean => mode === "SPAN_ONLY" || mode === "SPAN_AND_EVENT";
export const onEvent = (mode: CaptureMode): boolean => mode === "EVENT_ONLY" || mode === "SPAN_AND_EVENT";

export interface ContentInfo {
  provider: string;
  operation: string;
  requestModel?: string;
}

/** The last word on a call's content before anything is serialized: return it (changed or not), or null/undefined for none. */
export type RedactContentHook = (content: Content, info: ContentInfo) => Content | null | undefined;

/** How content is recorded, from the config (one per pipeline: `Pipeline.contentPolicy`). */
export interface ContentPolicy {
  mode: CaptureMode;
  redact?: RedactContentHook;
  /** Tool definitions with their description and parameters too (config `toolDefinitions: "full"`). */
  fullToolDefinitions?: boolean;
  /** Counts an instrumentation error: a hook that threw, a reader that failed, content that cannot be serialized. */
  failed: () => void;
}

/** The conventions' default detail of tool definitions: the required fields only (a description and a schema can be large). */
export function toolDefinitionsFor(content: Content, policy: ContentPolicy): void {
  if (content.toolDefinitions && !policy.fullToolDefinitions) {
    // Only objects have a type and a name (another instrumentation's list may hold anything; none left: none recorded).
    content.toolDefinitions = content.toolDefinitions
      .filter((d) => typeof d === "object" && d !== null && !Array.isArray(d))
      .map((d) => ({ type: (d as { type?: unknown }).type, name: (d as { name?: unknown }).name }) as never);
  }
}

/** Each content list and the span attribute that carries it as JSON. */
export const MESSAGE_ATTRIBUTES: [keyof Content, string][] = [
  ["inputMessages", A.GEN_AI_INPUT_MESSAGES],
  ["outputMessages", A.GEN_AI_OUTPUT_MESSAGES],
  ["systemInstructions", A.GEN_AI_SYSTEM_INSTRUCTIONS],
  ["toolDefinitions", A.GEN_AI_TOOL_DEFINITIONS],
];

/**
 * The content to record after the hook: only non-empty arrays survive. A hook that throws (or
 * returns something that is not an object) records none of the call's content; `failed` is
 * called so the pipeline counts it, and it is said once.
 */
export function redact(content: Content, info: ContentInfo, hook: RedactContentHook | undefined, failed: () => void): Content | undefined {
  let out: unknown = content;
  if (hook) {
    try {
      out = hook(content, info);
    } catch (error) {
      failed();
      warnOnce("redactContent", `redactContent threw (${String((error as Error)?.name ?? "error")}): that call's content is not recorded`);
      return undefined;
    }
  }
  if (typeof out !== "object" || out === null) return undefined;
  if (typeof (out as { then?: unknown }).then === "function") {
    // The hook runs as the call ends, before serialization: there is no waiting for a promise.
    failed();
    warnOnce("redactContent-async", "redactContent returned a promise: it must return the content itself, so that call's content is not recorded");
    return undefined;
  }
  const kept: Content = {};
  for (const [key] of MESSAGE_ATTRIBUTES) {
    const v = (out as Content)[key];
    if (Array.isArray(v) && v.length > 0) kept[key] = v as never;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** What a shortened string ends with. */
export const TRUNCATED = "…[truncated]";

/** Strings that name or classify rather than carry content: never shortened. */
const LABELS = new Set(["type", "role", "id", "name", "mime_type", "modality", "finish_reason", "file_id"]);

/** Every content string of a value mapped through `f` (object keys and labels kept); `blob` says it is a blob part's base64 content. */
function mapStrings(v: unknown, f: (s: string, blob: boolean) => string, key?: string, parent?: Record<string, unknown>): unknown {
  if (typeof v === "string") return key !== undefined && LABELS.has(key) ? v : f(v, key === "content" && parent?.type === "blob");
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (typeof v !== "object" || v === null) return v;
  // fromEntries defines each key: a `__proto__` key from the wire stays a key instead of setting the prototype.
  return Object.fromEntries(Object.keys(v).map((k) => [k, mapStrings((v as Record<string, unknown>)[k], f, k, v as Record<string, unknown>)]));
}

/** A string's first `n` characters, never half of a surrogate pair. */
function cut(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** One top-level item: its JSON length with every content string empty, and its content strings' [length, escaping overhead]. */
interface Sized {
  fixed: number;
  strings: [length: number, extra: number][];
}

function sized(item: unknown): Sized {
  const strings: [number, number][] = [];
  const emptied = mapStrings(item, (s) => {
    if (s.length > 0) strings.push([s.length, JSON.stringify(s).length - 2 - s.length]);
    return "";
  });
  return { fixed: JSON.stringify(emptied)?.length ?? 4, strings };
}

/**
 * An upper bound of the JSON length of the first `k` items with every content string longer than
 * `cap` + the marker cut to `cap` characters and marked: a prefix escapes at most as much as the
 * whole string did.
 */
function bound(items: Sized[], k: number, cap: number): number {
  let total = 2 + Math.max(0, k - 1);
  for (let i = 0; i < k; i++) {
    total += items[i]!.fixed;
    for (const [length, extra] of items[i]!.strings) total += length <= cap + TRUNCATED.length ? length + extra : cap + extra + TRUNCATED.length;
  }
  return total;
}

/**
 * A list (messages, parts, tool definitions) bounded to `max` characters of JSON, still valid
 * JSON: first every long content string (text, reasoning, arguments, responses, descriptions) is
 * cut to one common length and marked with `…[truncated]`, the longest common length that fits;
 * when even that is too long, whole items are dropped from the end. Undefined when the value
 * cannot be serialized at all (a hook's cycle or BigInt).
 */
export function bounded(list: unknown[], max: number): string | undefined {
  let json: string;
  try {
    json = JSON.stringify(list);
  } catch {
    return undefined;
  }
  if (typeof json !== "string") return undefined;
  if (json.length <= max) return json;
  const items = list.map(sized);
  let k = items.length;
  while (k > 0 && bound(items, k, 0) > max) k--;
  // The longest common cap that fits (the bound grows with the cap).
  let low = 0;
  let high = 0;
  for (let i = 0; i < k; i++) for (const [length] of items[i]!.strings) high = Math.max(high, length);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bound(items, k, mid) <= max) low = mid;
    else high = mid - 1;
  }
  const cap = low;
  // A blob's base64 is cut to whole 4-character groups and left unmarked: still base64, as its schema asks.
  const shorten = (s: string, blob: boolean) => (s.length <= cap + TRUNCATED.length ? s : blob ? s.slice(0, cap - (cap % 4)) : cut(s, cap) + TRUNCATED);
  const value = list.slice(0, k).map((item) => mapStrings(item, shorten));
  json = JSON.stringify(value);
  // The bound makes this unreachable; kept so no attribute can ever exceed the limit.
  return json.length <= max ? json : "[]";
}

/**
 * Which stream events can carry a tool call's id or name, per format: with capture off only those
 * reach the assembler (for `executeTool`'s call id), so text deltas are never parsed twice. Quotes
 * inside generated text are escaped, so a marker with its own quotes is a field name or a type.
 * A format not listed gives no tool call ids while capture is off: `ollama.generate` has no tool
 * calls; `aws.bedrock.invoke` streams carry each vendor chunk as base64, where no marker can see,
 * and reading every chunk for ids would run the assembler on every text delta, so InvokeModel
 * gives no tool-call ids with capture off (Converse does).
 */
export const TOOL_CALL_MARKERS: Readonly<Record<string, RegExp>> = {
  "openai.chat_completions": /"tool_calls"/,
  "openai.responses": /"function_call"/,
  "anthropic.messages": /"tool_use"/,
  "gcp.gemini.generate_content": /"functionCall"|"function_call"/,
  "aws.bedrock.converse": /"toolUse"/,
  "cohere.chat": /"tool_calls"|"tool-call-start"/,
  "ollama.chat": /"tool_calls"/,
  "cloudflare.workers_ai": /"tool_calls"/,
};
