/**
 * Content of the Gemini API and Vertex AI `generateContent` / `streamGenerateContent` (see
 * `../gemini.ts` for the wire format).
 *
 * Roles follow upstream's google-genai instrumentation (opentelemetry-python-contrib): `model`
 * is `assistant`, in the history as in the output; `user` stays; a content without a role is
 * `user` in a request (the API's single-turn default) and `assistant` in a response; any other
 * role is kept as sent. Tool-call ids are Gemini's own when it sends them, never invented.
 *
 * A blocked prompt (`promptFeedback.blockReason`, no candidates) is one output message with no
 * parts and the block reason as its finish reason, as `../gemini.ts` makes it the finish reason
 * of the one answer there would have been.
 *
 * `OutputParts` assembles output messages for this reader and Bedrock's: streamed text is
 * appended to the message's last part of the same kind, streamed tool-call arguments are joined
 * and parsed at the end, and all held text is bounded.
 */
import type { ChatMessage, ContentReader, OutputMessage, Part, ToolCallRef, ToolDefinition } from "../content.js";
import { choiceIndex, fact, type Obj, obj, parseJson, str } from "../json.js";
import { BLOCK_REASONS, enumName, FINISH_REASONS, field } from "../gemini.js";
import { media, modalityOf } from "./parts.js";

/** One Gemini part in the conventions' kinds; undefined for what carries none (a bare thought signature...). */
function toPart(p: Obj): Part | undefined {
  if (typeof p.text === "string") return p.text === "" ? undefined : { type: p.thought === true ? "reasoning" : "text", content: p.text };
  const inline = obj(field(p, "inlineData"));
  if (inline) {
    const mime = str(field(inline, "mimeType"));
    return typeof inline.data === "string" ? { type: "blob", modality: modalityOf(mime), ...(mime && { mime_type: mime }), content: inline.data } : undefined;
  }
  const file = obj(field(p, "fileData"));
  if (file) {
    const mime = str(field(file, "mimeType"));
    const uri = str(field(file, "fileUri"));
    if (uri === undefined) return undefined;
    return media(uri, modalityOf(mime), mime);
  }
  const call = obj(field(p, "functionCall"));
  if (call) {
    const name = str(call.name);
    return name === undefined ? undefined : { type: "tool_call", ...(str(call.id) && { id: str(call.id) }), name, arguments: call.args ?? {} };
  }
  const response = obj(field(p, "functionResponse"));
  if (response) return { type: "tool_call_response", ...(str(response.id) && { id: str(response.id) }), response: response.response ?? null };
  const code = obj(field(p, "executableCode"));
  if (code) return { type: "server_tool_call", name: "code_execution", server_tool_call: { type: "code_execution", ...code } };
  const result = obj(field(p, "codeExecutionResult"));
  if (result) return { type: "server_tool_call_response", server_tool_call_response: { type: "code_execution", ...result } };
  return undefined;
}

function partsOf(content: Obj | undefined): Part[] {
  const parts = content?.parts;
  if (!Array.isArray(parts)) return [];
  const out: Part[] = [];
  for (const item of parts) {
    const p = obj(item);
    const part = p && toPart(p);
    if (part) out.push(part);
  }
  return out;
}

const roleOf = (role: unknown, absent: string): string => (role === "model" ? "assistant" : (str(role) ?? absent));

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `tools[]`: each function declaration, and each built-in tool (`googleSearch`, `codeExecution`...) by its key. */
function toolDefinitions(tools: unknown): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const item of Array.isArray(tools) ? tools : []) {
    const tool = obj(item);
    if (!tool) continue;
    for (const [key, value] of Object.entries(tool)) {
      if (key !== "functionDeclarations" && key !== "function_declarations") {
        out.push({ type: snake(key), name: snake(key) });
        continue;
      }
      for (const d of Array.isArray(value) ? value : []) {
        const decl = obj(d);
        const name = decl && str(decl.name);
        if (!decl || name === undefined) continue;
        const parameters = field(decl, "parametersJsonSchema") ?? decl.parameters;
        out.push({ type: "function", name, ...(typeof decl.description === "string" && { description: decl.description }), ...(parameters !== undefined && { parameters }) });
      }
    }
  }
  return out;
}

function readRequest(body: Obj | undefined): ReturnType<ContentReader["request"]> {
  if (!body) return {};
  const inputMessages: ChatMessage[] = [];
  const contents = body.contents;
  for (const item of Array.isArray(contents) ? contents : []) {
    const c = obj(item);
    if (c) inputMessages.push({ role: roleOf(c.role, "user"), parts: partsOf(c) });
  }
  const system = field(body, "systemInstruction");
  const systemInstructions =
    typeof system === "string" ? [{ type: "text", content: system }] : partsOf(obj(system)).filter((p) => p.type === "text");
  const toolDefinitions_ = toolDefinitions(body.tools);
  return {
    inputMessages,
    ...(systemInstructions.length > 0 && { systemInstructions }),
    ...(toolDefinitions_.length > 0 && { toolDefinitions: toolDefinitions_ }),
  };
}

/** Parts per output message and tool calls per response kept at most: a hostile stream cannot grow them without end. */
const MAX_PARTS = 256;
const MAX_TOOL_CALLS = 128;

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

/** Output messages built part by part, holding at most about `maxChars` characters of text. */
export class OutputParts {
  private left: number;
  private readonly drafts: (Draft | undefined)[] = [];
  private readonly calls: ToolCallRef[] = [];

  constructor(maxChars: number, private readonly defaultRole = "assistant") {
    this.left = Number.isFinite(maxChars) && maxChars > 0 ? maxChars : 0;
  }

  /** The message of choice `index`, created when first seen. */
  message(index: number): Draft {
    return (this.drafts[index] ??= { role: this.defaultRole, slots: [] });
  }

  /** As much of `s` as the budget still holds. */
  private take(s: string): string {
    const kept = s.length <= this.left ? s : s.slice(0, this.left);
    this.left -= kept.length;
    return kept;
  }

  /** Text or reasoning, appended to the message's last part when it is of the same kind. */
  text(m: Draft, type: "text" | "reasoning", s: unknown): void {
    if (typeof s !== "string" || s === "") return;
    const last = m.slots.at(-1);
    if (last?.part.type === type && last.args === undefined) {
      (last.part as { content: string }).content += this.take(s);
      return;
    }
    const kept = this.take(s);
    if (kept !== "") this.add(m, { type, content: kept });
  }

  /** A tool call: kept whatever the budget (its id and name are what `executeTool` needs), its arguments as the budget allows. */
  call(m: Draft, id: unknown, name: unknown, args?: unknown): Slot | undefined {
    const callName = fact(name);
    if (callName === undefined || this.calls.length >= MAX_TOOL_CALLS) return undefined;
    const callId = fact(id);
    this.calls.push(callId === undefined ? { name: callName } : { id: callId, name: callName });
    const part: Part = { type: "tool_call", ...(callId !== undefined && { id: callId }), name: callName };
    if (args !== undefined && this.fits(args)) (part as { arguments?: unknown }).arguments = args;
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
    const kept = this.take(fragment);
    slot.args = (slot.args ?? "") + kept;
    if (kept.length < fragment.length) slot.cut = true;
  }

  /** Any other part (a blob's data cut to the budget, other parts kept whole only when they fit). */
  part(m: Draft, part: Part): void {
    if (part.type === "text" || part.type === "reasoning") this.text(m, part.type, part.content);
    else if (part.type === "tool_call") this.call(m, part.id, part.name, part.arguments);
    else if (part.type === "blob" && typeof part.content === "string") this.add(m, { ...part, content: this.take(part.content) });
    else if (this.fits(part)) this.add(m, part);
  }

  finish(m: Draft, reason: string | undefined): void {
    if (reason !== undefined) m.finish = reason;
  }

  /** Whether a value's JSON fits the budget, which it is charged to when it does. */
  private fits(v: unknown): boolean {
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
      const parts = d.slots.map(({ part, args, cut }) => {
        if (args === undefined || (cut && args === "")) return part;
        // A streamed call with no fragments had no arguments: `{}`, as its whole-body twin says.
        const parsed = args === "" ? {} : parseJson(args);
        return { ...part, arguments: parsed === undefined ? args : parsed };
      });
      out.push({ role: d.role, parts, ...(d.finish !== undefined && { finish_reason: d.finish }) });
    }
    return out;
  }

  toolCalls(): ToolCallRef[] {
    return this.calls.slice();
  }
}

/** One GenerateContentResponse: a whole body, an SSE event or an array element. */
function foldChunk(r: Obj, out: OutputParts): void {
  const candidates = Array.isArray(r.candidates) ? r.candidates : [];
  for (const [position, item] of candidates.entries()) {
    const c = obj(item);
    const index = c && choiceIndex(c, position);
    if (!c || index === undefined) continue;
    const m = out.message(index);
    const content = obj(c.content);
    if (content && content.role !== undefined) m.role = roleOf(content.role, "assistant");
    for (const part of partsOf(content)) out.part(m, part);
    out.finish(m, enumName(field(c, "finishReason"), FINISH_REASONS));
  }
  const feedback = obj(field(r, "promptFeedback"));
  const blocked = feedback && enumName(field(feedback, "blockReason"), BLOCK_REASONS);
  if (blocked !== undefined && candidates.length === 0) out.finish(out.message(0), blocked);
}

export const geminiContent: ContentReader = {
  request: (body) => readRequest(obj(body)),
  output(maxChars) {
    const out = new OutputParts(maxChars);
    return {
      json(body) {
        // A streamed request read whole is the array of its chunks.
        for (const item of Array.isArray(body) ? body : [body]) {
          const r = obj(item);
          if (r) foldChunk(r, out);
        }
      },
      event(e) {
        const r = typeof e?.data === "string" ? obj(parseJson(e.data)) : undefined;
        if (r) foldChunk(r, out);
      },
      messages: () => out.messages(),
      toolCalls: () => out.toolCalls(),
    };
  },
};
