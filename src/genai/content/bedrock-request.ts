/**
 * Bedrock requests, Converse and InvokeModel (the vendor bodies but Anthropic's, which the
 * Anthropic reader reads): Converse/Nova keyed blocks, OpenAI-style and Cohere histories, prompt
 * strings, system blocks and tool definitions. The blocks' reading serves the output too.
 */
import type { ChatMessage, ContentReader, Part, ToolDefinition } from "../content.js";
import { lookup, type Obj, obj, str } from "../json.js";
import { blob, dropEmpty, each, functionCallParts, list, nonEmpty, text, toolCall, toolResponse } from "./parts.js";

const DOCUMENT_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  csv: "text/csv",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  html: "text/html",
  txt: "text/plain",
  md: "text/markdown",
};

/** A Converse image/document/video/audio block: inline bytes (base64 in JSON) as a blob, an S3 location as a uri. */
function media(modality: string, m: Obj): Part | undefined {
  const format = str(m.format);
  const mime = format && (modality === "document" ? lookup(DOCUMENT_TYPES, format) : `${modality}/${format}`);
  const source = obj(m.source) ?? {};
  if (typeof source.bytes === "string") return blob(modality, mime, source.bytes);
  const uri = str(obj(source.s3Location)?.uri);
  if (uri !== undefined) return dropEmpty({ type: "uri", modality, mime_type: mime, uri });
  return typeof source.text === "string" ? text(source.text) : undefined;
}

/** A tool result's content: one text or JSON block as its value, anything else as sent. */
function resultOf(content: unknown): unknown {
  if (typeof content === "string" || !Array.isArray(content)) return content ?? null;
  if (content.length === 1) {
    const only = obj(content[0]) ?? {};
    if (typeof only.text === "string") return only.text;
    if ("json" in only) return only.json;
  }
  return content;
}

/** One Converse (or Nova) block. */
function converseBlock(b: Obj): Part | undefined {
  if (typeof b.text === "string") return b.text === "" ? undefined : text(b.text);
  for (const modality of ["image", "document", "video", "audio"]) {
    const m = obj(b[modality]);
    if (m) return media(modality, m);
  }
  const use = obj(b.toolUse);
  const name = use && str(use.name);
  if (use && name !== undefined) return toolCall(use.toolUseId, name, use.input ?? {});
  const result = obj(b.toolResult);
  if (result) return toolResponse(result.toolUseId, resultOf(result.content));
  const reasoning = obj(b.reasoningContent);
  const thought = reasoning && obj(reasoning.reasoningText)?.text;
  if (typeof thought === "string") return { type: "reasoning", content: thought };
  const guarded = obj(obj(b.guardContent)?.text)?.text;
  return typeof guarded === "string" ? text(guarded) : undefined;
}

export function blocks(content: unknown): Part[] {
  if (typeof content === "string") return content === "" ? [] : [text(content)];
  return each(content, (item) => {
    const b = obj(item);
    return b && converseBlock(b);
  });
}

const COHERE_ROLES: Record<string, string> = { USER: "user", CHATBOT: "assistant", SYSTEM: "system", TOOL: "tool" };

function messageOf(item: unknown): ChatMessage | undefined {
  const m = obj(item);
  if (!m) return undefined;
  const role = str(m.role) ?? "user";
  // Cohere's chat history: `{role: "CHATBOT", message}`.
  if (typeof m.message === "string") return { role: lookup(COHERE_ROLES, role) ?? role, parts: blocks(m.message) };
  if (role === "tool" && str(m.tool_call_id)) return { role, parts: [toolResponse(m.tool_call_id, m.content ?? null)] };
  return { role, parts: [...blocks(m.content), ...functionCallParts(m.tool_calls)] };
}

/** `system` as Anthropic's string or a list of text blocks (Converse, Nova, Anthropic); text only. */
function systemOf(body: Obj): Part[] {
  const system = body.system ?? body.preamble;
  return blocks(system).filter((p) => p.type === "text");
}

function toolDefinition(item: unknown): ToolDefinition | undefined {
  const t = obj(item);
  if (!t) return undefined;
  const spec = obj(t.toolSpec) ?? obj(t.function) ?? t;
  const name = str(spec.name) ?? str(obj(t.systemTool)?.name);
  if (name === undefined) return undefined;
  // Anthropic's server tools (`web_search_20250305`...) and Converse's system tools keep their kind.
  const type = t.systemTool ? "system_tool" : typeof t.type === "string" && t.type !== "function" && t.type !== "custom" ? t.type : "function";
  const parameters = obj(spec.inputSchema)?.json ?? spec.input_schema ?? spec.parameters ?? spec.parameter_definitions;
  return dropEmpty({ type, name, description: typeof spec.description === "string" ? spec.description : undefined, parameters });
}

export function readRequest(body: Obj | undefined): ReturnType<ContentReader["request"]> {
  if (!body) return {};
  // Cohere's history, then everyone's messages.
  const inputMessages = each([...list(body.chat_history), ...list(body.messages)], messageOf);
  // The prompt-string vendors, and Cohere's current `message` after its history.
  const prompt = [body.prompt, body.inputText, body.message].find((p) => typeof p === "string");
  if (typeof prompt === "string") inputMessages.push({ role: "user", parts: blocks(prompt) });
  const systemInstructions = systemOf(body);
  const tools = [...list(obj(body.toolConfig)?.tools), ...list(body.tools)];
  const toolDefinitions = each(tools, toolDefinition);
  return dropEmpty({ inputMessages, systemInstructions: nonEmpty(systemInstructions), toolDefinitions: nonEmpty(toolDefinitions) });
}
