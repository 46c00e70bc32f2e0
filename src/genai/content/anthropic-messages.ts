/**
 * Content of the Anthropic Messages API. `system` (a string or text blocks) is the system
 * instructions; messages keep their role as sent, so a `tool_result` block stays in the user
 * message that carries it (as a tool_call_response part), and an assistant's `tool_use` is a
 * tool_call with its `input` as arguments. Thinking blocks are reasoning parts; images and
 * documents are blobs (base64), uris (url) or files (file id).
 *
 * A stream is assembled per content block index: `text_delta`s joined, `thinking_delta`s joined,
 * a tool_use's `input_json_delta` fragments joined and parsed at the end; the finish reason is
 * `message_delta`'s `stop_reason`.
 *
 * The legacy Text Completions shape (Bedrock's Claude v2 bodies, the direct API's `/v1/complete`)
 * is read too: a `prompt` string is the user's message, as sent (`\n\nHuman: ...`); `completion`,
 * whole or streamed (`{type: "completion", completion, stop_reason}`, Bedrock's without `type`),
 * is the text of the one output message, `stop_reason` its finish reason.
 */
import type { ChatMessage, ContentReader, OutputAssembler, Part } from "../content.js";
import { eventJson, fact, type Obj, obj, str } from "../json.js";
import { args, blob, Budget, dropEmpty, each, indexIn, media, modalityOf, nonEmpty, otherPart, partCalls, serverToolCall, text, texts, toolCall, toolDefinition, toolResponse } from "./parts.js";

/** An image or document `source`: base64 data, a URL, a file id, or (documents) plain text. */
function sourcePart(source: Obj | undefined, modality: string): Part | undefined {
  const type = str(source?.type);
  const mimeType = str(source?.media_type);
  if (type === "base64" && str(source!.data)) return blob(modalityOf(mimeType, modality), mimeType, source!.data as string);
  if (type === "url" && str(source!.url)) return media(source!.url as string, modality, mimeType);
  if (type === "file" && str(source!.file_id)) return { type: "file", modality, file_id: source!.file_id as string };
  if (type === "text" && typeof source!.data === "string") return text(source!.data);
  return undefined;
}

/** A tool_result's content: its text when it is text (blocks joined), else as sent. */
function resultOf(content: unknown): unknown {
  if (typeof content === "string") return content;
  const found = texts(content, "text");
  return found.length > 0 && found.length === (content as unknown[]).length ? found.join("") : (content ?? "");
}

function blockPart(value: unknown): Part | undefined {
  const b = obj(value);
  const type = str(b?.type);
  if (!b || !type) return undefined;
  switch (type) {
    case "text":
      return typeof b.text === "string" ? text(b.text) : undefined;
    case "image":
      return sourcePart(obj(b.source), "image");
    case "document":
      return sourcePart(obj(b.source), "document");
    case "tool_use":
      return str(b.name) ? toolCall(b.id, b.name as string, b.input) : undefined;
    case "tool_result":
      return toolResponse(b.tool_use_id, resultOf(b.content));
    case "thinking":
      return typeof b.thinking === "string" ? { type: "reasoning", content: b.thinking } : undefined;
    case "server_tool_use":
      return str(b.name) ? serverToolCall(b.id, b.name as string, { type: b.name, input: b.input }) : undefined;
    default:
      // A server tool's result (`web_search_tool_result`...): its content is the provider's, kept by type.
      if (type.endsWith("_tool_result")) return dropEmpty({ type: "server_tool_call_response", id: str(b.tool_use_id), server_tool_call_response: { type } });
      return otherPart(type);
  }
}

function message(value: unknown): ChatMessage | undefined {
  const m = obj(value);
  if (!m) return undefined;
  const parts = typeof m.content === "string" ? [text(m.content)] : each(m.content, blockPart);
  return { role: str(m.role) ?? "user", parts };
}

function anthropicTools(tools: unknown) {
  return each(tools, (value) => {
    const t = obj(value);
    // A client tool has an `input_schema` (its type absent or `custom`); a server tool a versioned type (`web_search_20250305`).
    const type = str(t?.type);
    if (!t) return undefined;
    return !type || type === "custom" ? toolDefinition("function", str(t.name), t.description, t.input_schema) : toolDefinition(type, str(t.name) ?? type);
  });
}

/** One content block being assembled. */
interface Block {
  block: Obj;
  text: string;
  json: string;
}

const MAX_BLOCKS = 256;

/** The assembler, which also takes an event already parsed (Bedrock's invoke stream parses its chunks to tell their vendor). */
export interface AnthropicAssembler extends OutputAssembler {
  parsed(data: Obj, name?: string): void;
}

export function anthropicAssembler(maxChars: number): AnthropicAssembler {
  const budget = new Budget(maxChars);
  let blocks: Block[] = [];
  let role: string | undefined;
  let finish: string | undefined;
  const place = (index: number | undefined, value: unknown) => {
    const sent = obj(value);
    if (!sent || index === undefined) return;
    const text = budget.take(typeof sent.text === "string" ? sent.text : typeof sent.thinking === "string" ? sent.thinking : "");
    // Only the budgeted copy of a text is kept, not the wire's; a tool's input is charged to the
    // budget like text (past it the call keeps its id and name only).
    let block = sent;
    if (sent.type === "text" || sent.type === "thinking") block = { type: sent.type };
    else if ("input" in sent && !budget.fits(sent.input)) block = { ...sent, input: undefined };
    blocks[index] = { block, text, json: "" };
  };
  /** Legacy Text Completions: a whole body or a stream event, the text joined. */
  const completion = (c: Obj) => {
    finish = fact(c.stop_reason) ?? finish;
    if (typeof c.completion !== "string" || c.completion === "") return;
    const b = (blocks[0] ??= { block: { type: "text" }, text: "", json: "" });
    if (b.block.type === "text") b.text += budget.take(c.completion);
  };
  const whole = (m: Obj) => {
    role = str(m.role) ?? role;
    finish = fact(m.stop_reason) ?? finish;
    if (Array.isArray(m.content) && m.content.length > 0) {
      blocks = [];
      m.content.forEach((b, i) => {
        place(indexIn(i, MAX_BLOCKS), b);
      });
    }
  };
  const parsed = (data: Obj, name?: string) => {
    if ("completion" in data) return completion(data);
    const type = str(data.type) ?? name;
    if (type === "message_start") return whole(obj(data.message) ?? {});
    if (type === "message_delta") {
      finish = fact(obj(data.delta)?.stop_reason) ?? finish;
      return;
    }
    const index = indexIn(data.index, MAX_BLOCKS);
    if (index === undefined) return;
    if (type === "content_block_start") return place(index, data.content_block);
    const block = blocks[index];
    const delta = obj(data.delta);
    if (type !== "content_block_delta" || !block || !delta) return;
    if (typeof delta.text === "string") block.text += budget.take(delta.text);
    else if (typeof delta.thinking === "string") block.text += budget.take(delta.thinking);
    else if (typeof delta.partial_json === "string") block.json += budget.take(delta.partial_json);
  };
  return {
    json(body) {
      const m = obj(body);
      if (m && m.type !== "error") ("completion" in m ? completion : whole)(m);
    },
    event(e) {
      const data = obj(eventJson(e));
      if (data) parsed(data, e.event);
    },
    parsed,
    messages() {
      if (blocks.length === 0 && finish === undefined) return [];
      const parts: Part[] = [];
      for (const b of blocks) {
        if (!b) continue;
        const type = b.block.type;
        if (type === "text") parts.push(text(b.text));
        else if (type === "thinking") parts.push({ type: "reasoning", content: b.text });
        else {
          const part = blockPart(b.json ? { ...b.block, input: args(b.json) } : b.block);
          if (part) parts.push(part);
        }
      }
      return [dropEmpty({ role: role ?? "assistant", parts, finish_reason: finish })];
    },
    toolCalls() {
      return partCalls(this.messages());
    },
  };
}

export const anthropicContent: ContentReader = {
  request(body) {
    const system = body?.system;
    const systemInstructions = typeof system === "string" ? (system ? [text(system)] : []) : texts(system, "text").map(text);
    const prompt = body?.prompt;
    const inputMessages = typeof prompt === "string" && !body?.messages ? [{ role: "user", parts: [text(prompt)] }] : each(body?.messages, message);
    const toolDefinitions = anthropicTools(body?.tools);
    return dropEmpty({
      inputMessages: nonEmpty(inputMessages),
      systemInstructions: nonEmpty(systemInstructions),
      toolDefinitions: nonEmpty(toolDefinitions),
    });
  },
  output: anthropicAssembler,
};
