import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContentReader, OutputMessage } from "../../src/genai/content.js";
import { geminiContent } from "../../src/genai/content/gemini.js";
import type { Framing } from "../../src/genai/types.js";
import { fixtureBytes, fixtureText, splitAt } from "../genai/helpers.js";
import { assembleStream, sseData } from "./helpers.js";
import { geminiRequest, geminiWeatherParameters } from "./requests.js";

const URL_ = new URL("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");

/** The fixture's bytes through the real framing, cut at `cuts`, each event into a fresh assembler. */
function assemble(reader: ContentReader, bytes: Uint8Array, framing: Framing, cuts: number[] = [], maxChars = 1_000_000) {
  const out = assembleStream(reader, framing, splitAt(bytes, cuts), maxChars);
  return { messages: out.messages(), toolCalls: out.toolCalls() };
}

const partsOfChunks = (chunks: any[]) => chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);

describe("gemini request", () => {
  it("a schema property named `__proto__` stays a property when types are lowered", () => {
    const body = JSON.parse('{"contents":[],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"__proto__":{"type":"STRING"},"a":{"type":"STRING"}}}}]}]}');
    const [tool] = geminiContent.request(body, URL_).toolDefinitions!;
    const properties = (tool as { parameters: { properties: object } }).parameters.properties;
    expect(Object.keys(properties)).toEqual(["__proto__", "a"]);
    expect(Object.getOwnPropertyDescriptor(properties, "__proto__")?.value).toEqual({ type: "string" });
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
  });

  it("reads a multi-turn function-calling request (REST docs) with system instruction, media and tools", () => {
    const parameters = geminiWeatherParameters;
    const body = geminiRequest;
    expect(geminiContent.request(body, URL_)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "What is the weather like in Boston? And what is in this picture?" },
            { type: "blob", modality: "image", mime_type: "image/jpeg", content: "/9j/4AAQSkZJRg==" },
            { type: "uri", modality: "document", mime_type: "application/pdf", uri: "https://generativelanguage.googleapis.com/v1beta/files/abc-123" },
          ],
        },
        {
          role: "assistant",
          parts: [
            { type: "reasoning", content: "Thinking about the tools." },
            { type: "tool_call", name: "get_current_weather", arguments: { location: "Boston, MA" } },
          ],
        },
        { role: "user", parts: [{ type: "tool_call_response", response: { temperature: 72, unit: "fahrenheit" } }] },
      ],
      systemInstructions: [{ type: "text", content: "You are a cat. Your name is Neko." }],
      toolDefinitions: [
        { type: "function", name: "get_current_weather", description: "Get the current weather in a given location", parameters },
        { type: "google_search", name: "google_search" },
        { type: "code_execution", name: "code_execution" },
      ],
    });
  });

  it("reads the proto (snake_case) spelling, ids, parametersJsonSchema, code execution, data: URLs and role-less contents", () => {
    const schema = { type: "object", properties: { q: { type: "string" } } };
    const body = {
      contents: [
        { parts: [{ text: "hi" }, { file_data: { mime_type: "image/png", file_uri: "data:image/png;base64,iVBORw0KGgo=" } }, { file_data: { file_uri: "gs://bucket/v.mp4", mime_type: "video/mp4" } }] },
        {
          role: "model",
          parts: [
            { function_call: { id: "call-1", name: "search", args: { q: "x" } } },
            { executableCode: { language: "PYTHON", code: "print(1)" } },
            { codeExecutionResult: { outcome: "OUTCOME_OK", output: "1\n" } },
            { thoughtSignature: "c2ln" },
          ],
        },
        { role: "user", parts: [{ function_response: { id: "call-1", name: "search", response: { result: "y" } } }] },
      ],
      system_instruction: { parts: [{ text: "Be brief." }] },
      tools: [{ function_declarations: [{ name: "search", parametersJsonSchema: schema }] }],
    };
    expect(geminiContent.request(body, URL_)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "hi" },
            { type: "blob", modality: "image", mime_type: "image/png", content: "iVBORw0KGgo=" },
            { type: "uri", modality: "video", mime_type: "video/mp4", uri: "gs://bucket/v.mp4" },
          ],
        },
        {
          role: "assistant",
          parts: [
            { type: "tool_call", id: "call-1", name: "search", arguments: { q: "x" } },
            { type: "server_tool_call", name: "code_execution", server_tool_call: { type: "code_execution", language: "PYTHON", code: "print(1)" } },
            { type: "server_tool_call_response", server_tool_call_response: { type: "code_execution", outcome: "OUTCOME_OK", output: "1\n" } },
          ],
        },
        { role: "user", parts: [{ type: "tool_call_response", id: "call-1", response: { result: "y" } }] },
      ],
      systemInstructions: [{ type: "text", content: "Be brief." }],
      toolDefinitions: [{ type: "function", name: "search", parameters: schema }],
    });
  });

  it("reads nothing from a missing or contentless body", () => {
    expect(geminiContent.request(undefined, URL_)).toEqual({});
    expect(geminiContent.request({ contents: "nope", tools: 3, systemInstruction: 5 }, URL_)).toEqual({ inputMessages: [] });
  });
});

describe("gemini output", () => {
  it("a whole body: the candidate's text and finish reason", () => {
    const body = JSON.parse(fixtureText("google/gemini-generate-content.json"));
    const out = geminiContent.output(1_000_000);
    out.json(body);
    expect(out.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: body.candidates[0].content.parts[0].text }], finish_reason: "STOP" }]);
    expect(out.toolCalls()).toEqual([]);
  });

  it("an error body or a blocked prompt: no candidate text; a block is an empty message finished by its reason", () => {
    const error = geminiContent.output(1000);
    error.json(JSON.parse(fixtureText("google/error-429-resource-exhausted.json")));
    expect(error.messages()).toEqual([]);
    const blocked = geminiContent.output(1000);
    blocked.json(JSON.parse(fixtureText("google/prompt-blocked.json")));
    expect(blocked.messages()).toEqual([{ role: "assistant", parts: [], finish_reason: "PROHIBITED_CONTENT" }]);
    expect(assemble(geminiContent, fixtureBytes("google/gemini-stream-prompt-blocked.sse"), "sse").messages).toEqual([
      { role: "assistant", parts: [], finish_reason: "PROHIBITED_CONTENT" },
    ]);
  });

  it("a stream of function calls: two tool calls with their args objects", () => {
    const { messages, toolCalls } = assemble(geminiContent, fixtureBytes("google/gemini-stream-function-calls.sse"), "sse");
    expect(messages).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "tool_call", name: "get_weather", arguments: { location: "Boston" } },
          { type: "tool_call", name: "get_weather", arguments: { location: "New Delhi" } },
        ],
        finish_reason: "STOP",
      },
    ]);
    expect(toolCalls).toEqual([{ name: "get_weather" }, { name: "get_weather" }]);
  });

  it("a thinking stream: the thoughts joined as reasoning, then the answer joined as text", () => {
    const parts = partsOfChunks(sseData("google/gemini-stream-thinking.sse"));
    const reasoning = parts.filter((p) => p.thought).map((p) => p.text).join("");
    const text = parts.filter((p) => !p.thought).map((p) => p.text).join("");
    expect(reasoning.length).toBeGreaterThan(100);
    expect(text).toContain("Once upon a time");
    const { messages } = assemble(geminiContent, fixtureBytes("google/gemini-stream-thinking.sse"), "sse");
    expect(messages).toEqual([{ role: "assistant", parts: [{ type: "reasoning", content: reasoning }, { type: "text", content: text }], finish_reason: "STOP" }]);
  });

  it("JSON-array streams (and the same array read whole), with Vertex's numeric finish reasons", () => {
    const array = JSON.parse(fixtureText("google/gemini-stream-text-array.json"));
    const text = partsOfChunks(array).map((p: any) => p.text).join("");
    const expected: OutputMessage[] = [{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "STOP" }];
    expect(assemble(geminiContent, fixtureBytes("google/gemini-stream-text-array.json"), "json-array").messages).toEqual(expected);
    const whole = geminiContent.output(1_000_000);
    whole.json(array);
    expect(whole.messages()).toEqual(expected);
    const vertex = JSON.parse(fixtureText("google/vertex-stream-array-int-enums.json"));
    expect(assemble(geminiContent, fixtureBytes("google/vertex-stream-array-int-enums.json"), "json-array").messages).toEqual([
      { role: "assistant", parts: [{ type: "text", content: vertex[0].candidates[0].content.parts[0].text }], finish_reason: "STOP" },
    ]);
  });

  it("several candidates by index, each with its own parts and finish reason", () => {
    const out = geminiContent.output(1000);
    const chunk = (i: number, text: string, finishReason?: string) => ({ data: JSON.stringify({ candidates: [{ index: i, content: { role: "model", parts: [{ text }] }, finishReason }] }) });
    for (const e of [chunk(1, "B1"), chunk(0, "A1"), chunk(1, "B2", "MAX_TOKENS"), chunk(0, "A2", "STOP")]) out.event(e);
    expect(out.messages()).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "A1A2" }], finish_reason: "STOP" },
      { role: "assistant", parts: [{ type: "text", content: "B1B2" }], finish_reason: "MAX_TOKENS" },
    ]);
  });

  it("holds at most maxChars of text, keeping the structure (tool calls whatever the budget)", () => {
    const out = geminiContent.output(10);
    out.json({ candidates: [{ content: { parts: [{ text: "abcdefghijklmnop" }, { functionCall: { name: "f", args: { big: "x".repeat(50) } } }] }, finishReason: "STOP" }] });
    expect(out.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: "abcdefghij" }, { type: "tool_call", name: "f" }], finish_reason: "STOP" }]);
    expect(out.toolCalls()).toEqual([{ name: "f" }]);
    // Capture off: the core asks for no text at all, and still gets the tool calls for executeTool.
    expect(assemble(geminiContent, fixtureBytes("google/gemini-stream-function-calls.sse"), "sse", [], 0)).toEqual({
      messages: [{ role: "assistant", parts: [{ type: "tool_call", name: "get_weather" }, { type: "tool_call", name: "get_weather" }], finish_reason: "STOP" }],
      toolCalls: [{ name: "get_weather" }, { name: "get_weather" }],
    });
  });
});

describe("gemini stream split invariance", () => {
  const cases: [string, Framing][] = [
    ["google/gemini-stream-thinking.sse", "sse"],
    ["google/gemini-stream-function-calls.sse", "sse"],
    ["google/gemini-stream-text.sse", "sse"],
    ["google/gemini-stream-text-array.json", "json-array"],
  ];
  it.each(cases)("%s assembles the same however its bytes are cut", (path, framing) => {
    const bytes = fixtureBytes(path);
    const whole = assemble(geminiContent, bytes, framing);
    expect(whole.messages.length).toBe(1);
    for (let i = 0; i <= bytes.length; i += 7) expect(assemble(geminiContent, bytes, framing, [i])).toEqual(whole);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 200 }), (cuts) => {
        cuts.sort((a, b) => a - b);
        expect(assemble(geminiContent, bytes, framing, cuts)).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });
});

describe("gemini fuzz", () => {
  const part = fc.oneof(
    fc.record({ text: fc.string(), thought: fc.boolean() }),
    fc.record({ functionCall: fc.record({ name: fc.oneof(fc.string(), fc.integer()), args: fc.jsonValue() }) }),
    fc.record({ inlineData: fc.record({ mimeType: fc.string(), data: fc.oneof(fc.string(), fc.integer()) }) }),
    fc.jsonValue(),
  );
  const chunk = fc.oneof(
    fc.record({ candidates: fc.array(fc.record({ index: fc.oneof(fc.integer(), fc.jsonValue()), content: fc.oneof(fc.record({ role: fc.jsonValue(), parts: fc.array(part) }), fc.jsonValue()), finishReason: fc.jsonValue() }, { requiredKeys: [] })) }),
    fc.record({ promptFeedback: fc.record({ blockReason: fc.jsonValue() }) }),
    fc.jsonValue(),
  );
  it("never throws on arbitrary bodies and events, and holds about maxChars of text", () => {
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 8 }), fc.integer({ min: 0, max: 200 }), (chunks, maxChars) => {
        const out = geminiContent.output(maxChars);
        for (const c of chunks) {
          out.json(c);
          out.event({ data: JSON.stringify(c) ?? "" });
          out.event({ data: "{not json" });
        }
        geminiContent.request(chunks[0] as any, URL_);
        geminiContent.request({ contents: chunks, tools: chunks, systemInstruction: chunks[0] }, URL_);
        const text = out.messages().flatMap((m) => m.parts).reduce((n, p: any) => n + (typeof p.content === "string" ? p.content.length : 0), 0);
        expect(text).toBeLessThanOrEqual(maxChars);
        expect(out.messages().length).toBeLessThanOrEqual(128);
      }),
      { numRuns: 300 },
    );
  });
});
