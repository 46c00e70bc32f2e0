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
 */
import type { ChatMessage, ContentReader, Part, ToolDefinition } from "../content.js";
import { blockReason, field, finishReason } from "../gemini.js";
import { eventJson, type Obj, obj, str } from "../json.js";
import { OutputParts } from "./output-parts.js";
import { blob, dropEmpty, each, eachChoice, list, media, modalityOf, nonEmpty, serverToolCall, text, toolCall, toolResponse } from "./parts.js";

/** One Gemini part in the conventions' kinds; undefined for what carries none (a bare thought signature...). */
function toPart(p: Obj): Part | undefined {
  if (typeof p.text === "string") return p.text === "" ? undefined : { type: p.thought === true ? "reasoning" : "text", content: p.text };
  const inline = obj(field(p, "inlineData"));
  if (inline) {
    const mime = str(field(inline, "mimeType"));
    return typeof inline.data === "string" ? blob(modalityOf(mime), mime, inline.data) : undefined;
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
    return name === undefined ? undefined : toolCall(call.id, name, call.args ?? {});
  }
  const response = obj(field(p, "functionResponse"));
  if (response) return toolResponse(response.id, response.response ?? null);
  const code = obj(field(p, "executableCode"));
  if (code) return serverToolCall(undefined, "code_execution", { type: "code_execution", ...code });
  const result = obj(field(p, "codeExecutionResult"));
  if (result) return { type: "server_tool_call_response", server_tool_call_response: { type: "code_execution", ...result } };
  return undefined;
}

function partsOf(content: Obj | undefined): Part[] {
  return each(content?.parts, (item) => {
    const p = obj(item);
    return p && toPart(p);
  });
}

const roleOf = (role: unknown, absent: string): string => (role === "model" ? "assistant" : (str(role) ?? absent));

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Gemini's schema (`type: "OBJECT"`) as JSON Schema has it (`"object"`), everything else as sent. */
function lowerTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerTypes);
  if (!obj(schema)) return schema;
  // fromEntries defines each key: a property named `__proto__` stays a property instead of setting the prototype.
  return Object.fromEntries(Object.entries(schema as Obj).map(([key, value]) => [key, key === "type" && typeof value === "string" ? value.toLowerCase() : lowerTypes(value)]));
}

/** `tools[]`: each function declaration, and each built-in tool (`googleSearch`, `codeExecution`...) by its key. */
function toolDefinitions(tools: unknown): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const item of list(tools)) {
    const tool = obj(item);
    if (!tool) continue;
    for (const [key, value] of Object.entries(tool)) {
      if (key !== "functionDeclarations" && key !== "function_declarations") {
        out.push({ type: snake(key), name: snake(key) });
        continue;
      }
      for (const d of list(value)) {
        const decl = obj(d);
        const name = decl && str(decl.name);
        if (!decl || name === undefined) continue;
        // `parametersJsonSchema` is JSON Schema; `parameters` is Gemini's OpenAPI subset, whose types the SDK writes in capitals.
        const parameters = field(decl, "parametersJsonSchema") ?? lowerTypes(decl.parameters);
        out.push(dropEmpty({ type: "function", name, description: typeof decl.description === "string" ? decl.description : undefined, parameters }));
      }
    }
  }
  return out;
}

function readRequest(body: Obj | undefined): ReturnType<ContentReader["request"]> {
  if (!body) return {};
  const inputMessages = each(body.contents, (item): ChatMessage | undefined => {
    const c = obj(item);
    return c && { role: roleOf(c.role, "user"), parts: partsOf(c) };
  });
  const system = field(body, "systemInstruction");
  const systemInstructions =
    typeof system === "string" ? [text(system)] : partsOf(obj(system)).filter((p) => p.type === "text");
  return dropEmpty({ inputMessages, systemInstructions: nonEmpty(systemInstructions), toolDefinitions: nonEmpty(toolDefinitions(body.tools)) });
}

/** One GenerateContentResponse: a whole body, an SSE event or an array element. */
function foldChunk(r: Obj, out: OutputParts): void {
  eachChoice(r.candidates, (c, index) => {
    const m = out.message(index);
    const content = obj(c.content);
    if (content && content.role !== undefined) m.role = roleOf(content.role, "assistant");
    const parts = content?.parts;
    if (Array.isArray(parts))
      for (const item of parts) {
        const p = obj(item);
        // A text delta (most chunks) is appended as is, without a part built for it.
        if (typeof p?.text === "string") out.text(m, p.thought === true ? "reasoning" : "text", p.text);
        else if (p) {
          const part = toPart(p);
          if (part) out.part(m, part);
        }
      }
    out.finish(m, finishReason(c));
  });
  const blocked = blockReason(r);
  if (blocked !== undefined && list(r.candidates).length === 0) out.finish(out.message(0), blocked);
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
        const r = obj(eventJson(e));
        if (r) foldChunk(r, out);
      },
      messages: () => out.messages(),
      toolCalls: () => out.toolCalls(),
    };
  },
};
