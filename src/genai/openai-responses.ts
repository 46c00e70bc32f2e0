/**
 * OpenAI Responses API (`POST /v1/responses`). The semantic conventions map it to the
 * `chat` operation.
 *
 * Finish reason: a Response has no `finish_reason`, and the conventions give the Responses API
 * no mapping of its own; they put the provider's raw values in `gen_ai.response.finish_reasons`,
 * one per generation, and (latest) "error" where a generation never got a reason (genai #363).
 * A Response is one generation, so one entry:
 *   - `completed` → `completed` (the natural stop: with a function call too; we do not invent
 *     Chat Completions values such as `stop` or `tool_calls`);
 *   - `incomplete` → `incomplete_details.reason` (`max_output_tokens`, `content_filter`), or
 *     `incomplete` when no reason is given;
 *   - `failed`, `cancelled` → no reason: these are lifecycle states (the `gen_ai.response.status`
 *     values, which genai #353 defines as distinct from finish reasons), not why the model
 *     stopped. The position is left a hole, which the latest profile lists as "error" and v1.41
 *     (only the reasons received) leaves out; the failure itself is `error.type` (the Response's
 *     `error.code`, or `cancelled`).
 * Non-terminal statuses (`queued`, `in_progress`) record nothing.
 *
 * Conversation: the request's `conversation` (an id, or `{id}`) and the Response's
 * `conversation.id` give `gen_ai.conversation.id`. Usage has no per-modality breakdown in this
 * API (`input_tokens_details` has only `cached_tokens`, `output_tokens_details` only
 * `reasoning_tokens`), so the metrics count its tokens as modality `unknown`.
 */

import { chatRequest, count, dropUndefined, eventJson, fact, guard, int, nonEmptyText, notNull, num, type Obj, obj, put, setError, str } from "./json.js";
import { openaiError, openaiRequestAttributes, openaiResponseAttributes, outputType } from "./openai-chat.js";
import type { RequestFacts, ResponseFacts, SseEvent, WireFormat } from "./types.js";

const TERMINAL = new Set(["completed", "incomplete", "failed", "cancelled"]);

function readRequest(body: Obj | undefined): RequestFacts {
  if (!body) return { operation: "chat" };
  const facts = chatRequest(body);
  facts.maxTokens = int(body.max_output_tokens);
  facts.temperature = num(body.temperature);
  facts.topP = num(body.top_p);
  facts.reasoningLevel = str(obj(body.reasoning)?.effort);
  facts.previousResponseId = str(body.previous_response_id);
  facts.outputType = outputType(obj(body.text)?.format);
  facts.serviceTier = str(body.service_tier);
  facts.conversationId = str(body.conversation) ?? str(obj(body.conversation)?.id);
  return dropUndefined(facts);
}

/** A terminal status as a finish reason (see the header); undefined leaves the position a hole. */
function finishReason(status: string, r: Obj): string | undefined {
  if (status === "incomplete") return fact(obj(r.incomplete_details)?.reason) ?? status;
  return status === "completed" ? status : undefined;
}

/** Fold a Response object (a whole body, or the `response` of a lifecycle event). */
function foldResponse(r: Obj, facts: ResponseFacts): void {
  put(facts, "id", fact(r.id));
  put(facts, "model", fact(r.model));
  put(facts, "serviceTier", fact(r.service_tier));
  put(facts, "conversationId", fact(obj(r.conversation)?.id));

  const u = obj(r.usage);
  if (u) {
    const usage = facts.usage;
    put(usage, "input", count(u.input_tokens));
    put(usage, "output", count(u.output_tokens));
    put(usage, "cacheRead", count(obj(u.input_tokens_details)?.cached_tokens));
    put(usage, "reasoning", count(obj(u.output_tokens_details)?.reasoning_tokens));
  }

  const status = str(r.status);
  if (status !== undefined && TERMINAL.has(status)) facts.finishReasons[0] = finishReason(status, r);

  // A failed response, or an HTTP error body `{error: {...}}`. The first error seen wins:
  // in a stream the `error` event comes before `response.failed` and is the root cause.
  const error = obj(r.error);
  if (error) openaiError(error, facts);
  // Cancelled before it completed: no result, as for a consumer's cancel (`error.type` the same).
  if (status === "cancelled") setError(facts, "cancelled");
}

/**
 * `*.delta` events carry generated output: output text, refusal, function-call and custom
 * tool input, reasoning text and summaries, audio and transcripts, code-interpreter code.
 * An empty `delta` string carries nothing and is not counted.
 */
function isDeltaType(type: string | undefined): boolean {
  return type?.startsWith("response.") === true && type.endsWith(".delta");
}

function isOutputEvent(type: string, e: Obj): boolean {
  if (!isDeltaType(type)) return false;
  return typeof e.delta !== "string" || e.delta.length > 0;
}

// The fast path (see json.ts) for events whose `event:` line is a `*.delta` type. Output: a
// non-empty `delta` string.
const DELTA_OUTPUT = new RegExp(nonEmptyText(["delta"]));
// Might carry a fact: a Response object, or a `type` in the data (which wins over the event
// line) that is `error`.
const DELTA_GUARD = guard([notNull(["response"]), '"type"\\s*:\\s*"error"']);

export const openaiResponses: WireFormat = {
  id: "openai.responses",
  framing: "sse",
  path: "/responses",
  home: "openai",
  fits: (body) => typeof body.model === "string" && "input" in body,
  requestAttributes: openaiRequestAttributes("responses"),
  responseAttributes: openaiResponseAttributes,

  request: readRequest,

  json(body, facts) {
    const b = obj(body);
    if (b) foldResponse(b, facts);
  },

  event(event, facts) {
    // `*.delta` events with text are most of a stream and fold nothing: no parse for them.
    if (isDeltaType(event.event) && DELTA_OUTPUT.test(event.data) && !DELTA_GUARD.test(event.data)) return true;
    return foldResponsesEvent(event, facts);
  },
};

/** The full path for one event: parse and fold. */
export function foldResponsesEvent(event: SseEvent, facts: ResponseFacts): boolean {
  const e = obj(eventJson(event));
  if (!e) return false;
  // `data.type` repeats the `event:` line; prefer the data, fall back to the line.
  const type = str(e.type) ?? event.event ?? "";
  if (type === "error") {
    // Documented shape: `{type:"error", code, message, param}` (its `type` is not a code); some
    // proxies and recorders nest it as `{type:"error", error:{type, code, message}}`.
    openaiError(obj(e.error) ?? { code: e.code }, facts);
    return false;
  }
  // response.created / in_progress / queued / completed / incomplete / failed / cancelled
  // all carry the full Response; earlier ones give id/model, terminal ones usage and status.
  const response = obj(e.response);
  if (response) {
    foldResponse(response, facts);
    if (TERMINAL.has(str(response.status) ?? "")) facts.complete = true;
    return false;
  }
  return isOutputEvent(type, e);
}
