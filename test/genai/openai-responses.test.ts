import { describe, expect, it } from "vitest";
import { foldResponsesEvent, openaiResponses } from "../../src/genai/openai-responses.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldSse } from "./helpers.js";

const URL_ = new URL("https://api.openai.com/v1/responses");
const HEADERS = new Headers();
describe("openaiResponses.request", () => {
  it("maps every parameter", () => {
    expect(
      openaiResponses.request(
        {
          model: "gpt-5",
          stream: true,
          max_output_tokens: 500,
          temperature: 0.7,
          top_p: 0.8,
          reasoning: { effort: "high", summary: "auto" },
          previous_response_id: "resp_abc",
          text: { format: { type: "json_schema", name: "x", schema: {} } },
          service_tier: "priority",
          conversation: "conv_689667905b048191b4740501625afd940c7533ace33a2dab",
          input: "hello",
        },
        URL_,
        HEADERS,
      ),
    ).toStrictEqual({
      operation: "chat",
      model: "gpt-5",
      stream: true,
      maxTokens: 500,
      temperature: 0.7,
      topP: 0.8,
      reasoningLevel: "high",
      previousResponseId: "resp_abc",
      outputType: "json",
      serviceTier: "priority",
      conversationId: "conv_689667905b048191b4740501625afd940c7533ace33a2dab",
    });
  });

  it("reads the conversation as an id or as {id}, and nothing else", () => {
    expect(openaiResponses.request({ conversation: { id: "conv_1" } }, URL_, HEADERS).conversationId).toBe("conv_1");
    for (const conversation of [null, "", { id: 7 }, { id: "" }, ["conv_1"], 12]) {
      expect(openaiResponses.request({ conversation }, URL_, HEADERS)).toStrictEqual({ operation: "chat" });
    }
  });

  it("maps json_object and text formats and tolerates missing or odd values", () => {
    expect(openaiResponses.request({ text: { format: { type: "json_object" } } }, URL_, HEADERS).outputType).toBe("json");
    expect(openaiResponses.request({ text: { format: { type: "text" } } }, URL_, HEADERS).outputType).toBe("text");
    expect(openaiResponses.request({ reasoning: null, text: "x", previous_response_id: null }, URL_, HEADERS)).toStrictEqual({
      operation: "chat",
    });
    expect(openaiResponses.request(undefined, URL_, HEADERS)).toStrictEqual({ operation: "chat" });
  });
});

describe("openaiResponses.json", () => {
  it("responses-nonstream.json", () => {
    expect(foldJson(openaiResponses, "openai-responses/responses-nonstream.json")).toEqual({
      id: "resp_098a86033e882e31006a1818d103048192889c7541e8827731",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["completed"],
      usage: { input: 14, output: 26, cacheRead: 0, reasoning: 0 },
      serviceTier: "default",
    });
  });

  it("error-insufficient-quota.json", () => {
    expect(foldJson(openaiResponses, "openai-responses/error-insufficient-quota.json")).toEqual({
      finishReasons: [],
      usage: {},
      error: { type: "insufficient_quota" },
    });
  });

  it("uses incomplete_details.reason for an incomplete response, and nothing while in progress", () => {
    const facts = newResponseFacts();
    openaiResponses.json(
      { id: "resp_1", status: "incomplete", incomplete_details: { reason: "max_output_tokens" } },
      facts,
    );
    expect(facts.finishReasons).toEqual(["max_output_tokens"]);
    const noReason = newResponseFacts();
    openaiResponses.json({ status: "incomplete", incomplete_details: null }, noReason);
    expect(noReason.finishReasons).toEqual(["incomplete"]);
    const queued = newResponseFacts();
    openaiResponses.json({ id: "resp_2", status: "queued" }, queued);
    expect(queued.finishReasons).toEqual([]);
  });

  it("maps a failed response's error and keeps cached/reasoning counts", () => {
    const facts = newResponseFacts();
    openaiResponses.json(
      {
        status: "failed",
        error: { code: "server_error", message: "boom" },
        usage: { input_tokens: 100, output_tokens: 20, input_tokens_details: { cached_tokens: 64 }, output_tokens_details: { reasoning_tokens: 12 } },
      },
      facts,
    );
    expect(facts).toEqual({
      finishReasons: [undefined],
      usage: { input: 100, output: 20, cacheRead: 64, reasoning: 12 },
      error: { type: "server_error" },
    });
    // `failed` is a lifecycle status, not a finish reason: the one position is a hole.
    expect(facts.finishReasons).toStrictEqual([undefined]);
  });

  it("a cancelled response: no finish reason, the error `cancelled`", () => {
    const facts = newResponseFacts();
    openaiResponses.json({ id: "resp_3", status: "cancelled", error: null }, facts);
    expect(facts).toStrictEqual({ id: "resp_3", finishReasons: [undefined], usage: {}, error: { type: "cancelled" } });
  });

  it("takes the conversation the Response names", () => {
    const facts = newResponseFacts();
    openaiResponses.json({ id: "resp_4", status: "completed", conversation: { id: "conv_9" } }, facts);
    expect(facts).toStrictEqual({ id: "resp_4", finishReasons: ["completed"], usage: {}, conversationId: "conv_9" });
    const none = newResponseFacts();
    openaiResponses.json({ id: "resp_5", status: "completed", conversation: null }, none);
    expect(none.conversationId).toBeUndefined();
  });
});

describe("openaiResponses streaming fixtures", () => {
  it("responses-stream-text.sse", () => {
    expect(foldSse(openaiResponses, "openai-responses/responses-stream-text.sse")).toEqual({
      id: "resp_0ed97e9f646758460069d790d994888195be760e0f744275b3",
      model: "gpt-4o-mini-2024-07-18",
      finishReasons: ["completed"],
      usage: { input: 13, output: 104, cacheRead: 0, reasoning: 0 },
      // `auto` in response.created, `default` (the tier actually used) in response.completed.
      serviceTier: "default",
      chunks: 103,
      complete: true,
    });
  });

  it("responses-stream-function-call.sse", () => {
    expect(foldSse(openaiResponses, "openai-responses/responses-stream-function-call.sse")).toEqual({
      id: "resp_689f74ea5fd48196ab2eea221ac99b2c05e045a92c8fd6eb",
      model: "gpt-4o-2024-08-06",
      finishReasons: ["completed"],
      usage: { input: 310, output: 17, cacheRead: 0, reasoning: 0 },
      serviceTier: "default",
      chunks: 6,
      complete: true,
    });
  });

  it("responses-stream-error-insufficient-quota.sse", () => {
    expect(foldSse(openaiResponses, "openai-responses/responses-stream-error-insufficient-quota.sse")).toEqual({
      id: "resp_05500b38c2cd9bfc00691c7c9d222481a3b595421266dab424",
      model: "gpt-5-nano-2025-08-07",
      finishReasons: [undefined],
      usage: {},
      serviceTier: "auto",
      error: { type: "insufficient_quota" },
      chunks: 0,
      complete: true,
    });
  });
});

describe("openaiResponses.event", () => {
  it("counts non-empty *.delta events only", () => {
    const facts = newResponseFacts();
    const ev = (type: string, extra: Record<string, unknown> = {}) =>
      openaiResponses.event({ event: type, data: JSON.stringify({ type, ...extra }) }, facts);
    expect(ev("response.output_text.delta", { delta: "Hi" })).toBe(true);
    expect(ev("response.function_call_arguments.delta", { delta: "{" })).toBe(true);
    expect(ev("response.reasoning_summary_text.delta", { delta: "Thinking" })).toBe(true);
    expect(ev("response.reasoning_text.delta", { delta: "x" })).toBe(true);
    expect(ev("response.refusal.delta", { delta: "no" })).toBe(true);
    expect(ev("response.audio.delta", { delta: "AAAA" })).toBe(true);
    expect(ev("response.output_text.delta", { delta: "" })).toBe(false);
    expect(ev("response.output_text.done", { text: "Hi" })).toBe(false);
    expect(ev("response.output_item.added", { item: { type: "function_call" } })).toBe(false);
    expect(ev("response.content_part.added")).toBe(false);
    expect(facts).toEqual({ finishReasons: [], usage: {} });
  });

  it("takes the type from the event line when data has none", () => {
    const facts = newResponseFacts();
    expect(openaiResponses.event({ event: "response.output_text.delta", data: '{"delta":"x"}' }, facts)).toBe(true);
  });

  it("reads the documented top-level error event shape; the first error wins", () => {
    const facts = newResponseFacts();
    openaiResponses.event(
      { event: "error", data: '{"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null}' },
      facts,
    );
    expect(facts.error).toEqual({ type: "rate_limit_exceeded" });
    openaiResponses.event(
      { event: "response.failed", data: '{"type":"response.failed","response":{"status":"failed","error":{"code":"other"}}}' },
      facts,
    );
    expect(facts.error).toEqual({ type: "rate_limit_exceeded" });
    expect(facts.finishReasons).toStrictEqual([undefined]);
  });

  it("ignores malformed events without throwing", () => {
    const facts = newResponseFacts();
    for (const data of ["{", "", "[DONE]", "null", "[]", '{"type":"response.completed","response":7}']) {
      expect(openaiResponses.event({ data }, facts)).toBe(false);
    }
    expect(facts).toEqual({ finishReasons: [], usage: {} });
  });
});

describe("openaiResponses fast path (delta events classified without parsing)", () => {
  it("agrees with the full parse on spaced JSON and on a data type that differs from the event line", () => {
    const event = "response.output_text.delta";
    const events = [
      { event, data: '{"type": "response.output_text.delta", "sequence_number": 4, "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "Hi"}' },
      // The data's type wins over the event line: an error, and a Response object.
      { event, data: '{"type": "error", "code": "server_error", "message": "boom", "delta": "x"}' },
      { event, data: '{"type":"response.completed","delta":"x","response":{"id":"resp_1","model":"gpt-4.1","status":"completed","usage":{"input_tokens":9,"output_tokens":2}}}' },
    ];
    const fast = newResponseFacts();
    const parsed = newResponseFacts();
    const outputs = events.map((e) => openaiResponses.event(e, fast));
    expect(outputs).toEqual([true, false, false]);
    expect(events.map((e) => foldResponsesEvent(e, parsed))).toEqual(outputs);
    expect(fast).toEqual({
      id: "resp_1",
      model: "gpt-4.1",
      finishReasons: ["completed"],
      usage: { input: 9, output: 2 },
      error: { type: "server_error" },
      complete: true,
    });
    expect(fast).toEqual(parsed);
  });
});
