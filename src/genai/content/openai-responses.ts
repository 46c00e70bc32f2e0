/**
 * Content of the OpenAI Responses API. `instructions` are the system instructions; `input` is a
 * string (the user's text) or items in order: messages (role as sent), function calls (an
 * assistant's tool_call), their outputs (a `tool` message's tool_call_response), reasoning.
 * Function tools are defined by name; a built-in tool (web_search, file_search...) keeps its
 * type, named by it, and its calls in the output are server_tool_call parts.
 *
 * The output is one message (a Response is one generation), its parts in output-item order. A
 * stream is assembled from `response.output_item.added`/`.done` and the text, refusal,
 * reasoning and function-call-argument deltas; the Response a terminal event carries, when it
 * lists its output, is the authority and replaces what the deltas built. The finish reason is
 * the format's (../openai-responses.ts): `completed`, or why it is `incomplete`.
 */
import type { ChatMessage, ContentReader, OutputAssembler, Part } from "../content.js";
import { eventJson, fact, type Obj, obj, str } from "../json.js";
import { args, audioPart, Budget, dropEmpty, each, fileOrMedia, indexIn, nonEmpty, otherPart, partCalls, serverToolCall, text, texts, toolCall, toolDefinition, toolResponse } from "./parts.js";

/** A message's content: a string, or input/output parts. */
function contentParts(content: unknown): Part[] {
  if (typeof content === "string") return content === "" ? [] : [text(content)];
  return each(content, (item) => {
    const p = obj(item);
    const type = str(p?.type);
    if (!p || !type) return undefined;
    if ((type === "input_text" || type === "output_text" || type === "text") && typeof p.text === "string") return text(p.text);
    if (type === "refusal" && typeof p.refusal === "string") return { type: "refusal", content: p.refusal };
    if (type === "input_image" || type === "input_file") return fileOrMedia(p.file_id, str(p.image_url) ?? str(p.file_url) ?? str(p.file_data), type === "input_image" ? "image" : "document");
    if (type === "input_audio") return audioPart(p.input_audio);
    return otherPart(type);
  });
}

function reasoningText(item: Obj): string {
  return [...texts(item.summary), ...texts(item.content)].join("");
}

/** An output item (or an input item an earlier response produced) as a part, when it is one. */
function itemPart(item: Obj, type: string): Part | undefined {
  if (type === "function_call" || type === "custom_tool_call") {
    const name = str(item.name);
    return name === undefined ? undefined : toolCall(item.call_id, name, args(item.arguments ?? item.input));
  }
  if (type === "reasoning") {
    const content = reasoningText(item);
    return content ? { type: "reasoning", content } : undefined;
  }
  // A built-in tool's call (web_search_call, file_search_call, code_interpreter_call, mcp_call...).
  if (type.endsWith("_call")) return serverToolCall(item.id, type.slice(0, -5), { type });
  return undefined;
}

function inputItem(value: unknown): ChatMessage | undefined {
  const item = obj(value);
  if (!item) return undefined;
  const type = str(item.type) ?? "message";
  if (type === "message") return { role: str(item.role) ?? "user", parts: contentParts(item.content) };
  if (type === "function_call_output" || type === "custom_tool_call_output") {
    const output = item.output;
    const response = typeof output === "string" ? output : (texts(output).join("") || output);
    return { role: "tool", parts: [toolResponse(item.call_id, response ?? "")] };
  }
  if (type === "item_reference") return undefined;
  const part = itemPart(item, type);
  return part && { role: "assistant", parts: [part] };
}

function responsesTools(tools: unknown) {
  return each(tools, (value) => {
    const t = obj(value);
    const type = str(t?.type);
    if (!t || !type) return undefined;
    return type === "function" || type === "custom" ? toolDefinition(type, str(t.name), t.description, t.parameters) : toolDefinition(type, type);
  });
}

/** One output item being assembled: its ids and name, and its texts as the budget let them in. */
interface Item {
  type: string;
  item: Obj;
  text: string;
  reasoning: string;
  /** A tool call's `arguments` (a function) or `input` (a custom tool). */
  arguments: string;
  /** Arguments a server sent as an object, kept when their JSON fits the budget. */
  whole?: unknown;
}

const MAX_ITEMS = 256;

function responsesAssembler(maxChars: number): OutputAssembler {
  let budget = new Budget(maxChars);
  let items: Item[] = [];
  let finish: string | undefined;
  let seen = false;
  const place = (index: unknown, value: unknown) => {
    const i = indexIn(index, MAX_ITEMS);
    const item = obj(value);
    const type = str(item?.type);
    if (i === undefined || !item || !type) return;
    // Only what a part is made of is kept of the wire item, never its texts whole.
    const built: Item = { type, item: { id: item.id, call_id: item.call_id, name: item.name }, text: "", reasoning: "", arguments: "" };
    // The item done after its deltas (output_item.added, deltas, output_item.done): what the deltas
    // gave is kept, not charged to the budget a second time. A whole item (a Response's output, or
    // one that came without deltas) carries its own texts, counted against the budget.
    const before = items[i]?.type === type ? items[i] : undefined;
    let text = "";
    for (const p of each(item.content, obj)) if (typeof p.text === "string") text += p.text;
    built.text = before?.text || budget.take(text);
    if (type === "reasoning") built.reasoning = before?.reasoning || budget.take(reasoningText(item));
    const sent = item.arguments ?? item.input;
    if (typeof sent === "string") built.arguments = before?.arguments || budget.take(sent);
    else if (sent !== undefined && sent !== null && budget.fits(sent)) built.whole = sent;
    items[i] = built;
    seen = true;
  };
  const response = (r: Obj) => {
    const status = str(r.status);
    if (status === "completed") finish = status;
    else if (status === "incomplete") finish = fact(obj(r.incomplete_details)?.reason) ?? status;
    if (Array.isArray(r.output) && r.output.length > 0) {
      budget = new Budget(maxChars);
      items = [];
      r.output.forEach((item, i) => {
        place(i, item);
      });
    }
  };
  return {
    json(body) {
      const r = obj(body);
      if (r) response(r);
    },
    event(e) {
      const data = obj(eventJson(e));
      if (!data) return;
      const type = str(data.type) ?? e.event ?? "";
      const r = obj(data.response);
      if (r) return response(r);
      if (type === "response.output_item.added" || type === "response.output_item.done") return place(data.output_index, data.item);
      const item: Item | undefined = items[indexIn(data.output_index, MAX_ITEMS) ?? -1];
      if (!item || typeof data.delta !== "string") return;
      if (type === "response.output_text.delta" || type === "response.refusal.delta") item.text += budget.take(data.delta);
      else if (type === "response.function_call_arguments.delta" || type === "response.custom_tool_call_input.delta") item.arguments += budget.take(data.delta);
      else if (type === "response.reasoning_summary_text.delta" || type === "response.reasoning_text.delta") item.reasoning += budget.take(data.delta);
    },
    messages() {
      if (!seen && finish === undefined) return [];
      const parts: Part[] = [];
      for (const it of items) {
        if (!it) continue;
        if (it.type === "message") {
          if (it.text) parts.push(text(it.text));
        } else if (it.type === "reasoning") {
          if (it.reasoning) parts.push({ type: "reasoning", content: it.reasoning });
        } else {
          const part = itemPart({ ...it.item, arguments: it.whole ?? it.arguments }, it.type);
          if (part) parts.push(part);
        }
      }
      return [dropEmpty({ role: "assistant", parts, finish_reason: finish })];
    },
    toolCalls() {
      return partCalls(this.messages());
    },
  };
}

export const openaiResponsesContent: ContentReader = {
  request(body) {
    const input = body?.input;
    const inputMessages = typeof input === "string" ? [{ role: "user", parts: [text(input)] }] : each(input, inputItem);
    const instructions = str(body?.instructions);
    const toolDefinitions = responsesTools(body?.tools);
    return dropEmpty({
      inputMessages: nonEmpty(inputMessages),
      systemInstructions: instructions === undefined ? undefined : [text(instructions)],
      toolDefinitions: nonEmpty(toolDefinitions),
    });
  },
  output: responsesAssembler,
};
