import { describe, expect, it } from "vitest";
import { AWS_BEDROCK_GUARDRAIL_ID } from "../../src/attributes.js";
import { bedrockConverse } from "../../src/genai/bedrock-converse.js";
import { bedrockInvoke } from "../../src/genai/bedrock-invoke.js";
import { detect } from "../../src/genai/detect.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson, foldStream } from "./helpers.js";

const HOST = "https://bedrock-runtime.us-east-1.amazonaws.com";
const url = (path: string) => new URL(HOST + path);
const none = new Headers();
const guardrail = { [AWS_BEDROCK_GUARDRAIL_ID]: "5zwrmdlsra2e" };

describe("bedrockConverse.request", () => {
  it("reads inferenceConfig, top_k and the guardrail; the model from the path", () => {
    // The OTC recording's request, plus the fields it lacked.
    const body = {
      inferenceConfig: { maxTokens: 10, stopSequences: ["|"], temperature: 0.8, topP: 1 },
      messages: [{ content: [{ text: "Say this is a test" }], role: "user" }],
      additionalModelRequestFields: { top_k: 250 },
      guardrailConfig: { guardrailIdentifier: "5zwrmdlsra2e", guardrailVersion: "DRAFT", trace: "enabled" },
    };
    expect(bedrockConverse.request(body, url("/model/amazon.titan-text-lite-v1/converse-stream"), none)).toStrictEqual({
      operation: "chat",
      model: "amazon.titan-text-lite-v1",
      stream: true,
      maxTokens: 10,
      temperature: 0.8,
      topP: 1,
      topK: 250,
      stopSequences: ["|"],
      attributes: guardrail,
    });
  });

  it("decodes an inference profile ARN and an encoded model id; topK spelled camel case", () => {
    const arn = "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse";
    expect(bedrockConverse.request({ messages: [], additionalModelRequestFields: { topK: 5 } }, url(arn), none)).toStrictEqual({
      operation: "chat",
      model: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
      stream: false,
      topK: 5,
    });
    expect(bedrockConverse.request(undefined, url("/model/meta.llama3-2-1b-instruct-v1%3A0/converse"), none)).toStrictEqual({
      operation: "chat",
      model: "meta.llama3-2-1b-instruct-v1:0",
      stream: false,
    });
    // A malformed escape is kept as sent.
    expect(bedrockConverse.request(undefined, url("/model/bad%E0%A4%A/converse"), none).model).toBe("bad%E0%A4%A");
  });

  it("fits Converse bodies only", () => {
    expect(bedrockConverse.fits({ messages: [{ role: "user", content: [{ text: "hi" }] }] })).toBe(true);
    expect(bedrockConverse.fits({ messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] })).toBe(false);
    expect(bedrockConverse.fits({ model: "gpt-4o", messages: [{ role: "user", content: [{ text: "hi" }] }] })).toBe(false);
    expect(bedrockConverse.fits({ messages: [{ role: "user", content: "hi" }] })).toBe(false);
  });
});

describe("bedrockInvoke.request", () => {
  const cases: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
    // The request bodies of the OTC recordings.
    [
      "anthropic",
      "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream",
      { anthropic_version: "bedrock-2023-05-31", max_tokens: 12, top_k: 250, stop_sequences: ["|"], temperature: 0.8, top_p: 1, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] },
      { operation: "chat", model: "anthropic.claude-3-5-sonnet-20240620-v1:0", stream: true, maxTokens: 12, temperature: 0.8, topP: 1, topK: 250, stopSequences: ["|"] },
    ],
    [
      "llama",
      "/model/meta.llama2-13b-chat-v1/invoke",
      { prompt: "Say this is a test", max_gen_len: 10, temperature: 0.8, top_p: 1 },
      { operation: "text_completion", model: "meta.llama2-13b-chat-v1", stream: false, maxTokens: 10, temperature: 0.8, topP: 1 },
    ],
    [
      "mistral",
      "/model/mistral.mistral-7b-instruct-v0%3A2/invoke",
      { prompt: "Say this", max_tokens: 10, temperature: 0.8, top_p: 1, stop: ["|"] },
      { operation: "text_completion", model: "mistral.mistral-7b-instruct-v0:2", stream: false, maxTokens: 10, temperature: 0.8, topP: 1, stopSequences: ["|"] },
    ],
    [
      "titan",
      "/model/amazon.titan-text-express-v1/invoke",
      { inputText: "Say this is a test", textGenerationConfig: { maxTokenCount: 10, temperature: 0.8, topP: 1, stopSequences: ["|"] } },
      { operation: "text_completion", model: "amazon.titan-text-express-v1", stream: false, maxTokens: 10, temperature: 0.8, topP: 1, stopSequences: ["|"] },
    ],
    [
      "nova",
      "/model/amazon.nova-pro-v1%3A0/invoke-with-response-stream",
      { messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { max_new_tokens: 10, temperature: 0.8, top_p: 1, top_k: 20, stopSequences: ["|"] } },
      { operation: "chat", model: "amazon.nova-pro-v1:0", stream: true, maxTokens: 10, temperature: 0.8, topP: 1, topK: 20, stopSequences: ["|"] },
    ],
    [
      "cohere command-r",
      "/model/cohere.command-r-v1%3A0/invoke",
      { message: "Say this", max_tokens: 10, temperature: 0.8, p: 0.99, k: 3, stop_sequences: ["|"] },
      { operation: "chat", model: "cohere.command-r-v1:0", stream: false, maxTokens: 10, temperature: 0.8, topP: 0.99, topK: 3, stopSequences: ["|"] },
    ],
    [
      "titan embeddings",
      "/model/amazon.titan-embed-text-v2%3A0/invoke",
      { inputText: "hello", dimensions: 512, normalize: true },
      { operation: "embeddings", model: "amazon.titan-embed-text-v2:0", stream: false, embeddingDimensions: 512 },
    ],
    [
      "cohere embeddings",
      "/model/cohere.embed-english-v3/invoke",
      { texts: ["a", "b"], input_type: "search_document" },
      { operation: "embeddings", model: "cohere.embed-english-v3", stream: false },
    ],
  ];
  it.each(cases)("%s", (_, path, body, expected) => {
    expect(bedrockInvoke.request(body, url(path), none)).toStrictEqual(expected);
  });

  it("takes the guardrail from X-Amzn-Bedrock-GuardrailIdentifier", () => {
    const headers = new Headers({ "X-Amzn-Bedrock-GuardrailIdentifier": "5zwrmdlsra2e", "X-Amzn-Bedrock-GuardrailVersion": "DRAFT" });
    expect(bedrockInvoke.request({ inputText: "Tell me a joke" }, url("/model/amazon.titan-text-express-v1/invoke"), headers)).toStrictEqual({
      operation: "text_completion",
      model: "amazon.titan-text-express-v1",
      stream: false,
      attributes: guardrail,
    });
  });

  it("fits only Anthropic's Bedrock body", () => {
    expect(bedrockInvoke.fits({ anthropic_version: "bedrock-2023-05-31", messages: [] })).toBe(true);
    expect(bedrockInvoke.fits({ anthropic_version: "2023-06-01", messages: [] })).toBe(false);
    expect(bedrockInvoke.fits({ prompt: "x", max_tokens: 3 })).toBe(false);
  });
});

describe("detect", () => {
  const on = (path: string, body?: Record<string, unknown>) => detect("POST", url(path), none, body, {});
  it("Converse and InvokeModel paths on the Bedrock runtime host", () => {
    expect(on("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream")).toMatchObject({ provider: "aws.bedrock", format: bedrockConverse });
    expect(on("/model/meta.llama3-2-1b-instruct-v1%3A0/converse")).toMatchObject({ provider: "aws.bedrock", format: bedrockConverse });
    expect(on("/model/amazon.titan-text-express-v1/invoke")).toMatchObject({ provider: "aws.bedrock", format: bedrockInvoke });
    expect(on("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream")).toMatchObject({ provider: "aws.bedrock", format: bedrockInvoke });
  });

  it("an unknown host by body shape, as aws.bedrock", () => {
    const proxy = (path: string, body: Record<string, unknown>) => detect("POST", new URL(`https://llm-proxy.internal${path}`), none, body, {});
    expect(proxy("/model/x/converse", { messages: [{ role: "user", content: [{ text: "hi" }] }] })).toMatchObject({ provider: "aws.bedrock", format: bedrockConverse });
    expect(proxy("/model/x/invoke", { anthropic_version: "bedrock-2023-05-31", messages: [] })).toMatchObject({ provider: "aws.bedrock", format: bedrockInvoke });
    expect(proxy("/model/x/invoke", { prompt: "hi" })).toBeUndefined();
  });
});

describe("bedrockConverse responses", () => {
  it.each([
    ["converse-llama.json", { finishReasons: ["end_turn"], usage: { input: 52, output: 30 } }],
    ["converse-titan.json", { finishReasons: ["max_tokens"], usage: { input: 8, output: 10 } }],
    ["converse-titan-guardrail.json", { finishReasons: ["guardrail_intervened"], usage: { input: 17, output: 17 } }],
  ])("%s", (name, expected) => {
    expect(foldJson(bedrockConverse, `bedrock/${name}`)).toStrictEqual(expected);
  });

  it.each([
    ["converse-stream-titan.b64", { finishReasons: ["max_tokens"], usage: { input: 8, output: 10 }, complete: true, chunks: 1 }],
    // 14 text deltas and 4 non-empty tool-input fragments (the first fragment is empty).
    ["converse-stream-claude-tool-use.b64", { finishReasons: ["tool_use"], usage: { input: 236, output: 58 }, complete: true, chunks: 18 }],
    ["converse-stream-titan-guardrail.b64", { finishReasons: ["guardrail_intervened"], usage: { input: 17, output: 16 }, complete: true, chunks: 1 }],
  ])("%s", (name, expected) => {
    expect(foldStream(bedrockConverse, `bedrock/${name}`)).toStrictEqual(expected);
  });

  it("sums cache reads and writes into the input; reasoning deltas are output", () => {
    const facts = newResponseFacts();
    const out = [
      bedrockConverse.event({ event: "contentBlockDelta", data: '{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hm"}}}' }, facts),
      bedrockConverse.event({ event: "contentBlockDelta", data: '{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"abc"}}}' }, facts),
      bedrockConverse.event({ event: "metadata", data: '{"usage":{"inputTokens":4,"outputTokens":71,"totalTokens":1745,"cacheReadInputTokens":1670,"cacheWriteInputTokens":0}}' }, facts),
    ];
    expect(out).toEqual([true, false, false]);
    // No messageStop before the metadata: not complete.
    expect(facts).toStrictEqual({ finishReasons: [], usage: { input: 1674, output: 71, cacheRead: 1670, cacheWrite: 0 } });
  });

  it("exception frames set error.type as sent, first one wins; an HTTP error body sets nothing", () => {
    const facts = newResponseFacts();
    bedrockConverse.event({ event: "contentBlockDelta", data: '{"delta":{"text":"Hi"}}' }, facts);
    bedrockConverse.event({ event: "throttlingException", data: '{"message":"Too many requests"}' }, facts);
    bedrockConverse.event({ event: "modelStreamErrorException", data: '{"message":"x","originalStatusCode":500}' }, facts);
    expect(facts.error).toStrictEqual({ type: "throttlingException" });
    const other = newResponseFacts();
    bedrockConverse.event({ event: ":error", data: '{"code":"InternalFailure","message":"boom"}' }, other);
    expect(other.error).toStrictEqual({ type: "InternalFailure" });
    expect(foldJson(bedrockConverse, "bedrock/error-403-invalid-signature.json")).toStrictEqual({ finishReasons: [], usage: {} });
  });
});

describe("token sums past the safe integers are not recorded (they would be exported as doubles)", () => {
  it("Converse: input plus cache counts", () => {
    const facts = newResponseFacts();
    bedrockConverse.json({ stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 2 ** 53 - 1 } }, facts);
    expect(facts.usage).toStrictEqual({ output: 2, cacheRead: 2 ** 53 - 1 });
  });

  it("Titan: the results' token counts", () => {
    const facts = newResponseFacts();
    bedrockInvoke.json({ inputTextTokenCount: 3, results: [{ tokenCount: 2 ** 53 - 1, outputText: "a" }, { tokenCount: 1, outputText: "b" }] }, facts);
    expect(facts.usage).toStrictEqual({ input: 3 });
  });
});

describe("bedrockInvoke responses", () => {
  it.each([
    ["invoke-claude-messages.json", { id: "msg_bdrk_01WR9VHqpyBzBhzgwCDapaQD", model: "claude-3-sonnet-20240229", finishReasons: ["end_turn"], usage: { input: 16, output: 19 } }],
    ["invoke-claude-completion.json", { finishReasons: ["max_tokens"], usage: { input: 8, output: 10 } }],
    ["invoke-llama.json", { finishReasons: ["max_tokens"], usage: { input: 8, output: 10 } }],
    ["invoke-titan.json", { finishReasons: ["max_tokens"], usage: { input: 8, output: 10 } }],
    ["invoke-titan-guardrail.json", { finishReasons: ["guardrail_intervened"], usage: { input: 28, output: 197 } }],
    ["invoke-nova.json", { finishReasons: ["max_tokens"], usage: { input: 8, output: 10 } }],
    ["invoke-nova-cross-region.json", { finishReasons: ["end_turn"], usage: { input: 7, output: 53, cacheRead: 0, cacheWrite: 0 } }],
    ["invoke-mistral.json", { finishReasons: ["max_tokens"], usage: {} }],
    ["invoke-cohere-command-r.json", { finishReasons: ["max_tokens"], usage: {} }],
    ["error-403-invalid-signature.json", { finishReasons: [], usage: {} }],
  ])("%s", (name, expected) => {
    expect(foldJson(bedrockInvoke, `bedrock/${name}`)).toStrictEqual(expected);
  });

  it.each([
    // Anthropic's own events; the usage is Anthropic's (message_start input, message_delta output).
    ["invoke-stream-claude.b64", { id: "msg_bdrk_01XT2XEQnNbdz91baTQTnbp1", model: "claude-3-5-sonnet-20240620", finishReasons: ["max_tokens"], usage: { input: 22, output: 12 }, complete: true, chunks: 3 }],
    ["invoke-stream-claude-sonnet.b64", { id: "msg_bdrk_014eJfxWXNnxFKhmuiT8FYf7", model: "claude-3-sonnet-20240229", finishReasons: ["end_turn"], usage: { input: 16, output: 21 }, complete: true, chunks: 18 }],
    // One chunk with the whole text, counts and invocation metrics.
    ["invoke-stream-titan.b64", { finishReasons: ["LENGTH"], usage: { input: 13, output: 10 }, complete: true, chunks: 1 }],
    // Blocked input: "Input blocked", INTERVENED, counts as floats (6.0, 3.0), no invocation metrics.
    ["invoke-stream-titan-guardrail.b64", { finishReasons: ["guardrail_intervened"], usage: { input: 6, output: 3 }, chunks: 1 }],
    // 20 chunks of `outputs`, usage only from amazon-bedrock-invocationMetrics.
    ["invoke-stream-mistral.b64", { finishReasons: ["length"], usage: { input: 19, output: 20 }, complete: true, chunks: 20 }],
    // Converse-shaped chunks: 4 text deltas, usage from `metadata` with Nova's cache spellings.
    ["invoke-stream-nova.b64", { finishReasons: ["max_tokens"], usage: { input: 5, output: 10, cacheRead: 0, cacheWrite: 0 }, complete: true, chunks: 4 }],
    // INTERVENED on the deltas, then messageStop "end_turn": the intervention stands. 56 deltas, 11 empty.
    ["invoke-stream-nova-guardrail.b64", { finishReasons: ["guardrail_intervened"], usage: { input: 30, output: 55, cacheRead: 0, cacheWrite: 0 }, complete: true, chunks: 45 }],
    // 10 text-generation chunks, then stream-end (its full text is not a chunk); usage from the metrics.
    // The stream-end chunk's response carries the id.
    ["invoke-stream-cohere-command-r.b64", { finishReasons: ["MAX_TOKENS"], usage: { input: 5, output: 10 }, complete: true, chunks: 10, id: "379ed018/2f8f1c7b-281f-4fbe-a467-4b0e44cd0d31" }],
  ])("%s", (name, expected) => {
    expect(foldStream(bedrockInvoke, `bedrock/${name}`)).toStrictEqual(expected);
  });

  it("exception frames, undecodable chunks and embeddings", () => {
    const facts = newResponseFacts();
    expect(bedrockInvoke.event({ event: "chunk", data: '{"bytes":"not base64!"}' }, facts)).toBe(false);
    expect(bedrockInvoke.event({ event: "chunk", data: `{"bytes":"${btoa('{"generation":"Hi","stop_reason":null}')}"}` }, facts)).toBe(true);
    expect(bedrockInvoke.event({ event: "modelTimeoutException", data: '{"message":"timed out"}' }, facts)).toBe(false);
    expect(facts).toStrictEqual({ finishReasons: [], usage: {}, error: { type: "modelTimeoutException" } });
    const titan = newResponseFacts();
    bedrockInvoke.json({ embedding: [0.1, 0.2, 0.3], inputTextTokenCount: 2 }, titan);
    expect(titan).toStrictEqual({ finishReasons: [], usage: { input: 2 }, embeddingDimensions: 3 });
    const cohere = newResponseFacts();
    bedrockInvoke.json({ id: "e", embeddings: [[0.1, 0.2], [0.3, 0.4]], texts: ["a", "b"], response_type: "embeddings_floats" }, cohere);
    expect(cohere).toStrictEqual({ finishReasons: [], usage: {}, embeddingDimensions: 2 });
  });
});
