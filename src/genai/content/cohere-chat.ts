/**
 * Content of Cohere Chat v2 (`POST /v2/chat`).
 *
 * Request: `messages` in the order sent (a `system` message stays in the history: Cohere has no
 * separate instructions field); content is a string or items (`text`, `thinking`, `image_url`,
 * `document`); an assistant message's `tool_plan` and `tool_calls`, a tool message's
 * `tool_call_id`. `tools` are `{type: "function", function: {name, description, parameters}}`.
 * Request-level `documents` (RAG sources) are not messages and are not read.
 *
 * `tool_plan` is the model's own reasoning before its tool calls ("I will search for..."): a
 * `reasoning` part, after the message's content and before its tool calls (a model that thinks
 * sends `thinking` content first, then the plan, then the calls).
 *
 * Output: `message.content[]` (text, thinking), `message.tool_plan`, `message.tool_calls`,
 * `finish_reason` (COMPLETE, TOOL_CALL, MAX_TOKENS...) in a whole body; in a stream,
 * `content-start`/`content-delta` by content index, `tool-plan-delta`, `tool-call-start` (id,
 * name) and `tool-call-delta` (argument fragments) by tool-call index, `message-end`.
 */
import type { ChatMessage, ContentReader, OutputAssembler, OutputMessage, Part, ToolCallRef } from "../content.js";
import { eventJson, fact, type Obj, obj, str } from "../json.js";
import type { SseEvent } from "../types.js";
import { Budget, dropEmpty, each, functionCallParts, functionTool, indexIn, list, media, partCalls, type PendingCall, text, toolCallPart, toolResponse } from "./parts.js";

/** More content items or tool calls than this in one response is not a real response. */
const MAX_ITEMS = 128;

/** A content item of a request message. */
function contentPart(item: unknown): Part | undefined {
  if (typeof item === "string") return text(item);
  const o = obj(item);
  switch (o && str(o.type)) {
    case "text":
      return typeof o!.text === "string" ? text(o!.text) : undefined;
    case "thinking":
      return typeof o!.thinking === "string" ? { type: "reasoning", content: o!.thinking } : undefined;
    case "image_url": {
      const url = str(obj(o!.image_url)?.url) ?? str(o!.image_url);
      return url ? media(url, "image") : undefined;
    }
    case "document": {
      // A RAG source given in the message: `{data: string | object, id?}`.
      const doc = obj(o!.document);
      return doc ? dropEmpty({ type: "document", id: str(doc.id), content: doc.data }) : undefined;
    }
    default:
      return undefined;
  }
}

function inputMessage(m: unknown): ChatMessage | undefined {
  const o = obj(m);
  const role = str(o?.role);
  if (!o || !role) return undefined;
  const items = each(typeof o.content === "string" ? [o.content] : o.content, contentPart);
  if (role === "tool") {
    // The tool's result: a string, or items (text, documents); text items alone read as their text.
    const response = items.every((p) => p.type === "text") ? items.map((p) => (p as { content: string }).content).join("") : items;
    return { role, parts: [toolResponse(o.tool_call_id, response)] };
  }
  const plan = str(o.tool_plan);
  if (plan) items.push({ type: "reasoning", content: plan });
  return { role, parts: [...items, ...functionCallParts(o.tool_calls)] };
}


function assembler(maxChars: number): OutputAssembler {
  const budget = new Budget(maxChars);
  /** Content items by index: `reasoning` (thinking) or `text`. */
  const content: { type: "text" | "reasoning"; content: string }[] = [];
  const calls: PendingCall[] = [];
  let plan = "";
  let role = "assistant";
  let finish: string | undefined;
  let seen = false;
  const index = (v: unknown, fallback: number) => indexIn(v === undefined ? fallback : v, MAX_ITEMS);
  const addContent = (i: number | undefined, type: "text" | "reasoning", s: string) => {
    if (i === undefined) return;
    const item = (content[i] ??= { type, content: "" });
    if (item.type === type) item.content += budget.take(s);
  };
  /** A tool call `{id, type, function: {name, arguments}}`, its arguments whole or the first fragment. */
  const startCall = (i: number | undefined, c: Obj | undefined) => {
    const fn = obj(c?.function);
    const name = fact(fn?.name);
    if (i === undefined || !name || calls[i]) return;
    // A whole body's arguments are a JSON string; an object is taken as its JSON.
    const sent = obj(fn!.arguments) ? JSON.stringify(fn!.arguments) : fn!.arguments;
    calls[i] = { id: fact(c!.id), name, arguments: budget.take(sent) };
  };
  const event = (e: Obj) => {
    const message = obj(obj(e.delta)?.message);
    switch (str(e.type)) {
      case "message-start":
        seen = true;
        role = fact(message?.role) ?? role;
        return;
      case "content-start":
      case "content-delta": {
        seen = true;
        const c = obj(message?.content);
        const i = index(e.index, 0);
        if (typeof c?.thinking === "string") addContent(i, "reasoning", c.thinking);
        else if (typeof c?.text === "string") addContent(i, "text", c.text);
        return;
      }
      case "tool-plan-delta":
        seen = true;
        plan += budget.take(message?.tool_plan);
        return;
      case "tool-call-start":
        seen = true;
        startCall(index(e.index, calls.length), obj(message?.tool_calls));
        return;
      case "tool-call-delta": {
        const call = calls[index(e.index, calls.length - 1) ?? -1];
        const fragment = str(obj(obj(message?.tool_calls)?.function)?.arguments);
        if (call && fragment) call.arguments += budget.take(fragment);
        return;
      }
      case "message-end":
        seen = true;
        finish = fact(obj(e.delta)?.finish_reason) ?? finish;
        return;
    }
  };
  return {
    json(body) {
      const message = obj(obj(body)?.message);
      // An error body is `{id, message: "<text>"}`: no message object, no output.
      if (!message) return;
      seen = true;
      role = fact(message.role) ?? role;
      list(message.content).forEach((item, i) => {
        const o = obj(item);
        if (typeof o?.thinking === "string" && o.type === "thinking") addContent(index(i, 0), "reasoning", o.thinking);
        else if (typeof o?.text === "string") addContent(index(i, 0), "text", o.text);
      });
      plan += budget.take(message.tool_plan);
      list(message.tool_calls).forEach((c, i) => {
        startCall(index(i, 0), obj(c));
      });
      finish = fact(obj(body)?.finish_reason) ?? finish;
    },
    event(e: SseEvent) {
      // The closing `[DONE]` is not JSON: nothing to read.
      const o = obj(eventJson(e));
      if (o) event(o);
    },
    messages(): OutputMessage[] {
      if (!seen) return [];
      const parts: Part[] = content.filter((c) => c !== undefined && c.content.length > 0).map((c) => ({ ...c }));
      if (plan) parts.push({ type: "reasoning", content: plan });
      for (const c of calls) if (c) parts.push(toolCallPart(c));
      return [dropEmpty({ role, parts, finish_reason: finish })];
    },
    toolCalls(): ToolCallRef[] {
      return partCalls(this.messages());
    },
  };
}

export const cohereContent: ContentReader = {
  request(body) {
    const out: ReturnType<ContentReader["request"]> = {};
    if (Array.isArray(body?.messages)) out.inputMessages = each(body.messages, inputMessage);
    if (Array.isArray(body?.tools)) out.toolDefinitions = each(body.tools, functionTool);
    return out;
  },
  output: assembler,
};
