/**
 * The wire formats the fetch plumbing recognises, in the order their paths are tried. Adding a
 * format is one file (its `WireFormat`) and one line here; detection and metrics iterate this
 * list and know nothing else about any provider's format.
 */
import { anthropicMessages } from "./anthropic-messages.js";
import { openaiChat } from "./openai-chat.js";
import { openaiEmbeddings } from "./openai-embeddings.js";
import { openaiResponses } from "./openai-responses.js";
import type { WireFormat } from "./types.js";

export const FORMATS: readonly WireFormat[] = [openaiChat, openaiResponses, openaiEmbeddings, anthropicMessages];
