/**
 * The Cohere Chat v2 content reader: requests as the SDK sends them (its docs' tool-use flow),
 * whole responses and the recorded streams (text, thinking, tool plan and tool calls) compared
 * field by field with values read from the fixtures, split invariance through the real SSE
 * framing, the memory bound, and fuzzed bodies and events.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OutputMessage } from "../../src/genai/content.js";
import { cohereContent } from "../../src/genai/content/cohere-chat.js";
import { fixtureBytes, fixtureText } from "../genai/helpers.js";
import { assembleStream, held, itIsSplitInvariant, sseData } from "./helpers.js";
import { cohereContentItemsRequest, cohereToolUseRequest } from "./requests.js";

const url = new URL("https://api.cohere.com/v2/chat");

/** The stream's bytes, in pieces, through the real SSE framing into a fresh assembler. */
const assemble = (pieces: Uint8Array[], maxChars?: number) => assembleStream(cohereContent, "sse", pieces, maxChars);

describe("request", () => {
  it("reads the docs' tool-use flow: system message kept in the history, tool plan as reasoning, documents as the tool result", () => {
    const body = cohereToolUseRequest;
    expect(cohereContent.request(body, url)).toEqual({
      inputMessages: [
        { role: "system", parts: [{ type: "text", content: "You are a helpful assistant." }] },
        { role: "user", parts: [{ type: "text", content: "What's the weather in Toronto?" }] },
        {
          role: "assistant",
          parts: [
            { type: "reasoning", content: "I will look up the weather in Toronto." },
            { type: "tool_call", id: "get_weather_1byjy32y4hvq", name: "get_weather", arguments: { location: "Toronto" } },
          ],
        },
        { role: "tool", parts: [{ type: "tool_call_response", id: "get_weather_1byjy32y4hvq", response: [{ type: "document", content: '{"temperature": {"current": "20C"}}' }] }] },
      ],
      toolDefinitions: [
        {
          type: "function",
          name: "get_weather",
          description: "gets the weather of a given location",
          parameters: { type: "object", properties: { location: { type: "string", description: "the location" } }, required: ["location"] },
        },
      ],
    });
  });

  it("reads content items: text, images (data: URL → blob, https → uri), documents, a text tool result as its text", () => {
    const body = cohereContentItemsRequest;
    expect(cohereContent.request(body, url)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "What is in these images?" },
            { type: "blob", modality: "image", mime_type: "image/png", content: "iVBORw0KGgo=" },
            { type: "uri", modality: "image", uri: "https://example.com/cat.jpg" },
            { type: "document", id: "doc-1", content: { title: "Cats", snippet: "Cats purr." } },
          ],
        },
        { role: "assistant", parts: [{ type: "reasoning", content: "Look closely." }, { type: "text", content: "A cat." }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "t1", response: "20C" }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "t2", response: "sunny" }] },
      ],
    });
  });

  it("reads nothing of a body without messages or tools", () => {
    expect(cohereContent.request(undefined, url)).toEqual({});
    expect(cohereContent.request({ model: "command-r", messages: "hi", tools: {} }, url)).toEqual({});
  });
});

describe("whole response", () => {
  it("reads chat-v2.json: the text and the finish reason", () => {
    const out = cohereContent.output(1_000_000);
    const body = JSON.parse(fixtureText("cohere/chat-v2.json"));
    out.json(body);
    expect(out.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: body.message.content[0].text }], finish_reason: "COMPLETE" }]);
    expect(out.toolCalls()).toEqual([]);
  });

  it("reads a tool-call response: plan, calls with parsed arguments, TOOL_CALL", () => {
    const out = cohereContent.output(1_000_000);
    out.json({
      id: "5a50480a-cf52-46f0-af01-53d18539bd31",
      message: {
        role: "assistant",
        tool_plan: "I will find the weather for Toronto.",
        tool_calls: [{ id: "get_weather_1byjy32y4hvq", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } }],
      },
      finish_reason: "TOOL_CALL",
      usage: { billed_units: { input_tokens: 37, output_tokens: 28 }, tokens: { input_tokens: 913, output_tokens: 81 } },
    });
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "I will find the weather for Toronto." },
          { type: "tool_call", id: "get_weather_1byjy32y4hvq", name: "get_weather", arguments: { location: "Toronto" } },
        ],
        finish_reason: "TOOL_CALL",
      },
    ]);
    expect(out.toolCalls()).toEqual([{ id: "get_weather_1byjy32y4hvq", name: "get_weather" }]);
  });

  it("reads no message from an error body", () => {
    const out = cohereContent.output(1_000_000);
    out.json({ id: "b1e8e5f2", message: "invalid request: model 'nope' not found" });
    expect(out.messages()).toEqual([]);
  });
});

describe("streams", () => {
  it("chat-v2-stream-tool-calls.sse: the tool plan, two calls with assembled arguments, TOOL_CALL", () => {
    const path = "cohere/chat-v2-stream-tool-calls.sse";
    const all = sseData(path);
    const plan = all.filter((e) => e.type === "tool-plan-delta").map((e) => e.delta.message.tool_plan).join("");
    const argsOf = (i: number) =>
      JSON.parse(all.filter((e) => e.type === "tool-call-delta" && e.index === i).map((e) => e.delta.message.tool_calls.function.arguments).join(""));
    expect(plan).toBe("I will search for the current time and weather in Tokyo.");
    const out = assemble([fixtureBytes(path)]);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: plan },
          { type: "tool_call", id: "get_time_dg5wwc00d8v5", name: "get_time", arguments: argsOf(0) },
          { type: "tool_call", id: "get_weather_bc8241gkqss5", name: "get_weather", arguments: argsOf(1) },
        ],
        finish_reason: "TOOL_CALL",
      },
    ]);
    expect(argsOf(1)).toEqual({ location: "Tokyo" });
    expect(out.toolCalls()).toEqual([
      { id: "get_time_dg5wwc00d8v5", name: "get_time" },
      { id: "get_weather_bc8241gkqss5", name: "get_weather" },
    ]);
  });

  it("chat-v2-stream-thinking.sse: thinking as reasoning, then the text", () => {
    const path = "cohere/chat-v2-stream-thinking.sse";
    const deltas = sseData(path).filter((e) => e.type === "content-delta");
    const thinking = deltas.map((e) => e.delta.message.content.thinking ?? "").join("");
    const text = deltas.map((e) => e.delta.message.content.text ?? "").join("");
    expect(thinking.length).toBeGreaterThan(50);
    expect(text.length).toBeGreaterThan(0);
    expect(assemble([fixtureBytes(path)]).messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: thinking },
          { type: "text", content: text },
        ],
        finish_reason: "COMPLETE",
      },
    ]);
  });

  it("chat-v2-stream-text.sse: the text deltas joined", () => {
    const path = "cohere/chat-v2-stream-text.sse";
    const text = sseData(path)
      .filter((e) => e.type === "content-delta")
      .map((e) => e.delta.message.content.text)
      .join("");
    expect(text.startsWith("Arrrr, matey!")).toBe(true);
    expect(assemble([fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "COMPLETE" }]);
  });

  it("keeps at most maxChars characters of text, plan and arguments, and every tool call's id and name", () => {
    const out = assemble([fixtureBytes("cohere/chat-v2-stream-tool-calls.sse")], 20);
    const [message] = out.messages() as OutputMessage[];
    expect(message.parts).toEqual([
      { type: "reasoning", content: "I will search for th" },
      { type: "tool_call", id: "get_time_dg5wwc00d8v5", name: "get_time" },
      { type: "tool_call", id: "get_weather_bc8241gkqss5", name: "get_weather" },
    ]);
    expect(out.toolCalls().map((c) => c.name)).toEqual(["get_time", "get_weather"]);
  });

  describe.each(["cohere/chat-v2-stream-text.sse", "cohere/chat-v2-stream-thinking.sse", "cohere/chat-v2-stream-tool-calls.sse"])("%s", (path) => {
    itIsSplitInvariant(fixtureBytes(path), (pieces) => assemble(pieces).messages());
  });
});

describe("fuzz", () => {
  const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom("text", "thinking", "tool_call", "tool", "function", '{"a":1}'));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("type", "role", "content", "text", "thinking", "message", "delta", "tool_calls", "tool_plan", "function", "name", "arguments", "id", "index", "finish_reason", "tool_call_id", "image_url", "url", "document", "data"), tie("v"), { maxKeys: 5 })),
  })).v;
  const typed = fc.record({ type: fc.constantFrom("message-start", "content-start", "content-delta", "tool-plan-delta", "tool-call-start", "tool-call-delta", "message-end"), index: fc.oneof(fc.nat(3), fc.constant(-1), fc.constant(1e9)), delta: value });

  it("never throws on arbitrary requests, bodies and events, and stays within the bound", () => {
    fc.assert(
      fc.property(value, fc.array(fc.oneof(typed, value), { maxLength: 20 }), fc.nat(40), (body, evs, max) => {
        const req = cohereContent.request((body ?? undefined) as Record<string, unknown> | undefined, url);
        expect(typeof req).toBe("object");
        const out = cohereContent.output(max);
        out.json(body);
        for (const e of evs) out.event({ data: JSON.stringify(e) });
        out.event({ data: "not json" });
        expect(held(out.messages())).toBeLessThanOrEqual(max);
        expect(Array.isArray(out.toolCalls())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
