/**
 * Content of Workers AI text generation: the binding's `run(model, inputs)` (the capture core
 * passes `inputs` as the body) and the REST API (`/ai/run/{model}`, same inputs as JSON).
 *
 * Inputs: `messages` (OpenAI-like: `content` a string or `text` / `image_url` parts, assistant
 * `tool_calls` in OpenAI's shape or the native `{name, arguments}`, `tool` results with
 * `tool_call_id` or `name`) in the order sent, `system` messages kept in the history; or a
 * `prompt`, the user's text. `tools` come in OpenAI's shape (`{type: "function", function}`) or
 * the native one (`{name, description, parameters}`).
 *
 * Results: the native `{response, tool_calls?}` (whole, or streamed as `data: {"response": ...}`
 * events ending in `data: [DONE]`; in JSON mode `response` is an object, read as its JSON text),
 * native tool calls whole with object arguments; or, on newer models, Chat Completions'
 * `choices` (whole messages, or deltas with tool-call argument fragments by index). The REST
 * envelope (`{result, success}`) is unwrapped; a failed call has no output.
 */
import type { ChatMessage, ContentReader, OutputAssembler, Part } from "../content.js";
import { eventJson, fact, int, type Obj, obj, str } from "../json.js";
import { args, Budget, type Choice, choiceMessages, dropEmpty, each, eachChoice, flatOrFunctionTool, indexIn, list, media, newChoice, partCalls, text, toolCall, toolResponse } from "./parts.js";

/** More choices or tool calls than this in one response is not a real response. */
const MAX_ITEMS = 128;

/** A tool call of either shape: OpenAI's `{id, function: {name, arguments}}` or native `{name, arguments}`. */
const callOf = (c: Obj) => obj(c.function) ?? c;

function contentParts(content: unknown): Part[] {
  if (typeof content === "string") return content ? [text(content)] : [];
  return each(content, (item) => {
    const o = obj(item);
    if (o?.type === "text" && str(o.text)) return text(o.text as string);
    const url = o?.type === "image_url" ? str(obj(o.image_url)?.url) : undefined;
    return url ? media(url, "image") : undefined;
  });
}

/** An assistant's tool calls, of either shape. */
function callParts(calls: unknown): Part[] {
  return each(calls, (c) => {
    const call = obj(c);
    const name = call && str(callOf(call).name);
    return name ? toolCall(call!.id, name, args(callOf(call!).arguments)) : undefined;
  });
}

function inputMessage(m: unknown): ChatMessage | undefined {
  const o = obj(m);
  const role = str(o?.role);
  if (!o || !role) return undefined;
  const parts = role === "tool" ? [toolResponse(o.tool_call_id, o.content ?? "")] : [...contentParts(o.content), ...callParts(o.tool_calls)];
  return dropEmpty({ role, parts, name: str(o.name) });
}

function assembler(maxChars: number, maxTokens?: number): OutputAssembler {
  const budget = new Budget(maxChars);
  const choices: Choice[] = [];
  let native = false;
  let done = false;
  /** The answer's output token count (a native result's `usage`, the last one given). */
  let completion: number | undefined;
  /** A tool call whole, or a fragment of one (`index`: its position; a fragment without a name continues it). */
  const addCall = (ch: Choice, c: Obj, position: number) => {
    const fn = callOf(c);
    const i = indexIn(c.index === undefined ? position : c.index, MAX_ITEMS);
    if (i === undefined) return;
    const a = fn.arguments;
    const fragment = typeof a === "string" ? a : a === undefined || a === null ? "" : JSON.stringify(a);
    const known = ch.calls[i];
    if (known) known.arguments += budget.take(fragment);
    else {
      const name = fact(fn.name);
      if (name) ch.calls[i] = { id: fact(c.id), name, arguments: budget.take(fragment) };
    }
  };
  /** One result: native fields, or a Chat Completions choice's message / delta. */
  const read = (ch: Choice | undefined, m: Obj | undefined, native: boolean) => {
    if (!ch || !m) return;
    ch.role = fact(m.role) ?? ch.role;
    const t = native ? m.response : m.content;
    ch.text += budget.take(obj(t) ? JSON.stringify(t) : t);
    ch.reasoning += budget.take(m.reasoning_content ?? m.reasoning);
    const calls = list(m.tool_calls);
    // A native stream's events carry whole calls: each one is a new call after those held.
    const base = native ? ch.calls.length : 0;
    calls.forEach((c, j) => {
      const o = obj(c);
      if (o) addCall(ch, native ? { ...o, index: undefined } : o, base + j);
    });
  };
  const result = (b: Obj, whole: boolean) => {
    if (Array.isArray(b.choices)) {
      eachChoice(b.choices, (c, index) => {
        const ch = (choices[index] ??= newChoice());
        read(ch, obj(whole ? c.message : c.delta), false);
        ch.finish = fact(c.finish_reason) ?? ch.finish;
      });
      return;
    }
    const ch = (choices[0] ??= newChoice());
    native = true;
    completion = int(obj(b.usage)?.completion_tokens) ?? completion;
    read(ch, b, true);
    ch.finish = fact(b.finish_reason) ?? ch.finish;
  };
  return {
    json(body) {
      const b = obj(body);
      // The REST envelope: `{result, success, errors}`; a failed call has no output.
      if (!b || b.success === false) return;
      done = true;
      result(obj(b.result) ?? b, true);
    },
    event(e) {
      if (e.data === "[DONE]") {
        done = true;
        return;
      }
      const o = obj(eventJson(e));
      if (o) result(o, false);
    },
    // Native results carry no finish reason, which v1.41's output schema requires: a whole answer, or a
    // stream that reached [DONE], stopped (or stopped for its tool calls, or at the request's
    // max_tokens when its usage says it used them all); an unfinished one says nothing.
    messages: () => {
      const cut = maxTokens !== undefined && completion !== undefined && completion >= maxTokens;
      const ended = (ch: Choice) => ch.finish ?? (ch.calls.some(Boolean) ? "tool_call" : cut ? "length" : "stop");
      return choiceMessages(native && done ? choices.map((ch) => ch && { ...ch, finish: ended(ch) }) : choices);
    },
    toolCalls() {
      return partCalls(this.messages());
    },
  };
}

export const workersAiContent: ContentReader = {
  request(body) {
    const out: ReturnType<ContentReader["request"]> = {};
    if (Array.isArray(body?.messages)) out.inputMessages = each(body.messages, inputMessage);
    else if (typeof body?.prompt === "string") out.inputMessages = [{ role: "user", parts: [text(body.prompt)] }];
    if (Array.isArray(body?.tools)) out.toolDefinitions = each(body.tools, flatOrFunctionTool);
    return out;
  },
  output: assembler,
};
