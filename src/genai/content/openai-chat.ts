/**
 * Content of OpenAI Chat Completions (and the compatible servers that copy it) and of the legacy
 * Completions API. Messages are read in the order sent, their role as sent (a `system` or
 * `developer` message stays in the history); an assistant's `tool_calls` become tool_call parts,
 * a `tool` message's content a tool_call_response. Streamed choices are assembled by index:
 * content joined, tool calls by their index (id and name from the first fragment, arguments
 * joined), and the reasoning text DeepSeek, xAI and OpenRouter stream (`reasoning_content`,
 * `reasoning`) as a reasoning part.
 */
import type { ChatMessage, ContentReader, OutputAssembler, Part } from "../content.js";
import { eventJson, fact, int, type Obj, obj, str } from "../json.js";
import { args, audioPart, Budget, type Choice, choiceMessages, dropEmpty, each, eachChoice, fileOrMedia, functionCallParts, MAX_TOOL_CALLS, media, newChoice, nonEmpty, otherPart, partCalls, text, texts, toolCall, toolDefinition, toolResponse } from "./parts.js";

/** A message's `content`: a string, or an array of parts (text, image_url, input_audio, file, refusal). */
function contentParts(content: unknown): Part[] {
  if (typeof content === "string") return content === "" ? [] : [text(content)];
  return each(content, (item) => {
    const p = obj(item);
    const type = str(p?.type);
    if (!p || !type) return undefined;
    if (type === "text" && typeof p.text === "string") return text(p.text);
    if (type === "image_url") {
      const url = str(obj(p.image_url)?.url) ?? str(p.image_url);
      return url === undefined ? undefined : media(url, "image");
    }
    if (type === "input_audio") return audioPart(p.input_audio);
    if (type === "file") return fileOrMedia(obj(p.file)?.file_id, str(obj(p.file)?.file_data), "document");
    if (type === "refusal" && typeof p.refusal === "string") return { type: "refusal", content: p.refusal };
    return otherPart(type);
  });
}

/** The text of a content that is a string or text parts (a tool result, a refusal). */
function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  const found = texts(content);
  return found.length > 0 ? found.join("") : undefined;
}

function chatMessage(item: unknown): ChatMessage | undefined {
  const m = obj(item);
  if (!m) return undefined;
  const role = str(m.role) ?? "user";
  const parts: Part[] = [];
  const reasoning = str(m.reasoning_content) ?? str(m.reasoning);
  if (reasoning !== undefined) parts.push({ type: "reasoning", content: reasoning });
  if (role === "tool" || role === "function") {
    parts.push(toolResponse(m.tool_call_id, textOf(m.content) ?? m.content ?? ""));
  } else {
    parts.push(...contentParts(m.content));
    if (typeof m.refusal === "string") parts.push({ type: "refusal", content: m.refusal });
  }
  parts.push(...functionCallParts(m.tool_calls));
  const legacy = obj(m.function_call);
  if (str(legacy?.name)) parts.push(toolCall(undefined, legacy!.name as string, args(legacy!.arguments)));
  return dropEmpty({ role, parts, name: role === "function" ? undefined : str(m.name) });
}

function chatTools(tools: unknown) {
  return each(tools, (item) => {
    const t = obj(item);
    const type = str(t?.type) ?? "function";
    const fn = obj(t?.function) ?? obj(t?.custom);
    // `{type: "function", function: {...}}`; a custom tool names itself in `custom`; the legacy `functions` list is flat.
    return fn ? toolDefinition(type, str(fn.name), fn.description, fn.parameters) : toolDefinition(type, str(t?.name) ?? type, t?.description, t?.parameters);
  });
}

/** The output assembler shared by Chat Completions and the legacy Completions (`choices[].text`). */
function chatAssembler(maxChars: number): OutputAssembler {
  const budget = new Budget(maxChars);
  const choices: Choice[] = [];
  /** One choice of a whole body (`message`) or of a stream chunk (`delta`). */
  const fold = (c: Obj, index: number, d: Obj, streamed: boolean) => {
    const ch = (choices[index] ??= newChoice());
    ch.finish = fact(c.finish_reason) ?? ch.finish;
    ch.role = str(d.role) ?? ch.role;
    const t = textOf(d.content) ?? (typeof c.text === "string" ? c.text : undefined);
    if (t) ch.text += budget.take(t);
    const r = str(d.reasoning_content) ?? str(d.reasoning);
    if (r) ch.reasoning += budget.take(r);
    if (typeof d.refusal === "string") ch.text += budget.take(d.refusal);
    if (!Array.isArray(d.tool_calls)) return;
    for (const item of d.tool_calls) {
      const call = obj(item);
      const fn = obj(call?.function);
      if (!call) continue;
      const id = str(call.id);
      const last = ch.calls.length - 1;
      // A stream numbers its calls; without an index (some compatible servers send each call whole) a new id is a new call.
      const slot = !streamed ? ch.calls.length : (int(call.index) ?? (id !== undefined && ch.calls[last]?.id !== id ? last + 1 : Math.max(0, last)));
      if (slot < 0 || slot >= MAX_TOOL_CALLS) continue;
      const pending = (ch.calls[slot] ??= { name: "", arguments: "" });
      pending.id ??= id;
      if (!pending.name) pending.name = str(fn?.name) ?? "";
      if (typeof fn?.arguments === "string") pending.arguments += budget.take(fn.arguments);
      // Whole arguments (an object on the wire) are kept when their JSON fits what the budget has left, as Ollama's are.
      else if (fn?.arguments !== undefined && budget.fits(fn.arguments)) pending.whole = fn.arguments;
    }
  };
  /** The choices of a whole body (`message`) or of a stream chunk (`delta`). */
  const choicesOf = (body: unknown, streamed: boolean) =>
    eachChoice(obj(body)?.choices, (c, index) => fold(c, index, obj(streamed ? c.delta : c.message) ?? {}, streamed));
  return {
    json: (body) => choicesOf(body, false),
    event: (e) => choicesOf(eventJson(e), true),
    messages: () => choiceMessages(choices),
    toolCalls() {
      return partCalls(this.messages());
    },
  };
}

export const openaiChatContent: ContentReader = {
  request(body) {
    const inputMessages = each(body?.messages, chatMessage);
    const toolDefinitions = [...chatTools(body?.tools), ...chatTools(body?.functions)];
    return dropEmpty({ inputMessages: nonEmpty(inputMessages), toolDefinitions: nonEmpty(toolDefinitions) });
  },
  output: chatAssembler,
};

/** Legacy Completions: the prompt (a string or strings) is the user's text; `choices[].text` the output. */
export const openaiCompletionsContent: ContentReader = {
  request(body) {
    const prompts = typeof body?.prompt === "string" ? [body.prompt] : each(body?.prompt, (p) => (typeof p === "string" ? p : undefined));
    return prompts.length > 0 ? { inputMessages: [{ role: "user", parts: prompts.map(text) }] } : {};
  },
  output: chatAssembler,
};
