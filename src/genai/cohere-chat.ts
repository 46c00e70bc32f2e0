/**
 * Cohere Chat v2 (`POST /v2/chat`).
 *
 * Responses name no model (the request's stands). Usage: the conventions say to report billed
 * counts where a provider reports billed and consumed ones, so `usage.billed_units` wins over
 * `usage.tokens`; `usage.cached_tokens` is the cache read as Cohere reports it (a consumed count:
 * it can exceed the billed input, which leaves out cached and system tokens). The conventions make
 * the cache read a part of the input, so a cache read larger than the input is not recorded.
 *
 * Streams are SSE with hyphenated event names: `message-start` (the id), `content-delta` (text or
 * thinking), `tool-plan-delta` (the model's plan before its tool calls: generated text, so
 * output), `tool-call-start` (the function name) and `tool-call-delta` (argument text),
 * `citation-*`, and `message-end` (finish reason, usage), then a bare `data: [DONE]`.
 * Error bodies are `{"id", "message"}` with the status in HTTP only: no code, so no error type
 * here (the plumbing has the status).
 */

import { chatRequest, count, dropUndefined, eventJson, fact, hasText, int, isChatBody, JSON_INT, JSON_TEXT, jsonShape, num, type Obj, obj, put, str, streamDone, strings } from "./json.js";
import type { RequestFacts, ResponseFacts, SseEvent, Usage, WireFormat } from "./types.js";

function readRequest(body: Obj | undefined): RequestFacts {
  if (!body) return { operation: "chat" };
  const facts = chatRequest(body);
  facts.maxTokens = int(body.max_tokens);
  facts.temperature = num(body.temperature);
  facts.topP = num(body.p);
  facts.topK = int(body.k);
  facts.stopSequences = strings(body.stop_sequences);
  facts.seed = int(body.seed);
  facts.frequencyPenalty = num(body.frequency_penalty);
  facts.presencePenalty = num(body.presence_penalty);
  const format = str(obj(body.response_format)?.type);
  if (format === "json_object") facts.outputType = "json";
  else if (format === "text") facts.outputType = "text";
  return dropUndefined(facts);
}

function foldUsage(u: Obj, usage: Usage): void {
  const billed = obj(u.billed_units);
  const tokens = obj(u.tokens);
  put(usage, "input", count(billed?.input_tokens) ?? count(tokens?.input_tokens));
  put(usage, "output", count(billed?.output_tokens) ?? count(tokens?.output_tokens));
  const cached = count(u.cached_tokens);
  if (cached !== undefined && (usage.input === undefined || cached <= usage.input)) usage.cacheRead = cached;
}

/** The end of a response: `finish_reason` and `usage`, top level in a body, in `delta` of `message-end`. */
function foldEnd(o: Obj, facts: ResponseFacts): void {
  put(facts.finishReasons, 0, fact(o.finish_reason));
  const usage = obj(o.usage);
  if (usage) foldUsage(usage, facts.usage);
}

/** The `delta.message` of a streamed event. */
const messageOf = (e: Obj) => obj(obj(e.delta)?.message);

/**
 * The fast path (see json.ts, exact shapes): the delta events exactly as Cohere writes them, with
 * non-empty text. Their `type` is in the shape (it wins over the event line), and only `message-start`
 * and `message-end` carry facts, so a match is an output chunk and nothing else.
 */
const deltaShape = (type: string, index: string, message: string) => jsonShape(`{ "type" : "${type}" ${index}, "delta" : { "message" : ${message} } }`);
const INDEX = `, "index" : ${JSON_INT} `;
// By event line (a Map: an event named `constructor` finds nothing).
const FAST = new Map([
  ["content-delta", deltaShape("content-delta", INDEX, `{ "content" : { "(?:text|thinking)" : ${JSON_TEXT} } }`)],
  ["tool-plan-delta", deltaShape("tool-plan-delta", "", `{ "tool_plan" : ${JSON_TEXT} }`)],
  ["tool-call-delta", deltaShape("tool-call-delta", INDEX, `{ "tool_calls" : { "function" : { "arguments" : ${JSON_TEXT} } } }`)],
]);

export const cohereChat: WireFormat = {
  id: "cohere.chat",
  framing: "sse",
  path: "/v2/chat",
  home: "cohere",
  fits: isChatBody,

  request: readRequest,

  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    put(facts, "id", fact(b.id));
    foldEnd(b, facts);
  },

  event(event, facts) {
    // Most events are text deltas whose only fact is "this is output": no parse for them.
    if (event.event !== undefined && FAST.get(event.event)?.test(event.data)) return true;
    return foldCohereEvent(event, facts);
  },
};

/** The full path for one event: parse and fold. */
export function foldCohereEvent(event: SseEvent, facts: ResponseFacts): boolean {
  if (streamDone(event, facts)) return false;
  const e = obj(eventJson(event));
  if (!e) return false;
  switch (str(e.type) ?? event.event) {
    case "message-start": {
      put(facts, "id", fact(e.id));
      return false;
    }
    case "content-delta": {
      const content = obj(messageOf(e)?.content);
      return content !== undefined && (hasText(content.text) || hasText(content.thinking));
    }
    case "tool-plan-delta":
      return hasText(messageOf(e)?.tool_plan);
    case "tool-call-start":
    case "tool-call-delta": {
      const fn = obj(obj(messageOf(e)?.tool_calls)?.function);
      return fn !== undefined && (hasText(fn.name) || hasText(fn.arguments));
    }
    case "message-end": {
      const delta = obj(e.delta);
      if (delta) foldEnd(delta, facts);
      facts.complete = true;
      return false;
    }
    default:
      // content-start/-end, tool-call-end, citation-start/-end.
      return false;
  }
}
