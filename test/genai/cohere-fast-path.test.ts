import { describe, expect, it } from "vitest";
import { cohereChat, foldCohereEvent } from "../../src/genai/cohere-chat.js";
import { newResponseFacts, type SseEvent } from "../../src/genai/types.js";
import { agree, agreeOnMutations, agreeOnStream, parsesOver } from "./fast-path-agreement.js";
import { fixtureEvents } from "./helpers.js";

/**
 * Cohere's per-chunk fast path takes delta events of the exact shape Cohere writes without parsing
 * them. It must agree with the full parse (`foldCohereEvent`) on every event of every fixture and
 * on near-misses.
 */
const FIXTURES = ["cohere/chat-v2-stream-text.sse", "cohere/chat-v2-stream-thinking.sse", "cohere/chat-v2-stream-tool-calls.sse"];
const ev = (event: string | undefined, data: unknown): SseEvent => ({ event, data: typeof data === "string" ? data : JSON.stringify(data) });
const contentDelta = (content: object, extra: object = {}) => ({ type: "content-delta", index: 0, delta: { message: { content } }, ...extra });

describe("cohereChat fast path", () => {
  it("agrees with the full parse on every event of every fixture, and parses only the events with facts", () => {
    const expected = {
      // message-start, content-start/-end, message-end (and not `[DONE]`); tool-call-start has the name.
      "cohere/chat-v2-stream-text.sse": { chunks: 100, parses: 4, id: "6cd6ce61-bb3b-46f6-907e-fcfab45e51b6", finishReasons: ["COMPLETE"], usage: { input: 7, output: 109 } },
      "cohere/chat-v2-stream-thinking.sse": { chunks: 45, parses: 6 },
      "cohere/chat-v2-stream-tool-calls.sse": { chunks: 30, parses: 6 },
    } as const;
    for (const path of FIXTURES) {
      const events = fixtureEvents(path);
      const facts = agreeOnStream(cohereChat, foldCohereEvent, events);
      const want = expected[path as keyof typeof expected];
      expect({ path, chunks: facts.chunks, complete: facts.complete, parses: parsesOver(cohereChat, events) }).toEqual({ path, chunks: want.chunks, complete: true, parses: want.parses });
      if ("id" in want) expect(facts).toStrictEqual({ id: want.id, finishReasons: want.finishReasons, usage: want.usage, chunks: want.chunks, complete: true });
    }
  });

  it("agrees on crafted near-misses", () => {
    const started = newResponseFacts();
    started.id = "msg-1";
    const cases: [SseEvent, boolean][] = [
      // Taken: escaped quotes, backslashes, \u escapes and non-ASCII are text like any other.
      [ev("content-delta", contentDelta({ text: 'say "hi" \\ \u0000 é 😀' })), true],
      [ev("content-delta", String.raw`{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"\u0022usage\u0022"}}}}`), true],
      [ev("content-delta", contentDelta({ thinking: "hmm" })), true],
      [ev("content-delta", '{ "type": "content-delta", "index": 3,\n "delta": { "message": { "content": { "text": "x" } } } }'), true],
      [ev("tool-plan-delta", { type: "tool-plan-delta", delta: { message: { tool_plan: "I will" } } }), true],
      [ev("tool-call-delta", { type: "tool-call-delta", index: 1, delta: { message: { tool_calls: { function: { arguments: '{"a":' } } } } }), true],
      // Parsed: empty text, another type in the data (it wins over the event line), facts.
      [ev("content-delta", contentDelta({ text: "" })), false],
      [ev("content-delta", { type: "message-end", delta: { finish_reason: "MAX_TOKENS", usage: { tokens: { input_tokens: 3, output_tokens: 9 } } } }), false],
      [ev("content-delta", { type: "content-start", index: 0, delta: { message: { content: { type: "text", text: "x" } } } }), false],
      [ev("content-delta", { ...contentDelta({ text: "x" }), type: "message-start", id: "other" }), false],
      [ev("tool-plan-delta", { type: "tool-plan-delta", delta: { message: { tool_plan: "" } } }), false],
      [ev("tool-call-delta", { type: "tool-call-delta", index: 1, delta: { message: { tool_calls: { function: { arguments: "" } } } } }), false],
      // Parsed, and not output: invalid JSON that a loose match would take.
      [ev("content-delta", String.raw`{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"\x"}}}}`), false],
      [ev("content-delta", `{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"a\nb"}}}}`), false],
      [ev("content-delta", '{"type":"content-delta","index":01,"delta":{"message":{"content":{"text":"a"}}}}'), false],
      [ev("content-delta", '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"a"}}}}\u00a0'), false],
      [ev("content-delta", '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"a"}}}}}'), false],
      // Duplicate key: JSON.parse keeps the last (empty).
      [ev("content-delta", '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"a","text":""}}}}'), false],
      // Event names that are Object.prototype keys find no shape.
      [ev("constructor", contentDelta({ text: "x" })), true],
      [ev("__proto__", { type: "message-end", delta: { finish_reason: "COMPLETE" } }), false],
      [ev(undefined, contentDelta({ text: "x" })), true],
    ];
    for (const [event, output] of cases) {
      for (const before of [newResponseFacts(), started]) expect(agree(cohereChat, foldCohereEvent, event, before).output, event.data).toBe(output);
    }
    const end = agree(cohereChat, foldCohereEvent, cases[7][0], started).facts;
    expect(end).toStrictEqual({ id: "msg-1", finishReasons: ["MAX_TOKENS"], usage: { input: 3, output: 9 }, complete: true });
  });

  it("agrees on one-character mutations of every fixture event", () => {
    const events = FIXTURES.flatMap(fixtureEvents);
    agreeOnMutations(cohereChat, foldCohereEvent, events, newResponseFacts());
  });
});
