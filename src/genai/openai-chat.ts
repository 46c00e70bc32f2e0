/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`) and the many OpenAI-compatible
 * endpoints that copy it (Azure OpenAI, Groq, Mistral, DeepSeek, xAI, Perplexity, Together,
 * Fireworks, OpenRouter, Cerebras, ...). Their quirks are folded here, by shape (a format never
 * learns the provider): Groq's usage in `x_groq.usage` (its `x_groq.id` is a request id, not the
 * response id, so the chunk `id` is kept); DeepSeek's `prompt_cache_hit_tokens`; xAI's
 * `completion_tokens` without the reasoning tokens; Mistral's usage in the finish chunk and its
 * content-part arrays; Perplexity's usage repeated in every chunk (each replaces the last).
 */

import type { Attributes } from "@opentelemetry/api";
import { OPENAI_API_TYPE, OPENAI_REQUEST_SERVICE_TIER, OPENAI_RESPONSE_SERVICE_TIER, OPENAI_RESPONSE_SYSTEM_FINGERPRINT } from "../attributes.js";
import { chatRequest, choiceIndex, count, dropUndefined, fact, guard, hasText, int, isChatBody, nonEmptyText, notNull, num, type Obj, obj, parseJson, put, setError, str, streamDone, strings, sum } from "./json.js";
import type { RequestFacts, ResponseFacts, Usage, WireFormat } from "./types.js";

/** `{error: {...}}` as OpenAI sends it: the code is the low-cardinality id, the type a fallback. */
export function openaiError(error: Obj, facts: ResponseFacts): void {
  setError(facts, fact(error.code) ?? fact(error.type) ?? "_OTHER");
}

/** `response_format.type` → `gen_ai.output.type` (structured outputs are `json`). Workers AI's JSON mode and the Responses `text.format` too. */
export function outputType(format: unknown): string | undefined {
  const type = str(obj(format)?.type);
  if (type === "json_object" || type === "json_schema") return "json";
  if (type === "text") return "text";
  return undefined;
}

/** Chat Completions request facts (also the legacy Completions request, which shares its parameters). */
export function readChatRequest(body: Obj | undefined): RequestFacts {
  if (!body) return { operation: "chat" };
  const facts = chatRequest(body);
  // `max_completion_tokens` replaced `max_tokens` (required by reasoning models).
  facts.maxTokens = int(body.max_completion_tokens) ?? int(body.max_tokens);
  facts.temperature = num(body.temperature);
  facts.topP = num(body.top_p);
  facts.frequencyPenalty = num(body.frequency_penalty);
  facts.presencePenalty = num(body.presence_penalty);
  facts.stopSequences = strings(body.stop);
  // Mistral names it `random_seed`; Perplexity and others take a `top_k`.
  facts.seed = int(body.seed) ?? int(body.random_seed);
  facts.topK = int(body.top_k);
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

/**
 * Tokens by modality from a `*_tokens_details` object, only when it names a non-text count above
 * zero (OpenAI sends `audio_tokens: 0` on every call: no breakdown worth recording). Counts the
 * provider names are taken as they are; text, when not named, is the rest of the total (OpenAI's
 * prompt and completion totals are the sum of their modalities).
 */
function modalities(details: Obj | undefined, total: number | undefined): Record<string, number> | undefined {
  if (!details) return undefined;
  const audio = count(details.audio_tokens) ?? 0;
  const image = count(details.image_tokens) ?? 0;
  const said = count(details.text_tokens);
  // Nothing but text, and text not counted (OpenAI's audio_tokens: 0): nothing known by modality.
  if (audio === 0 && image === 0 && said === undefined) return undefined;
  const rest = total !== undefined && total >= audio + image ? total - audio - image : undefined;
  const text = said ?? rest;
  const m: Record<string, number> = {};
  if (text) m.text = text;
  if (audio) m.audio = audio;
  if (image) m.image = image;
  return m;
}

/** `usage` of Chat Completions (also Groq's `x_groq.usage`, which uses the same names). */
function foldUsage(u: Obj, usage: Usage): void {
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  const inDetails = obj(u.prompt_tokens_details);
  const outDetails = obj(u.completion_tokens_details);
  // DeepSeek: `prompt_cache_hit_tokens` (its docs: hit + miss = prompt_tokens).
  const cacheRead = count(inDetails?.cached_tokens) ?? count(u.prompt_cache_hit_tokens);
  const reasoning = count(outDetails?.reasoning_tokens);
  // A cache count above the prompt count means the prompt count left it out (seen on xAI).
  if (prompt !== undefined) usage.input = cacheRead !== undefined && cacheRead > prompt ? (sum(prompt, cacheRead) ?? cacheRead) : prompt;
  if (completion !== undefined) {
    // xAI leaves reasoning out of `completion_tokens` (total = prompt + completion + reasoning);
    // output includes it everywhere else. OpenAI's total never matches that with reasoning > 0.
    const withReasoning = reasoning && prompt !== undefined && count(u.total_tokens) === sum(prompt, completion, reasoning);
    usage.output = withReasoning ? (sum(completion, reasoning) ?? completion) : completion;
  }
  put(usage, "cacheRead", cacheRead);
  put(usage, "reasoning", reasoning);
  put(usage, "inputModalities", modalities(inDetails, usage.input));
  put(usage, "outputModalities", modalities(outDetails, usage.output));
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

/** Top-level fields common to a whole response and to each streamed chunk (also legacy Completions). */
function foldCommon(body: Obj, facts: ResponseFacts): void {
  for (const [key, name] of IDENTITY) {
    if (facts[name] === undefined) put(facts, name, fact(body[key]));
  }
  const usage = obj(body.usage);
  if (usage) foldUsage(usage, facts.usage);
  // Groq reports streaming usage only here, on the last chunk.
  const groqUsage = obj(obj(body.x_groq)?.usage);
  if (groqUsage) foldUsage(groqUsage, facts.usage);
  const error = obj(body.error);
  if (error) openaiError(error, facts);
}

/**
 * A delta is model output when it carries non-empty text (the `content: ""` of the role chunk is not), a refusal, reasoning text (`reasoning` on
 * OpenRouter/vLLM, `reasoning_content` on DeepSeek/Groq) or a tool-call fragment with a
 * name or argument text (the first fragment has the generated function name).
 */
function isOutputDelta(delta: Obj): boolean {
  if (hasText(delta.content) || hasText(delta.refusal) || hasOutputParts(delta.content)) return true;
  if (hasText(delta.reasoning) || hasText(delta.reasoning_content)) return true;
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls) {
      const fn = obj(obj(call)?.function);
      if (fn && (hasText(fn.name) || hasText(fn.arguments))) return true;
    }
  }
  return false;
}

/**
 * Mistral's reasoning models send content as parts: `[{type:"text", text}]` and
 * `[{type:"thinking", thinking:[{type:"text", text}]}]`. Output when some part has text.
 */
function hasOutputParts(content: unknown): boolean {
  if (!Array.isArray(content)) return false;
  for (const item of content) {
    const part = obj(item);
    if (!part) continue;
    if (hasText(part.text) || hasText(part.thinking)) return true;
    if (Array.isArray(part.thinking) && part.thinking.some((t) => hasText(obj(t)?.text))) return true;
  }
  return false;
}

const chatOutput = (choice: Obj): boolean => {
  const delta = obj(choice.delta);
  return delta !== undefined && isOutputDelta(delta);
};

/** Finish reasons by choice index; returns true when some choice is output (by `isOutput`). */
function foldChoices(choices: unknown, facts: ResponseFacts, isOutput: (choice: Obj) => boolean): boolean {
  if (!Array.isArray(choices)) return false;
  let output = false;
  choices.forEach((item, position) => {
    const choice = obj(item);
    if (!choice) return;
    const index = choiceIndex(choice, position);
    const reason = fact(choice.finish_reason);
    if (index !== undefined && reason !== undefined) facts.finishReasons[index] = reason;
    if (isOutput(choice)) output = true;
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
  fits: isChatBody,
  requestAttributes: openaiRequestAttributes("chat_completions"),
  responseAttributes: openaiResponseAttributes,

  /** `stream_options.include_usage` for streams that lack it (opt-in `addStreamUsage`; changes the request). */
  rewrite(request, body) {
    if (!body || !request.stream) return undefined;
    const options = body.stream_options as Record<string, unknown> | undefined;
    if (options && options.include_usage !== undefined) return undefined;
    return JSON.stringify({ ...body, stream_options: { ...options, include_usage: true } });
  },

  request: readChatRequest,

  json(body, facts) {
    const b = obj(body);
    if (b) foldChatChunk(b, facts);
  },

  event(event, facts) {
    if (streamDone(event, facts)) return false;
    const { data } = event;
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

/**
 * Fold one parsed Chat Completions chunk or whole body; true when it carries output. (Also Workers
 * AI's OpenAI-shaped chunks, and legacy Completions with its own output test.)
 */
export function foldChatChunk(chunk: Obj, facts: ResponseFacts, isOutput: (choice: Obj) => boolean = chatOutput): boolean {
  foldCommon(chunk, facts);
  return foldChoices(chunk.choices, facts, isOutput);
}
