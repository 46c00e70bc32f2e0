/**
 * The Workers AI content reader: the binding's inputs and REST bodies as Cloudflare's docs write
 * them (messages, prompt, native and OpenAI-style tools), native results and Chat Completions
 * results, whole and streamed (the fixture's `data: {"response"}` events and a choices stream
 * with tool-call fragments), split invariance through the real SSE framing, the bound, fuzz.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { workersAiContent } from "../../src/genai/content/workers-ai.js";
import { fixtureBytes, fixtureText } from "../genai/helpers.js";
import { assembleStream, held, itIsSplitInvariant } from "./helpers.js";

/** The binding has no URL; the core passes a placeholder one. */
const url = new URL("https://api.cloudflare.com/client/v4/accounts/abc/ai/run/@cf/meta/llama-3.1-8b-instruct");

const assemble = (pieces: Uint8Array[], maxChars?: number) => assembleStream(workersAiContent, "sse", pieces, maxChars);

const weatherParameters = {
  type: "object",
  properties: { latitude: { type: "string", description: "The latitude" }, longitude: { type: "string", description: "The longitude" } },
  required: ["latitude", "longitude"],
};

describe("request (the binding's inputs, or a REST body)", () => {
  it("reads the docs' traditional function calling: native tools, the native tool call and its result", () => {
    const inputs = {
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "what is the weather in london?" },
        { role: "assistant", content: "", tool_calls: [{ name: "getWeather", arguments: { latitude: "51.5074", longitude: "-0.1278" } }] },
        { role: "tool", name: "getWeather", content: '{"temperature":12}' },
      ],
      tools: [{ name: "getWeather", description: "Return the weather for a latitude and longitude", parameters: weatherParameters }],
    };
    expect(workersAiContent.request(inputs, url)).toEqual({
      inputMessages: [
        { role: "system", parts: [{ type: "text", content: "You are a helpful assistant." }] },
        { role: "user", parts: [{ type: "text", content: "what is the weather in london?" }] },
        { role: "assistant", parts: [{ type: "tool_call", name: "getWeather", arguments: { latitude: "51.5074", longitude: "-0.1278" } }] },
        { role: "tool", name: "getWeather", parts: [{ type: "tool_call_response", response: '{"temperature":12}' }] },
      ],
      toolDefinitions: [{ type: "function", name: "getWeather", description: "Return the weather for a latitude and longitude", parameters: weatherParameters }],
    });
  });

  it("reads OpenAI-shaped messages and tools: ids, string arguments parsed, image parts", () => {
    const inputs = {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this image?" },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "chatcmpl-tool-1", type: "function", function: { name: "getWeather", arguments: '{"latitude":"1","longitude":"2"}' } }] },
        { role: "tool", tool_call_id: "chatcmpl-tool-1", content: "12C" },
      ],
      tools: [{ type: "function", function: { name: "getWeather", description: "Weather", parameters: weatherParameters } }],
    };
    expect(workersAiContent.request(inputs, url)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "What is in this image?" },
            { type: "blob", modality: "image", mime_type: "image/jpeg", content: "/9j/4AAQ" },
          ],
        },
        { role: "assistant", parts: [{ type: "tool_call", id: "chatcmpl-tool-1", name: "getWeather", arguments: { latitude: "1", longitude: "2" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "chatcmpl-tool-1", response: "12C" }] },
      ],
      toolDefinitions: [{ type: "function", name: "getWeather", description: "Weather", parameters: weatherParameters }],
    });
  });

  it("reads a prompt as the user's text, and nothing of other inputs", () => {
    expect(workersAiContent.request({ prompt: "Tell me a joke about Cloudflare", max_tokens: 64 }, url)).toEqual({
      inputMessages: [{ role: "user", parts: [{ type: "text", content: "Tell me a joke about Cloudflare" }] }],
    });
    expect(workersAiContent.request({ text: ["a", "b"] }, url)).toEqual({});
    expect(workersAiContent.request(undefined, url)).toEqual({});
  });
});

describe("whole results", () => {
  const whole = (body: unknown) => {
    const out = workersAiContent.output(1_000_000);
    out.json(body);
    return out;
  };

  it("chat.json: the response text; native results carry no finish reason, and a whole answer stopped (v1.41's output schema requires one)", () => {
    const body = JSON.parse(fixtureText("workers-ai/chat.json"));
    expect(whole(body).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: body.response }], finish_reason: "stop" }]);
  });

  it("a native tool call (response null), and the same inside the REST envelope", () => {
    const result = { response: null, tool_calls: [{ name: "getWeather", arguments: { latitude: "51.5074", longitude: "-0.1278" } }] };
    const expected = [{ role: "assistant", parts: [{ type: "tool_call", name: "getWeather", arguments: { latitude: "51.5074", longitude: "-0.1278" } }], finish_reason: "tool_call" }];
    expect(whole(result).messages()).toEqual(expected);
    const out = whole({ result, success: true, errors: [], messages: [] });
    expect(out.messages()).toEqual(expected);
    expect(out.toolCalls()).toEqual([{ name: "getWeather" }]);
  });

  it("an answer whose usage reaches the request's max_tokens was cut there: length, not stop", () => {
    const body = JSON.parse(fixtureText("workers-ai/chat.json")); // completion_tokens: 10
    const answer = (maxTokens: number | undefined) => {
      const out = workersAiContent.output(1_000_000, maxTokens);
      out.json(body);
      return out.messages()[0]?.finish_reason;
    };
    expect([answer(10), answer(8), answer(11), answer(undefined)]).toEqual(["length", "length", "stop", "stop"]);
    // The same in a stream: the last event's usage.
    const stream = workersAiContent.output(1_000_000, 3);
    for (const data of ['{"response":"Hel"}', '{"response":"lo","usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}', "[DONE]"]) stream.event({ data });
    expect(stream.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello" }], finish_reason: "length" }]);
  });

  it("JSON mode: an object response read as its JSON text", () => {
    expect(whole({ response: { name: "Ada", age: 36 } }).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: '{"name":"Ada","age":36}' }], finish_reason: "stop" }]);
  });

  it("a Chat Completions result: reasoning, tool calls with ids, finish reason", () => {
    const body = {
      id: "chatcmpl-9a8b",
      object: "chat.completion",
      model: "@cf/openai/gpt-oss-120b",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            reasoning_content: "Use the tool.",
            tool_calls: [{ id: "chatcmpl-tool-7", type: "function", function: { name: "getWeather", arguments: '{"latitude":"48.85","longitude":"2.35"}' } }],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 80, completion_tokens: 20, total_tokens: 100 },
    };
    const out = whole(body);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "Use the tool." },
          { type: "tool_call", id: "chatcmpl-tool-7", name: "getWeather", arguments: { latitude: "48.85", longitude: "2.35" } },
        ],
        finish_reason: "tool_calls",
      },
    ]);
    expect(out.toolCalls()).toEqual([{ id: "chatcmpl-tool-7", name: "getWeather" }]);
  });

  it("a failed REST call: no message", () => {
    expect(whole({ result: null, success: false, errors: [{ code: 5007, message: "No such model" }], messages: [] }).messages()).toEqual([]);
  });
});

/** A choices stream with two tool calls in fragments and a finish reason. */
const choicesStream = [
  { id: "c1", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
  { id: "c1", choices: [{ index: 0, delta: { content: "Let me check." } }] },
  { id: "c1", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "getWeather", arguments: "" } }] } }] },
  { id: "c1", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"latitude":' } }] } }] },
  { id: "c1", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"1","longitude":"2"}' } }] } }] },
  { id: "c1", choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "getTime", arguments: "{}" } }] } }] },
  { id: "c1", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
]
  .map((c) => `data: ${JSON.stringify(c)}\n\n`)
  .concat("data: [DONE]\n\n")
  .join("");

describe("streams", () => {
  it("chat-stream.sse: the response events joined", () => {
    const path = "workers-ai/chat-stream.sse";
    const text = fixtureText(path)
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => JSON.parse(l.slice(6)).response)
      .join("");
    expect(text).toBe("Hello! How can I help?");
    expect(assemble([fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "stop" }]);
    // Cut before its [DONE] (abandoned, failed): no finish reason is made up.
    const unfinished = fixtureText(path).slice(0, fixtureText(path).indexOf("data: [DONE]"));
    expect(assemble([new TextEncoder().encode(unfinished)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }] }]);
  });

  it("a choices stream: text, tool-call arguments assembled by index, finish reason", () => {
    const out = assemble([new TextEncoder().encode(choicesStream)]);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "text", content: "Let me check." },
          { type: "tool_call", id: "call_a", name: "getWeather", arguments: { latitude: "1", longitude: "2" } },
          { type: "tool_call", id: "call_b", name: "getTime", arguments: {} },
        ],
        finish_reason: "tool_calls",
      },
    ]);
    expect(out.toolCalls()).toEqual([
      { id: "call_a", name: "getWeather" },
      { id: "call_b", name: "getTime" },
    ]);
  });

  it("a native stream's whole tool calls, each event's calls after those held", () => {
    const sse = ['{"response":"","tool_calls":[{"name":"a","arguments":{"x":1}}]}', '{"response":"","tool_calls":[{"name":"b","arguments":{}}]}', "[DONE]"].map((d) => `data: ${d}\n\n`).join("");
    expect(assemble([new TextEncoder().encode(sse)]).toolCalls()).toEqual([{ name: "a" }, { name: "b" }]);
  });

  it("keeps at most maxChars characters, every tool call's id and name", () => {
    const out = assemble([new TextEncoder().encode(choicesStream)], 16);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "text", content: "Let me check." },
          { type: "tool_call", id: "call_a", name: "getWeather", arguments: '{"l' },
          { type: "tool_call", id: "call_b", name: "getTime" },
        ],
        finish_reason: "tool_calls",
      },
    ]);
  });

  describe.each([
    ["workers-ai/chat-stream.sse", fixtureBytes("workers-ai/chat-stream.sse")],
    ["a choices stream", new TextEncoder().encode(choicesStream)],
  ])("%s", (_, bytes) => {
    itIsSplitInvariant(bytes, (pieces) => assemble(pieces).messages(), 100);
  });
});

describe("fuzz", () => {
  const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom("assistant", "function", '{"a":1}', "stop"));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("role", "content", "response", "reasoning_content", "choices", "delta", "message", "index", "tool_calls", "function", "name", "arguments", "id", "finish_reason", "result", "success", "messages", "prompt", "tools", "type", "text", "image_url", "url"), tie("v"), { maxKeys: 6 })),
  })).v;

  it("never throws on arbitrary inputs, results and events, and stays within the bound", () => {
    fc.assert(
      fc.property(value, fc.array(value, { maxLength: 20 }), fc.nat(40), (body, evs, max) => {
        expect(typeof workersAiContent.request((body ?? undefined) as Record<string, unknown> | undefined, url)).toBe("object");
        const out = workersAiContent.output(max);
        out.json(body);
        for (const e of evs) out.event({ data: JSON.stringify(e) });
        out.event({ data: "[DONE]" });
        expect(held(out.messages())).toBeLessThanOrEqual(max);
        expect(Array.isArray(out.toolCalls())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
