/**
 * Fuzzing the Gemini formats: any value, event or request body folds without throwing into facts
 * of valid types (modality counts included), and a JSON-array stream of mutated recorded chunks
 * folds to the same facts however its bytes are split.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { geminiEmbed, geminiGenerate } from "../../src/genai/gemini.js";
import { newResponseFacts, type ResponseFacts, type SseEvent } from "../../src/genai/types.js";
import { foldPieces } from "../genai/helpers.js";
import { ADV_KEY, bytePiecesOf, cutsOf, factProblems } from "./arbitraries.js";
import { fixtureEvents, mutatedFixture, styles, write } from "./events.js";

const MODALITY_KEYS = new Set(["text", "image", "video", "audio"]);

/** factProblems, plus the modality maps it does not know yet. */
function problems(facts: ResponseFacts): string[] {
  const { inputModalities, outputModalities, cacheReadModalities, ...usage } = facts.usage;
  const out = factProblems({ ...facts, usage });
  for (const [name, m] of [["inputModalities", inputModalities], ["outputModalities", outputModalities], ["cacheReadModalities", cacheReadModalities]] as const) {
    if (m === undefined) continue;
    for (const [k, v] of Object.entries(m)) if (!MODALITY_KEYS.has(k) || !Number.isSafeInteger(v) || v < 0) out.push(`${name}.${k}: ${v}`);
  }
  return out;
}

const recorded = fixtureEvents(["google/gemini-stream-text.sse", "google/gemini-stream-thinking.sse", "google/gemini-stream-function-calls.sse", "google/gemini-stream-prompt-blocked.sse"]);
const enumValue = fc.oneof(fc.constantFrom("STOP", "SAFETY", "MAX_TOKENS", "TEXT", "IMAGE", "constructor", "__proto__"), fc.integer({ min: -2, max: 12 }), fc.double());
const count = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(null), fc.string({ maxLength: 3 }), fc.constantFrom(2 ** 53 - 1, 2 ** 52 + 7));
const usage = fc.record(
  {
    promptTokenCount: count,
    candidatesTokenCount: count,
    thoughtsTokenCount: count,
    cachedContentTokenCount: count,
    promptTokensDetails: fc.array(fc.record({ modality: enumValue, tokenCount: count }, { requiredKeys: [] }), { maxLength: 3 }),
    candidatesTokensDetails: fc.anything({ key: ADV_KEY, maxDepth: 2 }),
    cacheTokensDetails: fc.oneof(fc.array(fc.record({ modality: enumValue, tokenCount: count }, { requiredKeys: [] }), { maxLength: 3 }), fc.anything({ key: ADV_KEY, maxDepth: 2 })),
  },
  { requiredKeys: [] },
);
const part = fc.oneof(fc.record({ text: fc.string({ maxLength: 5 }), thought: fc.boolean() }, { requiredKeys: [] }), fc.record({ functionCall: fc.anything({ key: ADV_KEY, maxDepth: 1 }) }), fc.anything({ key: ADV_KEY, maxDepth: 1 }));
const candidate = fc.record(
  { index: fc.oneof(fc.nat(200), fc.integer(), fc.double()), content: fc.record({ parts: fc.array(part, { maxLength: 3 }) }), finishReason: enumValue },
  { requiredKeys: [] },
);
const chunk = fc.record(
  {
    candidates: fc.oneof(fc.array(candidate, { maxLength: 3 }), fc.anything({ key: ADV_KEY, maxDepth: 1 })),
    usageMetadata: usage,
    promptFeedback: fc.record({ blockReason: enumValue }, { requiredKeys: [] }),
    modelVersion: fc.oneof(fc.string({ maxLength: 3 }), fc.string({ minLength: 1100, maxLength: 1200 }), fc.anything({ key: ADV_KEY, maxDepth: 0 })),
    responseId: fc.anything({ key: ADV_KEY, maxDepth: 0 }),
    error: fc.record({ code: fc.anything({ key: ADV_KEY, maxDepth: 0 }), status: fc.anything({ key: ADV_KEY, maxDepth: 0 }), message: fc.anything({ key: ADV_KEY, maxDepth: 0 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const events: fc.Arbitrary<SseEvent> = fc.oneof(
  fc.tuple(chunk, styles).map(([c, style]) => ({ data: write(c, style) })),
  mutatedFixture(recorded),
  fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 30 })).map((data) => ({ data })),
);
const values = fc.oneof(chunk, fc.array(chunk, { maxLength: 3 }), fc.anything({ key: ADV_KEY, maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }));

describe.each([
  ["generate", geminiGenerate],
  ["embed", geminiEmbed],
] as const)("gemini %s", (_, format) => {
  it("folds any body without throwing, into valid facts", () => {
    fc.assert(
      fc.property(fc.array(values, { maxLength: 3 }), (bodies) => {
        const facts = newResponseFacts();
        for (const body of bodies) format.json(body, facts);
        expect(problems(facts)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("folds any event without throwing, into valid facts", () => {
    fc.assert(
      fc.property(fc.array(events, { maxLength: 12 }), (sequence) => {
        const facts = newResponseFacts();
        for (const e of sequence) expect(typeof format.event(e, facts)).toBe("boolean");
        expect(problems(facts)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("reads any request body and URL without throwing", () => {
    const path = fc.constantFrom("/v1beta/models/m:generateContent", "/v1beta/models/%E0%A4:streamGenerateContent", "/v1/projects/p/locations/l/publishers/google/models/x:embedContent", "/v1beta/tunedModels/t:batchEmbedContents", "/x");
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom("generationConfig", "generation_config", "requests", "content", "outputDimensionality", "contents"), fc.anything({ key: ADV_KEY, maxDepth: 3 })),
      fc.record({ generationConfig: fc.dictionary(fc.constantFrom("maxOutputTokens", "topK", "candidateCount", "responseMimeType", "thinkingConfig", "stopSequences", "seed"), fc.oneof(ADV_KEY, fc.anything({ key: ADV_KEY, maxDepth: 1 }))) }),
    );
    fc.assert(
      fc.property(path, fc.option(body, { nil: undefined }), (p, b) => {
        const facts = format.request(b, new URL(`https://generativelanguage.googleapis.com${p}`), new Headers());
        expect(["generate_content", "embeddings"]).toContain(facts.operation);
        for (const [k, v] of Object.entries(facts)) {
          if (["maxTokens", "topK", "seed", "choiceCount", "embeddingDimensions"].includes(k)) expect(Number.isSafeInteger(v)).toBe(true);
          if (["model", "outputType", "reasoningLevel"].includes(k)) expect(typeof v === "string" && v.length > 0).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("gemini JSON-array streams", () => {
  it("fold to the same facts however their bytes are split", () => {
    const separators = fc.constantFrom("\n,\r\n", ",", " ,\n", "\r\n,\r\n");
    fc.assert(
      fc.property(fc.array(events, { maxLength: 10 }), separators, cutsOf(4000), (sequence, sep, cuts) => {
        const bytes = new TextEncoder().encode(`[${sequence.map((e) => e.data).join(sep)}\n]`);
        const whole = foldPieces(geminiGenerate, [bytes], "json-array");
        expect(problems(whole)).toEqual([]);
        expect(foldPieces(geminiGenerate, bytePiecesOf(bytes, cuts), "json-array")).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
