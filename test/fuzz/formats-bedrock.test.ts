/**
 * Fuzzing the Bedrock formats and the event-stream framing: arbitrary and vendor-shaped bodies,
 * events and chunks never throw and fold into valid facts; request bodies, paths and headers give
 * typed request facts; garbage and mutated frames never throw, end exactly once with a count of
 * what was dropped, and the framing hands on the same events however the bytes are split.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AWS_BEDROCK_GUARDRAIL_ID } from "../../src/attributes.js";
import { bedrockConverse } from "../../src/genai/bedrock-converse.js";
import { bedrockInvoke } from "../../src/genai/bedrock-invoke.js";
import { eventStreamFraming } from "../../src/genai/eventstream.js";
import { newResponseFacts, type RequestFacts, type SseEvent, type WireFormat } from "../../src/genai/types.js";
import { foldPieces, streamBytes } from "../genai/helpers.js";
import { ADV_KEY, bytePiecesOf, cutsOf, factProblems, jsonWithKeys } from "./arbitraries.js";

const KEYS = [
  "type", "message", "delta", "usage", "stop_reason", "completion", "output", "stopReason", "contentBlockDelta", "messageStop", "metadata",
  "generation", "prompt_token_count", "generation_token_count", "inputTextTokenCount", "outputText", "results", "tokenCount",
  "totalOutputTextTokenCount", "completionReason", "index", "embedding", "embeddings", "outputs", "choices", "generations", "event_type",
  "is_finished", "text", "finish_reason", "inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokenCount", "toolUse",
  "reasoningContent", "input", "amazon-bedrock-invocationMetrics", "amazon-bedrock-guardrailAction", "inputTokenCount", "outputTokenCount",
];
const leaf = fc.oneof(
  jsonWithKeys(1),
  fc.constantFrom("INTERVENED", "message", "message_start", "message_delta", "message_stop", "content_block_delta", "text-generation", "stream-end", ""),
  fc.integer({ min: -2, max: 2 ** 40 }), fc.constantFrom(2 ** 53 - 1, 2 ** 52 + 7),
  fc.constantFrom(1e308, -0, 0.5, Number.MAX_SAFE_INTEGER),
);
/** Objects made of the keys the folds read, nested a few levels, values of any type. */
const { shaped } = fc.letrec((tie) => ({
  shaped: fc.dictionary(fc.constantFrom(...KEYS), fc.oneof({ depthSize: "small" }, leaf, tie("shaped"), fc.array(tie("shaped"), { maxLength: 3 })), { maxKeys: 6 }),
}));
const values = fc.oneof(fc.anything({ key: ADV_KEY, maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), jsonWithKeys(4), shaped);
const names = fc.oneof(
  fc.constantFrom("chunk", "messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata", "throttlingException", ":error", "exception"),
  fc.string({ maxLength: 12 }),
);
const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const data = fc.oneof(
  values.map((v) => JSON.stringify(v) ?? "null"),
  fc.string({ maxLength: 30 }),
  shaped.map((v) => JSON.stringify({ bytes: b64(JSON.stringify(v)) })),
  fc.string({ maxLength: 20 }).map((s) => JSON.stringify({ bytes: s })),
);

const FORMATS: [string, WireFormat][] = [
  ["converse", bedrockConverse],
  ["invoke", bedrockInvoke],
];

/** Request facts of the right types (and the only attribute a Bedrock request sets). */
function requestProblems(r: RequestFacts): string[] {
  const problems: string[] = [];
  const bad = (k: string, v: unknown) => problems.push(`${k}: ${String(v)}`);
  for (const [k, v] of Object.entries(r)) {
    if (k === "operation" && !["chat", "text_completion", "embeddings"].includes(v)) bad(k, v);
    else if (k === "model" && !(typeof v === "string" && v.length > 0)) bad(k, v);
    else if (k === "stream" && typeof v !== "boolean") bad(k, v);
    else if (["maxTokens", "topK", "embeddingDimensions"].includes(k) && !Number.isSafeInteger(v)) bad(k, v);
    else if (["temperature", "topP"].includes(k) && !Number.isFinite(v)) bad(k, v);
    else if (k === "stopSequences" && !(Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string"))) bad(k, v);
    else if (k === "attributes" && !(Object.keys(v).length === 1 && typeof v[AWS_BEDROCK_GUARDRAIL_ID] === "string" && v[AWS_BEDROCK_GUARDRAIL_ID].length > 0)) bad(k, v);
    else if (!["operation", "model", "stream", "maxTokens", "topK", "embeddingDimensions", "temperature", "topP", "stopSequences", "attributes"].includes(k)) bad(k, v);
  }
  return problems;
}

describe.each(FORMATS)("bedrock %s", (_, format) => {
  it("folds any JSON body or value without throwing, into valid facts", () => {
    fc.assert(
      fc.property(fc.array(values, { maxLength: 3 }), (bodies) => {
        const facts = newResponseFacts();
        for (const body of bodies) format.json(body, facts);
        expect(factProblems(facts)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("folds any event (chunks of any vendor shape, exceptions, garbage) without throwing, into valid facts", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ event: fc.option(names, { nil: undefined }), data }), { maxLength: 10 }), (events) => {
        const facts = newResponseFacts();
        for (const e of events) expect(typeof format.event(e.event === undefined ? { data: e.data } : (e as SseEvent), facts)).toBe("boolean");
        expect(factProblems(facts)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("reads any request body, model path and guardrail header without throwing, into typed request facts", () => {
    const segment = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x", "%E0%A4%A", "a%2Fb", ""));
    const action = fc.constantFrom("converse", "converse-stream", "invoke", "invoke-with-response-stream");
    const body = fc.oneof(fc.dictionary(ADV_KEY, fc.anything({ key: ADV_KEY, maxDepth: 2 })), shaped, values);
    fc.assert(
      fc.property(body, segment, action, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), (b, model, act, guardrail) => {
        const url = new URL(`https://bedrock-runtime.us-east-1.amazonaws.com/model/${encodeURI(model)}/${act}`);
        const headers = new Headers(guardrail === undefined ? {} : { "X-Amzn-Bedrock-GuardrailIdentifier": guardrail.replace(/[^\x21-\x7e]/g, "") });
        const o = typeof b === "object" && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : undefined;
        expect(requestProblems(format.request(o, url, headers))).toEqual([]);
        expect(typeof format.fits(o ?? {})).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});

/** The events the framing hands on, the drop count and how often `end` was called. */
function frameAll(pieces: Uint8Array[], max: number) {
  const events: SseEvent[] = [];
  const ends: number[] = [];
  const observer = eventStreamFraming(max, () => 0, { take: (e) => events.push(e), end: (_o, _e, dropped) => ends.push(dropped) });
  for (const p of pieces) observer.chunk?.(p);
  observer.end("done", undefined);
  return { events, ends };
}

const FIXTURES = ["bedrock/converse-stream-claude-tool-use.b64", "bedrock/invoke-stream-claude.b64", "bedrock/invoke-stream-cohere-command-r.b64"].map(streamBytes);
/** A real body with bytes overwritten, removed or inserted anywhere (preludes, headers, CRCs, payloads). */
const mutated = fc
  .tuple(fc.constantFrom(...FIXTURES), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "cut", "add")), { maxLength: 4 }))
  .map(([bytes, edits]) => {
    let out = Array.from(bytes);
    for (const [at, value, kind] of edits) {
      const i = at % (out.length + 1);
      if (kind === "set" && i < out.length) out[i] = value;
      else if (kind === "cut") out = [...out.slice(0, i), ...out.slice(i + 1)];
      else out = [...out.slice(0, i), value, ...out.slice(i)];
    }
    return Uint8Array.from(out);
  });

describe("eventStreamFraming under garbage", () => {
  it("never throws, ends once with a drop count, and hands on the same events however split", () => {
    const body = fc.oneof(fc.uint8Array({ maxLength: 400 }), mutated);
    fc.assert(
      fc.property(body, cutsOf(8000), fc.constantFrom(64, 300, 1 << 20), (bytes, cuts, max) => {
        const whole = frameAll([bytes], max);
        expect(whole.ends).toHaveLength(1);
        expect(Number.isSafeInteger(whole.ends[0]) && whole.ends[0] >= 0).toBe(true);
        expect(frameAll(bytePiecesOf(bytes, cuts), max)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("a mutated body folds into valid facts through both formats", () => {
    fc.assert(
      fc.property(mutated, cutsOf(8000), (bytes, cuts) => {
        for (const [, format] of FORMATS) {
          const whole = foldPieces(format, [bytes], "eventstream");
          expect(factProblems(whole)).toEqual([]);
          expect(foldPieces(format, bytePiecesOf(bytes, cuts), "eventstream")).toEqual(whole);
        }
      }),
      { numRuns: 150 },
    );
  });
});
