import { describe, expect, it } from "vitest";
import { cohereChat } from "../../src/genai/cohere-chat.js";
import { detect } from "../../src/genai/detect.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldStream } from "./helpers.js";

const URL_ = new URL("https://api.cohere.com/v2/chat");
const H = new Headers();
const post = (url: string, body?: Record<string, unknown>) => {
  const d = detect("POST", new URL(url), new Headers(), body, {});
  return d && { provider: d.provider, format: d.format.id };
};

describe("cohereChat.request", () => {
  it("maps every parameter (Cohere's p/k names)", () => {
    const facts = cohereChat.request(
      {
        model: "command-a-03-2025",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        max_tokens: 300,
        temperature: 0.3,
        p: 0.75,
        k: 40,
        stop_sequences: ["END"],
        seed: 7,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        response_format: { type: "json_object", json_schema: { type: "object" } },
      },
      URL_,
      H,
    );
    expect(facts).toStrictEqual({
      operation: "chat",
      model: "command-a-03-2025",
      stream: true,
      maxTokens: 300,
      temperature: 0.3,
      topP: 0.75,
      topK: 40,
      stopSequences: ["END"],
      seed: 7,
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
      outputType: "json",
    });
  });

  it("reads a text format, skips values of the wrong type and a missing body", () => {
    expect(cohereChat.request({ model: "command-r", response_format: { type: "text" } }, URL_, H)).toStrictEqual({ operation: "chat", model: "command-r", outputType: "text" });
    expect(cohereChat.request({ model: 1, p: "0.5", k: 1.5, stream: "yes", stop_sequences: [3] }, URL_, H)).toStrictEqual({ operation: "chat" });
    expect(cohereChat.request(undefined, URL_, H)).toStrictEqual({ operation: "chat" });
  });
});

describe("cohereChat.json", () => {
  it("chat-v2.json: billed units, not consumed tokens; no model in the body", () => {
    expect(foldJson(cohereChat, "cohere/chat-v2.json")).toEqual({
      id: "83e3e297-264b-478e-9b22-5058386292ed",
      finishReasons: ["COMPLETE"],
      usage: { input: 7, output: 88 },
    });
  });

  it("chat-v2-cached-tokens.json: billed input (12) leaves out the 448 cached tokens, so no cache read is recorded (it must be part of the input)", () => {
    expect(foldJson(cohereChat, "cohere/chat-v2-cached-tokens.json")).toEqual({
      id: "e7592632-1e3d-424f-b129-bd5f9f980f7b",
      finishReasons: ["COMPLETE"],
      usage: { input: 12, output: 7 },
    });
    // With consumed counts only, cached tokens are a part of the input and are recorded.
    const facts = newResponseFacts();
    cohereChat.json({ usage: { tokens: { input_tokens: 507, output_tokens: 10 }, cached_tokens: 448 } }, facts);
    expect(facts.usage).toEqual({ input: 507, output: 10, cacheRead: 448 });
  });

  it("takes consumed tokens when no billed units are reported", () => {
    const facts = newResponseFacts();
    cohereChat.json({ id: "x", finish_reason: "MAX_TOKENS", usage: { tokens: { input_tokens: 69, output_tokens: 5 } } }, facts);
    expect(facts).toEqual({ id: "x", finishReasons: ["MAX_TOKENS"], usage: { input: 69, output: 5 } });
  });

  it("an error body (id and free-text message, status in HTTP only) sets no error type", () => {
    const facts = newResponseFacts();
    cohereChat.json({ id: "1f0e6f7b-4c2a-4d8e-9a55-0a7b3c1d2e3f", message: "invalid api token" }, facts);
    expect(facts).toEqual({ id: "1f0e6f7b-4c2a-4d8e-9a55-0a7b3c1d2e3f", finishReasons: [], usage: {} });
  });
});

describe("cohereChat streams", () => {
  it("chat-v2-stream-text.sse: 100 content deltas, message-end usage, bare [DONE]", () => {
    expect(foldStream(cohereChat, "cohere/chat-v2-stream-text.sse")).toEqual({
      id: "6cd6ce61-bb3b-46f6-907e-fcfab45e51b6",
      finishReasons: ["COMPLETE"],
      usage: { input: 7, output: 109 },
      chunks: 100,
      complete: true,
    });
  });

  it("chat-v2-stream-tool-calls.sse: 12 plan deltas + 2 call starts (names) + 16 argument deltas", () => {
    expect(foldStream(cohereChat, "cohere/chat-v2-stream-tool-calls.sse")).toEqual({
      id: "e6d757a9-f0f3-40fe-9b8a-44cdc3bd18a7",
      finishReasons: ["TOOL_CALL"],
      usage: { input: 62, output: 28 },
      chunks: 30,
      complete: true,
    });
  });

  it("chat-v2-stream-thinking.sse: thinking deltas are output; billed usage at message-end", () => {
    expect(foldStream(cohereChat, "cohere/chat-v2-stream-thinking.sse")).toEqual({
      id: "c9117d7f-a7e4-499f-b643-a2a1e139687b",
      finishReasons: ["COMPLETE"],
      usage: { input: 8, output: 50 },
      chunks: 45,
      complete: true,
    });
  });

  it("counts only deltas with text; start/end and citation events are not output", () => {
    const facts = newResponseFacts();
    const ev = (type: string, rest: object = {}) => cohereChat.event({ event: type, data: JSON.stringify({ type, ...rest }) }, facts);
    expect(ev("content-start", { index: 0, delta: { message: { content: { type: "text", text: "" } } } })).toBe(false);
    expect(ev("content-delta", { index: 0, delta: { message: { content: { text: "" } } } })).toBe(false);
    expect(ev("citation-start", { index: 0, delta: { message: { citations: { start: 0, end: 4, text: "Paris" } } } })).toBe(false);
    expect(ev("tool-call-start", { index: 0, delta: { message: { tool_calls: { id: "c", type: "function", function: { name: "", arguments: "" } } } } })).toBe(false);
    expect(ev("tool-call-end", { index: 0 })).toBe(false);
    expect(facts).toEqual({ finishReasons: [], usage: {} });
  });
});

describe("cohere detection", () => {
  it("known hosts, and an unknown host with a v2 chat body", () => {
    expect(post("https://api.cohere.com/v2/chat", { model: "command-r", messages: [] })).toEqual({ provider: "cohere", format: "cohere.chat" });
    expect(post("https://api.cohere.ai/v2/chat", { model: "command-r", messages: [] })).toEqual({ provider: "cohere", format: "cohere.chat" });
    expect(post("https://cohere-proxy.internal.example/v2/chat/", { model: "command-r", messages: [] })).toEqual({ provider: "cohere", format: "cohere.chat" });
    expect(post("https://cohere-proxy.internal.example/v2/chat", { message: "v1 shape" })).toBeUndefined();
    expect(post("https://api.cohere.com/v1/chat", { model: "command-r", message: "hi" })).toBeUndefined();
  });
});
