/** The provider wire formats by name; the fetch plumbing picks one per request. */

import { anthropicMessages } from "./anthropic-messages.js";
import { openaiChat } from "./openai-chat.js";
import { openaiEmbeddings } from "./openai-embeddings.js";
import { openaiResponses } from "./openai-responses.js";

export const formats = { openaiChat, openaiResponses, openaiEmbeddings, anthropicMessages } as const;

export type FormatName = keyof typeof formats;
