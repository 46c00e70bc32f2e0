/**
 * Workers AI through its binding: `env.AI.run(model, inputs, options?)`. Not an HTTP call, so
 * the request facts come from the arguments, and the result is a JS value (or, with
 * `inputs.stream: true`, a byte stream of server-sent events).
 *
 * Operation, kept simple: `messages` → `chat`, `prompt` → `text_completion`, `text` →
 * `embeddings`; other inputs (images, audio...) are not recorded as GenAI calls.
 *
 * Results come in two shapes: the native one (`{response, tool_calls?, usage?}`, streamed as
 * `data: {"response":"...","p":"..."}` events, usage in the last event before `data: [DONE]`
 * on newer models; embeddings `{shape: [n, dims], data}`) and, on newer models, OpenAI's Chat
 * Completions shape (`choices`), handed to that parser. Native results carry no response id
 * and usually no finish reason; a stream that reached `[DONE]` is complete.
 */

import { count, dropUndefined, eventJson, fact, hasText, int, matchPath, num, type Obj, obj, put, str, streamDone } from "./json.js";
import { foldChatChunk, openaiChat, outputType } from "./openai-chat.js";
import type { ProviderFormat, RequestFacts, ResponseFacts, WireFormat } from "./types.js";

/** The request facts of a `run(model, inputs)` call, or undefined when it is not a text model call. */
export function workersAiRequest(model: unknown, inputs: unknown): RequestFacts | undefined {
  const i = obj(inputs);
  if (!i) return undefined;
  const operation = i.messages !== undefined ? "chat" : i.prompt !== undefined ? "text_completion" : i.text !== undefined ? "embeddings" : undefined;
  if (!operation) return undefined;
  return dropUndefined<RequestFacts>({
    operation,
    model: str(model),
    stream: i.stream === true || undefined,
    maxTokens: int(i.max_tokens),
    temperature: num(i.temperature),
    topP: num(i.top_p),
    topK: int(i.top_k),
    seed: int(i.seed),
    frequencyPenalty: num(i.frequency_penalty),
    presencePenalty: num(i.presence_penalty),
    outputType: outputType(i.response_format),
  });
}

/** Native fields of a whole result or of one streamed event; true when it carries output. */
function fold(b: Obj, facts: ResponseFacts): boolean {
  const usage = obj(b.usage);
  put(facts.usage, "input", count(usage?.prompt_tokens));
  put(facts.usage, "output", count(usage?.completion_tokens));
  put(facts.finishReasons, 0, fact(b.finish_reason));
  // Embeddings: `shape` is [count, dimensions].
  put(facts, "embeddingDimensions", Array.isArray(b.shape) ? count(b.shape[1]) : undefined);
  return hasText(b.response) || (Array.isArray(b.tool_calls) && b.tool_calls.length > 0);
}

export const workersAi: ProviderFormat = {
  id: "cloudflare.workers_ai",
  framing: "sse",

  request() {
    // Facts come from the binding's arguments (`workersAiRequest`), not from an HTTP body.
    return { operation: "chat" };
  },

  json(body, facts) {
    let b = obj(body);
    // A raw response (`returnRawResponse`) may wrap the output in the REST envelope.
    if (b && obj(b.result)) b = obj(b.result);
    if (!b) return;
    if (Array.isArray(b.choices)) openaiChat.json(b, facts);
    else fold(b, facts);
  },

  event(event, facts) {
    if (streamDone(event, facts)) return false;
    const chunk = obj(eventJson(event));
    if (!chunk) return false;
    if (Array.isArray(chunk.choices)) return foldChatChunk(chunk, facts);
    return fold(chunk, facts);
  },
};

/** The model of a REST path: `/client/v4/accounts/{id}/ai/run/@cf/meta/llama-3.1-8b-instruct`, or the AI Gateway's `/workers-ai/@cf/...`. */
const REST_PATH = /\/(?:ai\/run|workers-ai)\/(@[^/]+\/.+)$/;

/**
 * Workers AI over REST: the same inputs as the binding's `run` in a JSON body, the model in the
 * path, the result inside Cloudflare's API envelope (`{result, success, errors}`) or streamed as
 * the binding's events. Its OpenAI-compatible `/ai/v1/chat/completions` is Chat Completions.
 */
export const workersAiRest: WireFormat = {
  ...workersAi,
  path: REST_PATH,
  home: "cloudflare.workers_ai",
  fits: (body) => body.messages !== undefined || body.prompt !== undefined,

  request(body, url) {
    const model = matchPath(url, REST_PATH)?.[1];
    return workersAiRequest(model, body) ?? { operation: "chat", model };
  },

  json(body, facts) {
    const b = obj(body);
    // A failed call: `{success: false, errors: [{code: 5007, message}]}`; the code is a number, kept only as a string id.
    const error = b?.success === false && Array.isArray(b.errors) ? obj(b.errors[0]) : undefined;
    if (error) {
      facts.error = { type: typeof error.code === "number" ? `workers_ai_${error.code}` : "_OTHER" };
      return;
    }
    workersAi.json(body, facts);
  },
};
