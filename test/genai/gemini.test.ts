import { describe, expect, it } from "vitest";
import { detect } from "../../src/genai/detect.js";
import { geminiEmbed, geminiGenerate } from "../../src/genai/gemini.js";
import { newResponseFacts, type ResponseFacts } from "../../src/genai/types.js";
import { fixtureBytes, foldJson, foldPieces, foldStream } from "./helpers.js";
import { GEMINI_CACHED_USAGE } from "../support/gemini-cached-usage.js";

const H = new Headers();
const GEMINI = "https://generativelanguage.googleapis.com";
const VERTEX = "https://us-central1-aiplatform.googleapis.com/v1/projects/my-project/locations/us-central1";

const feed = (facts: ResponseFacts, ...chunks: unknown[]) => chunks.map((c) => geminiGenerate.event({ data: JSON.stringify(c) }, facts));

describe("geminiGenerate.request", () => {
  it("maps generationConfig (the REST docs' parameters) and takes the model and streaming from the path", () => {
    const body = {
      contents: [{ role: "user", parts: [{ text: "Write a story about a magic backpack." }] }],
      generationConfig: {
        stopSequences: ["Title"],
        temperature: 1.0,
        maxOutputTokens: 800,
        topP: 0.8,
        topK: 10,
        seed: 42,
        candidateCount: 2,
        presencePenalty: 0.5,
        frequencyPenalty: -0.25,
        responseMimeType: "application/json",
        thinkingConfig: { thinkingLevel: "low", includeThoughts: true },
      },
    };
    expect(geminiGenerate.request(body, new URL(`${GEMINI}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`), H)).toStrictEqual({
      operation: "generate_content",
      model: "gemini-2.0-flash",
      stream: true,
      maxTokens: 800,
      temperature: 1,
      topP: 0.8,
      topK: 10,
      stopSequences: ["Title"],
      seed: 42,
      choiceCount: 2,
      presencePenalty: 0.5,
      frequencyPenalty: -0.25,
      outputType: "json",
      reasoningLevel: "low",
    });
  });

  it("reads models from every path shape, URL-decoded, and proto (snake_case) field names", () => {
    const model = (path: string) => geminiGenerate.request({ contents: [] }, new URL(path), H);
    expect(model(`${GEMINI}/v1beta/models/gemini-2.5-flash:generateContent`)).toStrictEqual({ operation: "generate_content", model: "gemini-2.5-flash", stream: false });
    expect(model(`${GEMINI}/v1beta/tunedModels/my-tuned-7:generateContent`).model).toBe("tunedModels/my-tuned-7");
    expect(model(`${VERTEX}/publishers/google/models/gemini-2.5-pro:streamGenerateContent`)).toStrictEqual({ operation: "generate_content", model: "gemini-2.5-pro", stream: true });
    expect(model(`https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/publishers/google/models/gemini-2.0-flash-001:generateContent`).model).toBe("gemini-2.0-flash-001");
    expect(model(`${GEMINI}/v1beta/models/gemini%2D2.0-flash:generateContent/`).model).toBe("gemini-2.0-flash");
    expect(
      geminiGenerate.request({ contents: [], generation_config: { max_output_tokens: 5, top_k: 3, response_mime_type: "text/plain", candidate_count: 1 } }, new URL(`${GEMINI}/v1/models/m:generateContent`), H),
    ).toStrictEqual({ operation: "generate_content", model: "m", stream: false, maxTokens: 5, topK: 3, outputType: "text" });
    expect(geminiGenerate.request(undefined, new URL(`${GEMINI}/v1beta/models/m:streamGenerateContent`), H)).toStrictEqual({ operation: "generate_content", model: "m", stream: true });
  });

  it("a responseMimeType naming an Object member (`__proto__`, fuzz's counterexample) sets no output type", () => {
    const url = new URL(`${GEMINI}/v1/models/m:generateContent`);
    for (const mime of ["__proto__", "constructor", "toString"]) {
      expect(geminiGenerate.request({ contents: [], generationConfig: { responseMimeType: mime } }, url, H), mime).toStrictEqual({ operation: "generate_content", model: "m", stream: false });
    }
  });

  it("embed requests: operation, model, requested dimensions", () => {
    const url = new URL(`${GEMINI}/v1beta/models/gemini-embedding-001:embedContent`);
    expect(geminiEmbed.request({ model: "models/gemini-embedding-001", content: { parts: [{ text: "What is the meaning of life?" }] }, outputDimensionality: 768 }, url, H)).toStrictEqual({
      operation: "embeddings",
      model: "gemini-embedding-001",
      embeddingDimensions: 768,
    });
    const batch = new URL(`${GEMINI}/v1beta/models/gemini-embedding-001:batchEmbedContents`);
    // The request body recorded with batch-embed-contents.json, plus a dimension on its first request.
    const requests = [{ content: { parts: [{ text: "Why is the sky blue?" }] }, taskType: "RETRIEVAL_DOCUMENT", model: "models/gemini-embedding-001", outputDimensionality: 256 }];
    expect(geminiEmbed.request({ requests }, batch, H)).toStrictEqual({ operation: "embeddings", model: "gemini-embedding-001", embeddingDimensions: 256 });
  });
});

describe("geminiGenerate folds the recorded bodies", () => {
  it("gemini-generate-content.json: output counts the thoughts, reasoning is the thoughts", () => {
    expect(foldJson(geminiGenerate, "google/gemini-generate-content.json")).toStrictEqual({
      id: "-hk4afOSMZKkjuMPnJWGkAk",
      model: "gemini-2.5-flash",
      finishReasons: ["STOP"],
      usage: { input: 5, output: 877 + 1058, reasoning: 1058, inputModalities: { text: 5 } },
    });
  });

  it("gemini-stream-text.sse: the last usageMetadata wins (intermediate prompt counts say 10, the final 9)", () => {
    expect(foldStream(geminiGenerate, "google/gemini-stream-text.sse")).toStrictEqual({
      id: "jNcEavSuHfWA7_UP9-uokQs",
      model: "gemini-2.0-flash",
      finishReasons: ["STOP"],
      usage: { input: 9, output: 527, inputModalities: { text: 9 }, outputModalities: { text: 527 } },
      complete: true,
      chunks: 12,
    });
  });

  it("gemini-stream-text-array.json (the same stream as a JSON array) folds through the json-array framing to the same facts", () => {
    expect(foldPieces(geminiGenerate, [fixtureBytes("google/gemini-stream-text-array.json")], "json-array")).toStrictEqual(foldStream(geminiGenerate, "google/gemini-stream-text.sse"));
  });

  it("gemini-stream-thinking.sse: thought parts are chunks, the empty signature part is not", () => {
    expect(foldStream(geminiGenerate, "google/gemini-stream-thinking.sse")).toStrictEqual({
      id: "iCUhao2zJ-LHjuMP1vvH2Qk",
      model: "gemini-3.5-flash",
      finishReasons: ["STOP"],
      usage: { input: 11, output: 703 + 713, reasoning: 713, inputModalities: { text: 11 } },
      complete: true,
      chunks: 31,
    });
  });

  it("gemini-stream-function-calls.sse: one event with two function calls is one chunk", () => {
    expect(foldStream(geminiGenerate, "google/gemini-stream-function-calls.sse")).toStrictEqual({
      id: "l9cEarvcAfjC7_UPtZea-Aw",
      model: "gemini-2.0-flash",
      finishReasons: ["STOP"],
      usage: { input: 64, output: 11, inputModalities: { text: 64 }, outputModalities: { text: 11 } },
      complete: true,
      chunks: 1,
    });
  });

  it("vertex-stream-array-int-enums.json: a real Vertex JSON-array stream with numeric enums", () => {
    const expected = {
      id: "neNFaaLJOd68gLUP2eiwkQE",
      model: "gemini-2.5-flash",
      finishReasons: ["STOP"],
      usage: { input: 11, output: 16 + 232, reasoning: 232, inputModalities: { text: 11 }, outputModalities: { text: 16 } },
    };
    expect(foldPieces(geminiGenerate, [fixtureBytes("google/vertex-stream-array-int-enums.json")], "json-array")).toStrictEqual({ ...expected, complete: true, chunks: 1 });
    // Read whole (no framing), the array folds element by element.
    expect(foldJson(geminiGenerate, "google/vertex-stream-array-int-enums.json")).toStrictEqual(expected);
  });

  it("a blocked prompt: the block reason is the finish reason, not an error", () => {
    const expected = { model: "gemini-3.7-flash", finishReasons: ["PROHIBITED_CONTENT"], usage: { input: 9, inputModalities: { text: 9 } } };
    expect(foldJson(geminiGenerate, "google/prompt-blocked.json")).toStrictEqual({ ...expected, id: "EXCPaojyHaDUjMcP656rqAk" });
    expect(foldStream(geminiGenerate, "google/gemini-stream-prompt-blocked.sse")).toStrictEqual({ ...expected, id: "EXCPatOAKMrQjMcPteHVmQo", complete: true, chunks: 0 });
  });

  it("error bodies: the status is the type", () => {
    expect(foldJson(geminiGenerate, "google/error-400-invalid-argument.json")).toStrictEqual({
      finishReasons: [],
      usage: {},
      error: { type: "INVALID_ARGUMENT" },
    });
    expect(foldJson(geminiGenerate, "google/error-429-resource-exhausted.json")).toStrictEqual({
      finishReasons: [],
      usage: {},
      error: { type: "RESOURCE_EXHAUSTED" },
    });
  });
});

describe("geminiGenerate.event", () => {
  it("sums past the safe integers are not recorded (they would be exported as doubles)", () => {
    const facts = newResponseFacts();
    const big = 2 ** 53 - 1;
    feed(facts, {
      usageMetadata: {
        promptTokenCount: 3,
        candidatesTokenCount: big,
        thoughtsTokenCount: 1,
        promptTokensDetails: [
          { modality: "TEXT", tokenCount: big },
          { modality: "TEXT", tokenCount: 1 },
          { modality: "IMAGE", tokenCount: 2 },
        ],
      },
    });
    expect(facts.usage).toStrictEqual({ input: 3, reasoning: 1, inputModalities: { image: 2 } });
    // A modality whose sum is lost stays lost; one modality alone lost: no breakdown at all.
    const alone = newResponseFacts();
    feed(alone, { usageMetadata: { promptTokenCount: 3, promptTokensDetails: [{ modality: "TEXT", tokenCount: big }, { modality: "TEXT", tokenCount: 1 }, { modality: "TEXT", tokenCount: 1 }] } });
    expect(alone.usage).toStrictEqual({ input: 3 });
  });

  it("finish reasons by candidate index, SAFETY included; output only from non-empty parts", () => {
    const facts = newResponseFacts();
    const out = feed(
      facts,
      { candidates: [{ index: 1, content: { role: "model", parts: [{ text: "b" }] } }] },
      { candidates: [{ index: 1, content: { parts: [{ text: "" }] }, finishReason: "SAFETY", safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }] }] },
      { candidates: [{ index: 0, content: { parts: [{ functionCall: { name: "f", args: {} } }] }, finishReason: "MAX_TOKENS" }] },
      { candidates: [{ index: 0, content: { parts: [{ inlineData: { mimeType: "image/png", data: "iVBORw0K" } }] } }] },
    );
    expect(out).toEqual([true, false, true, true]);
    expect(facts.finishReasons).toEqual(["MAX_TOKENS", "SAFETY"]);
  });

  it("an error element ends a stream with its status; a later error does not replace it", () => {
    const facts = newResponseFacts();
    feed(facts, { candidates: [{ content: { parts: [{ text: "a" }] } }], usageMetadata: { promptTokenCount: 3, cachedContentTokenCount: 2 } });
    feed(facts, { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } }, { error: { code: 500, status: "INTERNAL" } });
    expect(facts).toStrictEqual({ finishReasons: [], usage: { input: 3, cacheRead: 2 }, error: { type: "UNAVAILABLE" }, complete: true });
    const noStatus = newResponseFacts();
    feed(noStatus, { error: { code: 429 } });
    expect(noStatus.error).toEqual({ type: "429" });
  });

  it("the cached part of the prompt by modality (cacheTokensDetails)", () => {
    const facts = newResponseFacts();
    feed(facts, { candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP", index: 0 }], usageMetadata: GEMINI_CACHED_USAGE, modelVersion: "gemini-2.5-flash" });
    expect(facts.usage).toStrictEqual({
      input: 326,
      output: 63 + 154,
      reasoning: 154,
      cacheRead: 173,
      inputModalities: { text: 68, image: 258 },
      cacheReadModalities: { image: 137, text: 36 },
    });
  });

  it("garbage events fold nothing", () => {
    const facts = newResponseFacts();
    expect(["", "[DONE]", "null", "[1]", '{"candidates":"x"}'].map((data) => geminiGenerate.event({ data }, facts))).toEqual([false, false, false, false, false]);
    expect(facts).toStrictEqual({ finishReasons: [], usage: {} });
  });
});

describe("geminiEmbed.json", () => {
  it("batch-embed-contents.json: the dimensions of the returned vector", () => {
    expect(foldJson(geminiEmbed, "google/batch-embed-contents.json")).toStrictEqual({ finishReasons: [], usage: {}, embeddingDimensions: 3072 });
  });

  it("embedContent's single embedding, usage when reported, errors", () => {
    const facts = newResponseFacts();
    geminiEmbed.json({ embedding: { values: [0.1, -0.2, 0.3] }, usageMetadata: { promptTokenCount: 12 } }, facts);
    expect(facts).toStrictEqual({ finishReasons: [], usage: { input: 12 }, embeddingDimensions: 3 });
    const failed = newResponseFacts();
    geminiEmbed.json(JSON.parse('{"error":{"code":400,"message":"* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\\n","status":"INVALID_ARGUMENT"}}'), failed);
    expect(failed.error?.type).toBe("INVALID_ARGUMENT");
  });
});

describe("detection", () => {
  const found = (url: string, body: Record<string, unknown> | undefined = { contents: [] }) => {
    const d = detect("POST", new URL(url), H, body, {});
    return d && { provider: d.provider, format: d.format.id };
  };
  const generate = geminiGenerate.id;

  it("Gemini API and Vertex hosts, every method and path shape", () => {
    expect(found(`${GEMINI}/v1beta/models/gemini-2.0-flash:generateContent`)).toEqual({ provider: "gcp.gemini", format: generate });
    expect(found(`${GEMINI}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`)).toEqual({ provider: "gcp.gemini", format: generate });
    expect(found(`${GEMINI}/v1beta/tunedModels/t-1:generateContent`)).toEqual({ provider: "gcp.gemini", format: generate });
    expect(found(`${GEMINI}/v1beta/models/gemini-embedding-001:embedContent`)).toEqual({ provider: "gcp.gemini", format: geminiEmbed.id });
    expect(found(`${GEMINI}/v1beta/models/gemini-embedding-001:batchEmbedContents`)).toEqual({ provider: "gcp.gemini", format: geminiEmbed.id });
    expect(found(`${VERTEX}/publishers/google/models/gemini-2.5-flash:streamGenerateContent`)).toEqual({ provider: "gcp.vertex_ai", format: generate });
    expect(found("https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent")).toEqual({
      provider: "gcp.vertex_ai",
      format: generate,
    });
  });

  it("not other Vertex publishers, other methods, or GETs", () => {
    expect(found(`${VERTEX}/publishers/anthropic/models/claude-sonnet-4:streamGenerateContent`)).toBeUndefined();
    expect(found(`${VERTEX}/publishers/meta/models/llama:generateContent`)).toBeUndefined();
    expect(found(`${VERTEX}/publishers/google/models/text-embedding-005:predict`)).toBeUndefined();
    expect(found(`${GEMINI}/v1beta/models/gemini-2.0-flash:countTokens`)).toBeUndefined();
    expect(detect("GET", new URL(`${GEMINI}/v1beta/models/gemini-2.0-flash:generateContent`), H, undefined, {})).toBeUndefined();
  });

  it("an unknown host only with a Gemini-shaped body, as gcp.gen_ai", () => {
    expect(found("https://llm-proxy.internal/v1beta/models/gemini-2.0-flash:generateContent")).toEqual({ provider: "gcp.gen_ai", format: generate });
    expect(found("https://llm-proxy.internal/v1beta/models/gemini-2.0-flash:generateContent", { messages: [] })).toBeUndefined();
    expect(found("https://llm-proxy.internal/v1beta/models/e:embedContent", { content: { parts: [] } })).toEqual({ provider: "gcp.gen_ai", format: geminiEmbed.id });
  });
});
