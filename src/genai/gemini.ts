/**
 * Gemini API (generativelanguage.googleapis.com) and Vertex AI (`publishers/google` models):
 * `POST .../models/{model}:generateContent`, `:streamGenerateContent` (with `alt=sse` an event
 * stream, without it one JSON array whose elements arrive over time: `framing: "json-array"`),
 * and `:embedContent` / `:batchEmbedContents`. Other Vertex publishers (`publishers/anthropic`...)
 * speak their own formats and are not matched. The model is in the path, not in the body.
 *
 * Usage: `promptTokenCount` is the total input (it includes `cachedContentTokenCount`, the cache
 * read). Output is `candidatesTokenCount + thoughtsTokenCount`: Gemini reports the thinking apart
 * from the candidates but bills it as output, and OpenAI's and Anthropic's output counts include
 * their reasoning too (the AI SDK's google provider counts output the same way); `reasoning` is
 * `thoughtsTokenCount`. Every chunk of a stream repeats `usageMetadata` and intermediate counts
 * differ from the final ones, so each `usageMetadata` replaces the whole usage: the last wins.
 *
 * Vertex clients may ask for `enum-encoding=int` (the REST transport of the Python SDKs): finish
 * reasons and modalities then arrive as numbers, mapped back to their names where the Gemini API
 * and Vertex enums agree.
 */

import { choiceIndex, count, dropUndefined, eventJson, fact, hasText, int, lookup, matchPath, num, type Obj, obj, put, setError, str, strings, sum } from "./json.js";
import type { RequestFacts, ResponseFacts, Usage, WireFormat } from "./types.js";

/**
 * `/models/{m}:method` or `/tunedModels/{m}:method`, with no publisher or `publishers/google`
 * before it (Vertex `projects/{p}/locations/{l}/publishers/google/models/{m}`).
 */
const modelPath = (methods: string) =>
  new RegExp(`^(?:(?!/publishers/).)*?(?:/publishers/google)?/((?:models|tunedModels)/[^/:]+):(${methods})$`);
const GENERATE_PATH = modelPath("generateContent|streamGenerateContent");
const EMBED_PATH = modelPath("embedContent|batchEmbedContents");

/** The model named in the path (`models/` dropped, a tuned model keeps `tunedModels/`). */
function pathModel(url: URL, path: RegExp): { model?: string; method?: string } {
  const [, model = "", method] = matchPath(url, path) ?? [];
  return { model: str(model.startsWith("models/") ? model.slice("models/".length) : model), method };
}

/** snake_case spellings of the camelCase names read here, each computed once. */
const SNAKE: Record<string, string> = {};

/** A field by its camelCase name, or the REST API's other accepted spelling (the proto field name, snake_case). */
export const field = (o: Obj, camel: string): unknown =>
  camel in o ? o[camel] : o[(SNAKE[camel] ??= camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))];

const OUTPUT_TYPES: Record<string, string> = { "application/json": "json", "text/plain": "text" };

function readGenerate(body: Obj | undefined, url: URL): RequestFacts {
  const { model, method } = pathModel(url, GENERATE_PATH);
  const facts: RequestFacts = { operation: "generate_content", model };
  if (method !== undefined) facts.stream = method === "streamGenerateContent";
  const config = body && obj(field(body, "generationConfig"));
  if (!config) return dropUndefined(facts);
  facts.maxTokens = int(field(config, "maxOutputTokens"));
  facts.temperature = num(config.temperature);
  facts.topP = num(field(config, "topP"));
  facts.topK = int(field(config, "topK"));
  facts.stopSequences = strings(field(config, "stopSequences"));
  facts.seed = int(config.seed);
  const n = int(field(config, "candidateCount"));
  if (n !== undefined && n !== 1) facts.choiceCount = n;
  facts.presencePenalty = num(field(config, "presencePenalty"));
  facts.frequencyPenalty = num(field(config, "frequencyPenalty"));
  const mime = str(field(config, "responseMimeType"));
  facts.outputType = mime === undefined ? undefined : lookup(OUTPUT_TYPES, mime.toLowerCase());
  const thinking = obj(field(config, "thinkingConfig"));
  facts.reasoningLevel = thinking && str(field(thinking, "thinkingLevel"));
  return dropUndefined(facts);
}

function readEmbed(body: Obj | undefined, url: URL): RequestFacts {
  const facts: RequestFacts = { operation: "embeddings", model: pathModel(url, EMBED_PATH).model };
  // embedContent has it at the top; batchEmbedContents per request (the first stands for all).
  const first = body && Array.isArray(body.requests) ? obj(body.requests[0]) : body;
  if (first) facts.embeddingDimensions = count(field(first, "outputDimensionality"));
  return dropUndefined(facts);
}

/** Enum values as numbers (`enum-encoding=int`), where the Gemini API and Vertex agree (0 is "unspecified"). */
const FINISH_REASONS = ["", "STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "MALFORMED_FUNCTION_CALL"];
const BLOCK_REASONS = ["", "SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT"];
const MODALITIES = new Map<unknown, string>([
  ["TEXT", "text"],
  ["IMAGE", "image"],
  ["VIDEO", "video"],
  ["AUDIO", "audio"],
  [1, "text"],
  [2, "image"],
  [3, "video"],
  [4, "audio"],
]);

const enumName = (v: unknown, names: string[]): string | undefined =>
  typeof v === "number" ? str(names[v]) : fact(v);

/** A candidate's finish reason, by name or enum number. (The content reader reads it alike.) */
export const finishReason = (c: Obj): string | undefined => enumName(field(c, "finishReason"), FINISH_REASONS);

/** A response's `promptFeedback.blockReason`, by name or enum number. (The content reader reads it alike.) */
export function blockReason(r: Obj): string | undefined {
  const feedback = obj(field(r, "promptFeedback"));
  return feedback && enumName(field(feedback, "blockReason"), BLOCK_REASONS);
}

/** `[{modality, tokenCount}]` by `gen_ai.token.modality` value; document and unknown modalities are left out. */
function modalities(v: unknown): Record<string, number> | undefined {
  if (!Array.isArray(v)) return undefined;
  let out: Record<string, number> | undefined;
  for (const item of v) {
    const d = obj(item);
    const modality = d && MODALITIES.get(d.modality);
    const tokens = d && count(field(d, "tokenCount"));
    if (modality !== undefined && tokens !== undefined) (out ??= {})[modality] = (out[modality] ?? 0) + tokens;
  }
  if (!out) return undefined;
  // A sum past the safe integers is unknown, as a total's is (counts only grow: once past, it stays past).
  for (const modality of Object.keys(out)) if (!Number.isSafeInteger(out[modality])) delete out[modality];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One `usageMetadata`, replacing what an earlier chunk said (see the header). */
function foldUsage(u: Obj, usage: Usage): void {
  for (const key of Object.keys(usage) as (keyof Usage)[]) delete usage[key];
  const candidates = count(field(u, "candidatesTokenCount"));
  const thoughts = count(field(u, "thoughtsTokenCount"));
  put(usage, "input", count(field(u, "promptTokenCount")));
  if (candidates !== undefined || thoughts !== undefined) put(usage, "output", sum(candidates ?? 0, thoughts ?? 0));
  put(usage, "reasoning", thoughts);
  put(usage, "cacheRead", count(field(u, "cachedContentTokenCount")));
  put(usage, "inputModalities", modalities(field(u, "promptTokensDetails")));
  put(usage, "outputModalities", modalities(field(u, "candidatesTokensDetails")));
  put(usage, "cacheReadModalities", modalities(field(u, "cacheTokensDetails")));
}

function foldError(e: Obj, facts: ResponseFacts): void {
  // `status` is the canonical code (`RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`); the HTTP code stands in without it.
  const code = int(e.code);
  setError(facts, fact(e.status) ?? (code !== undefined ? String(code) : "_OTHER"));
}

/** Whether a part carries generated content (text, a thought, a call, an image, code). */
function isOutput(part: unknown): boolean {
  const p = obj(part);
  if (!p) return false;
  return hasText(p.text) || obj(field(p, "functionCall")) !== undefined || hasText(obj(field(p, "inlineData"))?.data) || obj(field(p, "executableCode")) !== undefined;
}

/** Shared stand-in for an absent `candidates` (this runs per chunk). */
const NONE: unknown[] = [];

/** Fold one GenerateContentResponse (a whole body, an SSE event or an array element); true when it carries output. */
function foldResponse(r: Obj, facts: ResponseFacts, streamed: boolean): boolean {
  const error = obj(r.error);
  if (error) foldError(error, facts);
  put(facts, "id", fact(field(r, "responseId")));
  put(facts, "model", fact(field(r, "modelVersion")));
  const usage = obj(field(r, "usageMetadata"));
  if (usage) foldUsage(usage, facts.usage);
  let output = false;
  let finished = 0;
  const candidates: unknown[] = Array.isArray(r.candidates) ? r.candidates : NONE;
  for (let position = 0; position < candidates.length; position++) {
    const c = obj(candidates[position]);
    if (!c) continue;
    const parts = obj(c.content)?.parts;
    if (Array.isArray(parts) && parts.some(isOutput)) output = true;
    const index = choiceIndex(c, position);
    const reason = finishReason(c);
    if (index !== undefined && reason !== undefined) {
      facts.finishReasons[index] = reason;
      finished++;
    }
  }
  // A blocked prompt: a 200 with no candidates. Its block reason is the finish reason of the
  // one answer there would have been, and it is not an error: like a content filter's finish
  // reason elsewhere (OpenAI `content_filter`), a policy outcome the body reports as such.
  const blocked = blockReason(r);
  if (blocked !== undefined && candidates.length === 0) facts.finishReasons[0] = blocked;
  // In a stream: the last chunk finishes its candidates (with the final usage); a blocked prompt or an error ends the stream too.
  const ends = (candidates.length > 0 && finished === candidates.length) || blocked !== undefined || error !== undefined;
  if (streamed && ends) facts.complete = true;
  return output;
}

/** A whole body: one response, or (a streamed request read whole) the array of its chunks. */
function foldBody(body: unknown, facts: ResponseFacts): void {
  for (const item of Array.isArray(body) ? body : [body]) {
    const r = obj(item);
    if (r) foldResponse(r, facts, false);
  }
}

export const geminiGenerate: WireFormat = {
  id: "gcp.gemini.generate_content",
  framing: "json-array",
  path: GENERATE_PATH,
  home: "gcp.gen_ai",
  fits: (body) => Array.isArray(body.contents),

  request: readGenerate,

  json: foldBody,

  event(event, facts) {
    // Every chunk repeats usageMetadata: there is no fact-free chunk to skip parsing for.
    const r = obj(eventJson(event));
    return r !== undefined && foldResponse(r, facts, true);
  },
};

/** The dimension count of an embedding object (`{values: [...]}`). */
const dimensionsOf = (e: unknown): number | undefined => {
  const values = obj(e)?.values;
  return Array.isArray(values) ? values.length : undefined;
};

export const geminiEmbed: WireFormat = {
  id: "gcp.gemini.embeddings",
  // Never streamed; the framing is only named.
  framing: "json-array",
  path: EMBED_PATH,
  home: "gcp.gen_ai",
  fits: (body) => obj(body.content) !== undefined || Array.isArray(body.requests),

  request: readEmbed,

  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    const error = obj(b.error);
    if (error) foldError(error, facts);
    // embedContent: `embedding`; batchEmbedContents: `embeddings` (the first stands for all).
    put(facts, "embeddingDimensions", dimensionsOf(b.embedding) ?? (Array.isArray(b.embeddings) ? dimensionsOf(b.embeddings[0]) : undefined));
    // Newer models report usage (the whole batch's prompt tokens); older ones none.
    put(facts.usage, "input", count(obj(field(b, "usageMetadata"))?.promptTokenCount));
  },

  event() {
    return false;
  },
};
