/**
 * Gemini and Vertex AI end to end: @google/genai and the AI SDK's Google provider in workerd,
 * calling generativelanguage.googleapis.com and us-central1-aiplatform.googleapis.com, answered
 * from recorded fixtures (test/support/outbound.ts). Each call: the SDK result and the request
 * the provider received are the bare Worker's, and the GenAI span carries the fixture's values.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Attrs, expectProviderCall, fixtureEvents, KEYS, PROMPT, type ProvidersHarness, runProvider, SYSTEM, startProviders } from "./providers-helpers.js";

let h: ProvidersHarness;
beforeAll(async () => {
  h = await startProviders("google");
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const GEMINI = "https://generativelanguage.googleapis.com";
const VERTEX = "https://us-central1-aiplatform.googleapis.com";

/** The response attributes a Gemini fixture must produce: usage and ids from its last event, output chunks counted for streams. */
function geminiResponse(fixture: string, stream: boolean): Attrs {
  const events = fixtureEvents(fixture);
  const last = events.at(-1);
  const u = last.usageMetadata;
  const out: Attrs = {
    "gen_ai.response.id": last.responseId,
    "gen_ai.response.model": last.modelVersion,
    "gen_ai.usage.input_tokens": u.promptTokenCount,
    // Thoughts are output tokens too (billed as output), counted apart by the API.
    "gen_ai.usage.output_tokens": u.candidatesTokenCount + (u.thoughtsTokenCount ?? 0),
    "gen_ai.response.finish_reasons": events.flatMap((e) => (e.candidates ?? []).map((c: any) => c.finishReason).filter(Boolean)),
  };
  if (u.thoughtsTokenCount !== undefined) out["gen_ai.usage.reasoning.output_tokens"] = u.thoughtsTokenCount;
  if (u.cachedContentTokenCount !== undefined) out["gen_ai.usage.cache_read.input_tokens"] = u.cachedContentTokenCount;
  if (stream) {
    const parts = (e: any) => (e.candidates ?? []).flatMap((c: any) => c.content?.parts ?? []);
    out["otel_genai_edge.stream.chunks"] = events.filter((e) => parts(e).some((p: any) => p.text || p.functionCall)).length;
  }
  return out;
}

const CONFIG = { temperature: 0.2, maxOutputTokens: 256, topP: 0.9 };
const CONFIG_ATTRIBUTES = { "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 256, "gen_ai.request.top_p": 0.9 };

describe("@google/genai, Gemini API (x-goog-api-key)", () => {
  it("generateContent", async () => {
    const fixture = "google/gemini-generate-content.json";
    const model = "gemini-2.5-flash";
    const c = await runProvider(h, { via: "gemini.generate", model, prompt: PROMPT, system: SYSTEM, params: CONFIG }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.gemini",
      model,
      url: `${GEMINI}/v1/models/${model}:generateContent`,
      request: CONFIG_ATTRIBUTES,
      response: geminiResponse(fixture, false),
    });
  });

  for (const fixture of ["google/gemini-stream-text.sse", "google/gemini-stream-thinking.sse", "google/gemini-stream-function-calls.sse"]) {
    it(`generateContentStream: ${fixture}`, async () => {
      const model = fixtureEvents(fixture)[0].modelVersion as string;
      const c = await runProvider(h, { via: "gemini.stream", model, prompt: PROMPT, system: SYSTEM }, { fixture });
      expectProviderCall(c, {
        operation: "generate_content",
        provider: "gcp.gemini",
        model,
        stream: true,
        url: `${GEMINI}/v1/models/${model}:streamGenerateContent?alt=sse`,
        response: geminiResponse(fixture, true),
      });
    });
  }
});

describe("@google/genai, Vertex AI (express mode: the web build has no project credentials)", () => {
  it("generateContent at the regional host", async () => {
    const fixture = "google/gemini-generate-content.json";
    const model = "gemini-2.5-flash";
    const c = await runProvider(h, { via: "vertex.generate", model, prompt: PROMPT, system: SYSTEM }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.vertex_ai",
      model,
      url: `${VERTEX}/v1beta1/publishers/google/models/${model}:generateContent`,
      response: geminiResponse(fixture, false),
    });
  });

  it("generateContentStream at the regional host", async () => {
    const fixture = "google/gemini-stream-text.sse";
    const model = "gemini-2.0-flash";
    const c = await runProvider(h, { via: "vertex.stream", model, prompt: PROMPT, system: SYSTEM }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.vertex_ai",
      model,
      stream: true,
      url: `${VERTEX}/v1beta1/publishers/google/models/${model}:streamGenerateContent?alt=sse`,
      response: geminiResponse(fixture, true),
    });
  });
});

describe("plain fetch", () => {
  it("Vertex AI with a bearer token, project path, regional host", async () => {
    const fixture = "google/gemini-stream-text.sse";
    const model = "gemini-2.0-flash";
    const url = `${VERTEX}/v1/projects/e2e-project/locations/us-central1/publishers/google/models/${model}:streamGenerateContent?alt=sse`;
    const body = { contents: [{ role: "user", parts: [{ text: PROMPT }] }], generationConfig: { temperature: 0.2, maxOutputTokens: 256 } };
    const c = await runProvider(h, { via: "fetch", model, prompt: PROMPT, url, body, headers: { authorization: `Bearer ${KEYS.GEMINI_KEY}` } }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.vertex_ai",
      model,
      stream: true,
      url,
      request: { "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 256 },
      response: geminiResponse(fixture, true),
    });
  });

  it("Gemini with the key in the query (?key=): redacted in url.full", async () => {
    const fixture = "google/gemini-generate-content.json";
    const model = "gemini-2.5-flash";
    const path = `/v1beta/models/${model}:generateContent`;
    const body = { contents: [{ role: "user", parts: [{ text: PROMPT }] }] };
    const c = await runProvider(h, { via: "fetch", model, prompt: PROMPT, url: `${GEMINI}${path}?key=${KEYS.GEMINI_KEY}`, body }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.gemini",
      model,
      url: `${GEMINI}${path}?key=REDACTED`,
      response: geminiResponse(fixture, false),
    });
  });
});

describe("AI SDK, @ai-sdk/google", () => {
  it("generateText", async () => {
    const fixture = "google/gemini-generate-content.json";
    const model = "gemini-2.5-flash";
    const c = await runProvider(h, { via: "ai.google", model, prompt: PROMPT, system: SYSTEM, params: { temperature: 0.2, maxOutputTokens: 256 } }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.gemini",
      model,
      url: `${GEMINI}/v1beta/models/${model}:generateContent`,
      request: { "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 256 },
      response: geminiResponse(fixture, false),
    });
  });

  it("embed (the AI SDK makes this call outside its call span's context)", async () => {
    const fixture = "google/embed-content.json";
    const model = "gemini-embedding-001";
    const c = await runProvider(h, { via: "ai.google.embed", model, prompt: PROMPT }, { fixture });
    expectProviderCall(c, {
      operation: "embeddings",
      provider: "gcp.gemini",
      model,
      url: `${GEMINI}/v1beta/models/${model}:embedContent`,
      response: { "gen_ai.embeddings.dimension.count": fixtureEvents(fixture)[0].embedding.values.length },
    });
  });

  it("streamText", async () => {
    const fixture = "google/gemini-stream-text.sse";
    const model = "gemini-2.0-flash";
    const c = await runProvider(h, { via: "ai.google", model, prompt: PROMPT, system: SYSTEM, stream: true }, { fixture });
    expectProviderCall(c, {
      operation: "generate_content",
      provider: "gcp.gemini",
      model,
      stream: true,
      url: `${GEMINI}/v1beta/models/${model}:streamGenerateContent?alt=sse`,
      response: geminiResponse(fixture, true),
    });
  });
});
