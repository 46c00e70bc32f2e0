/**
 * OpenAI Responses API and Anthropic Messages, end to end in workerd: the official `openai`
 * and `@anthropic-ai/sdk` clients, the AI SDK (`@ai-sdk/openai` Responses model and
 * `@ai-sdk/anthropic`) and plain fetch, each call repeated through the bare Worker. Also the
 * `latest` semantic-convention profile (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureBytes } from "../support/replay.js";
import {
  API_KEY,
  type Attrs,
  base,
  dataEvents,
  expectGenaiSpan,
  expectNoSecrets,
  expectSameAsBare,
  type Harness,
  httpAttributes,
  PROMPT,
  QUOTA_MESSAGE,
  RESPONSE,
  runCall,
  SCHEMA_LATEST,
  SCHEMA_V141,
  SYSTEM,
  startHarness,
  v141,
} from "./genai-helpers.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    default: () => ({}),
    latest: () => ({ OTEL_SEMCONV_STABILITY_OPT_IN: "http,gen_ai_latest_experimental" }),
    keepSdk: () => ({ SDK_SPANS: "keep", OTEL_SERVICE_NAME: "keep-sdk-spans" }),
  });
});

afterAll(async () => {
  await h?.close();
});

const RESPONSES = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "openai.api.type": "responses" };
const ANTHROPIC = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic" };
const userOnly = [{ role: "user", content: PROMPT }];

interface Case {
  fixture: string;
  status?: number;
  gapMs?: number;
  body: Record<string, unknown>;
  name: string;
  /** Request-side GenAI attributes the body must give. */
  request: Attrs;
  /** Response-side attributes when they differ from RESPONSE[fixture]. */
  response?: Attrs;
  errorMessage?: string;
  /** Expected SDK error (name prefix, status). */
  sdkError?: { name: string; status?: number };
}

const searchRecipes = {
  type: "function",
  name: "search_recipes",
  description: "Search and browse recipes in the database.",
  parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"], additionalProperties: false },
  strict: true,
};

const responsesCases: Case[] = [
  {
    fixture: "openai-responses/responses-stream-text.sse",
    body: {
      model: "gpt-4o-mini",
      instructions: SYSTEM,
      input: PROMPT,
      stream: true,
      max_output_tokens: 256,
      temperature: 0.4,
      top_p: 0.95,
      previous_response_id: "resp_previous_0001",
      text: { format: { type: "text" } },
    },
    name: "chat gpt-4o-mini",
    request: {
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.stream": true,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.request.temperature": 0.4,
      "gen_ai.request.top_p": 0.95,
      "gen_ai.request.previous_response.id": "resp_previous_0001",
      "gen_ai.output.type": "text",
    },
  },
  {
    fixture: "openai-responses/responses-stream-function-call.sse",
    body: { model: "gpt-4o", input: PROMPT, stream: true, tools: [searchRecipes], service_tier: "priority" },
    name: "chat gpt-4o",
    request: { "gen_ai.request.model": "gpt-4o", "gen_ai.request.stream": true, "openai.request.service_tier": "priority" },
  },
  {
    // The SDK throws on the `error` event and cancels the body, so `response.failed` is never
    // read (50 ms between events keeps that deterministic): the error, no finish reason.
    fixture: "openai-responses/responses-stream-error-insufficient-quota.sse",
    gapMs: 50,
    body: { model: "gpt-5-nano", input: PROMPT, stream: true, reasoning: { effort: "minimal" } },
    name: "chat gpt-5-nano",
    request: { "gen_ai.request.model": "gpt-5-nano", "gen_ai.request.stream": true, "gen_ai.request.reasoning.level": "minimal" },
    response: {
      "gen_ai.response.id": "resp_05500b38c2cd9bfc00691c7c9d222481a3b595421266dab424",
      "gen_ai.response.model": "gpt-5-nano-2025-08-07",
      "openai.response.service_tier": "auto",
      "otel_genai_edge.stream.chunks": 0,
      "otel_genai_edge.stream.outcome": "cancelled",
      "error.type": "insufficient_quota",
    },
    errorMessage: QUOTA_MESSAGE,
    sdkError: { name: "APIError" },
  },
  {
    fixture: "openai-responses/error-insufficient-quota.json",
    status: 429,
    body: { model: "gpt-4o-mini", input: PROMPT },
    name: "chat gpt-4o-mini",
    request: { "gen_ai.request.model": "gpt-4o-mini" },
    errorMessage: "HTTP 429",
    sdkError: { name: "RateLimitError", status: 429 },
  },
  {
    fixture: "openai-responses/responses-nonstream.json",
    body: {
      model: "gpt-4o-mini",
      instructions: SYSTEM,
      input: PROMPT,
      max_output_tokens: 100,
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object", properties: { a: { type: "string" } } } } },
    },
    name: "chat gpt-4o-mini",
    request: { "gen_ai.request.model": "gpt-4o-mini", "gen_ai.request.max_tokens": 100, "gen_ai.output.type": "json" },
  },
];

const weatherTool = {
  name: "get_weather",
  description: "Current weather",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

const anthropicCases: Case[] = [
  {
    fixture: "anthropic/messages-stream-text.sse",
    body: {
      model: "claude-3-opus-20240229",
      max_tokens: 1024,
      system: SYSTEM,
      messages: userOnly,
      stream: true,
      temperature: 0.7,
      top_k: 40,
      top_p: 0.9,
      stop_sequences: ["\n\nHuman:"],
    },
    name: "chat claude-3-opus-20240229",
    request: {
      "gen_ai.request.model": "claude-3-opus-20240229",
      "gen_ai.request.stream": true,
      "gen_ai.request.max_tokens": 1024,
      "gen_ai.request.temperature": 0.7,
      "gen_ai.request.top_k": 40,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.stop_sequences": ["\n\nHuman:"],
    },
  },
  {
    fixture: "anthropic/messages-stream-tool-use.sse",
    body: { model: "claude-3-5-sonnet-20240620", max_tokens: 1024, messages: userOnly, stream: true, tools: [weatherTool] },
    name: "chat claude-3-5-sonnet-20240620",
    request: { "gen_ai.request.model": "claude-3-5-sonnet-20240620", "gen_ai.request.stream": true, "gen_ai.request.max_tokens": 1024 },
  },
  {
    fixture: "anthropic/messages-stream-thinking.sse",
    body: {
      model: "claude-sonnet-4-6",
      max_tokens: 2048,
      messages: userOnly,
      stream: true,
      thinking: { type: "enabled", budget_tokens: 1024 },
      output_config: { effort: "high" },
    },
    name: "chat claude-sonnet-4-6",
    request: {
      "gen_ai.request.model": "claude-sonnet-4-6",
      "gen_ai.request.stream": true,
      "gen_ai.request.max_tokens": 2048,
      "gen_ai.request.reasoning.level": "high",
    },
  },
  {
    fixture: "anthropic/messages-nonstream.json",
    body: { model: "claude-3-opus-20240229", max_tokens: 500, system: SYSTEM, messages: userOnly, temperature: 0 },
    name: "chat claude-3-opus-20240229",
    request: { "gen_ai.request.model": "claude-3-opus-20240229", "gen_ai.request.max_tokens": 500, "gen_ai.request.temperature": 0 },
  },
  {
    fixture: "anthropic/messages-nonstream-thinking.json",
    body: { model: "claude-opus-4-1-20250805", max_tokens: 4000, messages: userOnly, thinking: { type: "enabled", budget_tokens: 2000 } },
    name: "chat claude-opus-4-1-20250805",
    request: { "gen_ai.request.model": "claude-opus-4-1-20250805", "gen_ai.request.max_tokens": 4000 },
  },
];

/** What the SDKs yield: every event (the Anthropic SDK drops `ping`). */
function sdkItems(fixture: string): number {
  return dataEvents(fixture, fixture.startsWith("anthropic/") ? ["ping"] : []);
}

describe("official openai client: responses.create", () => {
  for (const c of responsesCases) {
    it(`${c.fixture}${c.status ? ` (HTTP ${c.status})` : ""}`, async () => {
      const status = c.status ?? 200;
      const b = base(h, c.fixture, { status, gapMs: c.gapMs });
      const r = await runCall(h, { via: "openai.responses", base: b, body: c.body });
      expectGenaiSpan(r, {
        name: c.name,
        attributes: v141({ ...RESPONSES, ...c.request, ...(c.response ?? RESPONSE[c.fixture]), ...httpAttributes(h, b, "/v1/responses", status) }),
        errorMessage: c.errorMessage,
      });
      expectSameAsBare(r);
      expectNoSecrets(r.exported, [c.fixture]);
      expect(r.tracedRequest.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(r.clients[0].scope.schemaUrl).toBe(SCHEMA_V141);
      if (c.sdkError) {
        expect(r.traced.json.ok).toBe(false);
        // The bundler may rename classes (`_APIError`, `RateLimitError2`).
        expect(r.traced.json.error.name).toContain(c.sdkError.name);
        if (c.sdkError.status) expect(r.traced.json.error.status).toBe(c.sdkError.status);
      } else {
        expect(r.traced.json.ok).toBe(true);
        if (c.body.stream) expect(r.traced.json.result).toHaveLength(sdkItems(c.fixture));
      }
    });
  }
});

describe("official @anthropic-ai/sdk client: messages.create", () => {
  for (const c of anthropicCases) {
    it(c.fixture, async () => {
      const b = base(h, c.fixture);
      const r = await runCall(h, { via: "anthropic.messages", base: b, body: c.body });
      // The SDK traces its own call through @opentelemetry/api: our GenAI span is its child.
      expectGenaiSpan(r, {
        name: c.name,
        attributes: v141({ ...ANTHROPIC, ...c.request, ...RESPONSE[c.fixture], ...httpAttributes(h, b, "/v1/messages", 200) }),
        replacesSdkSpan: "anthropic.messages.create",
      });
      expectSameAsBare(r);
      expectNoSecrets(r.exported, [c.fixture]);
      // This SDK version sends the API key as a bearer token.
      expect(r.tracedRequest.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(r.traced.json.ok).toBe(true);
      if (c.body.stream) expect(r.traced.json.result).toHaveLength(sdkItems(c.fixture));
      else expect(r.traced.json.result.id).toBe(RESPONSE[c.fixture]["gen_ai.response.id"]);
    });
  }
});

describe("AI SDK: @ai-sdk/openai (Responses model) and @ai-sdk/anthropic", () => {
  it("streamText, OpenAI Responses: openai-responses/responses-stream-text.sse", async () => {
    const fixture = "openai-responses/responses-stream-text.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "ai.openai.responses",
      stream: true,
      base: b,
      body: { model: "gpt-4o-mini", system: SYSTEM, prompt: PROMPT, temperature: 0.3, maxOutputTokens: 300 },
    });
    expectGenaiSpan(r, {
      name: "chat gpt-4o-mini",
      attributes: {
        ...RESPONSES,
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.stream": true,
        "gen_ai.request.temperature": 0.3,
        "gen_ai.request.max_tokens": 300,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/responses", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
    expect(r.traced.json.result.usage).toMatchObject({ inputTokens: 13, outputTokens: 104 });
  });

  it("generateText, OpenAI Responses: openai-responses/responses-nonstream.json", async () => {
    const fixture = "openai-responses/responses-nonstream.json";
    const b = base(h, fixture);
    const r = await runCall(h, { via: "ai.openai.responses", stream: false, base: b, body: { model: "gpt-4o-mini", prompt: PROMPT, topP: 0.8 } });
    expectGenaiSpan(r, {
      name: "chat gpt-4o-mini",
      attributes: {
        ...RESPONSES,
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.top_p": 0.8,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/responses", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
  });

  it("streamText, Anthropic: anthropic/messages-stream-text.sse", async () => {
    const fixture = "anthropic/messages-stream-text.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "ai.anthropic",
      stream: true,
      base: b,
      body: { model: "claude-3-opus-20240229", system: SYSTEM, prompt: PROMPT, temperature: 0.3, maxOutputTokens: 100 },
    });
    expectGenaiSpan(r, {
      name: "chat claude-3-opus-20240229",
      attributes: {
        ...ANTHROPIC,
        "gen_ai.request.model": "claude-3-opus-20240229",
        "gen_ai.request.stream": true,
        "gen_ai.request.temperature": 0.3,
        "gen_ai.request.max_tokens": 100,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/messages", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
    expect(r.traced.json.result.finishReason).toBe("stop");
  });

  it("generateText, Anthropic: anthropic/messages-nonstream.json", async () => {
    const fixture = "anthropic/messages-nonstream.json";
    const b = base(h, fixture);
    const r = await runCall(h, { via: "ai.anthropic", stream: false, base: b, body: { model: "claude-3-opus-20240229", prompt: PROMPT, topK: 5 } });
    expectGenaiSpan(r, {
      name: "chat claude-3-opus-20240229",
      attributes: {
        ...ANTHROPIC,
        "gen_ai.request.model": "claude-3-opus-20240229",
        // The AI SDK's default for this model.
        "gen_ai.request.max_tokens": 4096,
        "gen_ai.request.top_k": 5,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/messages", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
  });
});

describe("plain fetch", () => {
  it("an Anthropic stream passes through byte for byte; x-api-key is sent, never recorded", async () => {
    const fixture = "anthropic/messages-stream-tool-use.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "fetch",
      base: b,
      path: "/v1/messages",
      headers: { "x-api-key": API_KEY, "anthropic-version": "2023-06-01" },
      body: { model: "claude-3-5-sonnet-20240620", max_tokens: 64, messages: userOnly, stream: true, tools: [weatherTool] },
      passThrough: true,
    });
    expect(new TextEncoder().encode(r.traced.text)).toEqual(fixtureBytes(fixture));
    expectGenaiSpan(r, {
      name: "chat claude-3-5-sonnet-20240620",
      attributes: {
        ...ANTHROPIC,
        "gen_ai.request.model": "claude-3-5-sonnet-20240620",
        "gen_ai.request.stream": true,
        "gen_ai.request.max_tokens": 64,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/messages", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
  });

  it("a Responses stream that fails mid-way, read to the end: the provider's error and the failed status", async () => {
    const fixture = "openai-responses/responses-stream-error-insufficient-quota.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "fetch",
      base: b,
      path: "/v1/responses",
      headers: { authorization: `Bearer ${API_KEY}` },
      body: { model: "gpt-5-nano", input: PROMPT, stream: true },
      passThrough: true,
    });
    expect(new TextEncoder().encode(r.traced.text)).toEqual(fixtureBytes(fixture));
    expectGenaiSpan(r, {
      name: "chat gpt-5-nano",
      attributes: {
        ...RESPONSES,
        "gen_ai.request.model": "gpt-5-nano",
        "gen_ai.request.stream": true,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/responses", 200),
      },
      errorMessage: QUOTA_MESSAGE,
    });
    expectSameAsBare(r);
  });
});

describe("an SDK's own GenAI span, kept (sdkSpans: \"keep\")", () => {
  const fixture = "anthropic/messages-stream-text.sse";
  const c = anthropicCases.find((x) => x.fixture === fixture)!;

  it("the SDK's span is the one GenAI span; ours is its plain HTTP attempt; the call is counted once", async () => {
    const b = base(h, fixture);
    const r = await runCall(h, { via: "anthropic.messages", base: b, body: c.body }, { variant: "keepSdk" });
    const genai = r.spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined);
    expect(genai.map((s) => s.name)).toEqual(["anthropic.messages.create"]);
    expect(genai[0].scope.name).toBe("com.anthropic.sdk.typescript");
    expect(genai[0].parentSpanId).toBe(r.server.spanId);
    expect(r.clients).toHaveLength(1);
    const [attempt] = r.clients;
    expect(attempt.name).toBe("POST");
    expect(attempt.parentSpanId).toBe(genai[0].spanId);
    expect(attempt.attributes).toEqual(httpAttributes(h, b, "/v1/messages", 200));
    expect(r.tracedRequest.headers.traceparent).toBe(`00-${r.traceId}-${attempt.spanId}-01`);
    expectSameAsBare(r);
    // Metrics still come from our reading of the stream, once: the fixture's tokens, one call.
    await h.collector.waitFor((q) => q.path === "/v1/metrics" && q.text.includes("keep-sdk-spans"), 15000);
    const usage = h.collector
      .metrics()
      .filter((m) => m.resource["service.name"] === "keep-sdk-spans" && m.name === "gen_ai.client.token.usage")
      .flatMap((m) => m.points);
    const sums = Object.fromEntries(usage.map((p) => [String(p.attributes["gen_ai.token.type"]), [p.count, p.sum]]));
    const input = RESPONSE[fixture]["gen_ai.usage.input_tokens"];
    const output = RESPONSE[fixture]["gen_ai.usage.output_tokens"];
    expect(sums).toEqual({ input: [1, input], output: [1, output] });
  });
});

describe("semantic-convention profiles", () => {
  const fixture = "anthropic/messages-stream-thinking.sse";
  const body = anthropicCases.find((c) => c.fixture === fixture)!.body;
  const request = anthropicCases.find((c) => c.fixture === fixture)!.request;

  it("latest: cache_write instead of cache_creation, and the gen-ai schema URL", async () => {
    const b = base(h, fixture);
    const r = await runCall(h, { via: "anthropic.messages", base: b, body }, { variant: "latest" });
    const { "gen_ai.usage.cache_creation.input_tokens": cacheCreation, ...rest } = RESPONSE[fixture];
    expect(cacheCreation).toBe(0);
    const span = expectGenaiSpan(r, {
      name: "chat claude-sonnet-4-6",
      attributes: {
        ...ANTHROPIC,
        ...request,
        ...rest,
        "gen_ai.usage.cache_write.input_tokens": 0,
        ...httpAttributes(h, b, "/v1/messages", 200),
      },
      replacesSdkSpan: "anthropic.messages.create",
    });
    expect(span.scope.schemaUrl).toBe(SCHEMA_LATEST);
    expect(r.server.scope.schemaUrl).toBe(SCHEMA_LATEST);
    expectSameAsBare(r);
  });

  it("v1.41 (default): cache_creation and the 1.41.0 schema URL", async () => {
    const b = base(h, fixture);
    const r = await runCall(h, { via: "anthropic.messages", base: b, body }, { bare: false });
    const span = expectGenaiSpan(r, {
      name: "chat claude-sonnet-4-6",
      attributes: v141({ ...ANTHROPIC, ...request, ...RESPONSE[fixture], ...httpAttributes(h, b, "/v1/messages", 200) }),
      replacesSdkSpan: "anthropic.messages.create",
    });
    expect(span.attributes["gen_ai.usage.cache_write.input_tokens"]).toBeUndefined();
    expect(span.scope.schemaUrl).toBe(SCHEMA_V141);
  });
});

describe("nothing secret anywhere", () => {
  it("no exported request (traces or metrics) holds the key, the prompt or generated content", () => {
    const all = h.collector.requests.map((r) => r.text).join("\n");
    expect(h.collector.requests.some((r) => r.path.endsWith("/v1/traces"))).toBe(true);
    expectNoSecrets(all, [...responsesCases.map((c) => c.fixture), ...anthropicCases.map((c) => c.fixture)]);
  });
});
