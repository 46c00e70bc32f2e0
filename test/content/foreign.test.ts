/**
 * Content on other instrumentations' spans (src/genai/content/foreign.ts): removed unless capture
 * puts content on spans; then the message lists pass the redactContent hook once and the size
 * limit, and content the hook cannot see (tool call texts, `ai.*` attributes, a GenAI span's error
 * texts) is kept only without a hook. The e2e side (the AI SDK's own spans in workerd):
 * test/e2e/content-providers-more.test.ts.
 */
import { type Attributes, SpanStatusCode } from "@opentelemetry/api";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { AI_SDK_CONTENT_ATTRIBUTES, CONTENT_ATTRIBUTES } from "../../src/attributes.js";
import type { Content } from "../../src/genai/content.js";
import { type CaptureMode, type ContentPolicy, TRUNCATED } from "../../src/genai/content/capture.js";
import { dropContent, type ForeignSpan, gateForeignSpan } from "../../src/genai/content/foreign.js";

const input = [{ role: "user", parts: [{ type: "text", content: "zq-question" }] }];
const output = [{ role: "assistant", parts: [{ type: "text", content: "zq-answer" }], finish_reason: "stop" }];
const system = [{ type: "text", content: "zq-system" }];
const tools = [{ type: "function", name: "weather", description: "zq-description", parameters: { type: "object" } }];

/** An AI SDK invoke_agent span's attributes, as @ai-sdk/otel sets them. */
function agentSpan(): Attributes {
  return {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.provider.name": "cohere",
    "gen_ai.request.model": "command-r",
    "gen_ai.usage.input_tokens": 69,
    "gen_ai.input.messages": JSON.stringify(input),
    "gen_ai.output.messages": JSON.stringify(output),
    "gen_ai.system_instructions": JSON.stringify(system),
    "gen_ai.tool.definitions": JSON.stringify(tools),
  };
}

const NOT_CONTENT = { "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "cohere", "gen_ai.request.model": "command-r", "gen_ai.usage.input_tokens": 69 };

function gate(attributes: Attributes, mode: CaptureMode, extra: Partial<ContentPolicy> & { maxContentLength?: number } = {}) {
  const failed = vi.fn();
  const { maxContentLength = 16_384, ...policy } = extra;
  gateForeignSpan({ attributes, events: [], status: { code: SpanStatusCode.UNSET } }, { mode, fullToolDefinitions: false, failed, ...policy }, maxContentLength);
  return { attributes, failed };
}

/** A span that failed: the AI SDK's recordErrorOnSpan (an exception event, ERROR with the message). */
function failed(attributes: Attributes): ForeignSpan {
  const message = "JSON parsing failed: Text: zq-model-output. Error message: https://u:zq-pass@api.example/v1?key=zq-key";
  return {
    attributes,
    events: [{ name: "exception", attributes: { "exception.type": "AI_JSONParseError", "exception.message": message, "exception.stacktrace": `AI_JSONParseError: ${message}\n    at x` } }],
    status: { code: SpanStatusCode.ERROR, message },
  };
}

const parsed = (attributes: Attributes) =>
  Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, typeof v === "string" && v.startsWith("[") ? JSON.parse(v) : v]));

describe("content on other instrumentations' spans", () => {
  it.each(["NO_CONTENT", "EVENT_ONLY"] as const)("%s: every content attribute is removed, nothing else", (mode) => {
    const attributes = { ...agentSpan(), "gen_ai.tool.call.arguments": '{"city":"Oslo"}', "gen_ai.tool.call.result": "zq-result", ...Object.fromEntries(AI_SDK_CONTENT_ATTRIBUTES.map((k) => [k, "zq"])) };
    expect(gate(attributes, mode).attributes).toEqual(NOT_CONTENT);
  });

  it("SPAN_ONLY without a hook: the lists as they were, tool definitions reduced to type and name", () => {
    const { attributes, failed } = gate(agentSpan(), "SPAN_ONLY");
    expect(parsed(attributes)).toEqual({
      ...NOT_CONTENT,
      "gen_ai.input.messages": input,
      "gen_ai.output.messages": output,
      "gen_ai.system_instructions": system,
      "gen_ai.tool.definitions": [{ type: "function", name: "weather" }],
    });
    expect(failed).not.toHaveBeenCalled();
  });

  it("a tool definition that is no object (null, a string, a list) is left out, not recorded as {}", () => {
    const attributes = { ...agentSpan(), "gen_ai.tool.definitions": JSON.stringify([null, "weather", ["function"], ...tools]) };
    expect(parsed(gate(attributes, "SPAN_ONLY").attributes)["gen_ai.tool.definitions"]).toEqual([{ type: "function", name: "weather" }]);
  });

  it('toolDefinitions: "full" keeps the definitions whole', () => {
    expect(parsed(gate(agentSpan(), "SPAN_AND_EVENT", { fullToolDefinitions: true }).attributes)["gen_ai.tool.definitions"]).toEqual(tools);
  });

  it("the hook sees the lists once, as one call's content with the span's provider, operation and model", () => {
    const hook = vi.fn((content: Content) => ({ inputMessages: content.inputMessages, outputMessages: [{ role: "assistant", parts: [{ type: "text", content: "[hidden]" }] }] }) as Content);
    const { attributes } = gate(agentSpan(), "SPAN_ONLY", { redact: hook });
    expect(hook).toHaveBeenCalledTimes(1);
    expect(hook.mock.calls[0]).toEqual([
      { inputMessages: input, outputMessages: output, systemInstructions: system, toolDefinitions: [{ type: "function", name: "weather" }] },
      { provider: "cohere", operation: "invoke_agent", requestModel: "command-r" },
    ]);
    // What the hook returned, and nothing it left out.
    expect(parsed(attributes)).toEqual({ ...NOT_CONTENT, "gen_ai.input.messages": input, "gen_ai.output.messages": [{ role: "assistant", parts: [{ type: "text", content: "[hidden]" }] }] });
  });

  it("a hook that throws: none of the span's content, counted", () => {
    const { attributes, failed } = gate(agentSpan(), "SPAN_ONLY", {
      redact: () => {
        throw new Error("no");
      },
    });
    expect(attributes).toEqual(NOT_CONTENT);
    expect(failed).toHaveBeenCalledTimes(1);
  });

  it("a list that is not JSON (cut by someone else) is removed", () => {
    const attributes = { ...agentSpan(), "gen_ai.input.messages": JSON.stringify(input).slice(0, 20) };
    expect(Object.keys(gate(attributes, "SPAN_ONLY").attributes)).not.toContain("gen_ai.input.messages");
  });

  it("lists are bounded by maxContentLength, still JSON, texts cut and marked", () => {
    const long = [{ role: "user", parts: [{ type: "text", content: "x".repeat(5000) }] }];
    const { attributes } = gate({ ...agentSpan(), "gen_ai.input.messages": JSON.stringify(long) }, "SPAN_ONLY", { maxContentLength: 300 });
    const json = attributes["gen_ai.input.messages"] as string;
    expect(json.length).toBeLessThanOrEqual(300);
    expect(JSON.parse(json)[0].parts[0].content.endsWith(TRUNCATED)).toBe(true);
  });

  it("content no hook can see (tool call arguments and results, the AI SDK's ai.* names, arrays too): kept as set without a hook, removed with one", () => {
    const opaque = { "gen_ai.tool.call.arguments": '{"city":"Oslo"}', "gen_ai.tool.call.result": "r".repeat(500), "ai.prompt": "zq-prompt", "ai.values": ["zq-a", "zq-b"], "ai.response.providerMetadata": '{"openai":{"logprobs":[]}}' };
    expect(gate({ ...opaque }, "SPAN_ONLY", { maxContentLength: 100 }).attributes).toEqual(opaque);
    expect(gate({ ...opaque }, "SPAN_ONLY", { redact: (c) => c }).attributes).toEqual({});
    expect(gate({ ...opaque }, "NO_CONTENT").attributes).toEqual({});
  });

  it("a GenAI span's error texts: removed with capture off or a hook, kept without a hook, secrets scrubbed either way", () => {
    for (const [mode, redact] of [["NO_CONTENT", undefined], ["EVENT_ONLY", undefined], ["SPAN_ONLY", (c: Content) => c]] as const) {
      const span = failed({ "gen_ai.operation.name": "invoke_agent" });
      gateForeignSpan(span, { mode, redact, fullToolDefinitions: false, failed: vi.fn() }, 16_384);
      expect(span.events).toEqual([{ name: "exception", attributes: { "exception.type": "AI_JSONParseError" } }]);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
    }
    // The AI SDK's older spans are GenAI spans too (`ai.operationId`); kept, the credentials go.
    const span = failed({ "ai.operationId": "ai.generateObject" });
    gateForeignSpan(span, { mode: "SPAN_ONLY", fullToolDefinitions: false, failed: vi.fn() }, 16_384);
    const kept = JSON.stringify(span);
    expect(kept).toContain("zq-model-output");
    for (const secret of ["zq-pass", "zq-key"]) expect(kept).not.toContain(secret);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("another span's error texts (not GenAI) stay whatever the mode, secrets scrubbed", () => {
    const span = failed({ "http.request.method": "GET" });
    gateForeignSpan(span, { mode: "NO_CONTENT", fullToolDefinitions: false, failed: vi.fn() }, 16_384);
    const kept = JSON.stringify(span);
    expect(span.events[0]!.attributes!["exception.message"]).toMatch(/^JSON parsing failed: Text: zq-model-output/);
    expect(span.status.message).toMatch(/^JSON parsing failed/);
    for (const secret of ["zq-pass", "zq-key"]) expect(kept).not.toContain(secret);
  });

  it("content on events and under the older names (gen_ai.prompt, gen_ai.completion) follows the opaque rule", () => {
    const span = (): ForeignSpan => ({
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.prompt": "zq-old-prompt" },
      events: [
        { name: "gen_ai.content.prompt", attributes: { "gen_ai.prompt": "zq-old-prompt" } },
        { name: "gen_ai.client.inference.operation.details", attributes: { "gen_ai.input.messages": JSON.stringify(input), "gen_ai.operation.name": "chat" } },
      ],
      status: { code: SpanStatusCode.UNSET },
    });
    const off = span();
    gateForeignSpan(off, { mode: "NO_CONTENT", fullToolDefinitions: false, failed: vi.fn() }, 16_384);
    expect(off.attributes).toEqual({ "gen_ai.operation.name": "chat" });
    expect(off.events).toEqual([
      { name: "gen_ai.content.prompt", attributes: {} },
      { name: "gen_ai.client.inference.operation.details", attributes: { "gen_ai.operation.name": "chat" } },
    ]);
    const on = span();
    gateForeignSpan(on, { mode: "SPAN_ONLY", fullToolDefinitions: false, failed: vi.fn() }, 16_384);
    expect(on).toEqual(span());
  });

  it("a span without content is left untouched", () => {
    const attributes = { ...NOT_CONTENT };
    expect(gate(attributes, "NO_CONTENT").attributes).toEqual(NOT_CONTENT);
  });

  it("dropContent (what is left when the policy itself failed) removes every content attribute and error text", () => {
    const span = failed({ ...agentSpan(), "ai.prompt": "zq", "gen_ai.tool.call.result": "zq" });
    dropContent(span);
    expect(span.attributes).toEqual(NOT_CONTENT);
    expect(span.events).toEqual([{ name: "exception", attributes: { "exception.type": "AI_JSONParseError" } }]);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
  });

  it("never throws, and keeps no content with capture off, and only bounded JSON lists with it on, whatever the span holds", () => {
    const keys = [...CONTENT_ATTRIBUTES, "gen_ai.tool.call.arguments", ...AI_SDK_CONTENT_ATTRIBUTES.slice(0, 4), "gen_ai.operation.name", "gen_ai.provider.name", "other"];
    const listJson = fc.array(fc.oneof(fc.record({ role: fc.string(), parts: fc.array(fc.record({ type: fc.constantFrom("text", "tool_call"), content: fc.string({ maxLength: 400 }) })) }), fc.string(), fc.constant(null)), { maxLength: 6 }).map((v) => JSON.stringify(v));
    const value = fc.oneof(listJson, listJson.map((t) => t.slice(0, t.length >> 1)), fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 3 }));
    const hooks = [undefined, (c: Content) => c, () => null, () => 7 as never, () => ({ inputMessages: [1n] }) as never, () => { throw new Error("x"); }];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value), fc.constantFrom("NO_CONTENT", "EVENT_ONLY", "SPAN_ONLY", "SPAN_AND_EVENT" as const), fc.integer({ min: 0, max: hooks.length - 1 }), fc.integer({ min: 20, max: 2000 }), (attributes, mode, hook, max) => {
        const span = failed({ ...(attributes as Attributes) });
        gateForeignSpan(span, { mode, redact: hooks[hook], fullToolDefinitions: false, failed: () => {} }, max);
        const left = Object.keys(span.attributes).filter((k) => k !== "gen_ai.operation.name" && k !== "gen_ai.provider.name" && k !== "other");
        if (mode === "NO_CONTENT" || mode === "EVENT_ONLY") expect(left).toEqual([]);
        for (const key of CONTENT_ATTRIBUTES) {
          const v = span.attributes[key];
          if (v === undefined) continue;
          expect(typeof v).toBe("string");
          expect((v as string).length).toBeLessThanOrEqual(max);
          expect(Array.isArray(JSON.parse(v as string))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
