/**
 * Amazon Bedrock Runtime InvokeModel: `POST /model/{modelId}/invoke` and
 * `/invoke-with-response-stream`. The bodies are the model vendor's own (Anthropic Messages,
 * Meta Llama, Mistral, Amazon Titan and Nova, Cohere), read here by their shape, one small fold
 * per vendor. The model is only in the path.
 *
 * A stream is the AWS event-stream: `chunk` frames whose payload is `{"bytes": "<base64>"}`, the
 * base64 of one vendor chunk (Anthropic's stream events, Nova's Converse-shaped events...).
 * Bedrock adds to the last chunk of every vendor `amazon-bedrock-invocationMetrics`
 * (`inputTokenCount`, `outputTokenCount`...): the usage where the vendor gave none, and the sign
 * the stream is complete. `amazon-bedrock-guardrailAction: "INTERVENED"` (on a whole body or any
 * chunk) makes the finish reason `guardrail_intervened`, which a later stop reason does not undo:
 * the output was altered whatever the model said. Exception frames are as in Converse.
 */
import { anthropicMessages, foldAnthropicObject } from "./anthropic-messages.js";
import { awsErrorType, foldBedrockUsage, foldConverseEvent, foldStreamError, guardrailAttributes, INTERVENED, modelInPath, setStop } from "./bedrock-converse.js";
import { choiceIndex, count, dropUndefined, eventJson, fact, hasText, int, num, type Obj, obj, parseJson, put, setInputWithCache, strings, vectorsDimensions } from "./json.js";
import type { OperationName, RequestFacts, ResponseFacts, SseEvent, WireFormat } from "./types.js";

/** Per-choice stop reasons of an `outputs`/`choices`/`generations`/`results` array; true when any has text. */
function foldChoices(list: unknown, reasonKeys: string[], facts: ResponseFacts): boolean {
  if (!Array.isArray(list)) return false;
  let output = false;
  for (const [position, item] of list.entries()) {
    const o = obj(item);
    const i = o && choiceIndex(o, position);
    if (!o || i === undefined) continue;
    for (const key of reasonKeys) setStop(facts, i, o[key]);
    output ||= hasText(o.text) || hasText(o.outputText) || hasText(obj(o.message)?.content) || hasText(obj(o.delta)?.content);
  }
  return output;
}

/** The Converse stream events a Nova chunk may hold, keyed by name. */
const CONVERSE_EVENTS = ["contentBlockDelta", "messageStop", "metadata"];

/**
 * Fold one vendor body or chunk by its shape; true when it carries output. Each vendor's keys are
 * its own, so the checks do not overlap.
 */
function foldVendor(v: Obj, streamed: boolean, facts: ResponseFacts): boolean {
  // Anthropic: stream events (their `type` names them), whole messages, errors and completions.
  if (typeof v.type === "string" && v.type !== "message" && streamed) return foldAnthropicObject(v, undefined, facts);
  if (typeof v.type === "string" || "completion" in v || ("stop_reason" in v && "usage" in v)) {
    anthropicMessages.json(v, facts);
    return false;
  }
  let output = false;
  // Nova: a whole Converse-shaped body, or one Converse stream event keyed by its name.
  const message = obj(obj(v.output)?.message);
  if (message) {
    setStop(facts, 0, v.stopReason);
    const usage = obj(v.usage);
    if (usage) foldBedrockUsage(usage, facts.usage);
  }
  for (const name of CONVERSE_EVENTS) {
    const e = obj(v[name]);
    if (e) output = foldConverseEvent(name, e, facts) || output;
  }
  // Meta Llama.
  if ("generation" in v || "prompt_token_count" in v) {
    put(facts.usage, "input", count(v.prompt_token_count));
    put(facts.usage, "output", count(v.generation_token_count));
    setStop(facts, 0, v.stop_reason);
    output = hasText(v.generation) || output;
  }
  // Amazon Titan text: a whole body (`results`) or a stream chunk (`outputText`, `index`).
  if ("inputTextTokenCount" in v || "outputText" in v) {
    put(facts.usage, "input", count(v.inputTextTokenCount));
    // The output tokens of a whole body: the sum of its results' counts, when any has one.
    let tokens: number | undefined;
    for (const r of Array.isArray(v.results) ? v.results : []) {
      const n = count(obj(r)?.tokenCount);
      if (n !== undefined) tokens = (tokens ?? 0) + n;
    }
    put(facts.usage, "output", count(v.totalOutputTextTokenCount) ?? count(tokens));
    foldChoices(v.results, ["completionReason"], facts);
    const i = int(v.index) ?? 0;
    if (i >= 0 && i < 128) setStop(facts, i, v.completionReason);
    output = hasText(v.outputText) || output;
    // Titan embeddings: the vector's length.
    if (Array.isArray(v.embedding)) facts.embeddingDimensions = v.embedding.length;
  }
  // Cohere embeddings (`embedding_types` unset): one float vector per text.
  put(facts, "embeddingDimensions", vectorsDimensions(v.embeddings));
  // Mistral (`outputs`, or `choices` for the chat models) and Cohere (`generations`).
  output = foldChoices(v.outputs, ["stop_reason"], facts) || output;
  output = foldChoices(v.choices, ["stop_reason", "finish_reason"], facts) || output;
  output = foldChoices(v.generations, ["finish_reason"], facts) || output;
  // Cohere Command R: a whole body, text-generation chunks and the stream-end chunk.
  if ("event_type" in v || "is_finished" in v || ("text" in v && "finish_reason" in v)) {
    setStop(facts, 0, v.finish_reason);
    // The stream-end chunk carries the whole response, with its id.
    put(facts, "id", fact(v.response_id) ?? fact(obj(v.response)?.response_id));
    output = (v.event_type === undefined || v.event_type === "text-generation") && hasText(v.text) || output;
  }
  return output;
}

/** What Bedrock adds to a vendor body or chunk: invocation metrics and the guardrail's action. */
function foldBedrockFields(v: Obj, facts: ResponseFacts): void {
  if (v["amazon-bedrock-guardrailAction"] === "INTERVENED") facts.finishReasons[0] = INTERVENED;
  const metrics = obj(v["amazon-bedrock-invocationMetrics"]);
  if (!metrics) return;
  facts.complete = true;
  const usage = facts.usage;
  // Only what the vendor did not report (counts are never null: `??=` fills the absent ones).
  usage.cacheRead ??= count(metrics.cacheReadInputTokenCount);
  usage.cacheWrite ??= count(metrics.cacheWriteInputTokenCount);
  const input = count(metrics.inputTokenCount);
  if (input !== undefined && usage.input === undefined) setInputWithCache(usage, input);
  usage.output ??= count(metrics.outputTokenCount);
  dropUndefined(usage);
}

function foldBody(v: Obj, streamed: boolean, facts: ResponseFacts): boolean {
  const output = foldVendor(v, streamed, facts);
  foldBedrockFields(v, facts);
  return output;
}

/** Decodes whole chunks only (no `stream` option), so one serves every call. */
const UTF8 = new TextDecoder();

/** A chunk's `bytes`: base64 of UTF-8 JSON (`atob`, no Buffer outside Node). */
function decodeChunk(bytes: unknown): string | undefined {
  if (typeof bytes !== "string") return undefined;
  try {
    const binary = atob(bytes);
    const raw = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) raw[i] = binary.charCodeAt(i);
    return UTF8.decode(raw);
  } catch {
    return undefined;
  }
}

/** Each `chunk` event's vendor body, kept: capturing, the content reader reads it after the fold. */
const vendorBodies = new WeakMap<SseEvent, Obj | undefined>();

/** A `chunk` event's vendor body (`bytes` decoded and parsed once, whoever asks first), or undefined. */
export function vendorChunk(event: SseEvent): Obj | undefined {
  if (vendorBodies.has(event)) return vendorBodies.get(event);
  const text = decodeChunk(obj(eventJson(event))?.bytes);
  const v = text === undefined ? undefined : obj(parseJson(text));
  vendorBodies.set(event, v);
  return v;
}

/** The operation by the model and the body's shape; `chat` when no body was read. */
function operationOf(body: Obj | undefined, model: string | undefined): OperationName {
  if (model?.includes("embed") || Array.isArray(body?.texts)) return "embeddings";
  if (!body || Array.isArray(body.messages) || typeof body.message === "string") return "chat";
  return "text_completion";
}

function readRequest(parsed: Obj | undefined, url: URL, headers: Headers): RequestFacts {
  const model = modelInPath(url);
  // No body read: every parameter below is absent (and dropped).
  const body = parsed ?? {};
  // Titan's `textGenerationConfig`, Nova's `inferenceConfig` (snake or camel case), else top level.
  const titan = obj(body.textGenerationConfig) ?? {};
  const nova = obj(body.inferenceConfig) ?? {};
  return dropUndefined<RequestFacts>({
    operation: operationOf(parsed, model),
    model,
    stream: /-with-response-stream\/*$/.test(url.pathname),
    maxTokens:
      int(body.max_tokens) ?? int(body.max_gen_len) ?? int(body.max_tokens_to_sample) ?? int(titan.maxTokenCount) ?? int(nova.max_new_tokens) ?? int(nova.maxTokens),
    temperature: num(body.temperature) ?? num(titan.temperature) ?? num(nova.temperature),
    topP: num(body.top_p) ?? num(body.p) ?? num(titan.topP) ?? num(nova.top_p) ?? num(nova.topP),
    topK: int(body.top_k) ?? int(body.k) ?? int(nova.top_k) ?? int(nova.topK),
    stopSequences: strings(body.stop_sequences) ?? strings(body.stop) ?? strings(titan.stopSequences) ?? strings(nova.stopSequences),
    embeddingDimensions: count(body.dimensions),
    // Cohere Command R's (and Mistral's, Llama's do not have them).
    seed: int(body.seed),
    frequencyPenalty: num(body.frequency_penalty),
    presencePenalty: num(body.presence_penalty),
    attributes: guardrailAttributes(headers.get("x-amzn-bedrock-guardrailidentifier")),
  });
}

export const bedrockInvoke: WireFormat = {
  id: "aws.bedrock.invoke",
  framing: "eventstream",
  path: /\/model\/.+\/invoke(?:-with-response-stream)?$/,
  home: "aws.bedrock",
  errorOfHeaders: awsErrorType,
  // Vendor bodies are too generic to tell apart from other APIs, but for Anthropic's Bedrock version.
  fits: (body) => typeof body.anthropic_version === "string" && body.anthropic_version.startsWith("bedrock-"),

  request: readRequest,

  json(body, facts) {
    const b = obj(body);
    if (b) foldBody(b, false, facts);
  },

  event(event, facts) {
    if (event.event !== "chunk") {
      foldStreamError(event.event, event.data, facts);
      return false;
    }
    const v = vendorChunk(event);
    return v !== undefined && foldBody(v, true, facts);
  },
};
