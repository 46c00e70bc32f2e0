import { describe, expect, it } from "vitest";
import { openaiEmbeddings } from "../../src/genai/openai-embeddings.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldJson } from "./helpers.js";

const URL_ = new URL("https://api.openai.com/v1/embeddings");
const HEADERS = new Headers();

describe("openaiEmbeddings", () => {
  it("maps the request", () => {
    expect(
      openaiEmbeddings.request(
        { model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "base64", dimensions: 256 },
        URL_,
        HEADERS,
      ),
    ).toStrictEqual({
      operation: "embeddings",
      model: "text-embedding-3-small",
      encodingFormats: ["base64"],
      embeddingDimensions: 256,
    });
    // The default encoding (float) is not recorded when the request does not send it.
    expect(openaiEmbeddings.request({ model: "m", input: "a" }, URL_, HEADERS)).toStrictEqual({ operation: "embeddings", model: "m" });
    expect(openaiEmbeddings.request(undefined, URL_, HEADERS)).toStrictEqual({ operation: "embeddings" });
  });

  it("embeddings-base64.json: dimensions from the base64 float32 payload", () => {
    expect(foldJson(openaiEmbeddings, "openai/embeddings-base64.json")).toEqual({
      model: "text-embedding-ada-002",
      finishReasons: [],
      usage: { input: 8 },
      embeddingDimensions: 1536,
    });
  });

  it("dimensions from a float array, padded base64, and an error body", () => {
    const facts = newResponseFacts();
    openaiEmbeddings.json({ model: "m", data: [{ embedding: [0.1, 0.2, 0.3] }], usage: { prompt_tokens: 2 } }, facts);
    expect(facts).toEqual({ model: "m", finishReasons: [], usage: { input: 2 }, embeddingDimensions: 3 });
    // Five float32 values = 20 bytes = 28 base64 characters ending in one '=' of padding.
    const b64 = newResponseFacts();
    openaiEmbeddings.json({ data: [{ embedding: btoa(String.fromCharCode(...new Uint8Array(20))) }] }, b64);
    expect(b64.embeddingDimensions).toBe(5);
    const err = newResponseFacts();
    openaiEmbeddings.json({ error: { message: "bad", type: "invalid_request_error", code: null } }, err);
    expect(err.error).toEqual({ type: "invalid_request_error" });
    openaiEmbeddings.json({ data: [] }, err);
    openaiEmbeddings.json(null, err);
    expect(openaiEmbeddings.event({ data: "{}" }, err)).toBe(false);
  });

  it("ignores a negative token count and dimension request", () => {
    const facts = newResponseFacts();
    openaiEmbeddings.json({ model: "e", usage: { prompt_tokens: -8 }, data: [] }, facts);
    expect(facts).toEqual({ model: "e", finishReasons: [], usage: {} });
    expect(openaiEmbeddings.request({ model: "e", dimensions: -5 }, new URL("https://api.openai.com/v1/embeddings"), HEADERS)).toStrictEqual({ operation: "embeddings", model: "e" });
  });
});
