import { describe, expect, it } from "vitest";
import { openaiChat } from "../../src/genai/openai-chat.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldSse } from "./helpers.js";

const URL_ = new URL("https://api.openai.com/v1/chat/completions");

describe("openaiChat.request", () => {
  it("maps every parameter", () => {
    const facts = openaiChat.request(
      {
        model: "gpt-4o",
        stream: true,
        max_tokens: 100,
        temperature: 0.2,
        top_p: 0.9,
        frequency_penalty: 0.5,
        presence_penalty: -0.5,
        stop: ["END", "STOP"],
        seed: 42,
        n: 3,
        response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } },
        reasoning_effort: "low",
        service_tier: "flex",
        top_logprobs: 5,
        messages: [{ role: "user", content: "hi" }],
      },
      URL_,
      new Headers(),
    );
    expect(facts).toStrictEqual({
      operation: "chat",
      model: "gpt-4o",
      stream: true,
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      stopSequences: ["END", "STOP"],
      seed: 42,
      choiceCount: 3,
      outputType: "json",
      reasoningLevel: "low",
      serviceTier: "flex",
    });
  });

  it("prefers max_completion_tokens, accepts a string stop, skips n=1, maps output types", () => {
    expect(
      openaiChat.request(
        { model: "o3", max_tokens: 10, max_completion_tokens: 20, stop: "\n", n: 1, response_format: { type: "text" } },
        URL_,
        new Headers(),
      ),
    ).toStrictEqual({ operation: "chat", model: "o3", maxTokens: 20, stopSequences: ["\n"], outputType: "text" });
    expect(openaiChat.request({ response_format: { type: "json_object" } }, URL_, new Headers()).outputType).toBe("json");
    expect(openaiChat.request({ modalities: ["text", "audio"], audio: {} }, URL_, new Headers()).outputType).toBe("speech");
    expect(openaiChat.request({ stream: false }, URL_, new Headers())).toStrictEqual({ operation: "chat", stream: false });
  });

  it("ignores values of the wrong type and a missing body", () => {
    expect(openaiChat.request(undefined, URL_, new Headers())).toStrictEqual({ operation: "chat" });
    expect(
      openaiChat.request(
        { model: 5, stream: "yes", max_tokens: 1.5, temperature: "hot", stop: [1, 2], seed: "1", n: "2", response_format: "json" },
        URL_,
        new Headers(),
      ),
    ).toStrictEqual({ operation: "chat" });
  });
});

describe("openaiChat.json", () => {
  it("chat-nonstream.json", () => {
    expect(foldJson(openaiChat, "openai/chat-nonstream.json")).toEqual({
      id: "chatcmpl-C4TUZMARo4XM8eqL685o7Un8pCHDX",
      model: "gpt-3.5-turbo-0125",
      finishReasons: ["stop"],
      usage: { input: 15, output: 20, cacheRead: 0, reasoning: 0 },
      serviceTier: "default",
    });
  });

  it("chat-nonstream-tool-calls.json", () => {
    expect(foldJson(openaiChat, "openai/chat-nonstream-tool-calls.json")).toEqual({
      id: "chatcmpl-BuC0QNgPhzfHw7tSwGnvSOIL636JK",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["tool_calls"],
      usage: { input: 57, output: 46, cacheRead: 0, reasoning: 0 },
      serviceTier: "default",
    });
  });

  it("error-400-invalid-image-url.json", () => {
    expect(foldJson(openaiChat, "openai/error-400-invalid-image-url.json")).toEqual({
      finishReasons: [],
      usage: {},
      error: { type: "invalid_image_url" },
    });
  });

  it("places finish reasons by choice index and falls back to the error type", () => {
    const facts = newResponseFacts();
    openaiChat.json(
      {
        choices: [
          { index: 1, finish_reason: "length" },
          { index: 0, finish_reason: "stop" },
          { index: 3, finish_reason: "content_filter" },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 30 } },
        system_fingerprint: "fp_1",
      },
      facts,
    );
    expect(facts.finishReasons).toEqual(["stop", "length", undefined, "content_filter"]);
    expect(facts.usage).toEqual({ input: 100, output: 50, cacheRead: 40, reasoning: 30 });
    expect(facts.systemFingerprint).toBe("fp_1");

    const err = newResponseFacts();
    openaiChat.json({ error: { message: "slow down", type: "rate_limit_exceeded", code: null } }, err);
    expect(err.error).toEqual({ type: "rate_limit_exceeded" });
    const bare = newResponseFacts();
    openaiChat.json({ error: {} }, bare);
    expect(bare.error).toEqual({ type: "_OTHER" });
    openaiChat.json(null, bare);
    openaiChat.json("text", bare);
  });

  it("ignores absurd or invalid choice indexes instead of growing a huge array", () => {
    const facts = newResponseFacts();
    openaiChat.json({ choices: [{ index: 1e9, finish_reason: "stop" }, { index: -1, finish_reason: "stop" }, { index: "1", finish_reason: "stop" }] }, facts);
    expect(facts.finishReasons).toEqual([]);
    openaiChat.event({ data: '{"choices":[{"index":4294967295,"delta":{"content":"x"},"finish_reason":"stop"}]}' }, facts);
    expect(facts.finishReasons).toEqual([]);
    openaiChat.json({ choices: [{ finish_reason: "stop" }, { finish_reason: "length" }] }, facts);
    expect(facts.finishReasons).toEqual(["stop", "length"]);
  });
});

describe("openaiChat streaming fixtures", () => {
  it("chat-stream-include-usage.sse", () => {
    expect(foldSse(openaiChat, "openai/chat-stream-include-usage.sse")).toEqual({
      id: "chatcmpl-BuDrRRWybY6JHzabaUyR2OtaEGp79",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["stop"],
      usage: { input: 22, output: 4, cacheRead: 0, reasoning: 0 },
      serviceTier: "default",
      chunks: 4,
      complete: true,
    });
  });

  it("chat-stream-parallel-tool-calls.sse", () => {
    expect(foldSse(openaiChat, "openai/chat-stream-parallel-tool-calls.sse")).toEqual({
      id: "chatcmpl-BuDpRr8h0kwBLc53wzb0GeYXsWCcX",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["tool_calls"],
      usage: {},
      serviceTier: "default",
      // 7 fragments for call 0 and 6 for call 1 (the first of each carries the name).
      chunks: 13,
      complete: true,
    });
  });

  it("chat-stream-tool-call-include-usage.sse", () => {
    expect(foldSse(openaiChat, "openai/chat-stream-tool-call-include-usage.sse")).toEqual({
      id: "chatcmpl-ChZNcadOV8XXL9i2Jh0PXsrur4L8k",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["tool_calls"],
      usage: { input: 59, output: 17, cacheRead: 0, reasoning: 0 },
      serviceTier: "default",
      systemFingerprint: "fp_b547601dbd",
      chunks: 10,
      complete: true,
    });
  });

  it("chat-stream-n2-multiple-choices.sse", () => {
    expect(foldSse(openaiChat, "openai/chat-stream-n2-multiple-choices.sse")).toEqual({
      id: "chatcmpl-BuDPruvXvy1cTouU79MhRWdmZWMqk",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["stop", "stop"],
      usage: {},
      serviceTier: "default",
      chunks: 6,
      complete: true,
    });
  });

  it("azure-chat-stream-prompt-filter.sse", () => {
    expect(foldSse(openaiChat, "openai/azure-chat-stream-prompt-filter.sse")).toEqual({
      id: "chatcmpl-9HpbaAXyt0cAnlWvI8kUAFpZt5jyQ",
      model: "gpt-35-turbo",
      finishReasons: ["stop"],
      usage: {},
      chunks: 24,
      complete: true,
    });
  });

  it("mistral/chat-stream.sse (usage on the finish chunk)", () => {
    expect(foldSse(openaiChat, "mistral/chat-stream.sse")).toEqual({
      id: "6dc321029f5d4aa5899c1b38c9657a61",
      model: "mistral-tiny",
      finishReasons: ["stop"],
      usage: { input: 11, output: 80 },
      chunks: 79,
      complete: true,
    });
  });

  it("mistral/chat-stream-tool-call.sse (whole call in one chunk, no index)", () => {
    expect(foldSse(openaiChat, "mistral/chat-stream-tool-call.sse")).toEqual({
      id: "8d641f96950f401892c98eff1e4335cd",
      model: "mistral-small-latest",
      finishReasons: ["tool_calls"],
      usage: { input: 96, output: 23 },
      chunks: 1,
      complete: true,
    });
  });
});

describe("openaiChat.event", () => {
  it("ignores negative token counts and cuts huge identifiers", () => {
    const facts = newResponseFacts();
    const model = "m".repeat(5000);
    openaiChat.event({ data: JSON.stringify({ model, choices: [{ delta: {}, finish_reason: "x".repeat(2000) }], usage: { prompt_tokens: -1, completion_tokens: 5, prompt_tokens_details: { cached_tokens: -2 } } }) }, facts);
    expect(facts).toEqual({ model: "m".repeat(1024), finishReasons: ["x".repeat(1024)], usage: { output: 5 } });
  });

  it("does not let Azure's empty first chunk set id/model or count as output", () => {
    const facts = newResponseFacts();
    const first = { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [] };
    expect(openaiChat.event({ data: JSON.stringify(first) }, facts)).toBe(false);
    expect(facts).toEqual({ finishReasons: [], usage: {} });
    facts.id = "chatcmpl-1";
    facts.model = "gpt-35-turbo";
    openaiChat.event({ data: JSON.stringify(first) }, facts);
    expect(facts.id).toBe("chatcmpl-1");
    expect(facts.model).toBe("gpt-35-turbo");
  });

  it("counts content, refusal, reasoning and tool-call deltas, not empty or role-only ones", () => {
    const chunk = (delta: unknown) => JSON.stringify({ id: "c", choices: [{ index: 0, delta, finish_reason: null }] });
    const facts = newResponseFacts();
    const counts = (delta: unknown) => openaiChat.event({ data: chunk(delta) }, facts);
    expect(counts({ content: "hi" })).toBe(true);
    expect(counts({ refusal: "no" })).toBe(true);
    expect(counts({ reasoning_content: "hmm" })).toBe(true);
    expect(counts({ reasoning: "hmm" })).toBe(true);
    expect(counts({ tool_calls: [{ index: 0, function: { arguments: "{" } }] })).toBe(true);
    expect(counts({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: "" } }] })).toBe(true);
    expect(counts({ role: "assistant", content: "" })).toBe(false);
    expect(counts({ role: "assistant", content: null, refusal: null })).toBe(false);
    expect(counts({})).toBe(false);
    expect(counts({ tool_calls: [{ index: 0, function: { arguments: "" } }] })).toBe(false);
  });

  it("ignores [DONE], malformed JSON and non-objects without throwing", () => {
    const facts = newResponseFacts();
    for (const data of ["[DONE]", "{", "", "null", "42", '"x"', "[1,2]", '{"choices":{}}', '{"choices":[null,1]}']) {
      expect(openaiChat.event({ data }, facts)).toBe(false);
    }
    // `[DONE]` only marks the stream complete.
    expect(facts).toEqual({ finishReasons: [], usage: {}, complete: true });
  });

  it("records an error object sent inside the stream", () => {
    const facts = newResponseFacts();
    openaiChat.event({ data: '{"error":{"message":"overloaded","type":"server_error","code":null}}' }, facts);
    expect(facts.error).toEqual({ type: "server_error" });
  });
});
