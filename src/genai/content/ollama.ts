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
import type { ChatMessage, ContentReader, OutputAssembler, Part } from "../content.js";
import { eventJson, fact, type Obj, obj, str } from "../json.js";
import { args, blob, Budget, choiceMessages, dropEmpty, each, functionCallParts, functionTool, list, MAX_TOOL_CALLS, newChoice, partCalls, text, toolResponse } from "./parts.js";


const images = (v: unknown): Part[] => each(v, (b) => (str(b) ? blob("image", undefined, b as string) : undefined));

function inputMessage(m: unknown): ChatMessage | undefined {
  const o = obj(m);
  const role = str(o?.role);
  if (!o || !role) return undefined;
  const parts: Part[] = [];
  const content = typeof o.content === "string" ? o.content : undefined;
  if (role === "tool") {
    parts.push(toolResponse(o.tool_call_id, content ?? ""));
  } else {
    if (str(o.thinking)) parts.push({ type: "reasoning", content: o.thinking as string });
    if (content) parts.push(text(content));
  }
  parts.push(...images(o.images), ...functionCallParts(o.tool_calls));
  return dropEmpty({ role, parts, name: str(o.tool_name) });
}

/** One response's output: a line holds its text, reasoning and tool calls in `message` (chat) or at its top level (generate). */
function assembler(maxChars: number, chat: boolean): OutputAssembler {
  const budget = new Budget(maxChars);
  const ch = newChoice();
  let seen = false;
  const line = (o: Obj) => {
    // An error line or body carries no output.
    if (o.error !== undefined && o.error !== null) return;
    const source = chat ? obj(o.message) : o;
    if (source) {
      seen = true;
      if (chat) ch.role = fact(source.role) ?? ch.role;
      ch.reasoning += budget.take(source.thinking);
      ch.text += budget.take(chat ? source.content : source.response);
      for (const c of list(source.tool_calls)) {
        const fn = obj(obj(c)?.function);
        const name = fact(fn?.name);
        // Whole arguments (an object on the wire) are kept when their JSON fits what the budget has left.
        const sent = args(fn?.arguments);
        if (name && ch.calls.length < MAX_TOOL_CALLS) ch.calls.push(dropEmpty({ id: fact(obj(c)!.id), name, arguments: "", whole: sent !== undefined && budget.fits(sent) ? sent : undefined }));
      }
    }
    if (o.done === true) {
      seen = true;
      ch.finish = fact(o.done_reason) ?? ch.finish;
    }
  };
  return {
    json(body) {
      const o = obj(body);
      if (o) line(o);
    },
    event(e) {
      const o = obj(eventJson(e));
      if (o) line(o);
    },
    messages: () => (seen ? choiceMessages([ch]) : []),
    toolCalls() {
      return partCalls(this.messages());
    },
  };
}

export const ollamaChatContent: ContentReader = {
  request(body) {
    const out: ReturnType<ContentReader["request"]> = {};
    if (Array.isArray(body?.messages)) out.inputMessages = each(body.messages, inputMessage);
    if (Array.isArray(body?.tools)) out.toolDefinitions = each(body.tools, functionTool);
    return out;
  },
  output: (maxChars) => assembler(maxChars, true),
};

export const ollamaGenerateContent: ContentReader = {
  request(body) {
    const out: ReturnType<ContentReader["request"]> = {};
    if (!body) return out;
    const parts: Part[] = typeof body.prompt === "string" && body.prompt ? [text(body.prompt)] : [];
    parts.push(...images(body.images));
    if (parts.length > 0) out.inputMessages = [{ role: "user", parts }];
    if (str(body.system)) out.systemInstructions = [text(body.system as string)];
    return out;
  },
  output: (maxChars) => assembler(maxChars, false),
};
