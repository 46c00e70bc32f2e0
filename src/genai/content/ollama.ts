/**
 * Content of Ollama's native API.
 *
 * `/api/chat`: `messages` in the order sent (`system` messages stay in the history: there is no
 * separate instructions field), each `{role, content, images?, thinking?, tool_calls?}`; `images`
 * are base64 without a type (blobs); a `tool` message's result is its `content`, its `tool_name`
 * the message's name (there is no call id, unless a newer server's `tool_call_id`). Tool calls
 * carry their `arguments` as an object. `tools` are `{type: "function", function: {...}}`.
 *
 * `/api/generate`: `system` is passed apart (system instructions), `prompt` and `images` are the
 * user's message. (`suffix`, the fill-in-the-middle tail, and `context` tokens are not read.)
 *
 * Output: one object per NDJSON line (or once, whole): `message.content` / `message.thinking`
 * (chat) or `response` / `thinking` (generate) joined, `message.tool_calls` whole objects (sent
 * once, not in fragments), `done_reason` on the last line. An `{error}` line is no output.
 */
import type { ChatMessage, ContentReader, OutputAssembler, OutputMessage, Part, ToolCallRef, ToolDefinition } from "../content.js";
import { fact, type Obj, obj, parseJson, str } from "../json.js";

/** More tool calls than this in one response is not a real response. */
const MAX_CALLS = 128;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const defined = <T>(v: T | undefined): v is T => v !== undefined;

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Arguments are an object on the wire; a string (some compatible servers) is read as JSON when it is. */
function args(v: unknown): unknown {
  if (typeof v !== "string") return v ?? undefined;
  const parsed = parseJson(v);
  return typeof parsed === "object" && parsed !== null ? parsed : v || undefined;
}

const images = (v: unknown): Part[] => list(v).flatMap((b) => (typeof b === "string" && b ? [{ type: "blob", modality: "image", content: b }] : []));

function toolCallPart(call: unknown): Part | undefined {
  const c = obj(call);
  const fn = obj(c?.function);
  const name = str(fn?.name);
  return name ? dropUndefined({ type: "tool_call", id: str(c!.id), name, arguments: args(fn!.arguments) }) : undefined;
}

function inputMessage(m: unknown): ChatMessage | undefined {
  const o = obj(m);
  const role = str(o?.role);
  if (!o || !role) return undefined;
  const parts: Part[] = [];
  const content = typeof o.content === "string" ? o.content : undefined;
  if (role === "tool") {
    parts.push(dropUndefined({ type: "tool_call_response", id: str(o.tool_call_id), response: content ?? "" }));
  } else {
    if (str(o.thinking)) parts.push({ type: "reasoning", content: o.thinking as string });
    if (content) parts.push({ type: "text", content });
  }
  parts.push(...images(o.images), ...list(o.tool_calls).map(toolCallPart).filter(defined));
  const name = str(o.tool_name);
  return name ? { role, parts, name } : { role, parts };
}

function toolDefinition(t: unknown): ToolDefinition | undefined {
  const o = obj(t);
  const fn = obj(o?.function);
  const name = str(fn?.name);
  if (!name) return undefined;
  return dropUndefined({ type: str(o!.type) ?? "function", name, description: str(fn!.description), parameters: obj(fn!.parameters) });
}

interface Call {
  id?: string;
  name: string;
  arguments?: unknown;
}

/** One response's output: a line holds its text, reasoning and tool calls in `message` (chat) or at its top level (generate). */
function assembler(maxChars: number, chat: boolean): OutputAssembler {
  let left = maxChars;
  let text = "";
  let reasoning = "";
  const calls: Call[] = [];
  let role = "assistant";
  let finish: string | undefined;
  let seen = false;
  const take = (v: unknown): string => {
    if (typeof v !== "string") return "";
    const kept = v.length <= left ? v : v.slice(0, Math.max(0, left));
    left -= kept.length;
    return kept;
  };
  /** Whole arguments are kept when their JSON fits what the budget has left. */
  const takeArgs = (v: unknown): unknown => {
    if (v === undefined) return undefined;
    const size = typeof v === "string" ? v.length : JSON.stringify(v).length;
    if (size > left) return undefined;
    left -= size;
    return v;
  };
  const line = (o: Obj) => {
    // An error line or body carries no output.
    if (o.error !== undefined && o.error !== null) return;
    const source = chat ? obj(o.message) : o;
    if (source) {
      seen = true;
      if (chat) role = fact(source.role) ?? role;
      reasoning += take(source.thinking);
      text += take(chat ? source.content : source.response);
      for (const c of list(source.tool_calls)) {
        const fn = obj(obj(c)?.function);
        const name = fact(fn?.name);
        if (name && calls.length < MAX_CALLS) calls.push(dropUndefined({ id: fact(obj(c)!.id), name, arguments: takeArgs(args(fn!.arguments)) }));
      }
    }
    if (o.done === true) {
      seen = true;
      finish = fact(o.done_reason) ?? finish;
    }
  };
  return {
    json(body) {
      const o = obj(body);
      if (o) line(o);
    },
    event(e) {
      const o = obj(parseJson(e.data));
      if (o) line(o);
    },
    messages(): OutputMessage[] {
      if (!seen) return [];
      const parts: Part[] = [];
      if (reasoning) parts.push({ type: "reasoning", content: reasoning });
      if (text) parts.push({ type: "text", content: text });
      for (const c of calls) parts.push({ type: "tool_call", ...c });
      return [finish === undefined ? { role, parts } : { role, parts, finish_reason: finish }];
    },
    toolCalls(): ToolCallRef[] {
      return calls.map((c) => (c.id === undefined ? { name: c.name } : { id: c.id, name: c.name }));
    },
  };
}

export const ollamaChatContent: ContentReader = {
  request(body) {
    const out: ReturnType<ContentReader["request"]> = {};
    if (Array.isArray(body?.messages)) out.inputMessages = body.messages.map(inputMessage).filter(defined);
    if (Array.isArray(body?.tools)) out.toolDefinitions = body.tools.map(toolDefinition).filter(defined);
    return out;
  },
  output: (maxChars) => assembler(maxChars, true),
};

export const ollamaGenerateContent: ContentReader = {
  request(body) {
    const out: ReturnType<ContentReader["request"]> = {};
    if (!body) return out;
    const parts: Part[] = typeof body.prompt === "string" && body.prompt ? [{ type: "text", content: body.prompt }] : [];
    parts.push(...images(body.images));
    if (parts.length > 0) out.inputMessages = [{ role: "user", parts }];
    if (str(body.system)) out.systemInstructions = [{ type: "text", content: body.system as string }];
    return out;
  },
  output: (maxChars) => assembler(maxChars, false),
};
