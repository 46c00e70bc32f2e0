/**
 * How a call ends on its span and in its metric record, driven through GenAICall with the real
 * formats and a recording span: the provider's error code as `error.type` on an HTTP error (the
 * status when the body has none), the conversation id, the Responses terminal statuses as each
 * profile lists them, and the Azure AI Inference namespace.
 */
import type { Attributes, Span, SpanStatus } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { PROFILES, type SemconvProfileName } from "../../src/attributes.js";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { anthropicMessages } from "../../src/genai/anthropic-messages.js";
import { bedrockConverse } from "../../src/genai/bedrock-converse.js";
import { bedrockInvoke } from "../../src/genai/bedrock-invoke.js";
import { type CallRecord, GenAICall, requestAttributes } from "../../src/genai/call.js";
import { detect } from "../../src/genai/detect.js";
import { openaiChat } from "../../src/genai/openai-chat.js";
import { openaiEmbeddings } from "../../src/genai/openai-embeddings.js";
import { openaiResponses } from "../../src/genai/openai-responses.js";
import type { ProviderFormat, RequestFacts } from "../../src/genai/types.js";
import { fixtureText } from "../genai/helpers.js";

interface Ended {
  attributes: Attributes;
  status?: SpanStatus;
  record: CallRecord;
}

/** A span that keeps what is set on it: the only part of Span a GenAICall uses at its end. */
function recordingSpan(into: { attributes: Attributes; status?: SpanStatus }): Span {
  return {
    setAttributes: (a: Attributes) => Object.assign(into.attributes, a),
    setStatus: (s: SpanStatus) => {
      into.status = s;
    },
    end: () => {},
    spanContext: () => ({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 }),
  } as unknown as Span;
}

/** One call answered with `body` (JSON, or SSE text when `contentType` says so) and `status`. */
function call(
  format: ProviderFormat,
  request: RequestFacts,
  body: string,
  options: { status?: number; contentType?: string; profile?: SemconvProfileName; provider?: string; headers?: Record<string, string> } = {},
): Ended {
  const into: { attributes: Attributes; status?: SpanStatus } = { attributes: {} };
  let record: CallRecord | undefined;
  const c = new GenAICall({
    span: recordingSpan(into),
    detected: { provider: options.provider ?? "openai", format },
    request,
    startMs: 0,
    serverAddress: "api.example.test",
    serverPort: 443,
    limits: DEFAULT_LIMITS,
    profile: PROFILES[options.profile ?? "latest"],
    prices: {},
    onEnd: (r) => {
      record = r;
    },
  });
  const response = new Response(body, { status: options.status ?? 200, headers: { "content-type": options.contentType ?? "application/json", ...options.headers } });
  const observer = c.observer(response, () => 5);
  observer.chunk?.(new TextEncoder().encode(body));
  observer.end("done");
  return { ...into, record: record! };
}

const CHAT: RequestFacts = { operation: "chat", model: "gpt-4o" };

describe("error.type on an HTTP error", () => {
  const cases: [string, ProviderFormat, string, number, string][] = [
    ["OpenAI chat: the code", openaiChat, fixtureText("openai/error-400-invalid-image-url.json"), 400, "invalid_image_url"],
    ["OpenAI chat: the type when the code is null", openaiChat, '{"error":{"message":"slow down","type":"requests","param":null,"code":null}}', 429, "requests"],
    ["OpenAI chat: invalid_api_key", openaiChat, '{"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}', 401, "invalid_api_key"],
    ["Responses", openaiResponses, fixtureText("openai-responses/error-insufficient-quota.json"), 429, "insufficient_quota"],
    ["Embeddings", openaiEmbeddings, '{"error":{"message":"x","type":"invalid_request_error","code":"model_not_found"}}', 404, "model_not_found"],
    ["Anthropic", anthropicMessages, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 529, "overloaded_error"],
  ];
  for (const [name, format, body, status, code] of cases) {
    it(`${name}: ${code} on the span and in the metric record, the status in the description`, () => {
      for (const profile of ["latest", "v1.41"] as const) {
        const ended = call(format, { ...CHAT, operation: format === openaiEmbeddings ? "embeddings" : "chat" }, body, { status, profile });
        expect(ended.attributes["error.type"]).toBe(code);
        expect(ended.status).toEqual({ code: 2, message: `HTTP ${status}` });
        expect(ended.record.errorType).toBe(code);
        expect(ended.attributes["gen_ai.response.finish_reasons"]).toBeUndefined();
      }
    });
  }

  it("Bedrock: the code AWS sends in x-amzn-ErrorType (the body has only a message)", () => {
    const body = fixtureText("bedrock/error-403-invalid-signature.json");
    const headers = { "x-amzn-ErrorType": "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/" };
    for (const format of [bedrockConverse, bedrockInvoke]) {
      const ended = call(format, CHAT, body, { status: 403, provider: "aws.bedrock", headers });
      expect(ended.attributes["error.type"]).toBe("InvalidSignatureException");
      expect(ended.record.errorType).toBe("InvalidSignatureException");
      expect(call(format, CHAT, body, { status: 403, provider: "aws.bedrock" }).attributes["error.type"]).toBe("403");
    }
    // Another format never reads the header.
    expect(call(openaiChat, CHAT, "{}", { status: 403, headers }).attributes["error.type"]).toBe("403");
  });

  it("the status code when the body has no code, or one that is not a code", () => {
    for (const body of ["<html>Bad gateway</html>", '{"error":{"message":"no code here"}}', '{"error":{"code":"not a code: free text"}}', '{"error":{"code":"_OTHER"}}']) {
      const ended = call(openaiChat, CHAT, body, { status: 502 });
      expect(ended.attributes["error.type"]).toBe("502");
      expect(ended.status).toEqual({ code: 2, message: undefined });
      expect(ended.record.errorType).toBe("502");
    }
  });
});

describe("Responses: conversation id and terminal statuses", () => {
  const RESPONSES: RequestFacts = { operation: "chat", model: "gpt-4.1" };

  it("takes gen_ai.conversation.id from the response when the request named none", () => {
    const body = '{"id":"resp_1","status":"completed","conversation":{"id":"conv_from_response"}}';
    expect(call(openaiResponses, RESPONSES, body).attributes["gen_ai.conversation.id"]).toBe("conv_from_response");
    // The request's own id is on the span from the start; the end does not replace it.
    const named = call(openaiResponses, { ...RESPONSES, conversationId: "conv_from_request" }, body);
    expect(named.attributes["gen_ai.conversation.id"]).toBeUndefined();
    expect(call(openaiResponses, RESPONSES, '{"id":"resp_1","status":"completed"}').attributes).not.toHaveProperty("gen_ai.conversation.id");
  });

  const statuses: [string, string, string[] | undefined, string[] | undefined, string | undefined][] = [
    // body, latest finish reasons, v1.41 finish reasons, error.type
    ['{"status":"completed"}', "completed", ["completed"], ["completed"], undefined],
    ['{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}', "incomplete/max_output_tokens", ["max_output_tokens"], ["max_output_tokens"], undefined],
    ['{"status":"incomplete","incomplete_details":{"reason":"content_filter"}}', "incomplete/content_filter", ["content_filter"], ["content_filter"], undefined],
    ['{"status":"failed","error":{"code":"server_error","message":"boom"}}', "failed", ["error"], undefined, "server_error"],
    ['{"status":"cancelled"}', "cancelled", ["error"], undefined, "cancelled"],
  ];
  for (const [body, name, latest, v141, errorType] of statuses) {
    it(`${name}: latest ${JSON.stringify(latest)}, v1.41 ${JSON.stringify(v141)}`, () => {
      const l = call(openaiResponses, RESPONSES, body, { profile: "latest" });
      const v = call(openaiResponses, RESPONSES, body, { profile: "v1.41" });
      expect(l.attributes["gen_ai.response.finish_reasons"]).toEqual(latest);
      expect(v.attributes["gen_ai.response.finish_reasons"]).toEqual(v141);
      expect(l.record.finishReasons).toEqual(latest);
      expect(l.attributes["error.type"]).toBe(errorType);
      expect(v.attributes["error.type"]).toBe(errorType);
    });
  }

  it("a streamed response.failed: latest ['error'], the provider's code, not an incomplete stream", () => {
    const sse = [
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_9","status":"in_progress"}}\n\n',
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hel"}\n\n',
      'event: response.failed\ndata: {"type":"response.failed","response":{"id":"resp_9","status":"failed","error":{"code":"server_error","message":"boom"}}}\n\n',
    ].join("");
    const ended = call(openaiResponses, { ...RESPONSES, stream: true }, sse, { contentType: "text/event-stream" });
    expect(ended.attributes).toMatchObject({ "gen_ai.response.finish_reasons": ["error"], "error.type": "server_error", "otel_genai_edge.stream.chunks": 1 });
    expect(ended.status).toEqual({ code: 2, message: "server_error" });
  });
});

describe("AI Gateway universal endpoint", () => {
  it("a fallback step that answered (cf-aig-step: 1) becomes the call: its provider, format, model and name", () => {
    const steps = [
      { provider: "workers-ai", endpoint: "@cf/meta/llama-3.1-8b-instruct", query: { messages: [], max_tokens: 64 } },
      { provider: "openai", endpoint: "chat/completions", query: { model: "gpt-4o-mini", messages: [], temperature: 0.2 } },
    ];
    const detected = detect("POST", new URL("https://gateway.ai.cloudflare.com/v1/acct/gw"), new Headers(), steps, {})!;
    const into: { attributes: Attributes; status?: SpanStatus; name?: string } = { attributes: {} };
    const span = { ...recordingSpan(into), updateName: (n: string) => void (into.name = n) } as unknown as Span;
    let record: CallRecord | undefined;
    const c = new GenAICall({
      span,
      detected,
      request: detected.format.request(detected.body, detected.url!, new Headers()),
      startMs: 0,
      serverAddress: "gateway.ai.cloudflare.com",
      serverPort: 443,
      limits: DEFAULT_LIMITS,
      profile: PROFILES.latest,
      prices: {},
      onEnd: (r) => {
        record = r;
      },
    });
    const body = fixtureText("openai/chat-nonstream.json");
    const observer = c.observer(new Response(body, { headers: { "content-type": "application/json", "cf-aig-step": "1" } }), () => 5);
    observer.chunk?.(new TextEncoder().encode(body));
    observer.end("done");
    const fixture = JSON.parse(body);
    expect(into.name).toBe("chat gpt-4o-mini");
    expect(into.attributes).toMatchObject({
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.temperature": 0.2,
      "gen_ai.response.model": fixture.model,
      "gen_ai.usage.input_tokens": fixture.usage.prompt_tokens,
      "gen_ai.usage.output_tokens": fixture.usage.completion_tokens,
    });
    expect(record).toMatchObject({ provider: "openai", requestModel: "gpt-4o-mini" });
  });
});

describe("provider constant attributes", () => {
  it("azure.ai.inference spans carry azure.resource_provider.namespace = Microsoft.CognitiveServices, in both profiles", () => {
    for (const profile of Object.values(PROFILES)) {
      expect(requestAttributes({ provider: "azure.ai.inference", format: openaiChat }, CHAT, profile)).toEqual({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.inference",
        "gen_ai.request.model": "gpt-4o",
        "azure.resource_provider.namespace": "Microsoft.CognitiveServices",
      });
    }
    // Not on any other provider's spans, Azure OpenAI's included.
    for (const provider of ["azure.ai.openai", "openai"]) {
      expect(requestAttributes({ provider, format: openaiChat }, CHAT, PROFILES.latest)).not.toHaveProperty("azure.resource_provider.namespace");
    }
  });
});

describe("profiles: request attributes added after v1.41", () => {
  const request: RequestFacts = {
    operation: "chat",
    model: "gpt-5",
    topK: 40,
    reasoningLevel: "high",
    previousResponseId: "resp_prev",
    conversationId: "conv_1",
  };
  it("v1.41 leaves out reasoning.level and previous_response.id, keeps gen_ai.conversation.id (in v1.41), types top_k as a double", () => {
    const format = openaiResponses;
    expect(requestAttributes({ provider: "anthropic", format }, request, PROFILES["v1.41"])).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "gpt-5",
      "gen_ai.request.top_k": 40,
      "gen_ai.conversation.id": "conv_1",
    });
    expect(requestAttributes({ provider: "anthropic", format }, request, PROFILES.latest)).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "gpt-5",
      "gen_ai.request.top_k": 40,
      "gen_ai.request.reasoning.level": "high",
      "gen_ai.request.previous_response.id": "resp_prev",
      "gen_ai.conversation.id": "conv_1",
    });
    expect(PROFILES["v1.41"].doubleAttributes).toContain("gen_ai.request.top_k");
    expect(PROFILES.latest.doubleAttributes).not.toContain("gen_ai.request.top_k");
  });
});
