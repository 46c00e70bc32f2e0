/**
 * OpenAI legacy Completions (`POST /v1/completions`), also served by vLLM, llama.cpp, Together,
 * Fireworks and Mistral's FIM endpoint (`/v1/fim/completions`, same shape). The request takes the
 * Chat Completions parameters with a `prompt` instead of `messages`; the response has
 * `object: "text_completion"` and `choices[].text` (no `delta`) in streams and whole bodies alike.
 * Identity, usage and errors fold exactly as in Chat Completions. Its streams are rare, so no
 * per-chunk fast path: every event is parsed.
 */

import { foldChatChunk, openaiRequestAttributes, openaiResponseAttributes, readChatRequest } from "./openai-chat.js";
import { eventJson, hasText, obj, type Obj, streamDone } from "./json.js";
import type { WireFormat } from "./types.js";

const textOutput = (choice: Obj): boolean => hasText(choice.text);

export const openaiCompletions: WireFormat = {
  id: "openai.completions",
  framing: "sse",
  // Listed after Chat Completions in the registry, so `/chat/completions` is taken first.
  path: "/completions",
  home: "openai",
  fits: (body) => typeof body.model === "string" && body.prompt !== undefined,
  // No `openai.api.type` value exists for it; the service tier still applies.
  requestAttributes: openaiRequestAttributes(undefined),
  responseAttributes: openaiResponseAttributes,

  request(body) {
    return { ...readChatRequest(body), operation: "text_completion" };
  },

  json(body, facts) {
    const b = obj(body);
    if (b) foldChatChunk(b, facts, textOutput);
  },

  event(event, facts) {
    if (streamDone(event, facts)) return false;
    const chunk = obj(eventJson(event));
    return chunk !== undefined && foldChatChunk(chunk, facts, textOutput);
  },
};
