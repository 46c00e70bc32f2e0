/**
 * Ollama's native API: `/api/chat` (chat), `/api/generate` (text_completion), `/api/embed`.
 *
 * Ollama streams unless the body says `"stream": false`, as NDJSON (`application/x-ndjson`): one
 * object per line, each with `model`; the last has `done: true`, `done_reason` (`stop`, `length`,
 * `load`...), `prompt_eval_count` (input) and `eval_count` (output). There is no response id.
 * A whole response is the same object once. Errors are `{"error": "<free text>"}`, as the body
 * of a 4xx/5xx or as a line of a stream: the text is no code, so the type is `_OTHER` (an HTTP
 * error's type is its status anyway).
 */

import { count, dropUndefined, eventJson, fact, hasText, int, isChatBody, JSON_STRING, JSON_TEXT, jsonShape, num, type Obj, obj, put, setError, str, strings, vectorsDimensions } from "./json.js";
import type { OperationName, RequestFacts, ResponseFacts, SseEvent, WireFormat } from "./types.js";

function readRequest(body: Obj | undefined, operation: OperationName): RequestFacts {
  const facts: RequestFacts = { operation };
  if (!body) return facts;
  facts.model = str(body.model);
  facts.stream = body.stream !== false;
  const o = obj(body.options);
  if (o) {
    // num_predict: -1 (no limit) and -2 (fill the context) are not token counts.
    facts.maxTokens = count(o.num_predict);
    facts.temperature = num(o.temperature);
    facts.topP = num(o.top_p);
    facts.topK = int(o.top_k);
    facts.seed = int(o.seed);
    facts.stopSequences = strings(o.stop);
    facts.frequencyPenalty = num(o.frequency_penalty);
    facts.presencePenalty = num(o.presence_penalty);
  }
  // `format`: "json" or a JSON schema object (structured outputs).
  if (body.format === "json" || obj(body.format)) facts.outputType = "json";
  // `think`: true/false, or a level ("low" | "medium" | "high", gpt-oss) sent as a string.
  facts.reasoningLevel = str(body.think);
  return dropUndefined(facts);
}

/** Fold one response object (a whole body or a stream line). */
function foldObject(o: Obj, facts: ResponseFacts): void {
  const model = fact(o.model);
  if (model !== undefined && facts.model === undefined) facts.model = model;
  if (o.error !== undefined && o.error !== null) setError(facts, "_OTHER");
  if (o.done !== true) return;
  put(facts.finishReasons, 0, fact(o.done_reason));
  put(facts.usage, "input", count(o.prompt_eval_count));
  put(facts.usage, "output", count(o.eval_count));
}

/** A stream line; `isOutput` says whether the line's generated part carries anything. */
function foldLine(event: SseEvent, facts: ResponseFacts, isOutput: (o: Obj) => boolean): boolean {
  const o = obj(eventJson(event));
  if (!o) return false;
  foldObject(o, facts);
  if (o.done === true) facts.complete = true;
  return isOutput(o);
}

const chatOutput = (o: Obj): boolean => {
  const m = obj(o.message);
  if (!m) return false;
  return hasText(m.content) || hasText(m.thinking) || (Array.isArray(m.tool_calls) && m.tool_calls.length > 0);
};

const generateOutput = (o: Obj): boolean => hasText(o.response) || hasText(o.thinking);

/** The full path for one `/api/chat` stream line: parse and fold. */
export const foldOllamaChatLine = (event: SseEvent, facts: ResponseFacts) => foldLine(event, facts, chatOutput);
/** The full path for one `/api/generate` stream line: parse and fold. */
export const foldOllamaGenerateLine = (event: SseEvent, facts: ResponseFacts) => foldLine(event, facts, generateOutput);

/**
 * The fast path (see json.ts, exact shapes): a line that is not the last (`"done": false`) with
 * generated text, exactly as Ollama writes it (Go's field order: `thinking` after the text, empty
 * fields left out). Its only other fact is the model, kept from the first line: once known, a match
 * is an output chunk and nothing else.
 */
const generated = (key: string) => `(?:"${key}" : ${JSON_TEXT} (?:, "thinking" : ${JSON_STRING} )?|"${key}" : "" , "thinking" : ${JSON_TEXT} )`;
const line = (output: string) => jsonShape(`{ "model" : ${JSON_STRING} , "created_at" : ${JSON_STRING} , ${output}, "done" : false }`);
const CHAT_DELTA = line(`"message" : { "role" : "assistant" , ${generated("content")}} `);
const GENERATE_DELTA = line(generated("response"));

const fold = (body: unknown, facts: ResponseFacts) => {
  const b = obj(body);
  if (b) foldObject(b, facts);
};

export const ollamaChat: WireFormat = {
  id: "ollama.chat",
  framing: "ndjson",
  path: "/api/chat",
  home: "ollama",
  fits: isChatBody,
  request: (body) => readRequest(body, "chat"),
  json: fold,
  event: (event, facts) => (facts.model !== undefined && CHAT_DELTA.test(event.data)) || foldOllamaChatLine(event, facts),
};

export const ollamaGenerate: WireFormat = {
  id: "ollama.generate",
  framing: "ndjson",
  path: "/api/generate",
  home: "ollama",
  fits: (body) => typeof body.model === "string" && typeof body.prompt === "string",
  request: (body) => readRequest(body, "text_completion"),
  json: fold,
  event: (event, facts) => (facts.model !== undefined && GENERATE_DELTA.test(event.data)) || foldOllamaGenerateLine(event, facts),
};

/**
 * `/api/embed` (never streamed): `{model, embeddings: [[...]], prompt_eval_count}`; the
 * dimension count is the length of the first vector. (The older `/api/embeddings` is not read.)
 */
export const ollamaEmbed: WireFormat = {
  id: "ollama.embed",
  framing: "ndjson",
  path: "/api/embed",
  home: "ollama",
  fits: (body) => typeof body.model === "string" && body.input !== undefined,
  request(body) {
    const facts: RequestFacts = { operation: "embeddings" };
    if (!body) return facts;
    facts.model = str(body.model);
    facts.embeddingDimensions = count(body.dimensions);
    return dropUndefined(facts);
  },
  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    foldObject(b, facts);
    put(facts.usage, "input", count(b.prompt_eval_count));
    put(facts, "embeddingDimensions", vectorsDimensions(b.embeddings));
  },
  event: (event, facts) => {
    fold(eventJson(event), facts);
    return false;
  },
};
