import { describe, expect, it } from "vitest";
import { OPENAI_REQUEST_SERVICE_TIER } from "../../src/attributes.js";
import { detect } from "../../src/genai/detect.js";
import { openaiCompletions } from "../../src/genai/openai-completions.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldStream } from "./helpers.js";

const URL_ = new URL("https://api.openai.com/v1/completions");
const H = new Headers();
const post = (url: string, body?: Record<string, unknown>) => {
  const d = detect("POST", new URL(url), new Headers(), body, {});
  return d && { provider: d.provider, format: d.format.id };
};

describe("openaiCompletions.request", () => {
  it("maps the Chat Completions parameters under text_completion", () => {
    const facts = openaiCompletions.request(
      {
        model: "gpt-3.5-turbo-instruct",
        prompt: "Say this is a test",
        max_tokens: 7,
        temperature: 0,
        top_p: 1,
        n: 2,
        stop: "\n",
        seed: 3,
        frequency_penalty: 0.5,
        presence_penalty: 0.25,
        stream: true,
        stream_options: { include_usage: true },
      },
      URL_,
      H,
    );
    expect(facts).toStrictEqual({
      operation: "text_completion",
      model: "gpt-3.5-turbo-instruct",
      stream: true,
      maxTokens: 7,
      temperature: 0,
      topP: 1,
      stopSequences: ["\n"],
      seed: 3,
      frequencyPenalty: 0.5,
      presencePenalty: 0.25,
      choiceCount: 2,
    });
    expect(openaiCompletions.request(undefined, URL_, H)).toStrictEqual({ operation: "text_completion" });
  });

  it("openai.* request attributes for the openai provider only (no api type value exists for it)", () => {
    const request = { operation: "text_completion" as const, serviceTier: "flex" };
    expect(openaiCompletions.requestAttributes?.("openai", request)).toEqual({ [OPENAI_REQUEST_SERVICE_TIER]: "flex" });
    expect(openaiCompletions.requestAttributes?.("mistral_ai", request)).toBeUndefined();
  });
});

describe("openaiCompletions responses", () => {
  it("completions-nonstream.json", () => {
    expect(foldJson(openaiCompletions, "openai/completions-nonstream.json")).toEqual({
      id: "cmpl-8wq42D1Socatcl1rCmgYZOFX7dFZw",
      model: "davinci-002",
      finishReasons: ["length"],
      usage: { input: 8, output: 16 },
    });
  });

  it("completions-stream.sse: 16 text chunks, the finish reason on the last, no usage", () => {
    expect(foldStream(openaiCompletions, "openai/completions-stream.sse")).toEqual({
      id: "cmpl-DPTD5VjKMlkf25gOi8zIuDlJbWv7x",
      model: "davinci:2023-07-21-v2",
      finishReasons: ["length"],
      usage: {},
      chunks: 16,
      complete: true,
    });
  });

  it("finish reasons by choice index (n=2), the include_usage chunk, an error body", () => {
    const facts = newResponseFacts();
    const chunk = (choices: object[], extra: object = {}) => ({ data: JSON.stringify({ id: "cmpl-1", object: "text_completion", created: 1, model: "gpt-3.5-turbo-instruct", choices, ...extra }) });
    expect(openaiCompletions.event(chunk([{ text: "a", index: 1, logprobs: null, finish_reason: null }]), facts)).toBe(true);
    expect(openaiCompletions.event(chunk([{ text: "", index: 1, logprobs: null, finish_reason: "stop" }]), facts)).toBe(false);
    expect(openaiCompletions.event(chunk([{ text: "b", index: 0, logprobs: null, finish_reason: "length" }]), facts)).toBe(true);
    expect(openaiCompletions.event(chunk([], { usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } }), facts)).toBe(false);
    expect(facts).toEqual({ id: "cmpl-1", model: "gpt-3.5-turbo-instruct", finishReasons: ["length", "stop"], usage: { input: 5, output: 9 } });
    expect(foldJson(openaiCompletions, "openai/error-400-invalid-image-url.json").error?.type).toBe("invalid_image_url");
  });
});

describe("completions detection", () => {
  it("/completions after /chat/completions; Mistral FIM lands here too", () => {
    const prompt = { model: "gpt-3.5-turbo-instruct", prompt: "x" };
    expect(post("https://api.openai.com/v1/completions", prompt)).toEqual({ provider: "openai", format: "openai.completions" });
    expect(post("https://api.openai.com/v1/chat/completions", { model: "gpt-4o", messages: [] })).toEqual({ provider: "openai", format: "openai.chat_completions" });
    expect(post("https://api.mistral.ai/v1/fim/completions", { model: "codestral-latest", prompt: "def f(", suffix: "return x" })).toEqual({ provider: "mistral_ai", format: "openai.completions" });
    expect(post("http://vllm.internal:8000/v1/completions", prompt)).toEqual({ provider: "openai", format: "openai.completions" });
    expect(post("http://vllm.internal:8000/v1/completions", { model: "m", messages: [] })).toBeUndefined();
  });
});
