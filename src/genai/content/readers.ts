/**
 * Content readers by wire-format id (`ProviderFormat.id`). Content is read apart from the facts
 * a format folds: the per-chunk fast paths stay as they are, and none of this runs unless
 * content capture is on (tool-call ids excepted, see `../content.ts`).
 */
import type { ContentReader } from "../content.js";
import { anthropicContent } from "./anthropic-messages.js";
import { bedrockConverseContent, bedrockInvokeContent } from "./bedrock.js";
import { cohereContent } from "./cohere-chat.js";
import { geminiContent } from "./gemini.js";
import { ollamaChatContent, ollamaGenerateContent } from "./ollama.js";
import { openaiChatContent, openaiCompletionsContent } from "./openai-chat.js";
import { openaiResponsesContent } from "./openai-responses.js";
import { workersAiContent } from "./workers-ai.js";

export const CONTENT_READERS: Readonly<Record<string, ContentReader>> = {
  "openai.chat_completions": openaiChatContent,
  "openai.completions": openaiCompletionsContent,
  "openai.responses": openaiResponsesContent,
  "anthropic.messages": anthropicContent,
  "gcp.gemini.generate_content": geminiContent,
  "aws.bedrock.converse": bedrockConverseContent,
  "aws.bedrock.invoke": bedrockInvokeContent,
  "cohere.chat": cohereContent,
  "ollama.chat": ollamaChatContent,
  "ollama.generate": ollamaGenerateContent,
  "cloudflare.workers_ai": workersAiContent,
};
