/**
 * The Anthropic Messages content reader: requests as the SDK sends them (system blocks, images,
 * documents, tool use and results, thinking), whole bodies and recorded streams compared with
 * values read from the fixtures (text and thinking deltas joined, `input_json_delta` fragments
 * assembled), split invariance through the real SSE framing, the bound, and fuzz.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anthropicContent } from "../../src/genai/content/anthropic-messages.js";
import { fixtureBytes, fixtureText, splitAt } from "../genai/helpers.js";
import { assembleStream, sseData } from "./helpers.js";
import { anthropicRequest } from "./requests.js";

const url = new URL("https://api.anthropic.com/v1/messages");

const assemble = (pieces: Uint8Array[], maxChars?: number) => assembleStream(anthropicContent, "sse", pieces, maxChars);

/** What the fixture's stream says, block by block: the reference the reader is compared with. */
function blocksOf(path: string) {
  const blocks: { block: any; text: string; json: string }[] = [];
  let stop: string | undefined;
  for (const e of sseData(path)) {
    if (e.type === "content_block_start") blocks[e.index] = { block: e.content_block, text: "", json: "" };
    if (e.type === "content_block_delta") {
      const b = blocks[e.index]!;
      b.text += e.delta.text ?? e.delta.thinking ?? "";
      b.json += e.delta.partial_json ?? "";
    }
    if (e.type === "message_delta") stop = e.delta.stop_reason;
  }
  return { blocks, stop };
}

describe("request", () => {
  it("system blocks are the system instructions; messages keep their roles; tool_result stays in the user message", () => {
    const body = anthropicRequest;
    expect(anthropicContent.request(body, url)).toEqual({
      systemInstructions: [{ type: "text", content: "You are a weather bot." }],
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "blob", modality: "image", mime_type: "image/png", content: "iVBORw0KGgo=" },
            { type: "uri", modality: "image", uri: "https://x.test/sky.jpg" },
            { type: "blob", modality: "document", mime_type: "application/pdf", content: "JVBERi0=" },
            { type: "text", content: "Weather in Paris?" },
          ],
        },
        {
          role: "assistant",
          parts: [
            { type: "reasoning", content: "Use the tool." },
            { type: "tool_call", id: "toolu_1", name: "get_weather", arguments: { location: "Paris" } },
          ],
        },
        { role: "user", parts: [{ type: "tool_call_response", id: "toolu_1", response: "rainy" }] },
        { role: "user", parts: [{ type: "tool_call_response", id: "toolu_2", response: "sunny" }] },
      ],
      toolDefinitions: [
        { type: "function", name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { location: { type: "string" } } } },
        { type: "web_search_20250305", name: "web_search" },
      ],
    });
    expect(anthropicContent.request({ system: "Be brief.", messages: [{ role: "user", content: "Hi" }] }, url)).toEqual({
      systemInstructions: [{ type: "text", content: "Be brief." }],
      inputMessages: [{ role: "user", parts: [{ type: "text", content: "Hi" }] }],
    });
    expect(anthropicContent.request(undefined, url)).toEqual({});
  });
});

describe("output", () => {
  it("tool use streamed: the text, then each tool_use with its input_json_delta fragments assembled", () => {
    const path = "anthropic/messages-stream-tool-use.sse";
    const { blocks, stop } = blocksOf(path);
    const tools = blocks.filter((b) => b.block.type === "tool_use");
    expect(tools.length).toBe(2);
    const out = assemble([fixtureBytes(path)]);
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: blocks.map((b) =>
          b.block.type === "text" ? { type: "text", content: b.text } : { type: "tool_call", id: b.block.id, name: b.block.name, arguments: JSON.parse(b.json) },
        ),
        finish_reason: stop,
      },
    ]);
    expect(out.toolCalls()).toEqual(tools.map((b) => ({ id: b.block.id, name: b.block.name })));
  });

  it("thinking streamed: a reasoning part (thinking deltas joined), then the text", () => {
    const path = "anthropic/messages-stream-thinking.sse";
    const { blocks, stop } = blocksOf(path);
    expect(blocks.map((b) => b.block.type)).toEqual(["thinking", "text"]);
    expect(assemble([fixtureBytes(path)]).messages()).toEqual([
      { role: "assistant", parts: [{ type: "reasoning", content: blocks[0]!.text }, { type: "text", content: blocks[1]!.text }], finish_reason: stop },
    ]);
  });

  it("whole bodies: thinking and text as the fixture has them; an error body gives none", () => {
    for (const path of ["anthropic/messages-nonstream-thinking.json", "anthropic/messages-nonstream.json"]) {
      const body = JSON.parse(fixtureText(path));
      const out = anthropicContent.output(1_000_000);
      out.json(body);
      const parts = body.content.map((b: any) => (b.type === "thinking" ? { type: "reasoning", content: b.thinking } : { type: "text", content: b.text }));
      expect(out.messages()).toEqual([{ role: body.role, parts, finish_reason: body.stop_reason }]);
    }
    const error = anthropicContent.output(1000);
    error.json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(error.messages()).toEqual([]);
  });
});

describe("legacy Text Completions (Bedrock's Claude v2, the direct API's /v1/complete)", () => {
  // The shapes of Anthropic's Text Completions reference (streaming: `event: completion` with a `completion` delta each).
  const stream = [
    'event: completion\ndata: {"type": "completion", "completion": " Hello", "stop_reason": null, "model": "claude-2.0"}\n\n',
    'event: completion\ndata: {"type": "completion", "completion": "!", "stop_reason": null, "model": "claude-2.0"}\n\n',
    'event: ping\ndata: {"type": "ping"}\n\n',
    'event: completion\ndata: {"type": "completion", "completion": " My name is Claude.", "stop_reason": null, "model": "claude-2.0"}\n\n',
    'event: completion\ndata: {"type": "completion", "completion": "", "stop_reason": "stop_sequence", "model": "claude-2.0"}\n\n',
  ].join("");

  it("the prompt is the user's message as sent; no messages, no system", () => {
    const body = { model: "claude-2.1", prompt: "\n\nHuman: Hello, world!\n\nAssistant:", max_tokens_to_sample: 256 };
    expect(anthropicContent.request(body, url)).toEqual({ inputMessages: [{ role: "user", parts: [{ type: "text", content: body.prompt }] }] });
  });

  it("tool calls are the named tool_use blocks: a block of a type Anthropic does not send but the conventions define (a proxy's `tool_call`) is neither a part nor a tool call; another unknown type is kept by its type", () => {
    const whole = anthropicContent.output(1000);
    whole.json({ type: "message", role: "assistant", content: [{ type: "tool_call", name: "x", id: "1" }, { type: "tool_use", name: "t", id: "2", input: {} }, { type: "container_upload" }] });
    expect(whole.messages()).toEqual([{ role: "assistant", parts: [{ type: "tool_call", id: "2", name: "t", arguments: {} }, { type: "container_upload" }] }]);
    expect(whole.toolCalls()).toEqual([{ id: "2", name: "t" }]);
  });

  it("a tool's input is charged to the budget like text: past it the call keeps its id and name, never the input whole", () => {
    const input = { q: "y".repeat(100_000) };
    const body = { type: "message", role: "assistant", content: [{ type: "text", text: "Looking." }, { type: "tool_use", id: "toolu_1", name: "search", input }] };
    for (const [max, parts] of [
      [0, [{ type: "text", content: "" }, { type: "tool_call", id: "toolu_1", name: "search" }]],
      [100, [{ type: "text", content: "Looking." }, { type: "tool_call", id: "toolu_1", name: "search" }]],
      [200_000, [{ type: "text", content: "Looking." }, { type: "tool_call", id: "toolu_1", name: "search", arguments: input }]],
    ] as const) {
      const out = anthropicContent.output(max);
      out.json(body);
      expect(out.messages(), String(max)).toEqual([{ role: "assistant", parts }]);
      expect(out.toolCalls()).toEqual([{ id: "toolu_1", name: "search" }]);
    }
  });

  it("a whole completion: its text and stop reason; a stream: the completion deltas joined, the last stop reason", () => {
    const whole = anthropicContent.output(1000);
    whole.json({ type: "completion", id: "compl_01", completion: " Hello! My name is Claude.", stop_reason: "stop_sequence", model: "claude-2.1" });
    expect(whole.messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: " Hello! My name is Claude." }], finish_reason: "stop_sequence" }]);
    expect(whole.toolCalls()).toEqual([]);
    const bytes = new TextEncoder().encode(stream);
    for (const cuts of [[1], [7, 120], [50, 51, 52], [bytes.length]]) {
      expect(assemble(splitAt(bytes, cuts)).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: " Hello! My name is Claude." }], finish_reason: "stop_sequence" }]);
    }
    expect(assemble([bytes], 8).messages()).toEqual([{ role: "assistant", parts: [{ type: "text", content: " Hello! " }], finish_reason: "stop_sequence" }]);
  });
});

function textLength(messages: unknown): number {
  let n = 0;
  for (const m of messages as { parts: Record<string, unknown>[] }[]) for (const p of m.parts) if (typeof p.content === "string") n += p.content.length;
  return n;
}

describe("streams: split invariance and the bound", () => {
  for (const path of ["anthropic/messages-stream-tool-use.sse", "anthropic/messages-stream-thinking.sse", "anthropic/messages-stream-text.sse"]) {
    it(`${path}: the same messages however the bytes are cut; at most maxChars held`, () => {
      const bytes = fixtureBytes(path);
      const whole = assemble([bytes]);
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 200 }), (cuts) => {
          cuts.sort((a, b) => a - b);
          const split = assemble(splitAt(bytes, cuts));
          expect(split.messages()).toEqual(whole.messages());
        }),
        { numRuns: 40 },
      );
      for (const max of [0, 7, 60]) {
        const bounded = assemble([bytes], max);
        expect(textLength(bounded.messages())).toBeLessThanOrEqual(max);
        expect(bounded.toolCalls()).toEqual(whole.toolCalls());
        expect(bounded.messages()[0]!.finish_reason).toBe(whole.messages()[0]!.finish_reason);
      }
    });
  }
});

describe("fuzz", () => {
  it("arbitrary bodies and events never throw and stay within the bound", () => {
    const shaped = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom("message_start", "content_block_start", "content_block_delta", "message_delta"),
          index: fc.oneof(fc.integer({ min: -2, max: 300 }), fc.anything()),
          content_block: fc.anything(),
          delta: fc.oneof(fc.record({ text: fc.string(), partial_json: fc.string(), thinking: fc.string() }, { requiredKeys: [] }), fc.anything()),
          message: fc.anything(),
        },
        { requiredKeys: [] },
      ),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.array(shaped, { maxLength: 10 }), fc.anything(), fc.integer({ min: 0, max: 50 }), (list, body, max) => {
        const out = anthropicContent.output(max);
        out.json(body);
        for (const data of list) out.event({ data: JSON.stringify(data) ?? "x" });
        const messages = out.messages();
        expect(textLength(messages)).toBeLessThanOrEqual(max);
        JSON.stringify(messages);
        expect(Array.isArray(out.toolCalls())).toBe(true);
        expect(() => anthropicContent.request(body as never, url)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
