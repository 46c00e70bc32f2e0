/**
 * The OpenAI-compatible providers' quirks, folded by the Chat Completions format (it never learns
 * the provider: each quirk is recognised by its shape).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { detect } from "../../src/genai/detect.js";
import { openaiChat } from "../../src/genai/openai-chat.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldStream } from "./helpers.js";

const post = (url: string, body: Record<string, unknown> = { model: "m", messages: [] }) => {
  const d = detect("POST", new URL(url), new Headers(), body, {});
  return d && { provider: d.provider, format: d.format.id };
};
const usageOf = (usage: object) => {
  const facts = newResponseFacts();
  openaiChat.json({ choices: [], usage }, facts);
  return facts.usage;
};

describe("DeepSeek", () => {
  it("deepseek/chat-tool-call-cache-hit.json: cache hits are part of prompt_tokens", () => {
    expect(foldJson(openaiChat, "deepseek/chat-tool-call-cache-hit.json")).toEqual({
      id: "7a630f5b-b7e6-4878-82f8-d77db164d42b",
      model: "deepseek-reasoner",
      finishReasons: ["tool_calls"],
      usage: { input: 339, output: 92, cacheRead: 320, reasoning: 48 },
      systemFingerprint: "fp_eaab8d114b_prod0820_fp8_kvcache",
    });
  });

  it("prompt_cache_hit_tokens alone (no prompt_tokens_details) is the cache read", () => {
    expect(usageOf({ prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240, prompt_cache_hit_tokens: 1000, prompt_cache_miss_tokens: 200 })).toEqual({ input: 1200, output: 40, cacheRead: 1000 });
  });
});

describe("xAI", () => {
  it("xai/chat-reasoning.json: completion_tokens leaves reasoning out (total 241 = 12 + 1 + 228), output adds it", () => {
    expect(foldJson(openaiChat, "xai/chat-reasoning.json")).toEqual({
      id: "2af5c888-e886-6dcb-7844-95f8fe010b00",
      model: "grok-3-mini",
      finishReasons: ["stop"],
      usage: { input: 12, output: 229, cacheRead: 2, reasoning: 228, inputModalities: { text: 12 } },
      systemFingerprint: "fp_2a885414fb",
    });
  });

  it("xai/chat-stream-reasoning.sse: usage chunk after the finish chunk", () => {
    expect(foldStream(openaiChat, "xai/chat-stream-reasoning.sse")).toEqual({
      id: "7327b9f5-1c2f-0a15-3fef-c14a71c460d3",
      model: "grok-3-mini",
      finishReasons: ["stop"],
      usage: { input: 12, output: 291, cacheRead: 11, reasoning: 290, inputModalities: { text: 12 } },
      systemFingerprint: "fp_2a885414fb",
      chunks: 6,
    });
  });

  it("OpenAI's totals (reasoning inside completion_tokens) are left as they are; a cache above the prompt is added to it", () => {
    expect(usageOf({ prompt_tokens: 10, completion_tokens: 300, total_tokens: 310, completion_tokens_details: { reasoning_tokens: 256 } })).toEqual({ input: 10, output: 300, reasoning: 256 });
    expect(usageOf({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, prompt_tokens_details: { cached_tokens: 64 } })).toEqual({ input: 69, output: 3, cacheRead: 64 });
  });
});

describe("Perplexity", () => {
  it("perplexity/chat-citations.json: citations ignored, usage read", () => {
    expect(foldJson(openaiChat, "perplexity/chat-citations.json")).toEqual({
      id: "aec30d94-c6a5-4d30-935e-97dbe8de9f85",
      model: "sonar",
      finishReasons: ["stop"],
      usage: { input: 11, output: 392 },
    });
  });

  it("perplexity/chat-stream-citations.sse: usage repeated in every chunk, last object chat.completion.done", () => {
    expect(foldStream(openaiChat, "perplexity/chat-stream-citations.sse")).toEqual({
      id: "58cb9740-f356-49e9-b71e-a02a1376c1b9",
      model: "sonar",
      finishReasons: ["stop"],
      usage: { input: 10, output: 336 },
      chunks: 7,
    });
  });
});

describe("Mistral", () => {
  it("mistral/chat-stream-reasoning-parts.sse: thinking and text content parts are output", () => {
    expect(foldStream(openaiChat, "mistral/chat-stream-reasoning-parts.sse")).toEqual({
      id: "a4e29c5b82f94d67b23e108a7c9df6e1",
      model: "magistral-medium-2507",
      finishReasons: ["stop"],
      usage: { input: 10, output: 46 },
      chunks: 3,
    });
  });

  it("content parts without text are not output", () => {
    const facts = newResponseFacts();
    const parts = (content: unknown) => openaiChat.event({ data: JSON.stringify({ id: "x", model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] }) }, facts);
    expect(parts([{ type: "thinking", thinking: [{ type: "text", text: "" }] }])).toBe(false);
    expect(parts([{ type: "text", text: "" }, null, 3])).toBe(false);
    expect(parts([{ type: "thinking", thinking: [{ type: "text", text: "hm" }] }])).toBe(true);
  });
});

describe("Groq", () => {
  it("groq/chat-stream.sse: x_groq.usage on the last chunk; the chunk id is the response id, not x_groq.id", () => {
    expect(foldStream(openaiChat, "groq/chat-stream.sse")).toEqual({
      id: "chatcmpl-532a6640-2e18-4a4c-8406-8437a857ce48",
      model: "llama3-8b-8192",
      finishReasons: ["stop"],
      usage: { input: 18, output: 73 },
      systemFingerprint: "fp_179b0f92c9",
      chunks: 72,
      complete: true,
    });
  });
});

describe("token modalities", () => {
  it("recorded for a non-zero audio or image count, or a text count the provider names (xAI); text as named, else the rest of the total", () => {
    // gpt-4o-audio-preview's usage shape (the text part named).
    expect(
      usageOf({
        prompt_tokens: 17,
        completion_tokens: 98,
        total_tokens: 115,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0, text_tokens: 17, image_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 76, text_tokens: 22, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      }),
    ).toEqual({ input: 17, output: 98, cacheRead: 0, reasoning: 0, inputModalities: { text: 17 }, outputModalities: { text: 22, audio: 76 } });
    // Text not named: the rest of the total.
    expect(usageOf({ prompt_tokens: 50, completion_tokens: 4, prompt_tokens_details: { audio_tokens: 30 } })).toEqual({ input: 50, output: 4, inputModalities: { text: 20, audio: 30 } });
    expect(usageOf({ prompt_tokens: 300, completion_tokens: 4, prompt_tokens_details: { image_tokens: 200, cached_tokens: 40 } })).toEqual({ input: 300, output: 4, cacheRead: 40, inputModalities: { text: 100, image: 200 } });
    // OpenAI's ordinary usage (audio_tokens: 0 on every call): no breakdown.
    expect(foldJson(openaiChat, "openai/chat-nonstream.json").usage).toEqual({ input: 15, output: 20, cacheRead: 0, reasoning: 0 });
  });
});

describe("the fast path is kept for ordinary chunks", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a content chunk is not parsed; chunks with usage, x_groq or a finish reason are", () => {
    const facts = newResponseFacts();
    const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", system_fingerprint: "fp_1", service_tier: "default" };
    openaiChat.event({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }) }, facts);
    const parse = vi.spyOn(JSON, "parse");
    expect(openaiChat.event({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] }) }, facts)).toBe(true);
    expect(parse).not.toHaveBeenCalled();
    openaiChat.event({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: "!" }, finish_reason: null }], x_groq: { id: "req_1", usage: { prompt_tokens: 3, completion_tokens: 2 } } }) }, facts);
    openaiChat.event({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: "." }, finish_reason: "stop" }] }) }, facts);
    expect(parse).toHaveBeenCalledTimes(2);
    expect(facts.usage).toEqual({ input: 3, output: 2 });
    expect(facts.finishReasons).toEqual(["stop"]);
  });
});

describe("detection of the compatible hosts", () => {
  it("known hosts name their provider; the format is Chat Completions", () => {
    expect(post("https://api.deepseek.com/chat/completions")).toEqual({ provider: "deepseek", format: "openai.chat_completions" });
    expect(post("https://api.x.ai/v1/chat/completions")).toEqual({ provider: "x_ai", format: "openai.chat_completions" });
    expect(post("https://api.perplexity.ai/chat/completions")).toEqual({ provider: "perplexity", format: "openai.chat_completions" });
    expect(post("https://api.groq.com/openai/v1/chat/completions")).toEqual({ provider: "groq", format: "openai.chat_completions" });
    expect(post("https://api.mistral.ai/v1/chat/completions")).toEqual({ provider: "mistral_ai", format: "openai.chat_completions" });
  });

  it("Together, Fireworks, OpenRouter, Cerebras speak Chat Completions (provider names: detect.ts)", () => {
    for (const url of [
      "https://api.together.xyz/v1/chat/completions",
      "https://api.fireworks.ai/inference/v1/chat/completions",
      "https://openrouter.ai/api/v1/chat/completions",
      "https://api.cerebras.ai/v1/chat/completions",
    ]) {
      expect(post(url)?.format).toBe("openai.chat_completions");
    }
  });
});
