/**
 * Message content, in the structured form of the GenAI conventions' JSON schemas
 * (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`, system instructions and tool
 * definitions): what a format's content reader produces, what the user's `redactContent` hook
 * receives, and what is serialized (JSON strings on spans, structured values on events).
 *
 * Content is opt-in. A format's reader (src/genai/content/) reads the request's messages,
 * system instructions and tool definitions, and assembles the output messages from a whole
 * body or from stream events, bounded in memory. Nothing here runs unless capture is on, except
 * the tool calls' ids and names, which `executeTool` needs whatever the capture mode.
 */
import type { SseEvent } from "./types.js";

/** A message part. The common kinds are spelled out; any other kind keeps its own `type`. */
export type Part =
  | { type: "text"; content: string }
  | { type: "reasoning"; content: string }
  | { type: "tool_call"; id?: string; name: string; arguments?: unknown }
  | { type: "tool_call_response"; id?: string; response: unknown }
  | { type: "server_tool_call"; id?: string; name: string; server_tool_call: Record<string, unknown> }
  | { type: "server_tool_call_response"; id?: string; server_tool_call_response: Record<string, unknown> }
  | { type: "blob"; modality: string; mime_type?: string; content: string }
  | { type: "uri"; modality: string; mime_type?: string; uri: string }
  | { type: "file"; modality: string; mime_type?: string; file_id: string }
  | { type: string; [key: string]: unknown };

/** `role` is `system`, `user`, `assistant`, `tool` or the provider's own. */
export interface ChatMessage {
  role: string;
  parts: Part[];
  name?: string;
}

/** One choice (candidate) of the response. */
export interface OutputMessage extends ChatMessage {
  finish_reason?: string;
}

/** `{type, name}` always; description and parameters per the conventions' default detail level. */
export interface ToolDefinition {
  type: string;
  name: string;
  description?: string;
  parameters?: unknown;
}

/** The content of one call, as the `redactContent` hook receives and returns it. */
export interface Content {
  inputMessages?: ChatMessage[];
  outputMessages?: OutputMessage[];
  /** Instructions passed apart from the history (Anthropic `system`, Responses `instructions`...): text parts. */
  systemInstructions?: Part[];
  toolDefinitions?: ToolDefinition[];
}

/** A tool call the model asked for, kept for `executeTool`'s call id whatever the capture mode. */
export interface ToolCallRef {
  id?: string;
  name: string;
  /** As in the output's tool_call part: set only when content capture is on (`executeTool` records them). */
  arguments?: unknown;
}

/** Assembles one response's output, whole or streamed. Per call; bounded by `maxChars`. */
export interface OutputAssembler {
  json(body: unknown): void;
  event(event: SseEvent): void;
  /** The output messages, one per choice, in choice order, each with its finish reason. */
  messages(): OutputMessage[];
  /** The tool calls of the output, in order. */
  toolCalls(): ToolCallRef[];
}

/** What a wire format reads of content. Registered by format id in `content/readers.ts`. */
export interface ContentReader {
  /** The request's input messages, system instructions and tool definitions. */
  request(body: Record<string, unknown> | undefined, url: URL): Omit<Content, "outputMessages">;
  /**
   * A fresh assembler for one response, keeping at most about `maxChars` characters of text;
   * `maxTokens`, the request's output limit, for a format whose answers name no finish reason.
   */
  output(maxChars: number, maxTokens?: number): OutputAssembler;
}
