import { describe, expect, it } from "vitest";
import { foldOllamaChatLine, foldOllamaGenerateLine, ollamaChat, ollamaGenerate } from "../../src/genai/ollama.js";
import { newResponseFacts, type SseEvent } from "../../src/genai/types.js";
import { agree, agreeOnMutations, agreeOnStream, type Fold, parsesOver } from "./fast-path-agreement.js";
import { fixtureEvents } from "./helpers.js";

/**
 * Ollama's per-chunk fast path takes the lines of the exact shape Ollama writes with text and
 * `"done": false` without parsing them, once the model is known. It must agree with the full parse
 * on every line of every fixture and on near-misses.
 */
const line = (data: unknown): SseEvent => ({ data: typeof data === "string" ? data : JSON.stringify(data) });
const head = { model: "llama3", created_at: "2024-05-24T20:26:46.294874Z" };
const chat = (message: object, extra: object = {}) => line({ ...head, message: { role: "assistant", ...message }, done: false, ...extra });
const gen = (fields: object, extra: object = {}) => line({ ...head, ...fields, done: false, ...extra });
const known = () => ({ ...newResponseFacts(), model: "llama3" });

describe("ollama fast path", () => {
  const streams: [string, typeof ollamaChat, Fold, object][] = [
    ["ollama/api-chat-stream.ndjson", ollamaChat, foldOllamaChatLine, { chunks: 49, usage: { input: 17, output: 50 } }],
    ["ollama/api-generate-stream.ndjson", ollamaGenerate, foldOllamaGenerateLine, { chunks: 70, usage: { input: 17, output: 71 } }],
  ];

  it("agrees with the full parse on every line of every fixture, and parses only the first and the last", () => {
    for (const [path, format, full, want] of streams) {
      const events = fixtureEvents(path);
      const facts = agreeOnStream(format, full, events);
      expect(facts).toStrictEqual({ model: "llama3", finishReasons: ["stop"], complete: true, ...want });
      // The first line names the model, the last has `done: true`.
      expect(parsesOver(format, events)).toBe(2);
    }
  });

  it("agrees on crafted near-misses (chat)", () => {
    const cases: [SseEvent, boolean][] = [
      // Taken once the model is known: escapes (Go writes < > & as \u003c...), thinking.
      [chat({ content: 'say "hi" \\ <b> & é' }), true],
      [line(String.raw`{"model":"llama3","created_at":"t","message":{"role":"assistant","content":"\u003cb\u003e"},"done":false}`), true],
      [chat({ content: "", thinking: "The" }), true],
      [chat({ content: "a", thinking: "" }), true],
      [line(' { "model" : "llama3" , "created_at" : "t" ,\n "message" : { "role" : "assistant" , "content" : "x" } , "done" : false } '), true],
      // Parsed: no text, the last line, errors, tool calls, other fields.
      [chat({ content: "" }), false],
      [chat({ content: "", thinking: "" }), false],
      [chat({ content: "!" }, { done: true, done_reason: "length", prompt_eval_count: 5, eval_count: 9 }), true],
      [line({ ...head, message: { role: "assistant", content: "!" }, done: true, done_reason: "stop" }), true],
      [line({ ...head, message: { role: "assistant", content: "x" }, done: false, error: "boom" }), true],
      [line({ error: "model 'llama9' not found" }), false],
      [chat({ content: "", tool_calls: [{ function: { name: "f", arguments: {} } }] }), true],
      [chat({ content: "x", images: null }), true],
      // Invalid JSON a loose match would take.
      [line(String.raw`{"model":"llama3","created_at":"t","message":{"role":"assistant","content":"\x"},"done":false}`), false],
      [line(`{"model":"llama3","created_at":"t","message":{"role":"assistant","content":"a\tb"},"done":false}`), false],
      [line('{"model":"llama3","created_at":"t","message":{"role":"assistant","content":"a"},"done":false}}'), false],
      // Duplicate key: JSON.parse keeps the last (done: true, the end).
      [line('{"model":"llama3","created_at":"t","message":{"role":"assistant","content":"a"},"done":false,"done":true}'), true],
      [line('{"model":"llama3","created_at":"t","message":{"role":"assistant","content":"a","content":""},"done":false}'), false],
    ];
    for (const [event, output] of cases) {
      for (const before of [newResponseFacts(), known()]) expect(agree(ollamaChat, foldOllamaChatLine, event, before).output, event.data).toBe(output);
    }
    // The first line's model is a fact even when the line is a plain delta.
    expect(agree(ollamaChat, foldOllamaChatLine, chat({ content: "x" }), newResponseFacts()).facts.model).toBe("llama3");
    const end = agree(ollamaChat, foldOllamaChatLine, cases[7][0], known()).facts;
    expect(end).toStrictEqual({ model: "llama3", finishReasons: ["length"], usage: { input: 5, output: 9 }, complete: true });
    expect(agree(ollamaChat, foldOllamaChatLine, cases[9][0], known()).facts.error).toStrictEqual({ type: "_OTHER" });
  });

  it("agrees on crafted near-misses (generate)", () => {
    const cases: [SseEvent, boolean][] = [
      [gen({ response: 'a "quoted" \\n' }), true],
      [gen({ response: "", thinking: "hmm" }), true],
      [gen({ response: "" }), false],
      [gen({ response: "x" }, { context: [1, 2] }), true],
      [gen({ response: "x" }, { done: true, eval_count: 3 }), true],
      [line({ ...head, message: { role: "assistant", content: "x" }, done: false }), false],
    ];
    for (const [event, output] of cases) {
      for (const before of [newResponseFacts(), known()]) expect(agree(ollamaGenerate, foldOllamaGenerateLine, event, before).output, event.data).toBe(output);
    }
  });

  it("agrees on one-character mutations of every fixture line", () => {
    for (const [path, format, full] of streams) {
      const events = fixtureEvents(path);
      for (const before of [newResponseFacts(), known()]) agreeOnMutations(format, full, events, before, 1000);
    }
  });
});
