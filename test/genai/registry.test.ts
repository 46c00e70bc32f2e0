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
  it("lists each wire format once, by id, home provider and framing", () => {
    expect(FORMATS.map((f) => [f.id, f.home, f.framing])).toEqual([
      ["openai.chat_completions", "openai", "sse"],
      ["openai.responses", "openai", "sse"],
      ["openai.embeddings", "openai", "sse"],
      ["openai.completions", "openai", "sse"],
      ["anthropic.messages", "anthropic", "sse"],
      ["gcp.gemini.generate_content", "gcp.gen_ai", "json-array"],
      ["gcp.gemini.embeddings", "gcp.gen_ai", "json-array"],
      ["aws.bedrock.converse", "aws.bedrock", "eventstream"],
      ["aws.bedrock.invoke", "aws.bedrock", "eventstream"],
      ["cohere.chat", "cohere", "sse"],
      ["ollama.chat", "ollama", "ndjson"],
      ["ollama.generate", "ollama", "ndjson"],
      ["ollama.embed", "ollama", "ndjson"],
      ["cloudflare.workers_ai", "cloudflare.workers_ai", "sse"],
    ]);
    expect(new Set(FORMATS.map((f) => f.id)).size).toBe(FORMATS.length);
  });

  // One real endpoint per format, in registry order: each is taken by its own format, first.
  const ENDPOINTS = [
    "https://api.openai.com/v1/chat/completions",
    "https://api.openai.com/v1/responses",
    "https://api.openai.com/v1/embeddings",
    "https://api.openai.com/v1/completions",
    "https://api.anthropic.com/v1/messages",
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent",
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents",
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream",
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-8b-instruct-v1%3A0/invoke",
    "https://api.cohere.com/v2/chat",
    "http://localhost:11434/api/chat",
    "http://localhost:11434/api/generate",
    "http://localhost:11434/api/embed",
    "https://api.cloudflare.com/client/v4/accounts/abc/ai/run/@cf/meta/llama-3.1-8b-instruct",
  ];

  it("the cheap first look takes each format's endpoint, trailing slashes ignored, POST only", () => {
    expect(ENDPOINTS).toHaveLength(FORMATS.length);
    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const url = new URL(endpoint);
      expect([endpoint, FORMATS.findIndex((f) => (typeof f.path === "string" ? url.pathname.endsWith(f.path) : f.path.test(url.pathname)))]).toEqual([endpoint, i]);
      expect(mayBeLLMCall("POST", url)).toBe(true);
      expect(mayBeLLMCall("POST", new URL(`${endpoint}//`))).toBe(true);
      expect(mayBeLLMCall("GET", url)).toBe(false);
      // A Workers AI model id is a path of its own (`@cf/meta/llama-3.1-8b-instruct`): any suffix is a model.
      if (!endpoint.includes("/ai/run/")) expect(mayBeLLMCall("POST", new URL(`${endpoint}/x`))).toBe(false);
    }
    expect(mayBeLLMCall("POST", new URL("https://api.openai.com/v1/models"))).toBe(false);
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
    expect(modelFromPath(new URL("https://x.example/openai/deployments/gpt%2D4o/chat/completions"))).toBe("gpt-4o");
    // Not valid percent-encoding: kept as sent (decoding it threw, which left the call untraced).
    expect(modelFromPath(new URL("https://x.example/openai/deployments/gpt%E0%A4/chat/completions"))).toBe("gpt%E0%A4");
    expect(summary(post("https://proxy.example/v1/responses", { model: "m", input: "x" }, { "api-key": "k" }))).toEqual({ provider: "azure.ai.openai", format: "openai.responses" });
    expect(summary(post("https://proxy.example/v1/chat/completions", { model: "m", messages: [] }, { "anthropic-version": "1" }))).toEqual({
      provider: "anthropic",
      format: "openai.chat_completions",
    });
  });

  it("only the openai provider gets openai.* attributes, and only chat completions rewrites a request", () => {
    const [chat, responses, embeddings, messages] = ["openai.chat_completions", "openai.responses", "openai.embeddings", "anthropic.messages"].map((id) => FORMATS.find((f) => f.id === id)!);
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
