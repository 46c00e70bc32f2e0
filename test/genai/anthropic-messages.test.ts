import { describe, expect, it } from "vitest";
import { anthropicMessages, foldAnthropicEvent } from "../../src/genai/anthropic-messages.js";
import { newResponseFacts, type ResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldSse } from "./helpers.js";

const URL_ = new URL("https://api.anthropic.com/v1/messages");
const HEADERS = new Headers();

function feed(facts: ResponseFacts, ...events: Record<string, unknown>[]): boolean[] {
  return events.map((e) => anthropicMessages.event({ event: String(e.type), data: JSON.stringify(e) }, facts));
}

describe("anthropicMessages.request", () => {
  it("maps every parameter", () => {
    expect(
      anthropicMessages.request(
        {
          model: "claude-opus-4-5",
          stream: true,
          max_tokens: 1024,
          temperature: 0.5,
          top_p: 0.95,
          top_k: 40,
          stop_sequences: ["\n\nHuman:"],
          output_config: { effort: "medium" },
          thinking: { type: "enabled", budget_tokens: 2048 },
          system: "be brief",
          messages: [],
        },
        URL_,
        HEADERS,
      ),
    ).toStrictEqual({
      operation: "chat",
      model: "claude-opus-4-5",
      stream: true,
      maxTokens: 1024,
      temperature: 0.5,
      topP: 0.95,
      topK: 40,
      stopSequences: ["\n\nHuman:"],
      reasoningLevel: "medium",
    });
  });

  it("takes the reasoning level only from output_config.effort", () => {
    expect(anthropicMessages.request({ model: "m", thinking: { type: "enabled", budget_tokens: 1024 } }, URL_, HEADERS)).toStrictEqual({
      operation: "chat",
      model: "m",
    });
    expect(anthropicMessages.request(undefined, URL_, HEADERS)).toStrictEqual({ operation: "chat" });
    expect(anthropicMessages.request({ top_k: 1.5, stop_sequences: "x" }, URL_, HEADERS)).toStrictEqual({
      operation: "chat",
      stopSequences: ["x"],
    });
  });
});

describe("anthropicMessages.json", () => {
  it("messages-nonstream.json", () => {
    expect(foldJson(anthropicMessages, "anthropic/messages-nonstream.json")).toEqual({
      id: "msg_01ABEG1nJ4BqCbQR4BUANnCB",
      model: "claude-3-opus-20240229",
      finishReasons: ["end_turn"],
      usage: { input: 17, output: 137, cacheRead: 0, cacheWrite: 0 },
    });
  });

  it("messages-nonstream-thinking.json", () => {
    expect(foldJson(anthropicMessages, "anthropic/messages-nonstream-thinking.json")).toEqual({
      id: "msg_018V3xGyrq6nc25GVuWiaKHx",
      model: "claude-opus-4-1-20250805",
      finishReasons: ["end_turn"],
      usage: { input: 49, output: 186, cacheRead: 0, cacheWrite: 0 },
    });
  });

  it("sums cache reads and writes into the input total", () => {
    const facts = newResponseFacts();
    anthropicMessages.json(
      {
        id: "msg_1",
        type: "message",
        model: "claude-sonnet-4-5",
        stop_reason: "max_tokens",
        usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 5 },
      },
      facts,
    );
    expect(facts.usage).toEqual({ input: 1210, output: 5, cacheRead: 1000, cacheWrite: 200 });
    expect(facts.finishReasons).toEqual(["max_tokens"]);
  });

  it("an input total past the safe integers is not recorded (it would be exported as a double), nor an earlier one kept", () => {
    const facts = newResponseFacts();
    anthropicMessages.json({ type: "message", usage: { input_tokens: 1, cache_creation_input_tokens: 2 ** 53 - 1, output_tokens: 5 } }, facts);
    expect(facts.usage).toStrictEqual({ output: 5, cacheWrite: 2 ** 53 - 1 });
    const streamed = newResponseFacts();
    foldAnthropicEvent({ data: '{"type":"message_start","message":{"usage":{"input_tokens":10}}}' }, streamed);
    foldAnthropicEvent({ data: `{"type":"message_delta","delta":{},"usage":{"cache_read_input_tokens":${2 ** 53 - 1}}}` }, streamed);
    expect(streamed.usage).toStrictEqual({ cacheRead: 2 ** 53 - 1 });
  });

  it("maps an error body", () => {
    const facts = newResponseFacts();
    anthropicMessages.json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, facts);
    expect(facts).toEqual({ finishReasons: [], usage: {}, error: { type: "overloaded_error" } });
  });
});

describe("anthropicMessages streaming fixtures", () => {
  it("messages-stream-text.sse", () => {
    expect(foldSse(anthropicMessages, "anthropic/messages-stream-text.sse")).toEqual({
      id: "msg_0178nRhNdfNKxFcZRFqApVgL",
      model: "claude-3-opus-20240229",
      finishReasons: ["end_turn"],
      usage: { input: 17, output: 158, cacheRead: 0, cacheWrite: 0 },
      chunks: 61,
      complete: true,
    });
  });

  it("messages-stream-tool-use.sse", () => {
    expect(foldSse(anthropicMessages, "anthropic/messages-stream-tool-use.sse")).toEqual({
      id: "msg_0138UNF3YbNp49KkqZtUBWqz",
      model: "claude-3-5-sonnet-20240620",
      finishReasons: ["tool_use"],
      usage: { input: 506, output: 153, cacheRead: 0, cacheWrite: 0 },
      // 10 text deltas + 15 input_json deltas, minus the 2 empty first fragments.
      chunks: 23,
      complete: true,
    });
  });

  it("messages-stream-thinking.sse", () => {
    expect(foldSse(anthropicMessages, "anthropic/messages-stream-thinking.sse")).toEqual({
      id: "msg_01Rg6AMdcuaQkn3YPvgQvffV",
      model: "claude-sonnet-4-6",
      finishReasons: ["end_turn"],
      // input_tokens is repeated in message_delta: replaced, not added.
      usage: { input: 52, output: 204, cacheRead: 0, cacheWrite: 0, reasoning: 54 },
      // 3 thinking deltas (one empty) + 4 text deltas; the signature delta is not output.
      chunks: 6,
      complete: true,
    });
  });
});

describe("anthropicMessages.event", () => {
  it("ignores negative token counts", () => {
    const facts = newResponseFacts();
    feed(facts, { type: "message_start", message: { usage: { input_tokens: -10, cache_read_input_tokens: 4, output_tokens: -1 } } });
    expect(facts.usage).toEqual({ cacheRead: 4 });
  });

  it("does not double count when message_delta repeats input and cache counts", () => {
    const facts = newResponseFacts();
    feed(
      facts,
      {
        type: "message_start",
        message: {
          id: "msg_x",
          model: "claude-sonnet-4-5",
          usage: { input_tokens: 12, cache_read_input_tokens: 3000, cache_creation_input_tokens: 400, output_tokens: 1 },
        },
      },
      { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 50 } },
    );
    expect(facts.usage).toEqual({ input: 3412, output: 50, cacheRead: 3000, cacheWrite: 400 });
    feed(facts, {
      type: "message_delta",
      delta: { stop_reason: "end_turn" },
      usage: { input_tokens: 12, cache_read_input_tokens: 3000, cache_creation_input_tokens: 400, output_tokens: 60 },
    });
    expect(facts.usage).toEqual({ input: 3412, output: 60, cacheRead: 3000, cacheWrite: 400 });
    // A delta that updates only the cache count keeps the uncached part.
    feed(facts, { type: "message_delta", delta: {}, usage: { cache_read_input_tokens: 3100, input_tokens: null, output_tokens: 61 } });
    expect(facts.usage).toEqual({ input: 3512, output: 61, cacheRead: 3100, cacheWrite: 400 });
    expect(facts.finishReasons).toEqual(["end_turn"]);
  });

  it("counts non-empty text, tool-input and thinking deltas only", () => {
    const facts = newResponseFacts();
    const delta = (d: Record<string, unknown>) => ({ type: "content_block_delta", index: 0, delta: d });
    expect(
      feed(
        facts,
        { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: {} } },
        delta({ type: "input_json_delta", partial_json: "" }),
        delta({ type: "input_json_delta", partial_json: '{"a"' }),
        delta({ type: "text_delta", text: "Hi" }),
        delta({ type: "text_delta", text: "" }),
        delta({ type: "thinking_delta", thinking: "hmm" }),
        delta({ type: "signature_delta", signature: "abc" }),
        delta({ type: "citations_delta", citation: {} }),
        { type: "content_block_stop", index: 0 },
        { type: "ping" },
        { type: "message_stop" },
      ),
    ).toEqual([false, false, true, true, false, true, false, false, false, false, false]);
    // `message_stop` only marks the stream complete.
    expect(facts).toEqual({ finishReasons: [], usage: {}, complete: true });
  });

  it("records an error event", () => {
    const facts = newResponseFacts();
    feed(facts, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(facts.error).toEqual({ type: "overloaded_error" });
    const bare = newResponseFacts();
    anthropicMessages.event({ event: "error", data: '{"type":"error"}' }, bare);
    expect(bare.error).toEqual({ type: "_OTHER" });
  });

  it("ignores malformed events without throwing", () => {
    const facts = newResponseFacts();
    for (const data of ["{", "", "null", "[]", '{"type":"message_start","message":null}', '{"type":"message_delta","usage":[]}']) {
      expect(anthropicMessages.event({ data }, facts)).toBe(false);
    }
    expect(facts).toEqual({ finishReasons: [], usage: {} });
  });
});

describe("anthropicMessages fast path (content deltas classified without parsing)", () => {
  it("agrees with the full parse on spaced JSON and on a data type that differs from the event line", () => {
    const events = [
      { event: "content_block_delta", data: '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}' },
      // A relay that labels every event `content_block_delta`: the data's type wins.
      { event: "content_block_delta", data: '{"type": "message_delta", "delta": {"stop_reason": "end_turn", "text": "x"}, "usage": {"output_tokens": 7}}' },
      { event: "content_block_delta", data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded","text":"x"}}' },
      { event: "content_block_delta", data: '{"type":"message_stop","text":"x"}' },
      // The same type spelled with an escape.
      { event: "content_block_delta", data: '{"type":"message\\u005fdelta","delta":{"stop_reason":"max_tokens","text":"x"}}' },
    ];
    const fast = newResponseFacts();
    const parsed = newResponseFacts();
    const outputs = events.map((e) => anthropicMessages.event(e, fast));
    expect(outputs).toEqual([true, false, false, false, false]);
    expect(events.map((e) => foldAnthropicEvent(e, parsed))).toEqual(outputs);
    expect(fast).toEqual({
      finishReasons: ["max_tokens"],
      usage: { output: 7 },
      error: { type: "overloaded_error" },
      complete: true,
    });
    expect(fast).toEqual(parsed);
  });
});
