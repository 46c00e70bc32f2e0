import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContentReader } from "../../src/genai/content.js";
import { bedrockConverseContent, bedrockInvokeContent } from "../../src/genai/content/bedrock.js";
import { fixtureEvents, fixtureText, splitAt, streamBytes } from "../genai/helpers.js";
import { assembleStream } from "./helpers.js";
import { converseRequest, topSongSchema } from "./requests.js";

const CONVERSE_URL = new URL("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
const INVOKE_URL = new URL("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke");

/** The vendor chunks of an InvokeModel stream fixture (`{"bytes": base64}` decoded), to compute expectations from. */
const vendorChunks = (path: string): any[] => fixtureEvents(path).map((e) => JSON.parse(Buffer.from(JSON.parse(e.data).bytes, "base64").toString("utf8")));

/** A stream fixture's bytes through the real framing, cut at `cuts`, into a fresh assembler. */
function assemble(reader: ContentReader, path: string, cuts: number[] = [], maxChars = 1_000_000) {
  const out = assembleStream(reader, "eventstream", splitAt(streamBytes(path), cuts), maxChars);
  return { messages: out.messages(), toolCalls: out.toolCalls() };
}

function whole(reader: ContentReader, path: string) {
  const out = reader.output(1_000_000);
  out.json(JSON.parse(fixtureText(path)));
  return out.messages();
}

const text = (content: string) => [{ type: "text", content }];

describe("bedrock converse request", () => {
  it("reads the tool-use conversation of the Converse API docs, with media, reasoning, system and tool specs", () => {
    const json = topSongSchema;
    const body = converseRequest;
    expect(bedrockConverseContent.request(body, CONVERSE_URL)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "text", content: "What is the most popular song on WZPZ? See the logo and the playlist." },
            { type: "blob", modality: "image", mime_type: "image/png", content: "iVBORw0KGgo=" },
            { type: "uri", modality: "document", mime_type: "application/pdf", uri: "s3://bucket/playlist.pdf" },
          ],
        },
        {
          role: "assistant",
          parts: [
            { type: "reasoning", content: "The top_song tool answers this." },
            { type: "tool_call", id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "top_song", arguments: { sign: "WZPZ" } },
          ],
        },
        { role: "user", parts: [{ type: "tool_call_response", id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", response: { song: "Elemental Hotel", artist: "8 Storey Hike" } }] },
      ],
      systemInstructions: [
        { type: "text", content: "You are a DJ." },
        { type: "text", content: "Guarded rule." },
      ],
      toolDefinitions: [{ type: "function", name: "top_song", description: "Get the most popular song played on a radio station.", parameters: json }],
    });
  });

  it("a document format or history role naming an Object member (`constructor`, `__proto__`) is no table entry", () => {
    const doc = (format: string) => ({ messages: [{ role: "user", content: [{ document: { format, name: "d", source: { s3Location: { uri: "s3://b/d" } } } }] }] });
    for (const format of ["constructor", "__proto__", "toString"]) {
      expect(bedrockConverseContent.request(doc(format), CONVERSE_URL), format).toEqual({
        inputMessages: [{ role: "user", parts: [{ type: "uri", modality: "document", uri: "s3://b/d" }] }],
      });
    }
    expect(bedrockInvokeContent.request({ message: "now", chat_history: [{ role: "constructor", message: "m" }] }, INVOKE_URL)).toEqual({
      inputMessages: [
        { role: "constructor", parts: text("m") },
        { role: "user", parts: text("now") },
      ],
    });
  });

  it("reads nothing from a missing body and survives wrong types", () => {
    expect(bedrockConverseContent.request(undefined, CONVERSE_URL)).toEqual({});
    expect(bedrockConverseContent.request({ messages: [null, 3, { role: 5, content: "x" }], system: 4, toolConfig: { tools: [{}] } }, CONVERSE_URL)).toEqual({
      inputMessages: [{ role: "user", parts: text("x") }],
    });
  });
});

describe("bedrock invoke request", () => {
  it("Anthropic messages (the Bedrock Claude docs' body): typed blocks, system string, tools", () => {
    const input_schema = { type: "object", properties: { location: { type: "string" } }, required: ["location"] };
    const body = {
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 1024,
      system: "You are a helpful assistant.",
      messages: [
        { role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } }, { type: "text", text: "What's the weather where this was taken?" }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "Paris, by the look of it.", signature: "s" }, { type: "tool_use", id: "toolu_01", name: "get_weather", input: { location: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: [{ type: "text", text: "rainy, " }, { type: "text", text: "57°F" }] }] },
        { role: "assistant", content: "It is rainy." },
      ],
      tools: [{ name: "get_weather", description: "Current weather", input_schema }, { type: "web_search_20250305", name: "web_search", max_uses: 5 }],
    };
    expect(bedrockInvokeContent.request(body, INVOKE_URL)).toEqual({
      inputMessages: [
        {
          role: "user",
          parts: [
            { type: "blob", modality: "image", mime_type: "image/jpeg", content: "/9j/4AAQ" },
            { type: "text", content: "What's the weather where this was taken?" },
          ],
        },
        {
          role: "assistant",
          parts: [
            { type: "reasoning", content: "Paris, by the look of it." },
            { type: "tool_call", id: "toolu_01", name: "get_weather", arguments: { location: "Paris" } },
          ],
        },
        { role: "user", parts: [{ type: "tool_call_response", id: "toolu_01", response: "rainy, 57°F" }] },
        { role: "assistant", parts: text("It is rainy.") },
      ],
      systemInstructions: text("You are a helpful assistant."),
      toolDefinitions: [
        { type: "function", name: "get_weather", description: "Current weather", parameters: input_schema },
        { type: "web_search_20250305", name: "web_search" },
      ],
    });
  });

  it("Nova messages (Converse-shaped), prompt strings (Llama, Titan, Mistral), Cohere chat with history and preamble, Mistral chat", () => {
    expect(
      bedrockInvokeContent.request(
        { schemaVersion: "messages-v1", system: [{ text: "Act as a creative writing assistant." }], messages: [{ role: "user", content: [{ text: "Create a story." }] }], inferenceConfig: { maxTokens: 500 } },
        INVOKE_URL,
      ),
    ).toEqual({ inputMessages: [{ role: "user", parts: text("Create a story.") }], systemInstructions: text("Act as a creative writing assistant.") });
    const llama = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n";
    expect(bedrockInvokeContent.request({ prompt: llama, max_gen_len: 512 }, INVOKE_URL)).toEqual({ inputMessages: [{ role: "user", parts: text(llama) }] });
    expect(bedrockInvokeContent.request({ inputText: "Hello", textGenerationConfig: { maxTokenCount: 10 } }, INVOKE_URL)).toEqual({ inputMessages: [{ role: "user", parts: text("Hello") }] });
    expect(
      bedrockInvokeContent.request(
        { message: "And now?", preamble: "Be terse.", chat_history: [{ role: "USER", message: "Say this is a test" }, { role: "CHATBOT", message: "This is a test." }] },
        INVOKE_URL,
      ),
    ).toEqual({
      inputMessages: [
        { role: "user", parts: text("Say this is a test") },
        { role: "assistant", parts: text("This is a test.") },
        { role: "user", parts: text("And now?") },
      ],
      systemInstructions: text("Be terse."),
    });
    expect(
      bedrockInvokeContent.request(
        {
          messages: [
            { role: "user", content: "Weather?" },
            { role: "assistant", content: "", tool_calls: [{ id: "abc123def", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
            { role: "tool", tool_call_id: "abc123def", content: "rainy" },
          ],
          tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object" } } }],
        },
        INVOKE_URL,
      ),
    ).toEqual({
      inputMessages: [
        { role: "user", parts: text("Weather?") },
        { role: "assistant", parts: [{ type: "tool_call", id: "abc123def", name: "get_weather", arguments: { city: "Paris" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "abc123def", response: "rainy" }] },
      ],
      toolDefinitions: [{ type: "function", name: "get_weather", description: "Weather", parameters: { type: "object" } }],
    });
  });
});

describe("bedrock converse output", () => {
  it("whole bodies: the message's text and stop reason (a guardrail's too); an error body has none", () => {
    for (const path of ["bedrock/converse-titan.json", "bedrock/converse-llama.json", "bedrock/converse-titan-guardrail.json"]) {
      const body = JSON.parse(fixtureText(path));
      expect(whole(bedrockConverseContent, path)).toEqual([{ role: "assistant", parts: text(body.output.message.content[0].text), finish_reason: body.stopReason }]);
    }
    expect(whole(bedrockConverseContent, "bedrock/error-403-invalid-signature.json")).toEqual([]);
  });

  it("a Claude tool-use stream: the text joined, then the tool call with its input assembled from fragments", () => {
    const events = fixtureEvents("bedrock/converse-stream-claude-tool-use.b64").map((e) => ({ name: e.event, data: JSON.parse(e.data) }));
    const deltas = events.filter((e) => e.name === "contentBlockDelta").map((e) => e.data.delta);
    const joined = deltas.map((d) => d.text ?? "").join("");
    const input = JSON.parse(deltas.map((d) => d.toolUse?.input ?? "").join(""));
    const start = events.find((e) => e.name === "contentBlockStart")!.data.start.toolUse;
    expect(joined).toBe("Okay, let me check the weather for Barcelona using the available tool:");
    expect(input).toEqual({ location: "Barcelona" });
    const { messages, toolCalls } = assemble(bedrockConverseContent, "bedrock/converse-stream-claude-tool-use.b64");
    expect(messages).toEqual([
      { role: "assistant", parts: [{ type: "text", content: joined }, { type: "tool_call", id: start.toolUseId, name: "get_weather", arguments: input }], finish_reason: "tool_use" },
    ]);
    expect(toolCalls).toEqual([{ id: "tooluse_yypYDr71TwCwByoyao4-Vg", name: "get_weather" }]);
  });

  it("Titan streams, with and without a guardrail", () => {
    for (const [path, reason] of [
      ["bedrock/converse-stream-titan.b64", "max_tokens"],
      ["bedrock/converse-stream-titan-guardrail.b64", "guardrail_intervened"],
    ]) {
      const joined = fixtureEvents(path)
        .filter((e) => e.event === "contentBlockDelta")
        .map((e) => JSON.parse(e.data).delta.text)
        .join("");
      expect(assemble(bedrockConverseContent, path).messages).toEqual([{ role: "assistant", parts: text(joined), finish_reason: reason }]);
    }
  });

  it("streamed reasoning, and a tool call whose input never came is `{}`", () => {
    const out = bedrockConverseContent.output(1000);
    const ev = (event: string, data: unknown) => out.event({ event, data: JSON.stringify(data) });
    ev("messageStart", { role: "assistant" });
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Let me " } } });
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "think." } } });
    ev("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "c2ln" } } });
    ev("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t1", name: "now" } } });
    ev("throttlingException", { message: "Too many requests" });
    ev("messageStop", { stopReason: "tool_use" });
    expect(out.messages()).toEqual([
      { role: "assistant", parts: [{ type: "reasoning", content: "Let me think." }, { type: "tool_call", id: "t1", name: "now", arguments: {} }], finish_reason: "tool_use" },
    ]);
  });
});

describe("bedrock invoke output", () => {
  it("whole vendor bodies: Claude messages and completions, Nova, Llama, Mistral, Titan, Cohere Command R", () => {
    const claude = JSON.parse(fixtureText("bedrock/invoke-claude-messages.json"));
    expect(whole(bedrockInvokeContent, "bedrock/invoke-claude-messages.json")).toEqual([{ role: "assistant", parts: text(claude.content[0].text), finish_reason: "end_turn" }]);
    const cases: [string, (b: any) => string, string][] = [
      ["bedrock/invoke-claude-completion.json", (b) => b.completion, "max_tokens"],
      ["bedrock/invoke-nova.json", (b) => b.output.message.content[0].text, "max_tokens"],
      ["bedrock/invoke-nova-cross-region.json", (b) => b.output.message.content[0].text, "end_turn"],
      ["bedrock/invoke-llama.json", (b) => b.generation, "max_tokens"],
      ["bedrock/invoke-mistral.json", (b) => b.outputs[0].text, "max_tokens"],
      ["bedrock/invoke-titan.json", (b) => b.results[0].outputText, "max_tokens"],
      ["bedrock/invoke-cohere-command-r.json", (b) => b.text, "max_tokens"],
    ];
    for (const [path, textOf, reason] of cases) {
      expect(whole(bedrockInvokeContent, path)).toEqual([{ role: "assistant", parts: text(textOf(JSON.parse(fixtureText(path)))), finish_reason: reason }]);
    }
  });

  it("streams of every vendor: the text joined from the decoded chunks, with the stop reason", () => {
    const cases: [string, (c: any) => string | undefined, string][] = [
      ["bedrock/invoke-stream-claude.b64", (c) => c.delta?.text, "max_tokens"],
      ["bedrock/invoke-stream-claude-sonnet.b64", (c) => c.delta?.text, "end_turn"],
      ["bedrock/invoke-stream-nova.b64", (c) => c.contentBlockDelta?.delta.text, "max_tokens"],
      ["bedrock/invoke-stream-nova-guardrail.b64", (c) => c.contentBlockDelta?.delta.text, "guardrail_intervened"],
      ["bedrock/invoke-stream-titan.b64", (c) => c.outputText, "LENGTH"],
      ["bedrock/invoke-stream-titan-guardrail.b64", (c) => c.outputText, "guardrail_intervened"],
      ["bedrock/invoke-stream-mistral.b64", (c) => c.outputs[0].text, "length"],
      ["bedrock/invoke-stream-cohere-command-r.b64", (c) => (c.event_type === "text-generation" ? c.text : undefined), "MAX_TOKENS"],
    ];
    for (const [path, textOf, reason] of cases) {
      const joined = vendorChunks(path)
        .map((c) => textOf(c) ?? "")
        .join("");
      expect(joined.length, path).toBeGreaterThan(5);
      expect(assemble(bedrockInvokeContent, path).messages, path).toEqual([{ role: "assistant", parts: text(joined), finish_reason: reason }]);
    }
  });

  it("streamed Claude v2 completions (Bedrock's untyped chunks) through the Anthropic reader; a guardrail's intervention stays the finish reason", () => {
    const run = (chunks: unknown[]) => {
      const out = bedrockInvokeContent.output(1000);
      for (const v of chunks) out.event({ event: "chunk", data: JSON.stringify({ bytes: Buffer.from(JSON.stringify(v)).toString("base64") }) });
      return out.messages();
    };
    const chunks = [
      { completion: " Hello", stop_reason: null, stop: null },
      { completion: " there.", stop_reason: "stop_sequence", stop: "\n\nHuman:", "amazon-bedrock-invocationMetrics": { inputTokenCount: 9, outputTokenCount: 3 } },
    ];
    expect(run(chunks)).toEqual([{ role: "assistant", parts: text(" Hello there."), finish_reason: "stop_sequence" }]);
    expect(run([{ ...chunks[0], "amazon-bedrock-guardrailAction": "INTERVENED" }, chunks[1]])).toEqual([{ role: "assistant", parts: text(" Hello there."), finish_reason: "guardrail_intervened" }]);
    expect(run([{ completion: "", "amazon-bedrock-guardrailAction": "INTERVENED" }])).toEqual([{ role: "assistant", parts: [], finish_reason: "guardrail_intervened" }]);
  });

  it("a streamed Claude tool call and thinking, from Anthropic's events in `bytes` chunks", () => {
    const out = bedrockInvokeContent.output(1000);
    const chunk = (v: unknown) => out.event({ event: "chunk", data: JSON.stringify({ bytes: Buffer.from(JSON.stringify(v)).toString("base64") }) });
    chunk({ type: "message_start", message: { role: "assistant", content: [] } });
    chunk({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } });
    chunk({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Weather: use the tool." } });
    chunk({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_9", name: "get_weather", input: {} } });
    chunk({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"location": "Pa' } });
    chunk({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 'ris"}' } });
    chunk({ type: "message_delta", delta: { stop_reason: "tool_use" } });
    out.event({ event: "chunk", data: '{"bytes": "%%%not base64"}' });
    expect(out.messages()).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "Weather: use the tool." },
          { type: "tool_call", id: "toolu_9", name: "get_weather", arguments: { location: "Paris" } },
        ],
        finish_reason: "tool_use",
      },
    ]);
    expect(out.toolCalls()).toEqual([{ id: "toolu_9", name: "get_weather" }]);
  });

  it("holds at most maxChars of text and argument fragments, keeping the calls", () => {
    const { messages, toolCalls } = assemble(bedrockConverseContent, "bedrock/converse-stream-claude-tool-use.b64", [], 20);
    expect(messages).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "Okay, let me check t" }, { type: "tool_call", id: "tooluse_yypYDr71TwCwByoyao4-Vg", name: "get_weather" }], finish_reason: "tool_use" },
    ]);
    expect(toolCalls).toEqual([{ id: "tooluse_yypYDr71TwCwByoyao4-Vg", name: "get_weather" }]);
    // Capture off (no text at all): the tool calls are still there for executeTool.
    expect(assemble(bedrockConverseContent, "bedrock/converse-stream-claude-tool-use.b64", [], 0).toolCalls).toEqual(toolCalls);
    // With room for part of the input: the fragments that fit, as text (no longer JSON).
    const text = "Okay, let me check the weather for Barcelona using the available tool:";
    const part = assemble(bedrockConverseContent, "bedrock/converse-stream-claude-tool-use.b64", [], text.length + 10).messages[0].parts[1];
    expect(part).toEqual({ type: "tool_call", id: "tooluse_yypYDr71TwCwByoyao4-Vg", name: "get_weather", arguments: '{"location' });
    expect(toolCalls).toEqual([{ id: "tooluse_yypYDr71TwCwByoyao4-Vg", name: "get_weather" }]);
  });
});

describe("bedrock stream split invariance", () => {
  const cases: [string, string][] = [
    ["converse", "bedrock/converse-stream-claude-tool-use.b64"],
    ["invoke", "bedrock/invoke-stream-claude.b64"],
    ["invoke", "bedrock/invoke-stream-nova-guardrail.b64"],
    ["invoke", "bedrock/invoke-stream-cohere-command-r.b64"],
  ];
  it.each(cases)("%s: %s assembles the same however its bytes are cut", (api, path) => {
    const reader = api === "converse" ? bedrockConverseContent : bedrockInvokeContent;
    const bytes = streamBytes(path);
    const all = assemble(reader, path);
    expect(all.messages[0].parts.length).toBeGreaterThan(0);
    // Cuts at ~300 offsets spread over the body (every byte of the larger fixtures takes seconds).
    const step = Math.max(1, Math.floor(bytes.length / 300));
    for (let i = 0; i <= bytes.length; i += step) expect(assemble(reader, path, [i])).toEqual(all);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 200 }), (cuts) => {
        cuts.sort((a, b) => a - b);
        expect(assemble(reader, path, cuts)).toEqual(all);
      }),
      { numRuns: 50 },
    );
  });
});

describe("bedrock fuzz", () => {
  const block = fc.oneof(
    fc.record({ text: fc.jsonValue() }),
    fc.record({ toolUse: fc.record({ toolUseId: fc.jsonValue(), name: fc.jsonValue(), input: fc.jsonValue() }, { requiredKeys: [] }) }),
    fc.record({ type: fc.constantFrom("text", "tool_use", "tool_result", "image", "thinking"), text: fc.jsonValue(), source: fc.jsonValue(), content: fc.jsonValue() }, { requiredKeys: ["type"] }),
    fc.jsonValue(),
  );
  const names = fc.constantFrom("messageStart", "contentBlockStart", "contentBlockDelta", "messageStop", "metadata", "chunk", "throttlingException", ":error");
  const payload = fc.oneof(
    fc.record({ contentBlockIndex: fc.jsonValue(), delta: fc.record({ text: fc.jsonValue(), toolUse: fc.record({ input: fc.jsonValue() }) }, { requiredKeys: [] }), start: fc.record({ toolUse: fc.record({ toolUseId: fc.string(), name: fc.string() }) }) }, { requiredKeys: [] }),
    fc.record({ type: fc.string(), index: fc.jsonValue(), delta: fc.jsonValue(), content_block: fc.jsonValue(), outputs: fc.jsonValue(), choices: fc.jsonValue(), generations: fc.jsonValue(), outputText: fc.jsonValue(), index_: fc.jsonValue() }, { requiredKeys: [] }),
    fc.jsonValue(),
  );
  const body = fc.oneof(fc.record({ messages: fc.array(fc.record({ role: fc.jsonValue(), content: fc.oneof(fc.array(block), fc.jsonValue()) })), system: fc.jsonValue(), tools: fc.jsonValue(), prompt: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue());
  it("never throws on arbitrary bodies and events, and holds about maxChars of text", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(names, payload, fc.boolean())), fc.array(body, { maxLength: 3 }), fc.integer({ min: 0, max: 200 }), (events, bodies, maxChars) => {
        for (const reader of [bedrockConverseContent, bedrockInvokeContent]) {
          const out = reader.output(maxChars);
          for (const [event, data, encoded] of events) {
            const json = JSON.stringify(data) ?? "null";
            out.event({ event, data: encoded ? JSON.stringify({ bytes: Buffer.from(json).toString("base64") }) : json });
          }
          for (const b of bodies) {
            out.json(b);
            reader.request(b as any, INVOKE_URL);
          }
          const held = out.messages().flatMap((m) => m.parts).reduce((n, p: any) => n + (typeof p.content === "string" ? p.content.length : 0) + (typeof p.arguments === "string" ? p.arguments.length : 0), 0);
          expect(held).toBeLessThanOrEqual(maxChars);
        }
      }),
      { numRuns: 300 },
    );
  });
});
