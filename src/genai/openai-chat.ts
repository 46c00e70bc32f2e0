/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`) and the many OpenAI-compatible
 * endpoints that copy it (Azure OpenAI, Groq, Mistral, DeepSeek, ...).
 */

import { choiceIndex, dropUndefined, hasText, int, num, type Obj, obj, outputText, parseJson, str, strings } from "./json.js";
import type { ProviderFormat, RequestFacts, ResponseFacts, Usage } from "./types.js";

/** `{error: {...}}` as OpenAI sends it: the code is the low-cardinality id, the type a fallback. */
export function openaiError(error: Obj): { type: string; message?: string } {
  const type = str(error.code) ?? str(error.type) ?? "_OTHER";
  const message = str(error.message);
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
  const input = int(u.prompt_tokens);
  if (input !== undefined) usage.input = input;
  const output = int(u.completion_tokens);
  if (output !== undefined) usage.output = output;
  const cacheRead = int(obj(u.prompt_tokens_details)?.cached_tokens);
  if (cacheRead !== undefined) usage.cacheRead = cacheRead;
  const reasoning = int(obj(u.completion_tokens_details)?.reasoning_tokens);
  if (reasoning !== undefined) usage.reasoning = reasoning;
}

/** Top-level fields common to a whole response and to each streamed chunk. */
function foldCommon(body: Obj, facts: ResponseFacts): void {
  // Azure's prompt-filter chunk carries `id: ""` and `model: ""`: never let it overwrite.
  const id = str(body.id);
  if (id !== undefined) facts.id = id;
  const model = str(body.model);
  if (model !== undefined) facts.model = model;
  const tier = str(body.service_tier);
  if (tier !== undefined) facts.serviceTier = tier;
  const fingerprint = str(body.system_fingerprint);
  if (fingerprint !== undefined) facts.systemFingerprint = fingerprint;
  const usage = obj(body.usage);
  if (usage) foldUsage(usage, facts.usage);
  // Groq reports streaming usage only here, on the last chunk.
  const groqUsage = obj(obj(body.x_groq)?.usage);
  if (groqUsage) foldUsage(groqUsage, facts.usage);
  const error = obj(body.error);
  if (error && !facts.error) facts.error = openaiError(error);
}

/** Non-empty text in a delta field: the empty `content: ""` of the role chunk is not output. */
/**
 * A delta is model output when it carries text, a refusal, reasoning text (`reasoning` on
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
    const reason = str(choice.finish_reason);
    if (index !== undefined && reason !== undefined) facts.finishReasons[index] = reason;
    const delta = obj(choice.delta);
    if (delta && isOutputDelta(delta)) output = true;
  });
  return output;
}

const CHAT_OUTPUT = outputText(["content", "refusal", "reasoning", "reasoning_content", "arguments"]);

export const openaiChat: ProviderFormat = {
  id: "openai.chat_completions",

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
    // Once id and model are known, a chunk with no finish reason, usage or error and with output
    // text has nothing else to fold: skip the parse. Anything else takes the full path.
    if (
      facts.model !== undefined &&
      CHAT_OUTPUT.test(data) &&
      !data.includes('"finish_reason":"') &&
      !data.includes('"usage":{') &&
      !data.includes('"error"')
    ) {
      return true;
    }
    const chunk = obj(parseJson(data));
    return chunk ? foldChatChunk(chunk, facts) : false;
  },
};

/** Fold one parsed Chat Completions chunk; true when it carries output. (Also used for Workers AI's OpenAI-shaped chunks.) */
export function foldChatChunk(chunk: Obj, facts: ResponseFacts): boolean {
  foldCommon(chunk, facts);
  return foldChoices(chunk.choices, facts);
}
