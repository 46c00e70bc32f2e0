import { describe, expect, it } from "vitest";
import { detect } from "../../src/genai/detect.js";
import { ollamaChat, ollamaEmbed, ollamaGenerate } from "../../src/genai/ollama.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldPieces, foldStream } from "./helpers.js";

const URL_ = new URL("http://localhost:11434/api/chat");
const H = new Headers();
const post = (url: string, body?: Record<string, unknown>) => {
  const d = detect("POST", new URL(url), new Headers(), body, {});
  return d && { provider: d.provider, format: d.format.id };
};
const ndjson = (lines: object[]) => new TextEncoder().encode(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));

describe("ollama requests", () => {
  it("chat: streams unless stream is false; options, format schema and a think level", () => {
    const facts = ollamaChat.request(
      {
        model: "gpt-oss:20b",
        messages: [{ role: "user", content: "Why is the sky blue?" }],
        format: { type: "object", properties: { answer: { type: "string" } } },
        think: "high",
        options: { num_predict: 128, temperature: 0.7, top_p: 0.9, top_k: 40, seed: 42, stop: ["\n\n", "User:"], frequency_penalty: 0.5, presence_penalty: 0.1, num_ctx: 4096 },
      },
      URL_,
      H,
    );
    expect(facts).toStrictEqual({
      operation: "chat",
      model: "gpt-oss:20b",
      stream: true,
      maxTokens: 128,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 42,
      stopSequences: ["\n\n", "User:"],
      frequencyPenalty: 0.5,
      presencePenalty: 0.1,
      outputType: "json",
      reasoningLevel: "high",
    });
  });

  it("a think level is recorded; think: true is no level; num_predict -1 is no limit", () => {
    expect(ollamaChat.request({ model: "gpt-oss", messages: [], think: "low", stream: false }, URL_, H)).toStrictEqual({
      operation: "chat",
      model: "gpt-oss",
      stream: false,
      reasoningLevel: "low",
    });
    expect(ollamaChat.request({ model: "qwen3", messages: [], think: true, options: { num_predict: -1 } }, URL_, H)).toStrictEqual({ operation: "chat", model: "qwen3", stream: true });
    expect(ollamaChat.request({ model: "llama3", messages: [], stream: "no" }, URL_, H).stream).toBe(true);
    expect(ollamaChat.request(undefined, URL_, H)).toStrictEqual({ operation: "chat" });
  });

  it("generate is a text completion; format json", () => {
    expect(ollamaGenerate.request({ model: "llama3", prompt: "Tell me a joke", format: "json", options: {} }, URL_, H)).toStrictEqual({
      operation: "text_completion",
      model: "llama3",
      stream: true,
      outputType: "json",
    });
  });
});

describe("ollama responses", () => {
  it("api-chat-stream.ndjson: model on every line, usage and done_reason on the done line", () => {
    expect(foldStream(ollamaChat, "ollama/api-chat-stream.ndjson")).toEqual({
      model: "llama3",
      finishReasons: ["stop"],
      usage: { input: 17, output: 50 },
      chunks: 49,
      complete: true,
    });
  });

  it("api-generate-stream.ndjson: 70 non-empty response lines of 71", () => {
    expect(foldStream(ollamaGenerate, "ollama/api-generate-stream.ndjson")).toEqual({
      model: "llama3",
      finishReasons: ["stop"],
      usage: { input: 17, output: 71 },
      chunks: 70,
      complete: true,
    });
  });

  it("api-chat-tool-call.json: a whole response", () => {
    expect(foldJson(ollamaChat, "ollama/api-chat-tool-call.json")).toEqual({
      model: "qwen3.6:latest",
      finishReasons: ["stop"],
      usage: { input: 292, output: 143 },
    });
  });

  it("api-chat-error-404.json: free-text error, so type _OTHER", () => {
    expect(foldJson(ollamaChat, "ollama/api-chat-error-404.json")).toEqual({
      finishReasons: [],
      usage: {},
      error: { type: "_OTHER" },
    });
  });

  it("an error line in the middle of a stream; thinking and tool calls are output", () => {
    const line = (message: object) => ({ model: "qwen3", created_at: "2025-06-01T10:00:00Z", message: { role: "assistant", content: "", ...message }, done: false });
    const bytes = ndjson([
      line({ thinking: "Let me" }),
      line({ tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] }),
      line({}),
      { error: "an error was encountered while running the model: unexpected EOF" },
    ]);
    expect(foldPieces(ollamaChat, [bytes], "ndjson")).toEqual({
      model: "qwen3",
      finishReasons: [],
      usage: {},
      error: { type: "_OTHER" },
      chunks: 2,
    });
  });

  it("generate: a thinking line is output; a load-only response has done_reason load", () => {
    const facts = newResponseFacts();
    expect(ollamaGenerate.event({ data: '{"model":"deepseek-r1","response":"","thinking":"Hmm","done":false}' }, facts)).toBe(true);
    expect(ollamaGenerate.event({ data: '{"model":"deepseek-r1","created_at":"2025-01-01T00:00:00Z","response":"","done":true,"done_reason":"load"}' }, facts)).toBe(false);
    expect(facts).toEqual({ model: "deepseek-r1", finishReasons: ["load"], usage: {}, complete: true });
  });

  it("embed: input count and the first vector's length", () => {
    const facts = newResponseFacts();
    ollamaEmbed.json({ model: "all-minilm", embeddings: [[0.010071029, -0.0017594862, 0.05007221], [-0.0098027075, 0.06042469, 0.025257962]], total_duration: 14143917, load_duration: 1019500, prompt_eval_count: 8 }, facts);
    expect(facts).toEqual({ model: "all-minilm", finishReasons: [], usage: { input: 8 }, embeddingDimensions: 3 });
    expect(ollamaEmbed.request({ model: "all-minilm", input: ["a", "b"], dimensions: 256 }, URL_, H)).toStrictEqual({ operation: "embeddings", model: "all-minilm", embeddingDimensions: 256 });
  });
});

describe("ollama detection", () => {
  it("an unknown host (the local server) with a fitting body is ollama", () => {
    expect(post("http://localhost:11434/api/chat", { model: "llama3", messages: [{ role: "user", content: "hi" }] })).toEqual({ provider: "ollama", format: "ollama.chat" });
    expect(post("http://127.0.0.1:11434/api/generate", { model: "llama3", prompt: "hi" })).toEqual({ provider: "ollama", format: "ollama.generate" });
    expect(post("http://localhost:11434/api/chat", { messages: [] })).toBeUndefined();
    expect(post("http://localhost:11434/api/generate", { model: "llama3" })).toBeUndefined();
    // Ollama's OpenAI-compatible endpoint is Chat Completions.
    expect(post("http://localhost:11434/v1/chat/completions", { model: "llama3", messages: [] })).toEqual({ provider: "openai", format: "openai.chat_completions" });
  });
});
