/**
 * The Ollama content readers (`/api/chat`, `/api/generate`): requests as ollama-js sends them
 * (its README's tool and image examples), the recorded responses and streams compared with values
 * read from the fixtures, split invariance through the real NDJSON framing, the memory bound,
 * and fuzzed bodies and lines.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContentReader } from "../../src/genai/content.js";
import { ollamaChatContent, ollamaGenerateContent } from "../../src/genai/content/ollama.js";
import { fixtureBytes, fixtureText } from "../genai/helpers.js";
import { assembleStream, held, itIsSplitInvariant } from "./helpers.js";

const url = new URL("http://127.0.0.1:11434/api/chat");

/** The stream's bytes, in pieces, through the real NDJSON framing into a fresh assembler. */
const assemble = (reader: ContentReader, pieces: Uint8Array[], maxChars?: number) => assembleStream(reader, "ndjson", pieces, maxChars);

const lines = (path: string) =>
  fixtureText(path)
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

const weatherTool = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string", description: "The name of the city" } }, required: ["city"] },
  },
};

describe("/api/chat request", () => {
  it("reads a tool round trip: system message kept, thinking, tool calls with object arguments, the tool's result by tool_name", () => {
    const body = {
      model: "qwen3",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "What is the weather in Toronto?" },
        {
          role: "assistant",
          content: "",
          thinking: "The user wants the weather.",
          tool_calls: [{ function: { name: "get_current_weather", arguments: { city: "Toronto" } } }],
        },
        { role: "tool", content: "11 degrees celsius", tool_name: "get_current_weather" },
      ],
      tools: [weatherTool],
      stream: false,
    };
    expect(ollamaChatContent.request(body, url)).toEqual({
      inputMessages: [
        { role: "system", parts: [{ type: "text", content: "Answer briefly." }] },
        { role: "user", parts: [{ type: "text", content: "What is the weather in Toronto?" }] },
        {
          role: "assistant",
          parts: [
            { type: "reasoning", content: "The user wants the weather." },
            { type: "tool_call", name: "get_current_weather", arguments: { city: "Toronto" } },
          ],
        },
        { role: "tool", name: "get_current_weather", parts: [{ type: "tool_call_response", response: "11 degrees celsius" }] },
      ],
      toolDefinitions: [{ type: "function", name: "get_current_weather", description: "Get the current weather for a city", parameters: weatherTool.function.parameters }],
    });
  });

  it("reads images as base64 blobs after the text", () => {
    const body = { model: "llava", messages: [{ role: "user", content: "What is in this image?", images: ["iVBORw0KGgoAAAANSUhEUg==", 7] }] };
    expect(ollamaChatContent.request(body, url)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "What is in this image?" },
            { type: "blob", modality: "image", content: "iVBORw0KGgoAAAANSUhEUg==" },
          ],
        },
      ],
    });
  });
});

describe("/api/generate request", () => {
  it("reads system as system instructions, prompt and images as the user's message", () => {
    const body = { model: "llava", system: "You are a pirate.", prompt: "Describe this picture", images: ["/9j/4AAQSkZJRg=="] };
    expect(ollamaGenerateContent.request(body, new URL("http://127.0.0.1:11434/api/generate"))).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "Describe this picture" },
            { type: "blob", modality: "image", content: "/9j/4AAQSkZJRg==" },
          ],
        },
      ],
      systemInstructions: [{ type: "text", content: "You are a pirate." }],
    });
    expect(ollamaGenerateContent.request({ model: "llama3" }, url)).toEqual({});
  });
});

describe("responses", () => {
  it("api-chat-tool-call.json: thinking, the tool call with its id and object arguments, stop", () => {
    const body = JSON.parse(fixtureText("ollama/api-chat-tool-call.json"));
    const out = ollamaChatContent.output(1_000_000);
    out.json(body);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: body.message.thinking },
          { type: "tool_call", id: "call_gsiiy8py", name: "get_current_weather", arguments: { city: "Paris" } },
        ],
        finish_reason: "stop",
      },
    ]);
    expect(out.toolCalls()).toEqual([{ id: "call_gsiiy8py", name: "get_current_weather" }]);
  });

  it("api-chat-error-404.json: no message", () => {
    const out = ollamaChatContent.output(1_000_000);
    out.json(JSON.parse(fixtureText("ollama/api-chat-error-404.json")));
    expect(out.messages()).toEqual([]);
  });

  it("api-chat-stream.ndjson: the contents joined, done_reason", () => {
    const path = "ollama/api-chat-stream.ndjson";
    const text = lines(path)
      .map((l) => l.message.content)
      .join("");
    expect(text.startsWith("Why did the OpenTelemetry agent go to therapy?")).toBe(true);
    expect(assemble(ollamaChatContent, [fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "stop" }]);
  });

  it("api-generate-stream.ndjson: the responses joined, done_reason", () => {
    const path = "ollama/api-generate-stream.ndjson";
    const text = lines(path)
      .map((l) => l.response)
      .join("");
    expect(text.startsWith("A joke about OpenTelemetry!")).toBe(true);
    expect(assemble(ollamaGenerateContent, [fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "stop" }]);
  });

  it("a streamed thinking model: thinking and content joined, tool calls from the line that has them, an error line ignored", () => {
    const stream = [
      { model: "qwen3", message: { role: "assistant", content: "", thinking: "Need " }, done: false },
      { model: "qwen3", message: { role: "assistant", content: "", thinking: "the tool." }, done: false },
      { model: "qwen3", message: { role: "assistant", content: "", tool_calls: [{ function: { name: "get_current_weather", arguments: { city: "Paris" } } }] }, done: false },
      { error: "an error was encountered while running the model" },
      { model: "qwen3", message: { role: "assistant", content: "Checking." }, done: true, done_reason: "stop" },
    ]
      .map((l) => JSON.stringify(l))
      .join("\n");
    const out = assemble(ollamaChatContent, [new TextEncoder().encode(stream)]);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "Need the tool." },
          { type: "text", content: "Checking." },
          { type: "tool_call", name: "get_current_weather", arguments: { city: "Paris" } },
        ],
        finish_reason: "stop",
      },
    ]);
    expect(out.toolCalls()).toEqual([{ name: "get_current_weather" }]);
  });

  it("keeps at most maxChars characters, and the tool calls' names whatever the bound", () => {
    const out = ollamaChatContent.output(10);
    out.json(JSON.parse(fixtureText("ollama/api-chat-tool-call.json")));
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "Thinking P" },
          { type: "tool_call", id: "call_gsiiy8py", name: "get_current_weather" },
        ],
        finish_reason: "stop",
      },
    ]);
  });

  describe.each([
    ["ollama/api-chat-stream.ndjson", ollamaChatContent],
    ["ollama/api-generate-stream.ndjson", ollamaGenerateContent],
  ] as const)("%s", (path, reader) => {
    itIsSplitInvariant(fixtureBytes(path), (pieces) => assemble(reader, pieces).messages());
  });
});

describe("fuzz", () => {
  const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom("assistant", "tool", '{"a":1}', "stop"));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("role", "content", "thinking", "message", "response", "tool_calls", "function", "name", "arguments", "id", "images", "tool_name", "done", "done_reason", "error", "messages", "prompt", "system", "tools"), tie("v"), { maxKeys: 6 })),
  })).v;

  it.each([
    ["chat", ollamaChatContent],
    ["generate", ollamaGenerateContent],
  ] as const)("%s: never throws on arbitrary requests, bodies and lines, and stays within the bound", (_, reader) => {
    fc.assert(
      fc.property(value, fc.array(value, { maxLength: 20 }), fc.nat(40), (body, evs, max) => {
        expect(typeof reader.request((body ?? undefined) as Record<string, unknown> | undefined, url)).toBe("object");
        const out = reader.output(max);
        out.json(body);
        for (const e of evs) out.event({ data: JSON.stringify(e) });
        out.event({ data: "{" });
        expect(held(out.messages())).toBeLessThanOrEqual(max);
        expect(Array.isArray(out.toolCalls())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
