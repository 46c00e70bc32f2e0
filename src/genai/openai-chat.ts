/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`) and the many OpenAI-compatible
 * endpoints that copy it (Azure OpenAI, Groq, Mistral, DeepSeek, ...).
 */

import type { Attributes } from "@opentelemetry/api";
import { OPENAI_API_TYPE, OPENAI_REQUEST_SERVICE_TIER, OPENAI_RESPONSE_SERVICE_TIER, OPENAI_RESPONSE_SYSTEM_FINGERPRINT } from "../attributes.js";
import { choiceIndex, count, dropUndefined, fact, guard, hasText, int, nonEmptyText, notNull, num, type Obj, obj, parseJson, str, strings } from "./json.js";
import type { RequestFacts, ResponseFacts, Usage, WireFormat } from "./types.js";

/** `{error: {...}}` as OpenAI sends it: the code is the low-cardinality id, the type a fallback. */
export function openaiError(error: Obj): { type: string; message?: string } {
  const type = fact(error.code) ?? fact(error.type) ?? "_OTHER";
  const message = fact(error.message);
  return message === undefined ? { type } : { type, message };
}

/** `response_format.type` → `gen_ai.output.type` (structured outputs are `json`). */
function outputType(format: unknown): string | undefined {
  const type = str(obj(format)?.type);
  if (type === "json_object" || type === "json_schema") return "json";
  if (type === "text") return "text";
  return undefined;
}

function readRequest(body: Obj | undefined): RequestFacts {
  const facts: RequestFacts = { operation: "chat" };
  if (!body) return facts;
  facts.model = str(body.model);
  if (typeof body.stream === "boolean") facts.stream = body.stream;
  // `max_completion_tokens` replaced `max_tokens` (required by reasoning models).
  facts.maxTokens = int(body.max_completion_tokens) ?? int(body.max_tokens);
  facts.temperature = num(body.temperature);
  facts.topP = num(body.top_p);
  facts.frequencyPenalty = num(body.frequency_penalty);
  facts.presencePenalty = num(body.presence_penalty);
  facts.stopSequences = strings(body.stop);
  facts.seed = int(body.seed);
  const n = int(body.n);
  if (n !== undefined && n !== 1) facts.choiceCount = n;
  facts.outputType = outputType(body.response_format);
  // Audio output (`modalities: ["text", "audio"]`) is the `speech` output type.
  if (facts.outputType === undefined && Array.isArray(body.modalities) && body.modalities.includes("audio")) {
    facts.outputType = "speech";
  }
  facts.reasoningLevel = str(body.reasoning_effort);
  facts.serviceTier = str(body.service_tier);
  return dropUndefined(facts);
}

/** `usage` of Chat Completions (also Groq's `x_groq.usage`, which uses the same names). */
function foldUsage(u: Obj, usage: Usage): void {
  const input = count(u.prompt_tokens);
  if (input !== undefined) usage.input = input;
  const output = count(u.completion_tokens);
  if (output !== undefined) usage.output = output;
  const cacheRead = count(obj(u.prompt_tokens_details)?.cached_tokens);
  if (cacheRead !== undefined) usage.cacheRead = cacheRead;
  const reasoning = count(obj(u.completion_tokens_details)?.reasoning_tokens);
  if (reasoning !== undefined) usage.reasoning = reasoning;
}

/**
 * What a stream repeats in every chunk, as [wire name, fact]. The first non-empty value is kept
 * (Azure's prompt-filter chunk carries `id: ""` and `model: ""`), so later chunks need not be
 * parsed to learn it (see the fast path).
 */
const IDENTITY = [
  ["id", "id"],
  ["model", "model"],
  ["service_tier", "serviceTier"],
  ["system_fingerprint", "systemFingerprint"],
] as const;

/** Top-level fields common to a whole response and to each streamed chunk. */
function foldCommon(body: Obj, facts: ResponseFacts): void {
  for (const [key, name] of IDENTITY) {
    const value = facts[name] === undefined ? fact(body[key]) : undefined;
    if (value !== undefined) facts[name] = value;
  }
  const usage = obj(body.usage);
  if (usage) foldUsage(usage, facts.usage);
  // Groq reports streaming usage only here, on the last chunk.
  const groqUsage = obj(obj(body.x_groq)?.usage);
  if (groqUsage) foldUsage(groqUsage, facts.usage);
  const error = obj(body.error);
  if (error && !facts.error) facts.error = openaiError(error);
}

/**
 * A delta is model output when it carries non-empty text (the `content: ""` of the role chunk is not), a refusal, reasoning text (`reasoning` on
 * OpenRouter/vLLM, `reasoning_content` on DeepSeek/Groq) or a tool-call fragment with a
 * name or argument text (the first fragment has the generated function name).
 */
function isOutputDelta(delta: Obj): boolean {
  if (hasText(delta.content) || hasText(delta.refusal)) return true;
  if (hasText(delta.reasoning) || hasText(delta.reasoning_content)) return true;
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls) {
      const fn = obj(obj(call)?.function);
      if (fn && (hasText(fn.name) || hasText(fn.arguments))) return true;
    }
  }
  return false;
}

/** Finish reasons by choice index; returns true when some choice's delta is output. */
function foldChoices(choices: unknown, facts: ResponseFacts): boolean {
  if (!Array.isArray(choices)) return false;
  let output = false;
  choices.forEach((item, position) => {
    const choice = obj(item);
    if (!choice) return;
    const index = choiceIndex(choice, position);
    const reason = fact(choice.finish_reason);
    if (index !== undefined && reason !== undefined) facts.finishReasons[index] = reason;
    const delta = obj(choice.delta);
    if (delta && isOutputDelta(delta)) output = true;
  });
  return output;
}

// The fast path (see json.ts). Output: a non-empty text field of a delta.
const OUTPUT = new RegExp(nonEmptyText(["content", "refusal", "reasoning", "reasoning_content", "arguments"]));
// Might carry a fact: usage (also Groq's `x_groq.usage`), an error, a finish reason, or an
// identity field not known yet; one guard per set of unknown identity fields.
const guards: RegExp[] = [];

function guardFor(facts: ResponseFacts): RegExp {
  let unknown = 0;
  for (let i = 0; i < IDENTITY.length; i++) if (facts[IDENTITY[i][1]] === undefined) unknown |= 1 << i;
  // Built once per set: the right side runs only when the entry is missing.
  return (guards[unknown] ??= guard([notNull(["finish_reason", "usage", "error"]), ...IDENTITY.filter((_, i) => unknown & (1 << i)).map(([key]) => nonEmptyText([key]))]));
}

/**
 * The `openai.*` request attributes of an API type. They belong with the openai provider only
 * (the provider name discriminates): an OpenAI-compatible host gets none.
 */
export function openaiRequestAttributes(apiType: string | undefined) {
  return (provider: string, request: RequestFacts): Attributes | undefined => {
    if (provider !== "openai") return undefined;
    const a: Attributes = {};
    if (apiType) a[OPENAI_API_TYPE] = apiType;
    if (request.serviceTier && request.serviceTier !== "auto") a[OPENAI_REQUEST_SERVICE_TIER] = request.serviceTier;
    return a;
  };
}

/** The `openai.*` response attributes (span and metrics), openai provider only. */
export function openaiResponseAttributes(provider: string, facts: ResponseFacts): Attributes | undefined {
  if (provider !== "openai") return undefined;
  const a: Attributes = {};
  if (facts.serviceTier) a[OPENAI_RESPONSE_SERVICE_TIER] = facts.serviceTier;
  if (facts.systemFingerprint) a[OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = facts.systemFingerprint;
  return a;
}

export const openaiChat: WireFormat = {
  id: "openai.chat_completions",
  framing: "sse",
  path: "/chat/completions",
  home: "openai",
  fits: (body) => typeof body.model === "string" && Array.isArray(body.messages),
  requestAttributes: openaiRequestAttributes("chat_completions"),
  responseAttributes: openaiResponseAttributes,

  /** `stream_options.include_usage` for streams that lack it (opt-in `addStreamUsage`; changes the request). */
  rewrite(request, body) {
    if (!body || !request.stream) return undefined;
    const options = body.stream_options as Record<string, unknown> | undefined;
    if (options && options.include_usage !== undefined) return undefined;
    return JSON.stringify({ ...body, stream_options: { ...options, include_usage: true } });
  },

  request(body) {
    return readRequest(body);
  },

  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    foldCommon(b, facts);
    foldChoices(b.choices, facts);
  },

  event(event, facts) {
    const { data } = event;
    if (data === "[DONE]") {
      facts.complete = true;
      return false;
    }
    // Most chunks are output deltas with nothing else to fold: no parse for them.
    if (OUTPUT.test(data) && !guardFor(facts).test(data)) return true;
    return foldChatEvent(data, facts);
  },
};

/** The full path for one event's data: parse and fold. */
export function foldChatEvent(data: string, facts: ResponseFacts): boolean {
  const chunk = obj(parseJson(data));
  return chunk ? foldChatChunk(chunk, facts) : false;
}

/** Fold one parsed Chat Completions chunk; true when it carries output. (Also used for Workers AI's OpenAI-shaped chunks.) */
export function foldChatChunk(chunk: Obj, facts: ResponseFacts): boolean {
  foldCommon(chunk, facts);
  return foldChoices(chunk.choices, facts);
}
