/**
 * The wire formats the fetch plumbing recognises, in the order their paths are tried (a more
 * specific path before a suffix it ends with: `/chat/completions` before `/completions`). Adding
 * a format is one file (its `WireFormat`) and one line here; detection and metrics iterate this
 * list and know nothing else about any provider's format.
 */
import { anthropicMessages } from "./anthropic-messages.js";
import { bedrockConverse } from "./bedrock-converse.js";
import { bedrockInvoke } from "./bedrock-invoke.js";
import { cohereChat } from "./cohere-chat.js";
import { geminiEmbed, geminiGenerate } from "./gemini.js";
import { ollamaChat, ollamaEmbed, ollamaGenerate } from "./ollama.js";
import { openaiChat } from "./openai-chat.js";
import { openaiCompletions } from "./openai-completions.js";
import { openaiEmbeddings } from "./openai-embeddings.js";
import { openaiResponses } from "./openai-responses.js";
import type { WireFormat } from "./types.js";
import { workersAiRest } from "./workers-ai.js";

export const FORMATS: readonly WireFormat[] = [
  openaiChat,
  openaiResponses,
  openaiEmbeddings,
  openaiCompletions,
  anthropicMessages,
  geminiGenerate,
  geminiEmbed,
  bedrockConverse,
  bedrockInvoke,
  cohereChat,
  ollamaChat,
  ollamaGenerate,
  ollamaEmbed,
  workersAiRest,
];
