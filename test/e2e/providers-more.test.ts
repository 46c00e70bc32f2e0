/**
 * Mistral, Cohere and ollama end to end: @mistralai/mistralai, cohere-ai (v2), ollama's browser
 * build and the AI SDK's Mistral and Cohere providers in workerd, calling api.mistral.ai,
 * api.cohere.com and ollama's default http://127.0.0.1:11434 (an unknown host: detected by path
 * and body shape), answered from recorded fixtures.
 */
import { describe, it } from "vitest";
import { type Attrs, expectProviderCall, fixtureEvents, PROMPT, runProvider, SYSTEM, startProviders, useHarness } from "./providers-helpers.js";

const h = useHarness(() => startProviders("more"));

const MISTRAL = "https://api.mistral.ai/v1/chat/completions";
const COHERE = "https://api.cohere.com/v2/chat";
const OLLAMA = "http://127.0.0.1:11434";

/** Mistral streams: OpenAI-like chunks, usage in the chunk that finishes. */
function mistralResponse(fixture: string): Attrs {
  const events = fixtureEvents(fixture);
  const usage = events.find((e) => e.usage).usage;
  return {
    "gen_ai.response.id": events[0].id,
    "gen_ai.response.model": events[0].model,
    "gen_ai.usage.input_tokens": usage.prompt_tokens,
    "gen_ai.usage.output_tokens": usage.completion_tokens,
    "gen_ai.response.finish_reasons": events.flatMap((e) => e.choices.map((c: any) => c.finish_reason).filter(Boolean)),
    "otel_genai_edge.stream.chunks": events.filter((e) => e.choices.some((c: any) => c.delta.content || c.delta.tool_calls)).length,
  };
}

/** Cohere v2: billed units (what the conventions ask for where a provider reports both), the cache read, the id; output chunks are the content, tool-plan and tool-call events (a tool call starts with its name). */
function cohereResponse(fixture: string, stream: boolean): Attrs {
  const events = fixtureEvents(fixture);
  const end = stream ? events.find((e) => e.type === "message-end").delta : events[0];
  const id = stream ? events.find((e) => e.type === "message-start").id : events[0].id;
  const out: Attrs = {
    "gen_ai.response.id": id,
    "gen_ai.usage.input_tokens": end.usage.billed_units.input_tokens,
    "gen_ai.usage.output_tokens": end.usage.billed_units.output_tokens,
    "gen_ai.response.finish_reasons": [end.finish_reason],
  };
  // The cache read is part of the input in the conventions; Cohere's billed input leaves cached tokens out, so a larger count is not recorded.
  const cached = end.usage.cached_tokens;
  if (cached !== undefined && cached <= end.usage.billed_units.input_tokens) out["gen_ai.usage.cache_read.input_tokens"] = cached;
  if (stream) out["otel_genai_edge.stream.chunks"] = events.filter((e) => /^(content-delta|tool-plan-delta|tool-call-start|tool-call-delta)$/.test(e.type)).length;
  return out;
}

/** ollama: the last (done) object's counts and reason; output chunks are the objects carrying text. */
function ollamaResponse(fixture: string, stream: boolean): Attrs {
  const events = fixtureEvents(fixture);
  const last = events.at(-1);
  const out: Attrs = {
    "gen_ai.response.model": last.model,
    "gen_ai.usage.input_tokens": last.prompt_eval_count,
    "gen_ai.usage.output_tokens": last.eval_count,
    "gen_ai.response.finish_reasons": [last.done_reason],
  };
  if (stream) out["otel_genai_edge.stream.chunks"] = events.filter((e) => e.message?.content || e.response).length;
  return out;
}

describe("@mistralai/mistralai (fetch(new Request(...)))", () => {
  for (const fixture of ["mistral/chat-stream.sse", "mistral/chat-stream-tool-call.sse"]) {
    it(`chat.stream: ${fixture}`, async () => {
      const model = fixtureEvents(fixture)[0].model as string;
      const c = await runProvider(h(), { via: "mistral.stream", model, prompt: PROMPT, system: SYSTEM, params: { temperature: 0.4, maxTokens: 100 } }, { fixture });
      expectProviderCall(c, {
        operation: "chat",
        provider: "mistral_ai",
        model,
        stream: true,
        url: MISTRAL,
        request: { "gen_ai.request.temperature": 0.4, "gen_ai.request.max_tokens": 100 },
        response: mistralResponse(fixture),
      });
    });
  }
});

describe("cohere-ai, CohereClientV2", () => {
  for (const fixture of ["cohere/chat-v2.json", "cohere/chat-v2-cached-tokens.json"]) {
    it(`chat: ${fixture}`, async () => {
      const model = "command-r";
      const c = await runProvider(h(), { via: "cohere.chat", model, prompt: PROMPT, system: SYSTEM, params: { temperature: 0.3, maxTokens: 200 } }, { fixture });
      expectProviderCall(c, {
        operation: "chat",
        provider: "cohere",
        model,
        url: COHERE,
        request: { "gen_ai.request.temperature": 0.3, "gen_ai.request.max_tokens": 200 },
        response: cohereResponse(fixture, false),
      });
    });
  }

  for (const fixture of ["cohere/chat-v2-stream-text.sse", "cohere/chat-v2-stream-tool-calls.sse"]) {
    it(`chatStream: ${fixture}`, async () => {
      const model = "command-r";
      const c = await runProvider(h(), { via: "cohere.chatStream", model, prompt: PROMPT, system: SYSTEM }, { fixture });
      expectProviderCall(c, { operation: "chat", provider: "cohere", model, stream: true, url: COHERE, response: cohereResponse(fixture, true) });
    });
  }
});

describe("ollama/browser, default host", () => {
  it("chat, streamed (NDJSON)", async () => {
    const fixture = "ollama/api-chat-stream.ndjson";
    const model = "llama3";
    const c = await runProvider(h(), { via: "ollama.chat", model, prompt: PROMPT, system: SYSTEM, stream: true, params: { temperature: 0.1, num_predict: 50 } }, { fixture });
    expectProviderCall(c, {
      operation: "chat",
      provider: "ollama",
      model,
      stream: true,
      url: `${OLLAMA}/api/chat`,
      request: { "gen_ai.request.temperature": 0.1, "gen_ai.request.max_tokens": 50 },
      response: ollamaResponse(fixture, true),
    });
  });

  it("chat, whole JSON (a tool call)", async () => {
    const fixture = "ollama/api-chat-tool-call.json";
    const model = "qwen3.6";
    const c = await runProvider(h(), { via: "ollama.chat", model, prompt: PROMPT, system: SYSTEM }, { fixture });
    expectProviderCall(c, { operation: "chat", provider: "ollama", model, url: `${OLLAMA}/api/chat`, response: ollamaResponse(fixture, false) });
  });

  it("generate, streamed (NDJSON)", async () => {
    const fixture = "ollama/api-generate-stream.ndjson";
    const model = "llama3";
    const c = await runProvider(h(), { via: "ollama.generate", model, prompt: PROMPT, system: SYSTEM, stream: true }, { fixture });
    expectProviderCall(c, { operation: "text_completion", provider: "ollama", model, stream: true, url: `${OLLAMA}/api/generate`, response: ollamaResponse(fixture, true) });
  });
});

describe("AI SDK, @ai-sdk/mistral and @ai-sdk/cohere", () => {
  it("mistral streamText", async () => {
    const fixture = "mistral/chat-stream.sse";
    const model = "mistral-tiny";
    const c = await runProvider(h(), { via: "ai.mistral", model, prompt: PROMPT, system: SYSTEM, stream: true, params: { temperature: 0.4 } }, { fixture });
    expectProviderCall(c, { operation: "chat", provider: "mistral_ai", model, stream: true, url: MISTRAL, request: { "gen_ai.request.temperature": 0.4 }, response: mistralResponse(fixture) });
  });

  it("cohere generateText", async () => {
    const fixture = "cohere/chat-v2.json";
    const model = "command-r";
    const c = await runProvider(h(), { via: "ai.cohere", model, prompt: PROMPT, system: SYSTEM, params: { temperature: 0.3 } }, { fixture });
    expectProviderCall(c, { operation: "chat", provider: "cohere", model, url: COHERE, request: { "gen_ai.request.temperature": 0.3 }, response: cohereResponse(fixture, false) });
  });

  it("cohere streamText", async () => {
    const fixture = "cohere/chat-v2-stream-text.sse";
    const model = "command";
    const c = await runProvider(h(), { via: "ai.cohere", model, prompt: PROMPT, system: SYSTEM, stream: true }, { fixture });
    expectProviderCall(c, { operation: "chat", provider: "cohere", model, stream: true, url: COHERE, response: cohereResponse(fixture, true) });
  });
});
