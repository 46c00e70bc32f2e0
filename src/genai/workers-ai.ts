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

import { count, dropUndefined, fact, int, num, type Obj, obj, parseJson, str } from "./json.js";
import { foldChatChunk, openaiChat } from "./openai-chat.js";
import type { ProviderFormat, RequestFacts, ResponseFacts } from "./types.js";

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
  });
}

/** Native fields of a whole result or of one streamed event; true when it carries output. */
function fold(b: Obj, facts: ResponseFacts): boolean {
  const usage = obj(b.usage);
  const input = count(usage?.prompt_tokens);
  if (input !== undefined) facts.usage.input = input;
  const output = count(usage?.completion_tokens);
  if (output !== undefined) facts.usage.output = output;
  const reason = fact(b.finish_reason);
  if (reason !== undefined) facts.finishReasons[0] = reason;
  // Embeddings: `shape` is [count, dimensions].
  const dims = Array.isArray(b.shape) ? count(b.shape[1]) : undefined;
  if (dims !== undefined) facts.embeddingDimensions = dims;
  return (typeof b.response === "string" && b.response.length > 0) || (Array.isArray(b.tool_calls) && b.tool_calls.length > 0);
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
    if (event.data === "[DONE]") {
      facts.complete = true;
      return false;
    }
    const chunk = obj(parseJson(event.data));
    if (!chunk) return false;
    if (Array.isArray(chunk.choices)) return foldChatChunk(chunk, facts);
    return fold(chunk, facts);
  },
};
