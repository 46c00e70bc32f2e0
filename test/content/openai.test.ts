/**
 * The OpenAI content readers (Chat Completions and compatible servers, legacy Completions,
 * Responses): requests as the SDKs send them, whole bodies and recorded streams compared with
 * values read from the fixtures (deltas joined, tool-call fragments assembled, reasoning), split
 * invariance through the real SSE framing, the memory bound, and fuzzed bodies and events.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContentReader } from "../../src/genai/content.js";
import { openaiChatContent, openaiCompletionsContent } from "../../src/genai/content/openai-chat.js";
import { openaiResponsesContent } from "../../src/genai/content/openai-responses.js";
import { fixtureBytes, fixtureText, splitAt } from "../genai/helpers.js";
import { assembleStream, sseData } from "./helpers.js";
import { openaiChatRequest } from "./requests.js";

const url = new URL("https://api.openai.com/v1/chat/completions");

const assemble = (reader: ContentReader, pieces: Uint8Array[], maxChars?: number) => assembleStream(reader, "sse", pieces, maxChars);

describe("Chat Completions request", () => {
  it("messages in order, roles as sent (system and developer stay), parts by kind, tools as definitions", () => {
    const body = openaiChatRequest;
    expect(openaiChatContent.request(body, url)).toEqual({
      inputMessages: [
        { role: "developer", parts: [{ type: "text", content: "Answer in French." }] },
        { role: "system", parts: [{ type: "text", content: "Be brief." }] },
        {
          role: "user",
          name: "ann",
          parts: [
            { type: "text", content: "What is in this image, and this sound?" },
            { type: "uri", modality: "image", uri: "https://upload.wikimedia.org/a.jpg" },
            { type: "blob", modality: "image", mime_type: "image/jpeg", content: "/9j/4AAQ" },
            { type: "blob", modality: "audio", mime_type: "audio/wav", content: "UklGRiQ=" },
            { type: "file", modality: "document", file_id: "file-abc" },
          ],
        },
        { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "rainy, 12°C" }] },
        { role: "assistant", parts: [{ type: "reasoning", content: "The tool said rain." }, { type: "text", content: "Il pleut." }] },
      ],
      toolDefinitions: [{ type: "function", name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } } } }],
    });
  });

  it("arguments that are not JSON stay text; nothing for a body without messages", () => {
    const body = { messages: [{ role: "assistant", tool_calls: [{ id: "c", function: { name: "f", arguments: "{not json" } }] }] };
    expect(openaiChatContent.request(body, url).inputMessages).toEqual([{ role: "assistant", parts: [{ type: "tool_call", id: "c", name: "f", arguments: "{not json" }] }]);
    expect(openaiChatContent.request(undefined, url)).toEqual({});
    expect(openaiChatContent.request({ messages: "x" }, url)).toEqual({});
  });

  it("a part of a type not read here is kept by its type, unless the conventions define that type (a text without text is no part)", () => {
    const content = [{ type: "text", text: 5 }, { type: "tool_call", name: "x" }, { type: "reasoning" }, { type: "text", text: "hi" }, { type: "video_url", video_url: "v" }];
    expect(openaiChatContent.request({ messages: [{ role: "user", content }] }, url).inputMessages).toEqual([{ role: "user", parts: [{ type: "text", content: "hi" }, { type: "video_url" }] }]);
    expect(openaiResponsesContent.request({ input: [{ role: "user", content }] }, new URL("https://api.openai.com/v1/responses")).inputMessages).toEqual([
      { role: "user", parts: [{ type: "text", content: "hi" }, { type: "video_url" }] },
    ]);
  });
});

describe("Chat Completions output", () => {
  it("parallel tool calls streamed: two calls, ids and names from their first fragment, arguments joined and parsed", () => {
    const path = "openai/chat-stream-parallel-tool-calls.sse";
    const calls: { id: string; name: string; args: string }[] = [];
    for (const e of sseData(path)) {
      for (const t of e.choices[0]?.delta?.tool_calls ?? []) {
        calls[t.index] ??= { id: t.id, name: t.function.name, args: "" };
        calls[t.index]!.args += t.function.arguments ?? "";
      }
    }
    expect(calls).toHaveLength(2);
    const out = assemble(openaiChatContent, [fixtureBytes(path)]);
    expect(out.messages()).toEqual([
      { role: "assistant", parts: calls.map((c) => ({ type: "tool_call", id: c.id, name: c.name, arguments: JSON.parse(c.args) })), finish_reason: "tool_calls" },
    ]);
    expect(out.toolCalls()).toEqual(calls.map(({ id, name }) => ({ id, name })));
  });

  it("n=2: one message per choice, in index order, each with its own text and finish reason", () => {
    const path = "openai/chat-stream-n2-multiple-choices.sse";
    const texts: string[] = [];
    const finish: string[] = [];
    for (const e of sseData(path)) {
      for (const c of e.choices) {
        texts[c.index] = (texts[c.index] ?? "") + (c.delta?.content ?? "");
        if (c.finish_reason) finish[c.index] = c.finish_reason;
      }
    }
    expect(texts).toHaveLength(2);
    expect(assemble(openaiChatContent, [fixtureBytes(path)]).messages()).toEqual(texts.map((t, i) => ({ role: "assistant", parts: [{ type: "text", content: t }], finish_reason: finish[i] })));
  });

  it("a whole body with tool calls: the message as the fixture has it", () => {
    const body = JSON.parse(fixtureText("openai/chat-nonstream-tool-calls.json"));
    const out = openaiChatContent.output(1_000_000);
    out.json(body);
    const choice = body.choices[0];
    expect(out.messages()).toEqual([
      {
        role: choice.message.role,
        parts: choice.message.tool_calls.map((t: any) => ({ type: "tool_call", id: t.id, name: t.function.name, arguments: JSON.parse(t.function.arguments) })),
        finish_reason: choice.finish_reason,
      },
    ]);
  });

  it("xAI's streamed reasoning_content is a reasoning part before the text", () => {
    const path = "xai/chat-stream-reasoning.sse";
    let reasoning = "";
    let text = "";
    let finish: string | undefined;
    for (const e of sseData(path)) {
      for (const c of e.choices ?? []) {
        reasoning += c.delta?.reasoning_content ?? "";
        text += c.delta?.content ?? "";
        finish = c.finish_reason ?? finish;
      }
    }
    expect(reasoning.length).toBeGreaterThan(0);
    const parts = [{ type: "reasoning", content: reasoning }, ...(text ? [{ type: "text", content: text }] : [])];
    expect(assemble(openaiChatContent, [fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts, finish_reason: finish }]);
  });

  it("whole (object) tool-call arguments are held only as the budget allows, like every other text", () => {
    const call = (args: unknown) => ({ choices: [{ index: 0, message: { role: "assistant", tool_calls: [{ id: "c1", function: { name: "f", arguments: args } }] } }] });
    // Capture off: a budget of 0 (tool call ids only); the arguments are not held.
    const off = openaiChatContent.output(0);
    off.json(call({ big: "y".repeat(100_000) }));
    expect(off.messages()).toEqual([{ role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "f" }] }]);
    expect(off.toolCalls()).toEqual([{ id: "c1", name: "f" }]);
    // Within the budget: kept as sent.
    const on = openaiChatContent.output(1000);
    on.json(call({ city: "Paris" }));
    expect(on.messages()).toEqual([{ role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "f", arguments: { city: "Paris" } }] }]);
  });

  it("an error body gives no messages", () => {
    const out = openaiChatContent.output(1000);
    out.json(JSON.parse(fixtureText("openai/error-400-invalid-image-url.json")));
    expect(out.messages()).toEqual([]);
    expect(out.toolCalls()).toEqual([]);
  });
});

describe("legacy Completions", () => {
  it("the prompt is the user's text; the streamed choice's text joined", () => {
    expect(openaiCompletionsContent.request({ model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test" }, url)).toEqual({ inputMessages: [{ role: "user", parts: [{ type: "text", content: "Say this is a test" }] }] });
    expect(openaiCompletionsContent.request({ prompt: ["a", "b", [1, 2]] }, url)).toEqual({ inputMessages: [{ role: "user", parts: [{ type: "text", content: "a" }, { type: "text", content: "b" }] }] });
    const path = "openai/completions-stream.sse";
    const all = sseData(path);
    const text = all.map((e) => e.choices[0]?.text ?? "").join("");
    const finish = all.map((e) => e.choices[0]?.finish_reason).find(Boolean);
    expect(assemble(openaiCompletionsContent, [fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: finish }]);
  });
});

describe("Responses", () => {
  const responsesUrl = new URL("https://api.openai.com/v1/responses");

  it("instructions are the system instructions; input items in order; function and built-in tools", () => {
    const body = {
      model: "gpt-4.1",
      instructions: "You are a recipe editor.",
      input: [
        { role: "user", content: [{ type: "input_text", text: "Find carbonara" }, { type: "input_image", image_url: "https://x.test/p.png" }, { type: "input_file", file_id: "file-1" }] },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Search first." }] },
        { type: "function_call", call_id: "call_1", name: "search_recipes", arguments: '{"query":"carbonara"}' },
        { type: "function_call_output", call_id: "call_1", output: '{"found":1}' },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Found one." }] },
        { type: "web_search_call", id: "ws_1", status: "completed" },
        { type: "item_reference", id: "msg_0" },
      ],
      tools: [{ type: "function", name: "search_recipes", description: "Search", parameters: { type: "object" } }, { type: "web_search_preview" }],
    };
    expect(openaiResponsesContent.request(body, responsesUrl)).toEqual({
      systemInstructions: [{ type: "text", content: "You are a recipe editor." }],
      inputMessages: [
        { role: "user", parts: [{ type: "text", content: "Find carbonara" }, { type: "uri", modality: "image", uri: "https://x.test/p.png" }, { type: "file", modality: "document", file_id: "file-1" }] },
        { role: "assistant", parts: [{ type: "reasoning", content: "Search first." }] },
        { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "search_recipes", arguments: { query: "carbonara" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: '{"found":1}' }] },
        { role: "assistant", parts: [{ type: "text", content: "Found one." }] },
        { role: "assistant", parts: [{ type: "server_tool_call", id: "ws_1", name: "web_search", server_tool_call: { type: "web_search_call" } }] },
      ],
      toolDefinitions: [
        { type: "function", name: "search_recipes", description: "Search", parameters: { type: "object" } },
        { type: "web_search_preview", name: "web_search_preview" },
      ],
    });
    expect(openaiResponsesContent.request({ input: "Tell me a joke" }, responsesUrl)).toEqual({ inputMessages: [{ role: "user", parts: [{ type: "text", content: "Tell me a joke" }] }] });
  });

  it("a streamed function call: call id, name and the joined argument deltas, as response.completed lists it", () => {
    const path = "openai-responses/responses-stream-function-call.sse";
    const all = sseData(path);
    const args = all.filter((e) => e.type === "response.function_call_arguments.delta").map((e) => e.delta).join("");
    const item = all.find((e) => e.type === "response.completed").response.output.find((o: any) => o.type === "function_call");
    expect(args).toBe(item.arguments);
    const out = assemble(openaiResponsesContent, [fixtureBytes(path)]);
    expect(out.messages()).toEqual([{ role: "assistant", parts: [{ type: "tool_call", id: item.call_id, name: item.name, arguments: JSON.parse(args) }], finish_reason: "completed" }]);
    expect(out.toolCalls()).toEqual([{ id: item.call_id, name: item.name }]);
  });

  it("the budget is charged once per text: an item done after its deltas keeps them; a whole item's arguments are taken within the budget, never whole past it", () => {
    const path = "openai-responses/responses-stream-function-call.sse";
    const all = sseData(path);
    const item = all.find((e) => e.type === "response.completed").response.output.find((o: any) => o.type === "function_call");
    // Cut after output_item.done, before response.completed: the budget holds the arguments once, not twice.
    const raw = fixtureText(path);
    const cut = new TextEncoder().encode(raw.slice(0, raw.indexOf("event: response.completed")));
    const once = assemble(openaiResponsesContent, [cut], item.arguments.length + 5);
    expect(once.messages()[0].parts).toEqual([{ type: "tool_call", id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) }]);
    // A whole Response past the budget: the tool call without its arguments (they were kept whole, 100 KB here), its id and name for the tool-call listener.
    const big = JSON.stringify({ q: "y".repeat(100_000) });
    for (const max of [0, 50]) {
      const out = openaiResponsesContent.output(max);
      out.json({ status: "completed", output: [{ type: "function_call", id: "fc_1", call_id: "call_1", name: "f", arguments: big }] });
      const [part] = out.messages()[0].parts;
      expect(JSON.stringify(part).length, String(max)).toBeLessThan(200);
      expect(part).toMatchObject({ type: "tool_call", id: "call_1", name: "f" });
      expect(out.toolCalls()).toEqual([{ id: "call_1", name: "f" }]);
    }
  });

  it("a streamed text: the output_text deltas joined; without the terminal event the deltas alone give it", () => {
    const path = "openai-responses/responses-stream-text.sse";
    const text = sseData(path)
      .filter((e) => e.type === "response.output_text.delta")
      .map((e) => e.delta)
      .join("");
    expect(assemble(openaiResponsesContent, [fixtureBytes(path)]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "completed" }]);
    // Cut before response.completed (and output_item.done): the deltas are the message.
    const raw = fixtureText(path);
    const cut = new TextEncoder().encode(raw.slice(0, raw.indexOf("event: response.output_text.done")));
    expect(assemble(openaiResponsesContent, [cut]).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }] }]);
  });

  it("a whole Response; an error body gives none; an incomplete one its reason", () => {
    const body = JSON.parse(fixtureText("openai-responses/responses-nonstream.json"));
    const out = openaiResponsesContent.output(1_000_000);
    out.json(body);
    const text = body.output.flatMap((o: any) => o.content ?? []).map((c: any) => c.text).join("");
    expect(out.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "completed" }]);
    const error = openaiResponsesContent.output(1000);
    error.json(JSON.parse(fixtureText("openai-responses/error-insufficient-quota.json")));
    expect(error.messages()).toEqual([]);
    const incomplete = openaiResponsesContent.output(1000);
    incomplete.json({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "Once upon" }] }] });
    expect(incomplete.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Once upon" }], finish_reason: "max_output_tokens" }]);
  });
});

describe("streams: split invariance and the bound", () => {
  const cases: [ContentReader, string][] = [
    [openaiChatContent, "openai/chat-stream-parallel-tool-calls.sse"],
    [openaiChatContent, "openai/chat-stream-n2-multiple-choices.sse"],
    [openaiChatContent, "xai/chat-stream-reasoning.sse"],
    [openaiChatContent, "mistral/chat-stream-tool-call.sse"],
    [openaiResponsesContent, "openai-responses/responses-stream-function-call.sse"],
    [openaiResponsesContent, "openai-responses/responses-stream-text.sse"],
  ];
  for (const [reader, path] of cases) {
    it(`${path}: the same messages however the bytes are cut`, () => {
      const bytes = fixtureBytes(path);
      const whole = assemble(reader, [bytes]);
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 200 }), (cuts) => {
          cuts.sort((a, b) => a - b);
          const split = assemble(reader, splitAt(bytes, cuts));
          expect(split.messages()).toEqual(whole.messages());
          expect(split.toolCalls()).toEqual(whole.toolCalls());
        }),
        { numRuns: 40 },
      );
    });

    it(`${path}: at most maxChars of text held, the structure kept`, () => {
      const whole = assemble(reader, [fixtureBytes(path)]);
      for (const max of [0, 5, 40]) {
        const bounded = assemble(reader, [fixtureBytes(path)], max);
        expect(textLength(bounded.messages())).toBeLessThanOrEqual(max);
        expect(bounded.toolCalls()).toEqual(whole.toolCalls());
        expect(bounded.messages().map((m) => m.finish_reason)).toEqual(whole.messages().map((m) => m.finish_reason));
      }
    });
  }
});

/** Characters of text held: text and reasoning contents, and tool-call arguments as text. */
function textLength(messages: unknown): number {
  let n = 0;
  for (const m of messages as { parts: Record<string, unknown>[] }[]) {
    for (const p of m.parts) {
      if (typeof p.content === "string") n += p.content.length;
      if (typeof p.arguments === "string") n += p.arguments.length;
    }
  }
  return n;
}

describe("fuzz: arbitrary bodies and events never throw and stay within the bound", () => {
  const readers: [string, ContentReader][] = [
    ["chat", openaiChatContent],
    ["completions", openaiCompletionsContent],
    ["responses", openaiResponsesContent],
  ];
  const shaped = fc.oneof(
    fc.record({ choices: fc.array(fc.record({ index: fc.oneof(fc.integer(), fc.anything()), delta: fc.anything(), message: fc.anything(), text: fc.anything(), finish_reason: fc.anything() }, { requiredKeys: [] })) }),
    fc.record({ type: fc.constantFrom("response.output_item.added", "response.output_text.delta", "response.function_call_arguments.delta", "response.completed"), output_index: fc.anything(), delta: fc.anything(), item: fc.anything(), response: fc.anything() }, { requiredKeys: [] }),
    fc.anything(),
  );
  for (const [name, reader] of readers) {
    it(name, () => {
      fc.assert(
        fc.property(fc.array(shaped, { maxLength: 8 }), fc.anything(), fc.integer({ min: 0, max: 50 }), (list, body, max) => {
          const out = reader.output(max);
          out.json(body);
          for (const data of list) out.event({ data: JSON.stringify(data) ?? "x" });
          out.event({ data: "not json" });
          const messages = out.messages();
          expect(textLength(messages.filter((m) => Array.isArray(m.parts)))).toBeLessThanOrEqual(max);
          expect(Array.isArray(out.toolCalls())).toBe(true);
          JSON.stringify(messages);
          expect(() => reader.request(body as never, url)).not.toThrow();
        }),
        { numRuns: 300 },
      );
    });
  }
});
