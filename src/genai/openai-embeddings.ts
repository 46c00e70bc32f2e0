/** OpenAI Embeddings (`POST /v1/embeddings`), also used by most OpenAI-compatible servers. */

import { count, dropUndefined, fact, obj, put, str } from "./json.js";
import { openaiError, openaiResponseAttributes } from "./openai-chat.js";
import type { RequestFacts, WireFormat } from "./types.js";

/**
 * Dimension count of one embedding: a float array, or (with `encoding_format: "base64"`)
 * base64 of little-endian float32 values, whose length is computed without decoding.
 */
function dimensions(embedding: unknown): number | undefined {
  if (Array.isArray(embedding)) return embedding.length;
  if (typeof embedding !== "string" || embedding.length === 0) return undefined;
  let chars = embedding.length;
  while (chars > 0 && embedding.charCodeAt(chars - 1) === 61 /* '=' padding */) chars--;
  const bytes = Math.floor((chars * 3) / 4);
  return bytes % 4 === 0 ? bytes / 4 : undefined;
}

export const openaiEmbeddings: WireFormat = {
  id: "openai.embeddings",
  // Never streamed in practice; an event stream would still be cut as SSE (and fold nothing).
  framing: "sse",
  path: "/embeddings",
  home: "openai",
  fits: (body) => typeof body.model === "string" && "input" in body,
  responseAttributes: openaiResponseAttributes,

  request(body) {
    const facts: RequestFacts = { operation: "embeddings" };
    if (!body) return facts;
    facts.model = str(body.model);
    // Only what was sent: the API default (`float`) is not recorded when the field is absent.
    const format = str(body.encoding_format);
    if (format !== undefined) facts.encodingFormats = [format];
    facts.embeddingDimensions = count(body.dimensions);
    return dropUndefined(facts);
  },

  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    put(facts, "model", fact(b.model));
    put(facts.usage, "input", count(obj(b.usage)?.prompt_tokens));
    // The first vector stands for all (an empty `data` has none: nothing is put).
    if (Array.isArray(b.data)) put(facts, "embeddingDimensions", dimensions(obj(b.data[0])?.embedding));
    const error = obj(b.error);
    if (error) openaiError(error, facts);
  },

  event() {
    // Embeddings are never streamed.
    return false;
  },
};
