/**
 * Fuzzing every wire-format fold with arbitrary values and event sequences: they never throw,
 * the facts they produce have valid types and bounded strings, the per-chunk fast path agrees
 * with parsing every event, and a stream folds to the same facts however its bytes are split.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anthropicMessages, foldAnthropicEvent } from "../../src/genai/anthropic-messages.js";
import { foldChatEvent, openaiChat } from "../../src/genai/openai-chat.js";
import { openaiEmbeddings } from "../../src/genai/openai-embeddings.js";
import { foldResponsesEvent, openaiResponses } from "../../src/genai/openai-responses.js";
import { newResponseFacts, type ProviderFormat, type RequestFacts, type ResponseFacts, type SseEvent } from "../../src/genai/types.js";
import { workersAi, workersAiRequest } from "../../src/genai/workers-ai.js";
import { foldSsePieces } from "../genai/helpers.js";
import { ADV_KEY, bytePiecesOf, cutsOf, factProblems, jsonWithKeys } from "./arbitraries.js";
import { anthropicEvent, chatChunk, fixtureEvents, mutatedFixture, responsesEvent, styles, write } from "./events.js";

/** An event and whether the fast path must classify it exactly like the parse (it has the format's shape). */
interface Case {
  event: SseEvent;
  shaped: boolean;
}

const shaped = (value: fc.Arbitrary<object>, mislabel: string[]): fc.Arbitrary<Case> =>
  fc.tuple(value, styles, mislabel.length > 0 ? fc.option(fc.constantFrom(...mislabel), { freq: 6 }) : fc.constant(null)).map(([v, style, other]) => {
    const t = (v as { type?: unknown }).type;
    const type = typeof t === "string" ? t : undefined;
    return { event: { ...(type || other ? { event: other ?? type } : {}), data: write(v, style) }, shaped: other === null || other === type };
  });

/** Anything else an event may hold: arbitrary JSON, garbage, a fixture event mutated. */
function others(events: SseEvent[], names: string[]): fc.Arbitrary<Case> {
  const name = fc.option(fc.oneof(fc.constantFrom("", ...names), fc.string({ maxLength: 6 })), { nil: undefined });
  const data = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 40 }), fc.constant("[DONE]"));
  return fc.oneof(
    fc.tuple(name, data).map(([event, d]) => ({ event: event === undefined ? { data: d } : { event, data: d }, shaped: false })),
    mutatedFixture(events).map((event) => ({ event, shaped: false })),
  );
}

const chatFixtures = fixtureEvents([
  "openai/chat-stream-include-usage.sse",
  "openai/chat-stream-parallel-tool-calls.sse",
  "openai/azure-chat-stream-prompt-filter.sse",
  "groq/chat-stream.sse",
  "mistral/chat-stream-tool-call.sse",
]);
const anthropicFixtures = fixtureEvents(["anthropic/messages-stream-text.sse", "anthropic/messages-stream-tool-use.sse", "anthropic/messages-stream-thinking.sse"]);
const responsesFixtures = fixtureEvents(["openai-responses/responses-stream-function-call.sse", "openai-responses/responses-stream-error-insufficient-quota.sse"]);
const anthropicTypes = ["content_block_delta", "message_delta", "message_start", "message_stop", "error", "ping"];
const responsesTypes = ["response.output_text.delta", "response.completed", "response.created", "error"];

const STREAMING = [
  {
    name: "openai chat",
    format: openaiChat,
    full: (e: SseEvent, f: ResponseFacts) => {
      if (e.data !== "[DONE]") return foldChatEvent(e.data, f);
      f.complete = true;
      return false;
    },
    cases: fc.oneof({ weight: 4, arbitrary: shaped(chatChunk, []) }, others(chatFixtures, [])),
  },
  {
    name: "anthropic messages",
    format: anthropicMessages,
    full: foldAnthropicEvent,
    cases: fc.oneof({ weight: 4, arbitrary: shaped(anthropicEvent, anthropicTypes) }, others(anthropicFixtures, anthropicTypes)),
  },
  {
    name: "openai responses",
    format: openaiResponses,
    full: foldResponsesEvent,
    cases: fc.oneof({ weight: 4, arbitrary: shaped(responsesEvent, responsesTypes) }, others(responsesFixtures, responsesTypes)),
  },
];

/** An SSE body for the events, framed in any legal way (line endings, comments, fields we ignore). */
const framing = fc.record({ eol: fc.constantFrom("\n", "\r\n", "\r"), comment: fc.boolean(), space: fc.boolean() });
function sseBody(events: SseEvent[], f: { eol: string; comment: boolean; space: boolean }): Uint8Array {
  const sp = f.space ? " " : "";
  const body = events
    .map((e) => {
      const lines = e.data.split(/\r\n|\r|\n/).map((l) => `data:${sp}${l}`);
      if (e.event !== undefined) lines.unshift(`event:${sp}${e.event}`);
      if (f.comment) lines.unshift(": keep-alive", "id: 1");
      return lines.join(f.eol) + f.eol + f.eol;
    })
    .join("");
  return new TextEncoder().encode(body);
}

describe.each(STREAMING)("$name", ({ format, full, cases }) => {
  it("the fast path folds every event exactly as parsing it does", () => {
    fc.assert(
      fc.property(fc.array(cases, { maxLength: 25 }), (sequence) => {
        const fast = newResponseFacts();
        const parsed = newResponseFacts();
        for (const [i, { event, shaped }] of sequence.entries()) {
          const a = format.event(event, fast);
          const b = full(event, parsed);
          // Facts: always the same. Output: the same for events of the format's shape (the fast
          // path's output test is looser on other JSON; see src/genai/json.ts).
          if (shaped && a !== b) expect({ at: i, event, output: a }).toEqual({ at: i, event, output: b });
          if (JSON.stringify(fast) !== JSON.stringify(parsed)) expect({ at: i, event, fast }).toEqual({ at: i, event, fast: parsed });
        }
        expect(factProblems(fast)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("a stream folds to the same facts however its bytes are split", () => {
    fc.assert(
      fc.property(fc.array(cases, { maxLength: 12 }), framing, cutsOf(3000), (sequence, frame, cuts) => {
        const bytes = sseBody(
          sequence.map((c) => c.event),
          frame,
        );
        const whole = foldSsePieces(format, [bytes]);
        expect(factProblems(whole)).toEqual([]);
        expect(foldSsePieces(format, bytePiecesOf(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });
});

const ALL: [string, ProviderFormat][] = [
  ["openai chat", openaiChat],
  ["anthropic messages", anthropicMessages],
  ["openai responses", openaiResponses],
  ["openai embeddings", openaiEmbeddings],
  ["workers ai", workersAi],
];
const values = fc.oneof(fc.anything({ key: ADV_KEY, maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), jsonWithKeys(4), chatChunk, anthropicEvent, responsesEvent);
const REQUEST_TYPES: Record<string, (v: unknown) => boolean> = {
  operation: (v) => ["chat", "generate_content", "text_completion", "embeddings"].includes(v as string),
  model: (v) => typeof v === "string" && v.length > 0,
  stream: (v) => typeof v === "boolean",
  stopSequences: (v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string"),
  encodingFormats: (v) => Array.isArray(v) && v.every((s) => typeof s === "string"),
  outputType: (v) => ["text", "json", "image", "speech"].includes(v as string),
  reasoningLevel: (v) => typeof v === "string" && v.length > 0,
  previousResponseId: (v) => typeof v === "string" && v.length > 0,
  serviceTier: (v) => typeof v === "string" && v.length > 0,
  choiceCount: (v) => Number.isSafeInteger(v) && v !== 1,
  maxTokens: Number.isSafeInteger,
  seed: Number.isSafeInteger,
  topK: Number.isSafeInteger,
  embeddingDimensions: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
  temperature: Number.isFinite,
  topP: Number.isFinite,
  frequencyPenalty: Number.isFinite,
  presencePenalty: Number.isFinite,
};
const requestProblems = (r: RequestFacts | undefined) =>
  Object.entries(r ?? {}).filter(([k, v]) => !REQUEST_TYPES[k]?.(v)).map(([k, v]) => `${k}: ${String(v)}`);

describe.each(ALL)("%s", (_, format) => {
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

  it("folds any event without throwing, into valid facts", () => {
    const data = fc.oneof(values.map((v) => JSON.stringify(v) ?? "null"), fc.string({ maxLength: 30 }), fc.constant("[DONE]"));
    fc.assert(
      fc.property(fc.array(fc.record({ event: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }), data }), { maxLength: 10 }), (events) => {
        const facts = newResponseFacts();
        for (const e of events) expect(typeof format.event(e.event === undefined ? { data: e.data } : e, facts)).toBe("boolean");
        expect(factProblems(facts)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("reads any request body without throwing, into typed request facts", () => {
    const url = new URL("https://api.example.com/v1/x");
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(ADV_KEY, fc.anything({ key: ADV_KEY, maxDepth: 2 })), values), (body) => {
        const b = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
        expect(requestProblems(format.request(b, url, new Headers()))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("workersAiRequest", () => {
  it("reads any model and inputs without throwing", () => {
    const inputs = fc.oneof(fc.anything({ key: ADV_KEY, maxDepth: 2 }), fc.record({ messages: fc.anything({ key: ADV_KEY, maxDepth: 1 }), stream: fc.anything({ key: ADV_KEY, maxDepth: 0 }), max_tokens: fc.anything({ key: ADV_KEY, maxDepth: 0 }) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(fc.anything({ key: ADV_KEY, maxDepth: 1 }), inputs, (model, i) => {
        expect(requestProblems(workersAiRequest(model, i))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
