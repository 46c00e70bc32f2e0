/**
 * Fuzzing the Cohere, Ollama and legacy Completions folds, and the compatible providers' usage
 * shapes in Chat Completions: they never throw, produce valid facts, and a stream folds to the same
 * facts however its bytes are split (in its own framing: SSE, or NDJSON for Ollama).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cohereChat } from "../../src/genai/cohere-chat.js";
import { ollamaChat, ollamaEmbed, ollamaGenerate } from "../../src/genai/ollama.js";
import { foldChatEvent, openaiChat } from "../../src/genai/openai-chat.js";
import { openaiCompletions } from "../../src/genai/openai-completions.js";
import { type Framing, newResponseFacts, type ProviderFormat, type ResponseFacts } from "../../src/genai/types.js";
import { foldPieces } from "../genai/helpers.js";
import { ADV_KEY, bytePiecesOf, cutsOf, factProblems, jsonWithKeys } from "./arbitraries.js";
import { text } from "./events.js";

const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
/** factProblems, plus the modality breakdowns (which it does not know): records of counts by known modality. */
function problems(facts: ResponseFacts): string[] {
  const out: string[] = [];
  const { inputModalities, outputModalities, cacheReadModalities, ...usage } = facts.usage;
  for (const m of [inputModalities, outputModalities, cacheReadModalities]) {
    if (m === undefined) continue;
    for (const [k, v] of Object.entries(m)) if (!["text", "audio", "image", "video"].includes(k) || !isCount(v) || v === 0) out.push(`modality ${k}: ${v}`);
  }
  return [...out, ...factProblems({ ...facts, usage })];
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const tokens = fc.oneof({ weight: 4, arbitrary: fc.nat(5000) }, fc.constantFrom(-1, 1.5, 1e300, "7", null, 2 ** 53 - 1, 2 ** 52 + 1, -0, Number.NaN));
const texts = opt(fc.option(text));

const cohereEvent = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant("content-delta"), index: fc.nat(2), delta: fc.record({ message: fc.record({ content: fc.record({ text: texts, thinking: texts }, { requiredKeys: [] }) }) }) }) },
  fc.record({ type: fc.constant("tool-plan-delta"), delta: fc.record({ message: fc.record({ tool_plan: texts }) }) }),
  fc.record({
    type: fc.constantFrom("tool-call-start", "tool-call-delta"),
    index: fc.nat(2),
    delta: fc.record({ message: fc.record({ tool_calls: fc.record({ id: opt(fc.string({ maxLength: 4 })), function: fc.record({ name: texts, arguments: texts }, { requiredKeys: [] }) }, { requiredKeys: [] }) }) }),
  }),
  fc.record({ type: fc.constant("message-start"), id: fc.constantFrom("a1", "", 5) }),
  fc.record({
    type: fc.constant("message-end"),
    delta: fc.record({
      finish_reason: fc.option(text),
      usage: fc.record({ billed_units: opt(fc.record({ input_tokens: tokens, output_tokens: tokens })), tokens: opt(fc.record({ input_tokens: tokens, output_tokens: tokens })), cached_tokens: opt(tokens) }, { requiredKeys: [] }),
    }),
  }),
  fc.record({ type: fc.constantFrom("content-start", "content-end", "tool-call-end", "citation-start", "citation-end") }),
);

const ollamaLine = fc.record(
  {
    model: fc.constantFrom("llama3", "", 3),
    created_at: fc.constant("2024-05-24T20:26:46.294874Z"),
    message: opt(fc.record({ role: fc.constant("assistant"), content: texts, thinking: texts, tool_calls: opt(fc.array(fc.record({ function: fc.record({ name: text }) }), { maxLength: 2 })) }, { requiredKeys: [] })),
    response: texts,
    thinking: texts,
    done: fc.oneof(fc.boolean(), fc.constant("true")),
    done_reason: opt(fc.option(text)),
    prompt_eval_count: opt(tokens),
    eval_count: opt(tokens),
    error: opt(fc.oneof(text, fc.record({ message: text }), fc.constant(null))),
    embeddings: opt(fc.array(fc.oneof(fc.array(fc.double(), { maxLength: 4 }), fc.constant(null)), { maxLength: 2 })),
  },
  { requiredKeys: ["done"] },
);

const usage = fc.record(
  {
    prompt_tokens: tokens,
    completion_tokens: tokens,
    total_tokens: tokens,
    prompt_cache_hit_tokens: tokens,
    prompt_tokens_details: opt(fc.record({ cached_tokens: tokens, audio_tokens: tokens, image_tokens: tokens, text_tokens: tokens }, { requiredKeys: [] })),
    completion_tokens_details: opt(fc.record({ reasoning_tokens: tokens, audio_tokens: tokens, text_tokens: tokens }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const completionChunk = fc.record(
  {
    id: opt(fc.constantFrom("cmpl-1", "")),
    object: fc.constant("text_completion"),
    model: opt(fc.constantFrom("davinci-002", "")),
    choices: fc.array(fc.record({ text: texts, index: opt(fc.oneof(fc.nat(3), fc.constant(500))), finish_reason: fc.option(fc.constantFrom("stop", "length", "")) }, { requiredKeys: [] }), { maxLength: 2 }),
    usage: opt(fc.option(usage)),
    error: opt(fc.record({ code: text, message: text }, { requiredKeys: [] })),
  },
  { requiredKeys: ["choices"] },
);
/** Chat chunks with the compatible providers' shapes: content parts, DeepSeek/xAI/modality usage, x_groq. */
const compatibleChunk = fc.record(
  {
    id: opt(fc.constantFrom("chatcmpl-1", "")),
    model: opt(fc.constantFrom("grok-3-mini", "")),
    choices: fc.array(
      fc.record({
        index: opt(fc.nat(2)),
        delta: fc.record({ content: opt(fc.oneof(texts, fc.array(fc.oneof(fc.record({ type: fc.constant("text"), text }), fc.record({ type: fc.constant("thinking"), thinking: fc.array(fc.record({ type: fc.constant("text"), text }), { maxLength: 2 }) }), fc.constant(null)), { maxLength: 2 }))), reasoning_content: texts }, { requiredKeys: [] }),
        finish_reason: fc.option(fc.constantFrom("stop", "tool_calls")),
      }),
      { maxLength: 2 },
    ),
    usage: opt(fc.option(usage)),
    x_groq: opt(fc.record({ id: fc.constant("req_1"), usage: opt(usage) }, { requiredKeys: ["id"] })),
  },
  { requiredKeys: ["choices"] },
);

const anyValue = fc.oneof(fc.anything({ key: ADV_KEY, maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), jsonWithKeys(4));

const FORMATS: { name: string; format: ProviderFormat; framing: Framing; event: fc.Arbitrary<{ event?: string; data: string }> }[] = [
  { name: "cohere chat", format: cohereChat, framing: "sse", event: cohereEvent.map((e) => ({ event: e.type, data: JSON.stringify(e) })) },
  { name: "ollama chat", format: ollamaChat, framing: "ndjson", event: ollamaLine.map((l) => ({ data: JSON.stringify(l) })) },
  { name: "ollama generate", format: ollamaGenerate, framing: "ndjson", event: ollamaLine.map((l) => ({ data: JSON.stringify(l) })) },
  { name: "ollama embed", format: ollamaEmbed, framing: "ndjson", event: ollamaLine.map((l) => ({ data: JSON.stringify(l) })) },
  { name: "openai completions", format: openaiCompletions, framing: "sse", event: completionChunk.map((c) => ({ data: JSON.stringify(c) })) },
  { name: "openai chat (compatible shapes)", format: openaiChat, framing: "sse", event: compatibleChunk.map((c) => ({ data: JSON.stringify(c) })) },
];

/** Events, shaped or not: a format's own shape, arbitrary JSON, garbage, `[DONE]`. */
const eventsOf = (shaped: fc.Arbitrary<{ event?: string; data: string }>) =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: shaped },
      fc.record({ event: opt(fc.string({ maxLength: 12 })), data: fc.oneof(anyValue.map((v) => JSON.stringify(v) ?? "null"), fc.string({ maxLength: 30 }), fc.constant("[DONE]")) }).map(({ event, data }) => (event === undefined ? { data } : { event, data })),
    ),
    { maxLength: 12 },
  );

function encode(events: { event?: string; data: string }[], framing: Framing): Uint8Array {
  // NDJSON is one JSON text per line: a line of garbage with a newline would be two events.
  const body =
    framing === "ndjson"
      ? events.map((e) => `${e.data.replace(/[\r\n]/g, " ")}\n`).join("")
      : events.map((e) => `${e.event === undefined ? "" : `event: ${e.event}\n`}${e.data.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`).join("")}\n`).join("");
  return new TextEncoder().encode(body);
}

describe.each(FORMATS)("$name", ({ format, framing, event }) => {
  it("folds any JSON body or value without throwing, into valid facts", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyValue, event.map((e) => JSON.parse(e.data))), { maxLength: 3 }), (bodies) => {
        const facts = newResponseFacts();
        for (const body of bodies) format.json(body, facts);
        expect(problems(facts)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("folds any event sequence into valid facts, the same however the bytes are split", () => {
    fc.assert(
      fc.property(eventsOf(event), cutsOf(3000), (events, cuts) => {
        const bytes = encode(events, framing);
        const whole = foldPieces(format, [bytes], framing);
        expect(problems(whole)).toEqual([]);
        expect(foldPieces(format, bytePiecesOf(bytes, cuts), framing)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("reads any request body without throwing, into typed request facts", () => {
    const url = new URL("https://api.example.com/v1/x");
    const options = fc.record({ num_predict: tokens, temperature: anyValue, top_k: tokens, stop: anyValue, seed: tokens }, { requiredKeys: [] });
    const body = fc.oneof(
      fc.dictionary(ADV_KEY, fc.anything({ key: ADV_KEY, maxDepth: 2 })),
      fc.record({ model: anyValue, stream: anyValue, think: anyValue, format: anyValue, options, p: anyValue, k: anyValue, response_format: anyValue, prompt: anyValue, n: anyValue }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(body, (b) => {
        const r = format.request(b as Record<string, unknown>, url, new Headers());
        for (const [k, v] of Object.entries(r)) {
          if (k === "operation") expect(["chat", "text_completion", "embeddings"]).toContain(v);
          else if (k === "stopSequences") expect(Array.isArray(v) && v.length > 0 && v.every((s: unknown) => typeof s === "string")).toBe(true);
          else if (k === "stream") expect(typeof v).toBe("boolean");
          else if (["model", "outputType", "reasoningLevel", "serviceTier"].includes(k)) expect(typeof v === "string" && v.length > 0).toBe(true);
          else if (["maxTokens", "seed", "topK", "choiceCount", "embeddingDimensions"].includes(k)) expect(Number.isSafeInteger(v)).toBe(true);
          else expect([k, Number.isFinite(v)]).toEqual([k, true]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("chat completions with the compatible shapes", () => {
  it("the fast path folds every event exactly as parsing it does", () => {
    fc.assert(
      fc.property(fc.array(compatibleChunk, { maxLength: 12 }), (chunks) => {
        const fast = newResponseFacts();
        const parsed = newResponseFacts();
        for (const chunk of chunks) {
          const data = JSON.stringify(chunk);
          expect(openaiChat.event({ data }, fast)).toBe(foldChatEvent(data, parsed));
          expect(fast).toEqual(parsed);
        }
        expect(problems(fast)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("any usage (DeepSeek, xAI, modality fields, huge counts): valid counts, the cache read never above the input", () => {
    fc.assert(
      fc.property(usage, (u) => {
        const facts = newResponseFacts();
        openaiChat.json({ choices: [], usage: u }, facts);
        const { input, output, cacheRead } = facts.usage;
        if (input !== undefined && cacheRead !== undefined) expect(cacheRead).toBeLessThanOrEqual(input);
        expect(problems(facts)).toEqual([]);
        if (output !== undefined) expect(isCount(output)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
