/**
 * Pieces the content readers share: message parts from untrusted JSON, tool-call arguments,
 * media references, the per-call text budget of an assembler, and the assembly of choices
 * (Chat Completions and its kin); `OutputParts`, an output assembler by parts, is in
 * ./output-parts.ts.
 */
import type { OutputMessage, Part, ToolCallRef, ToolDefinition } from "../content.js";
import { choiceIndex, int, type Obj, obj, parseJson, str } from "../json.js";

/**
 * Tool-call arguments: the object (or array) a string encodes, else the text as sent (the
 * conventions prefer an object; `"42"` stays text); none for an empty string or null.
 */
export function args(v: unknown): unknown {
  if (typeof v !== "string") return v ?? undefined;
  const parsed = parseJson(v);
  return typeof parsed === "object" && parsed !== null ? parsed : v || undefined;
}

/** Inline media, its base64 as sent (its type when one is known). */
export function blob(modality: string, mimeType: string | undefined, content: string): Part {
  return dropEmpty({ type: "blob", modality, mime_type: mimeType, content });
}

/** A URL given for media: a `data:` URL becomes a blob (its base64 and type), anything else a uri. */
export function media(url: string, modality: string, mimeType?: string): Part {
  const data = /^data:([^;,]*)(?:;[^,]*)?,/.exec(url);
  if (data) return blob(modality, data[1] || mimeType, url.slice(data[0].length));
  return dropEmpty({ type: "uri", modality, mime_type: mimeType, uri: url });
}

/** An uploaded file by its id, else the media its URL (or data URL) gives; none without either. */
export function fileOrMedia(fileId: unknown, url: string | undefined, modality: string): Part | undefined {
  const id = str(fileId);
  if (id !== undefined) return { type: "file", modality, file_id: id };
  return url === undefined ? undefined : media(url, modality);
}

/** OpenAI's `input_audio` (`{data, format}`, Chat Completions and Responses): a blob of `audio/<format>`. */
export function audioPart(v: unknown): Part | undefined {
  const audio = obj(v);
  const data = str(audio?.data);
  return data === undefined ? undefined : blob("audio", str(audio!.format) && `audio/${audio!.format}`, data);
}

/** A MIME type's top-level kind as a modality (`image/png` → image); `document` for the rest. */
export function modalityOf(mimeType: string | undefined, fallback = "document"): string {
  const top = mimeType?.split("/")[0];
  return top === "image" || top === "audio" || top === "video" ? top : fallback;
}

/** The object without its undefined fields (so parts compare and serialize cleanly). */
export function dropEmpty<T extends Obj>(o: T): T {
  for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
  return o;
}

/** The part types the conventions define, each with fields it requires (a tool call its name, a text its content). */
const DEFINED_PARTS = new Set(["text", "tool_call", "tool_call_response", "server_tool_call", "server_tool_call_response", "blob", "file", "uri", "reasoning"]);

/**
 * A wire part of a type this reader does not read, kept by its type alone (a generic part), or
 * none when the conventions define that type: `{type: "tool_call"}` without its name, or a
 * `text` whose text is no string, would be a part the schema refuses.
 */
export const otherPart = (type: string): Part | undefined => (DEFINED_PARTS.has(type) ? undefined : { type });

export function text(content: string): Part {
  return { type: "text", content };
}

/** A tool_call part: its id when it is a non-empty string, its arguments when there are some. */
export function toolCall(id: unknown, name: string, args?: unknown): Part {
  return dropEmpty({ type: "tool_call", id: str(id), name, arguments: args });
}

/** A built-in tool's call the provider ran itself: its id when it is a non-empty string. */
export function serverToolCall(id: unknown, name: string, call: Obj): Part {
  return dropEmpty({ type: "server_tool_call", id: str(id), name, server_tool_call: call });
}

/** A tool_call_response part: its id when it is a non-empty string. */
export function toolResponse(id: unknown, response: unknown): Part {
  return dropEmpty({ type: "tool_call_response", id: str(id), response });
}

/** `{type: "function", name, description?, parameters?}`; a built-in tool keeps its type, named by it. */
export function toolDefinition(type: string, name: string | undefined, description?: unknown, parameters?: unknown): ToolDefinition | undefined {
  if (name === undefined) return undefined;
  return dropEmpty({ type, name, description: str(description), parameters: obj(parameters) ?? undefined }) as ToolDefinition;
}

/** A declared tool, `{type: "function", function: {...}}`, or (`flat`) `{name, description?, parameters?}` itself, a function. */
function declaredTool(t: unknown, flat: boolean): ToolDefinition | undefined {
  const o = obj(t);
  const fn = obj(o?.function) ?? (flat ? o : undefined);
  const name = str(fn?.name);
  return name ? toolDefinition((o!.function ? str(o!.type) : undefined) ?? "function", name, fn!.description, fn!.parameters) : undefined;
}

/** A tool as Chat Completions declares it (Cohere and Ollama too): `{type: "function", function: {name, description?, parameters?}}`. */
export const functionTool = (t: unknown): ToolDefinition | undefined => declaredTool(t, false);

/** A Workers AI tool: Chat Completions' shape or the native flat one. */
export const flatOrFunctionTool = (t: unknown): ToolDefinition | undefined => declaredTool(t, true);

/**
 * OpenAI-style tool calls, as Chat Completions, Mistral, Cohere and Ollama send them in a message:
 * `[{id?, function: {name, arguments}}]` (arguments a JSON string or an object; OpenAI's custom
 * tools `{custom: {name, input}}`) → `tool_call` parts.
 */
export function functionCallParts(calls: unknown): Part[] {
  return each(calls, (item) => {
    const call = obj(item);
    const fn = obj(call?.function);
    const name = str(fn?.name) ?? str(obj(call?.custom)?.name);
    if (!call || name === undefined) return undefined;
    return toolCall(call.id, name, args(fn?.arguments ?? obj(call.custom)?.input));
  });
}

/** The string `text` of each item that has one (text parts, summaries), in order; only items of `type` when given. */
export const texts = (v: unknown, type?: string): string[] =>
  each(v, (item) => {
    const o = obj(item);
    return typeof o?.text === "string" && (type === undefined || o.type === type) ? o.text : undefined;
  });

/** The list, or undefined when it is empty (a request's lists are left out when they hold nothing). */
export const nonEmpty = <T>(l: T[]): T[] | undefined => (l.length > 0 ? l : undefined);

/** An index into what an assembler holds: an integer below `max`, else undefined (a hostile index would make a huge sparse array). */
export function indexIn(v: unknown, max: number): number | undefined {
  const i = int(v);
  return i !== undefined && i >= 0 && i < max ? i : undefined;
}

/** Each object of a list of choices (candidates, generations) with its index: its `index`, else its position; one out of range is skipped. */
export function eachChoice(choices: unknown, f: (c: Obj, index: number) => void): void {
  if (!Array.isArray(choices)) return;
  for (let position = 0; position < choices.length; position++) {
    const c = obj(choices[position]);
    const i = c && choiceIndex(c, position);
    if (c && i !== undefined) f(c, i);
  }
}

/** The value if it is an array, else an empty one. */
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The defined entries of a mapped array (none for a value that is not an array). */
export function each<T>(v: unknown, f: (item: unknown, index: number) => T | undefined): T[] {
  const out: T[] = [];
  if (Array.isArray(v)) v.forEach((item, i) => {
    const mapped = f(item, i);
    if (mapped !== undefined) out.push(mapped);
  });
  return out;
}

/**
 * How much text one assembler may still hold (text, reasoning, arguments together): once spent,
 * deltas are dropped and the structure stays. The core truncates (and marks) on serialization.
 */
export class Budget {
  private left: number;
  constructor(maxChars: number) {
    this.left = Math.max(maxChars || 0, 0);
  }
  /** As much of `s` as the budget still holds ("" for a value that is not a string). */
  take(s: unknown): string {
    if (typeof s !== "string") return "";
    const kept = s.length <= this.left ? s : s.slice(0, this.left);
    this.left -= kept.length;
    return kept;
  }
  /** Whether a value's JSON fits the budget, which it is charged to when it does. */
  fits(v: unknown): boolean {
    let size: number;
    try {
      size = JSON.stringify(v)?.length ?? 0;
    } catch {
      return false;
    }
    if (size > this.left) return false;
    this.left -= size;
    return true;
  }
}

/** Tool calls per response kept at most: a hostile stream cannot grow them without end. */
export const MAX_TOOL_CALLS = 128;

/** A tool call being assembled from fragments. */
export interface PendingCall {
  id?: string;
  name: string;
  arguments: string;
  /** Arguments that arrived whole (already an object), not as text fragments. */
  whole?: unknown;
}

export function toolCallPart(call: PendingCall): Part {
  return toolCall(call.id, call.name, call.whole ?? (call.arguments === "" ? undefined : args(call.arguments)));
}

/** One choice of a response made of text, reasoning and tool calls (Chat Completions and its kin, Ollama). */
export interface Choice {
  role?: string;
  text: string;
  reasoning: string;
  calls: PendingCall[];
  finish?: string;
}

export const newChoice = (): Choice => ({ text: "", reasoning: "", calls: [] });

/** One message per choice, in index order: its reasoning, its text, then its tool calls. */
export function choiceMessages(choices: (Choice | undefined)[]): OutputMessage[] {
  const out: OutputMessage[] = [];
  for (const ch of choices) {
    if (!ch) continue;
    const parts: Part[] = [];
    if (ch.reasoning) parts.push({ type: "reasoning", content: ch.reasoning });
    if (ch.text) parts.push(text(ch.text));
    for (const call of ch.calls) if (call?.name) parts.push(toolCallPart(call));
    out.push(dropEmpty({ role: ch.role ?? "assistant", parts, finish_reason: ch.finish }));
  }
  return out;
}

/** The id and name of each named tool_call part of the messages, in order: the tool calls of an assembler that makes a part of each (a bare `{type: "tool_call"}` block from a proxy is none). */
export function partCalls(messages: readonly OutputMessage[]): ToolCallRef[] {
  const out: ToolCallRef[] = [];
  for (const m of messages) for (const p of m.parts) if (p.type === "tool_call" && typeof p.name === "string" && p.name) out.push(dropEmpty({ id: p.id as string | undefined, name: p.name }));
  return out;
}
