/**
 * Bedrock Runtime end to end: @aws-sdk/client-bedrock-runtime (Converse, ConverseStream,
 * InvokeModel, InvokeModelWithResponseStream; SigV4 with fake static credentials) and the AI
 * SDK's Bedrock provider in workerd, calling bedrock-runtime.us-east-1.amazonaws.com, answered
 * from recorded fixtures (binary event streams frame by frame).
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Attrs, eventStreamFrames, expectProviderCall, fixtureEvents, PROMPT, type ProvidersHarness, runProvider, SYSTEM, startProviders } from "./providers-helpers.js";

let h: ProvidersHarness;
beforeAll(async () => {
  h = await startProviders("bedrock");
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const HOST = "https://bedrock-runtime.us-east-1.amazonaws.com";
const url = (model: string, action: string) => `${HOST}/model/${encodeURIComponent(model)}/${action}`;

/** Converse: usage and stop reason; the body names no model and no response id. */
function converseResponse(fixture: string): Attrs {
  const [body] = fixtureEvents(fixture);
  return {
    "gen_ai.usage.input_tokens": body.usage.inputTokens,
    "gen_ai.usage.output_tokens": body.usage.outputTokens,
    "gen_ai.response.finish_reasons": [body.stopReason],
  };
}

/** ConverseStream: usage from `metadata`, stop reason from `messageStop`, one chunk per contentBlockDelta that carries output (not an empty tool-input fragment). */
function converseStreamResponse(fixture: string): Attrs {
  const frames = eventStreamFrames(fixture);
  const usage = frames.find((f) => f.type === "metadata")!.payload.usage;
  return {
    "gen_ai.usage.input_tokens": usage.inputTokens,
    "gen_ai.usage.output_tokens": usage.outputTokens,
    "gen_ai.response.finish_reasons": [frames.find((f) => f.type === "messageStop")!.payload.stopReason],
    "otel_genai_edge.stream.chunks": frames.filter((f) => f.type === "contentBlockDelta" && Object.values(f.payload.delta).some(carries)).length,
  };
}

/** A delta's part carries output: text, reasoning, or a non-empty tool-input fragment. */
const carries = (part: any): boolean => (typeof part === "string" ? part.length > 0 : Object.values(part ?? {}).some(carries));

/** InvokeModelWithResponseStream: the model's own JSON chunks, base64 in each frame's `bytes`. */
function invokeChunks(fixture: string): any[] {
  return eventStreamFrames(fixture).map((f) => JSON.parse(Buffer.from(f.payload.bytes, "base64").toString()));
}

const INFERENCE = { inferenceConfig: { maxTokens: 64, temperature: 0.3, topP: 0.8 } };
const INFERENCE_ATTRIBUTES = { "gen_ai.request.max_tokens": 64, "gen_ai.request.temperature": 0.3, "gen_ai.request.top_p": 0.8 };

describe("@aws-sdk/client-bedrock-runtime", () => {
  for (const [fixture, model] of [
    ["bedrock/converse-llama.json", "meta.llama3-2-1b-instruct-v1:0"],
    ["bedrock/converse-titan.json", "amazon.titan-text-lite-v1"],
  ]) {
    it(`ConverseCommand: ${fixture}`, async () => {
      const c = await runProvider(h, { via: "bedrock.converse", model, prompt: PROMPT, system: SYSTEM, params: INFERENCE }, { fixture });
      expectProviderCall(c, { operation: "chat", provider: "aws.bedrock", model, url: url(model, "converse"), request: INFERENCE_ATTRIBUTES, response: converseResponse(fixture) });
    });
  }

  for (const [fixture, model] of [
    ["bedrock/converse-stream-titan.b64", "amazon.titan-text-lite-v1"],
    ["bedrock/converse-stream-claude-tool-use.b64", "anthropic.claude-3-sonnet-20240229-v1:0"],
  ]) {
    it(`ConverseStreamCommand: ${fixture}`, async () => {
      const c = await runProvider(h, { via: "bedrock.converseStream", model, prompt: PROMPT, system: SYSTEM }, { fixture });
      expectProviderCall(c, { operation: "chat", provider: "aws.bedrock", model, stream: true, url: url(model, "converse-stream"), response: converseStreamResponse(fixture) });
    });
  }

  it("InvokeModelCommand, Titan text", async () => {
    const fixture = "bedrock/invoke-titan.json";
    const model = "amazon.titan-text-express-v1";
    const [body] = fixtureEvents(fixture);
    const request = { inputText: PROMPT, textGenerationConfig: { maxTokenCount: 10, temperature: 0.5 } };
    const c = await runProvider(h, { via: "bedrock.invoke", model, prompt: PROMPT, body: request }, { fixture });
    expectProviderCall(c, {
      operation: "text_completion",
      provider: "aws.bedrock",
      model,
      url: url(model, "invoke"),
      request: { "gen_ai.request.max_tokens": 10, "gen_ai.request.temperature": 0.5 },
      response: {
        "gen_ai.usage.input_tokens": body.inputTextTokenCount,
        "gen_ai.usage.output_tokens": body.results[0].tokenCount,
        "gen_ai.response.finish_reasons": body.results.map((r: any) => r.completionReason),
      },
    });
  });

  it("InvokeModelCommand, Anthropic messages", async () => {
    const fixture = "bedrock/invoke-claude-messages.json";
    const model = "anthropic.claude-3-sonnet-20240229-v1:0";
    const [body] = fixtureEvents(fixture);
    const request = { anthropic_version: "bedrock-2023-05-31", max_tokens: 100, system: SYSTEM, messages: [{ role: "user", content: PROMPT }] };
    const c = await runProvider(h, { via: "bedrock.invoke", model, prompt: PROMPT, body: request }, { fixture });
    expectProviderCall(c, {
      operation: "chat",
      provider: "aws.bedrock",
      model,
      url: url(model, "invoke"),
      request: { "gen_ai.request.max_tokens": 100 },
      response: {
        "gen_ai.response.id": body.id,
        "gen_ai.response.model": body.model,
        "gen_ai.usage.input_tokens": body.usage.input_tokens,
        "gen_ai.usage.output_tokens": body.usage.output_tokens,
        "gen_ai.response.finish_reasons": [body.stop_reason],
      },
    });
  });

  it("InvokeModelWithResponseStreamCommand, Titan text", async () => {
    const fixture = "bedrock/invoke-stream-titan.b64";
    const model = "amazon.titan-text-express-v1";
    const chunks = invokeChunks(fixture);
    const metrics = chunks.at(-1)["amazon-bedrock-invocationMetrics"];
    const c = await runProvider(h, { via: "bedrock.invokeStream", model, prompt: PROMPT, body: { inputText: PROMPT } }, { fixture });
    expectProviderCall(c, {
      operation: "text_completion",
      provider: "aws.bedrock",
      model,
      stream: true,
      url: url(model, "invoke-with-response-stream"),
      response: {
        "gen_ai.usage.input_tokens": metrics.inputTokenCount,
        "gen_ai.usage.output_tokens": metrics.outputTokenCount,
        "gen_ai.response.finish_reasons": chunks.map((x) => x.completionReason).filter(Boolean),
        "otel_genai_edge.stream.chunks": chunks.filter((x) => x.outputText).length,
      },
    });
  });

  it("InvokeModelWithResponseStreamCommand, Anthropic messages", async () => {
    const fixture = "bedrock/invoke-stream-claude.b64";
    const model = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    const chunks = invokeChunks(fixture);
    const start = chunks.find((x) => x.type === "message_start").message;
    const delta = chunks.find((x) => x.type === "message_delta");
    const request = { anthropic_version: "bedrock-2023-05-31", max_tokens: 12, messages: [{ role: "user", content: PROMPT }] };
    const c = await runProvider(h, { via: "bedrock.invokeStream", model, prompt: PROMPT, body: request }, { fixture });
    expectProviderCall(c, {
      operation: "chat",
      provider: "aws.bedrock",
      model,
      stream: true,
      url: url(model, "invoke-with-response-stream"),
      request: { "gen_ai.request.max_tokens": 12 },
      response: {
        "gen_ai.response.id": start.id,
        "gen_ai.response.model": start.model,
        "gen_ai.usage.input_tokens": start.usage.input_tokens,
        "gen_ai.usage.output_tokens": delta.usage.output_tokens,
        "gen_ai.response.finish_reasons": [delta.delta.stop_reason],
        "otel_genai_edge.stream.chunks": chunks.filter((x) => x.type === "content_block_delta").length,
      },
    });
  });
});

describe("AI SDK, @ai-sdk/amazon-bedrock (Converse API)", () => {
  it("generateText", async () => {
    const fixture = "bedrock/converse-llama.json";
    const model = "meta.llama3-2-1b-instruct-v1:0";
    const c = await runProvider(h, { via: "ai.bedrock", model, prompt: PROMPT, system: SYSTEM, params: { maxOutputTokens: 64, temperature: 0.3 } }, { fixture });
    expectProviderCall(c, {
      operation: "chat",
      provider: "aws.bedrock",
      model,
      url: url(model, "converse"),
      request: { "gen_ai.request.max_tokens": 64, "gen_ai.request.temperature": 0.3 },
      response: converseResponse(fixture),
    });
  });

  it("streamText", async () => {
    const fixture = "bedrock/converse-stream-titan.b64";
    const model = "amazon.titan-text-lite-v1";
    const c = await runProvider(h, { via: "ai.bedrock", model, prompt: PROMPT, system: SYSTEM, stream: true }, { fixture });
    expectProviderCall(c, { operation: "chat", provider: "aws.bedrock", model, stream: true, url: url(model, "converse-stream"), response: converseStreamResponse(fixture) });
  });
});
