/**
 * Content capture end to end in workerd, with the official SDKs against the replay server: with
 * capture off (the default) no prompt, system text, tool description or completion reaches the
 * collector in any signal; with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT set on the
 * Worker (any case) the span carries exactly the expected structures, parsed from its attributes
 * and compared field by field with the request sent and the recorded response.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureText } from "../support/replay.js";
import { base, expectNoSecrets, type Harness, messages, PROMPT, runCall, SYSTEM, startHarness } from "./genai-helpers.js";

const ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
const TOOL_MARKER = "zq-tool-8842 current weather";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    default: () => ({}),
    span: () => ({ [ENV]: "span_only" }),
    event: () => ({ [ENV]: "EVENT_ONLY" }),
  });
});

afterAll(async () => {
  await h?.close();
});

const weatherTool = {
  type: "function",
  function: { name: "get_weather", description: TOOL_MARKER, parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
};
const FIXTURE = "openai/chat-stream-parallel-tool-calls.sse";
const BODY = { model: "gpt-4o-mini", messages, stream: true, tools: [weatherTool] };

/** The tool calls the fixture streams, assembled by hand from its events. */
function fixtureToolCalls() {
  const calls: { id: string; name: string; args: string }[] = [];
  for (const line of fixtureText(FIXTURE).split("\n")) {
    if (!line.startsWith("data: {")) continue;
    for (const t of JSON.parse(line.slice(6)).choices[0]?.delta?.tool_calls ?? []) {
      calls[t.index] ??= { id: t.id, name: t.function.name, args: "" };
      calls[t.index]!.args += t.function.arguments ?? "";
    }
  }
  return calls;
}

describe("OpenAI SDK chat call", () => {
  it("capture off: no marker, no completion, no tool argument anywhere in the export (spans, metrics, logs)", async () => {
    const before = h.collector.requests.length;
    const r = await runCall(h, { via: "openai.chat", base: base(h, FIXTURE), body: BODY });
    expect(r.traced.status).toBe(200);
    await h.collector.waitFor((q) => q.index >= before && q.path.endsWith("/v1/metrics"), 10_000);
    const everything = h.collector.requests
      .slice(before)
      .map((q) => q.text)
      .join("\n");
    expect(everything).toContain(r.traceId);
    for (const marker of [PROMPT, SYSTEM, TOOL_MARKER, "zq-"]) expect(everything).not.toContain(marker);
    for (const call of fixtureToolCalls()) expect(everything).not.toContain(JSON.stringify(call.args).slice(1, -1));
    expectNoSecrets(everything, [FIXTURE]);
    const [client] = r.clients;
    for (const key of ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions"]) expect(client!.attributes).not.toHaveProperty(key);
  });

  it("span_only (set on the Worker, lower case): the exact structures on the span", async () => {
    const r = await runCall(h, { via: "openai.chat", base: base(h, FIXTURE), body: BODY }, { variant: "span", bare: false });
    expect(r.clients).toHaveLength(1);
    const a = r.clients[0]!.attributes;
    expect(JSON.parse(a["gen_ai.input.messages"] as string)).toEqual([
      { role: "system", parts: [{ type: "text", content: SYSTEM }] },
      { role: "user", parts: [{ type: "text", content: PROMPT }] },
    ]);
    expect(JSON.parse(a["gen_ai.output.messages"] as string)).toEqual([
      {
        role: "assistant",
        parts: fixtureToolCalls().map((c) => ({ type: "tool_call", id: c.id, name: c.name, arguments: JSON.parse(c.args) })),
        finish_reason: "tool_calls",
      },
    ]);
    // The conventions' default detail: a tool's type and name, not its description or schema.
    expect(JSON.parse(a["gen_ai.tool.definitions"] as string)).toEqual([{ type: "function", name: "get_weather" }]);
    // A system message inside the history is an input message, not a system instruction.
    expect(a).not.toHaveProperty("gen_ai.system_instructions");
    expect(a["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
  });
});

describe("EVENT_ONLY", () => {
  it("one operation-details log record with the call's ids, its attributes and the structured content; nothing on the span", async () => {
    const r = await runCall(h, { via: "openai.chat", base: base(h, FIXTURE), body: BODY }, { variant: "event", bare: false });
    const client = r.clients[0]!;
    for (const key of ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.definitions"]) expect(client.attributes).not.toHaveProperty(key);
    const exported = r.exported;
    expect(exported).not.toContain("zq-");
    await h.collector.waitFor((q) => q.path.endsWith("/v1/logs") && q.text.includes(r.traceId), 10_000);
    const records = h.collector.logs().filter((l) => l.traceId === r.traceId);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record!.eventName).toBe("gen_ai.client.inference.operation.details");
    expect(record!.spanId).toBe(client.spanId);
    const a = record!.attributes;
    expect(a["gen_ai.operation.name"]).toBe("chat");
    expect(a["gen_ai.provider.name"]).toBe("openai");
    expect(a["gen_ai.request.model"]).toBe("gpt-4o-mini");
    expect(a["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
    expect(a["server.address"]).toBe("127.0.0.1");
    expect(a["gen_ai.input.messages"]).toEqual([
      { role: "system", parts: [{ type: "text", content: SYSTEM }] },
      { role: "user", parts: [{ type: "text", content: PROMPT }] },
    ]);
    expect(a["gen_ai.output.messages"]).toEqual([
      { role: "assistant", parts: fixtureToolCalls().map((c) => ({ type: "tool_call", id: c.id, name: c.name, arguments: JSON.parse(c.args) })), finish_reason: "tool_calls" },
    ]);
    expect(a["gen_ai.tool.definitions"]).toEqual([{ type: "function", name: "get_weather" }]);
  });
});

describe("Anthropic SDK call", () => {
  it("span_only: `system` is the system instructions; the streamed text and tool use assembled", async () => {
    const fixture = "anthropic/messages-stream-tool-use.sse";
    const body = { model: "claude-3-5-sonnet-20241022", max_tokens: 256, stream: true, system: SYSTEM, messages: [{ role: "user", content: PROMPT }] };
    const r = await runCall(h, { via: "anthropic.messages", base: base(h, fixture), body }, { variant: "span", bare: false });
    const a = r.clients[0]!.attributes;
    expect(JSON.parse(a["gen_ai.system_instructions"] as string)).toEqual([{ type: "text", content: SYSTEM }]);
    expect(JSON.parse(a["gen_ai.input.messages"] as string)).toEqual([{ role: "user", parts: [{ type: "text", content: PROMPT }] }]);
    // The reference: the fixture's blocks, assembled by hand.
    const blocks: { block: any; text: string; json: string }[] = [];
    let stop: string | undefined;
    for (const line of fixtureText(fixture).split("\n")) {
      if (!line.startsWith("data: {")) continue;
      const e = JSON.parse(line.slice(6));
      if (e.type === "content_block_start") blocks[e.index] = { block: e.content_block, text: "", json: "" };
      if (e.type === "content_block_delta") {
        blocks[e.index]!.text += e.delta.text ?? "";
        blocks[e.index]!.json += e.delta.partial_json ?? "";
      }
      if (e.type === "message_delta") stop = e.delta.stop_reason;
    }
    expect(JSON.parse(a["gen_ai.output.messages"] as string)).toEqual([
      {
        role: "assistant",
        parts: blocks.map((b) => (b.block.type === "text" ? { type: "text", content: b.text } : { type: "tool_call", id: b.block.id, name: b.block.name, arguments: JSON.parse(b.json) })),
        finish_reason: stop,
      },
    ]);
  });
});
