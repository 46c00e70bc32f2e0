/**
 * Anthropic Messages API (`POST /v1/messages`).
 *
 * Usage: Anthropic's `input_tokens` excludes cached tokens, while `gen_ai.usage.input_tokens`
 * is the total, so input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
 * In a stream, `message_start` has the first usage and `message_delta` the final one; the
 * delta's counts are cumulative (newer API versions repeat the input counts there), so
 * every count present replaces the previous one and nothing is added twice.
 *
 * Output chunks: `content_block_delta` with non-empty text (`text_delta`), tool input
 * (`input_json_delta`) or thinking (`thinking_delta`). `signature_delta` is not counted:
 * it is an opaque integrity token for the thinking block, not generated content.
 * `content_block_start`/`stop` only frame blocks and are not counted either.
 */

import { chatRequest, count, dropUndefined, eventJson, fact, guard, hasText, int, isChatBody, nonEmptyText, num, type Obj, obj, put, setError, setInputWithCache, str, strings } from "./json.js";
import type { RequestFacts, ResponseFacts, SseEvent, Usage, WireFormat } from "./types.js";

function readRequest(body: Obj | undefined): RequestFacts {
  if (!body) return { operation: "chat" };
  const facts = chatRequest(body);
  facts.maxTokens = int(body.max_tokens);
  facts.temperature = num(body.temperature);
  facts.topP = num(body.top_p);
  facts.topK = int(body.top_k);
  facts.stopSequences = strings(body.stop_sequences);
  // The spec maps the reasoning level to `output_config.effort` only; a thinking budget
  // (`thinking.budget_tokens`) is a token count, not a level.
  facts.reasoningLevel = str(obj(body.output_config)?.effort);
  // Structured outputs: `output_config.format` is a JSON schema.
  if (obj(obj(body.output_config)?.format)?.type === "json_schema") facts.outputType = "json";
  return dropUndefined(facts);
}

/** Fold a usage object; counts present replace earlier ones (see the header). */
function foldUsage(u: Obj, usage: Usage): void {
  // Recover the uncached part of the previous total before replacing cache counts.
  const previousBase =
    usage.input === undefined ? undefined : usage.input - (usage.cacheRead ?? 0) - (usage.cacheWrite ?? 0);
  const base = count(u.input_tokens) ?? previousBase;
  put(usage, "cacheRead", count(u.cache_read_input_tokens));
  put(usage, "cacheWrite", count(u.cache_creation_input_tokens));
  if (base !== undefined) setInputWithCache(usage, base);
  put(usage, "output", count(u.output_tokens));
  put(usage, "reasoning", count(obj(u.output_tokens_details)?.thinking_tokens));
}

function foldMessage(m: Obj, facts: ResponseFacts): void {
  put(facts, "id", fact(m.id));
  put(facts, "model", fact(m.model));
  put(facts.finishReasons, 0, fact(m.stop_reason));
  const usage = obj(m.usage);
  if (usage) foldUsage(usage, facts.usage);
}

/** An error body or event: `{type: "error", error: {type, message}}`. */
function foldError(e: Obj, facts: ResponseFacts): void {
  const error = obj(e.error);
  setError(facts, fact(error?.type) ?? "_OTHER");
}

function isOutputDelta(delta: Obj): boolean {
  switch (delta.type) {
    case "text_delta":
      return hasText(delta.text);
    case "input_json_delta":
      return hasText(delta.partial_json);
    case "thinking_delta":
      return hasText(delta.thinking);
    default:
      // signature_delta, citations_delta and unknown kinds.
      return false;
  }
}

// The fast path (see json.ts) for `content_block_delta` events. Output: a non-empty text field.
const DELTA_OUTPUT = new RegExp(nonEmptyText(["text", "partial_json", "thinking"]));
// Might carry a fact: a `type` in the data (which wins over the event line) naming an event
// that has facts (`message_start`, `message_delta`, `message_stop`, `error`).
const DELTA_GUARD = guard(['"type"\\s*:\\s*"(?:message_|error")']);

export const anthropicMessages: WireFormat = {
  id: "anthropic.messages",
  framing: "sse",
  path: "/messages",
  home: "anthropic",
  fits: isChatBody,
  // `/messages` is a common path: only with Anthropic's version header, or a body that does
  // not contradict it (`max_tokens` is required by this API), or none read.
  accepts: (headers, body) => headers.has("anthropic-version") || body === undefined || "max_tokens" in body,

  request: readRequest,

  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    if (b.type === "error") foldError(b, facts);
    else foldMessage(b, facts);
  },

  event(event, facts) {
    // Content deltas with text are most of a stream and fold nothing: no parse for them.
    if (event.event === "content_block_delta" && DELTA_OUTPUT.test(event.data) && !DELTA_GUARD.test(event.data)) return true;
    return foldAnthropicEvent(event, facts);
  },
};

/** The full path for one event: parse and fold. */
export function foldAnthropicEvent(event: SseEvent, facts: ResponseFacts): boolean {
  const e = obj(eventJson(event));
  return e !== undefined && foldAnthropicObject(e, event.event, facts);
}

/** Fold one parsed stream event; its `type` wins over the `event:` line. (Also Bedrock's decoded chunks.) */
export function foldAnthropicObject(e: Obj, eventName: string | undefined, facts: ResponseFacts): boolean {
  switch (str(e.type) ?? eventName) {
    case "message_start": {
      const message = obj(e.message);
      if (message) foldMessage(message, facts);
      return false;
    }
    case "message_delta": {
      put(facts.finishReasons, 0, fact(obj(e.delta)?.stop_reason));
      const usage = obj(e.usage);
      if (usage) foldUsage(usage, facts.usage);
      return false;
    }
    case "content_block_delta": {
      const delta = obj(e.delta);
      return delta !== undefined && isOutputDelta(delta);
    }
    case "message_stop":
      facts.complete = true;
      return false;
    case "error":
      foldError(e, facts);
      return false;
    default:
      // ping, content_block_start/stop.
      return false;
  }
}
