/**
 * Detection derives from the registry: what a format declares (path, body shape, home provider,
 * headers) is all the fetch plumbing knows of it. These pin that derivation, so a new format is
 * one file plus one registry line and the plumbing needs no edit.
 */
import { describe, expect, it } from "vitest";
import { detect, mayBeLLMCall, modelFromPath } from "../../src/genai/detect.js";
import { FORMATS } from "../../src/genai/registry.js";

const post = (url: string, body?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  detect("POST", new URL(url), new Headers(headers), body, {});
const summary = (d: ReturnType<typeof detect>) => d && { provider: d.provider, format: d.format.id };

describe("provider registry", () => {
  it("lists each wire format once, by id and by path", () => {
    expect(FORMATS.map((f) => [f.id, f.path, f.home, f.framing])).toEqual([
      ["openai.chat_completions", "/chat/completions", "openai", "sse"],
      ["openai.responses", "/responses", "openai", "sse"],
      ["openai.embeddings", "/embeddings", "openai", "sse"],
      ["anthropic.messages", "/messages", "anthropic", "sse"],
    ]);
  });

  it("the cheap first look takes exactly the registered paths, trailing slashes ignored, POST only", () => {
    for (const format of FORMATS) {
      expect(mayBeLLMCall("POST", new URL(`https://proxy.example/v1${format.path}`))).toBe(true);
      expect(mayBeLLMCall("POST", new URL(`https://proxy.example/v1${format.path}//`))).toBe(true);
      expect(mayBeLLMCall("GET", new URL(`https://proxy.example/v1${format.path}`))).toBe(false);
      expect(mayBeLLMCall("POST", new URL(`https://proxy.example/v1${format.path}/x`))).toBe(false);
    }
    expect(mayBeLLMCall("POST", new URL("https://proxy.example/v1/completions"))).toBe(false);
  });

  it("an unknown host is an LLM call only with a body that fits the format, and gets its home provider", () => {
    expect(summary(post("https://proxy.example/v1/chat/completions", { model: "m", messages: [] }))).toEqual({ provider: "openai", format: "openai.chat_completions" });
    expect(summary(post("https://proxy.example/v1/responses", { model: "m", input: "hi" }))).toEqual({ provider: "openai", format: "openai.responses" });
    expect(summary(post("https://proxy.example/v1/embeddings", { model: "m", input: ["a"] }))).toEqual({ provider: "openai", format: "openai.embeddings" });
    expect(summary(post("https://proxy.example/v1/messages", { model: "m", max_tokens: 5, messages: [] }))).toEqual({ provider: "anthropic", format: "anthropic.messages" });
    expect(post("https://proxy.example/v1/chat/completions", { model: "m", input: "hi" })).toBeUndefined();
    expect(post("https://proxy.example/v1/responses", { model: 1, input: "hi" })).toBeUndefined();
    expect(post("https://proxy.example/v1/chat/completions", undefined)).toBeUndefined();
  });

  it("a known host needs no body; `/messages` still needs Anthropic's header or a body that does not contradict it", () => {
    expect(summary(post("https://api.openai.com/v1/chat/completions"))).toEqual({ provider: "openai", format: "openai.chat_completions" });
    expect(summary(post("https://api.anthropic.com/v1/messages"))).toEqual({ provider: "anthropic", format: "anthropic.messages" });
    expect(post("https://api.openai.com/v1/messages", { model: "m", messages: [] })).toBeUndefined();
    expect(summary(post("https://api.openai.com/v1/messages", { model: "m", messages: [] }, { "anthropic-version": "2023-06-01" }))).toEqual({
      provider: "openai",
      format: "anthropic.messages",
    });
  });

  it("Azure's and Anthropic's conventions name the provider whatever the format", () => {
    const azure = "https://my.proxy.example/openai/deployments/gpt-4o-prod/chat/completions";
    expect(summary(post(azure, undefined))).toEqual({ provider: "azure.ai.openai", format: "openai.chat_completions" });
    expect(modelFromPath(new URL(azure))).toBe("gpt-4o-prod");
    expect(summary(post("https://proxy.example/v1/responses", { model: "m", input: "x" }, { "api-key": "k" }))).toEqual({ provider: "azure.ai.openai", format: "openai.responses" });
    expect(summary(post("https://proxy.example/v1/chat/completions", { model: "m", messages: [] }, { "anthropic-version": "1" }))).toEqual({
      provider: "anthropic",
      format: "openai.chat_completions",
    });
  });

  it("only the openai provider gets openai.* attributes, and only chat completions rewrites a request", () => {
    const [chat, responses, embeddings, messages] = FORMATS;
    const request = { operation: "chat" as const, stream: true, serviceTier: "flex" };
    expect(chat.requestAttributes?.("openai", request)).toEqual({ "openai.api.type": "chat_completions", "openai.request.service_tier": "flex" });
    expect(responses.requestAttributes?.("openai", { ...request, serviceTier: "auto" })).toEqual({ "openai.api.type": "responses" });
    expect(chat.requestAttributes?.("groq", request)).toBeUndefined();
    expect(embeddings.requestAttributes).toBeUndefined();
    const facts = { finishReasons: [], usage: {}, serviceTier: "default", systemFingerprint: "fp_1" };
    expect(embeddings.responseAttributes?.("openai", facts)).toEqual({ "openai.response.service_tier": "default", "openai.response.system_fingerprint": "fp_1" });
    expect(chat.responseAttributes?.("azure.ai.openai", facts)).toBeUndefined();
    expect(messages.responseAttributes).toBeUndefined();
    expect(chat.rewrite?.(request, { model: "m", stream: true, stream_options: { x: 1 } })).toBe('{"model":"m","stream":true,"stream_options":{"x":1,"include_usage":true}}');
    expect(chat.rewrite?.(request, { model: "m", stream_options: { include_usage: false } })).toBeUndefined();
    expect(chat.rewrite?.({ operation: "chat" }, { model: "m" })).toBeUndefined();
    expect([responses, embeddings, messages].map((f) => f.rewrite)).toEqual([undefined, undefined, undefined]);
  });
});
