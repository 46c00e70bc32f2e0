/**
 * Pieces the content readers share: message parts from untrusted JSON, tool-call arguments,
 * media references, the per-call text budget of an assembler, and `OutputParts`, an output
 * assembler by parts.
 */
import type { OutputMessage, Part, ToolCallRef, ToolDefinition } from "../content.js";
import { fact, type Obj, obj, parseJson, str } from "../json.js";

/**
 * Tool-call arguments: the object (or array) a string encodes, else the text as sent (the
 * conventions prefer an object; `"42"` stays text); none for an empty string or null.
 */
export function args(v: unknown): unknown {
  if (typeof v !== "string") return v ?? undefined;
  const parsed = parseJson(v);
  return typeof parsed === "object" && parsed !== null ? parsed : v || undefined;
}

/** A URL given for media: a `data:` URL becomes a blob (its base64 and type), anything else a uri. */
export function media(url: string, modality: string, mimeType?: string): Part {
  const data = /^data:([^;,]*)(?:;[^,]*)?,/.exec(url);
  if (data) return dropEmpty({ type: "blob", modality, mime_type: data[1] || mimeType, content: url.slice(data[0].length) });
  return dropEmpty({ type: "uri", modality, mime_type: mimeType, uri: url });
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

export function text(content: string): Part {
  return { type: "text", content };
}

/** `{type: "function", name, description?, parameters?}`; a built-in tool keeps its type, named by it. */
export function toolDefinition(type: string, name: string | undefined, description?: unknown, parameters?: unknown): ToolDefinition | undefined {
  if (name === undefined) return undefined;
  return dropEmpty({ type, name, description: str(description), parameters: obj(parameters) ?? undefined }) as ToolDefinition;
}

/** A tool as Chat Completions declares it (Cohere and Ollama too): `{type: "function", function: {name, description?, parameters?}}`. */
export function functionTool(t: unknown): ToolDefinition | undefined {
  const o = obj(t);
  const fn = obj(o?.function);
  const name = str(fn?.name);
  return name ? toolDefinition(str(o!.type) ?? "function", name, fn!.description, fn!.parameters) : undefined;
}

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
    return dropEmpty({ type: "tool_call", id: str(call.id), name, arguments: args(fn?.arguments ?? obj(call.custom)?.input) });
  });
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
  return dropEmpty({ type: "tool_call", id: call.id, name: call.name, arguments: call.whole ?? (call.arguments === "" ? undefined : args(call.arguments)) });
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

export function choiceToolCalls(choices: (Choice | undefined)[]): ToolCallRef[] {
  const out: ToolCallRef[] = [];
  for (const ch of choices) for (const call of ch?.calls ?? []) if (call?.name) out.push(dropEmpty({ id: call.id, name: call.name }));
  return out;
}

/** Parts per output message kept at most: a hostile stream cannot grow them without end. */
const MAX_PARTS = 256;

export interface Slot {
  part: Part;
  /** A streamed tool call's argument fragments, joined; parsed when the messages are read. */
  args?: string;
  /** Some fragment did not fit the budget. */
  cut?: boolean;
}
export interface Draft {
  role: string;
  slots: Slot[];
  finish?: string;
}

/**
 * Output messages built part by part (Gemini's and Bedrock's readers), holding at most about
 * `maxChars` characters of text: streamed text is appended to the message's last part of the
 * same kind, streamed tool-call arguments are joined and parsed at the end.
 */
export class OutputParts {
  private readonly budget: Budget;
  private readonly drafts: (Draft | undefined)[] = [];
  private readonly calls: ToolCallRef[] = [];

  constructor(maxChars: number, private readonly defaultRole = "assistant") {
    this.budget = new Budget(maxChars);
  }

  /** The message of choice `index`, created when first seen. */
  message(index: number): Draft {
    return (this.drafts[index] ??= { role: this.defaultRole, slots: [] });
  }

  /** Text or reasoning, appended to the message's last part when it is of the same kind. */
  text(m: Draft, type: "text" | "reasoning", s: unknown): void {
    if (typeof s !== "string" || s === "") return;
    const last = m.slots.at(-1);
    if (last?.part.type === type && last.args === undefined) {
      (last.part as { content: string }).content += this.budget.take(s);
      return;
    }
    const kept = this.budget.take(s);
    if (kept !== "") this.add(m, { type, content: kept });
  }

  /** A tool call: kept whatever the budget (its id and name are what `executeTool` needs), its arguments as the budget allows. */
  call(m: Draft, id: unknown, name: unknown, args?: unknown): Slot | undefined {
    const callName = fact(name);
    if (callName === undefined || this.calls.length >= MAX_TOOL_CALLS) return undefined;
    const callId = fact(id);
    this.calls.push(callId === undefined ? { name: callName } : { id: callId, name: callName });
    const part: Part = { type: "tool_call", ...(callId !== undefined && { id: callId }), name: callName };
    if (args !== undefined && this.budget.fits(args)) (part as { arguments?: unknown }).arguments = args;
    return this.add(m, part);
  }

  /** A tool call whose arguments arrive as text fragments (none: `{}`). */
  streamedCall(m: Draft, id: unknown, name: unknown): Slot | undefined {
    const slot = this.call(m, id, name);
    if (slot) slot.args = "";
    return slot;
  }

  /** Another fragment of a streamed tool call's arguments. */
  args(slot: Slot | undefined, fragment: unknown): void {
    if (!slot || typeof fragment !== "string") return;
    const kept = this.budget.take(fragment);
    slot.args = (slot.args ?? "") + kept;
    if (kept.length < fragment.length) slot.cut = true;
  }

  /** Any other part (a blob's data cut to the budget, other parts kept whole only when they fit). */
  part(m: Draft, part: Part): void {
    if (part.type === "text" || part.type === "reasoning") this.text(m, part.type, part.content);
    else if (part.type === "tool_call") this.call(m, part.id, part.name, part.arguments);
    else if (part.type === "blob" && typeof part.content === "string") this.add(m, { ...part, content: this.budget.take(part.content) });
    else if (this.budget.fits(part)) this.add(m, part);
  }

  finish(m: Draft, reason: string | undefined): void {
    if (reason !== undefined) m.finish = reason;
  }

  /** Every part added was charged to the budget (its text, or its JSON), but tool calls: those are bounded by count. */
  private add(m: Draft, part: Part): Slot | undefined {
    if (m.slots.length >= MAX_PARTS) return undefined;
    const slot: Slot = { part };
    m.slots.push(slot);
    return slot;
  }

  messages(): OutputMessage[] {
    const out: OutputMessage[] = [];
    for (const d of this.drafts) {
      if (!d) continue;
      const parts = d.slots.map(({ part, args: sent, cut }) => {
        if (sent === undefined || (cut && sent === "")) return part;
        // A streamed call with no fragments had no arguments: `{}`, as its whole-body twin says.
        return { ...part, arguments: sent === "" ? {} : args(sent) };
      });
      out.push({ role: d.role, parts, ...(d.finish !== undefined && { finish_reason: d.finish }) });
    }
    return out;
  }

  toolCalls(): ToolCallRef[] {
    return this.calls.slice();
  }
}
