/**
 * OpenAI Chat Completions and Embeddings, end to end in workerd: the official `openai` client
 * (also as AzureOpenAI), the AI SDK's OpenAI chat model and plain fetch call the replay server
 * from an instrumented Worker; each call is repeated through the bare Worker. We assert the
 * exported GenAI span exactly, that the SDK got the same result and the server the same request,
 * that the traceparent names the span, and that no key or content is exported. Also: the
 * opt-in `addStreamUsage`, a custom host → provider mapping, and plain HTTP calls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureBytes } from "../support/replay.js";
import {
  API_KEY,
  type Attrs,
  base,
  type CallRun,
  dataEvents,
  expectGenaiSpan,
  expectNoSecrets,
  expectSameAsBare,
  type Harness,
  httpAttributes,
  messages,
  PROMPT,
  RESPONSE,
  runCall,
  SCHEMA_V141,
  SYSTEM,
  startHarness,
  v141,
} from "./genai-helpers.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    default: () => ({}),
    usage: () => ({ ADD_STREAM_USAGE: "1" }),
    groq: (replay) => ({ PROVIDERS: JSON.stringify({ [new URL(replay.url).host]: "groq" }) }),
  });
});

afterAll(async () => {
  await h?.close();
});

const CHAT = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "openai.api.type": "chat_completions" };

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

interface OpenAICase {
  fixture: string;
  status?: number;
  body: Record<string, unknown>;
  /** Request-side GenAI attributes the body must give. */
  request: Attrs;
  name: string;
  errorMessage?: string;
}

const chatCases: OpenAICase[] = [
  {
    fixture: "openai/chat-stream-include-usage.sse",
    body: {
      model: "gpt-4o-mini",
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 64,
      seed: 42,
      stop: ["END"],
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
    },
    name: "chat gpt-4o-mini",
    request: {
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.stream": true,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.max_tokens": 64,
      "gen_ai.request.seed": 42,
      "gen_ai.request.stop_sequences": ["END"],
      "gen_ai.request.frequency_penalty": 0.5,
      "gen_ai.request.presence_penalty": -0.5,
    },
  },
  {
    fixture: "openai/chat-stream-parallel-tool-calls.sse",
    body: { model: "gpt-4o-mini", messages, stream: true, tools: [weatherTool], parallel_tool_calls: true, service_tier: "flex" },
    name: "chat gpt-4o-mini",
    request: {
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.stream": true,
      "openai.request.service_tier": "flex",
    },
  },
  {
    fixture: "openai/chat-stream-tool-call-include-usage.sse",
    body: {
      model: "gpt-4o-mini",
      messages,
      stream: true,
      stream_options: { include_usage: true },
      tools: [weatherTool],
      tool_choice: "required",
      max_tokens: 100,
      service_tier: "auto",
    },
    name: "chat gpt-4o-mini",
    request: { "gen_ai.request.model": "gpt-4o-mini", "gen_ai.request.stream": true, "gen_ai.request.max_tokens": 100 },
  },
  {
    fixture: "openai/chat-stream-n2-multiple-choices.sse",
    body: { model: "gpt-4o-mini", messages, stream: true, n: 2, temperature: 1 },
    name: "chat gpt-4o-mini",
    request: {
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.stream": true,
      "gen_ai.request.choice.count": 2,
      "gen_ai.request.temperature": 1,
    },
  },
  {
    fixture: "openai/chat-nonstream.json",
    body: { model: "gpt-3.5-turbo", messages, response_format: { type: "json_object" }, temperature: 0.7, n: 1 },
    name: "chat gpt-3.5-turbo",
    request: { "gen_ai.request.model": "gpt-3.5-turbo", "gen_ai.output.type": "json", "gen_ai.request.temperature": 0.7 },
  },
  {
    fixture: "openai/chat-nonstream-tool-calls.json",
    body: { model: "gpt-4o-mini", messages, tools: [weatherTool], reasoning_effort: "low", stream: false },
    name: "chat gpt-4o-mini",
    request: { "gen_ai.request.model": "gpt-4o-mini", "gen_ai.request.reasoning.level": "low" },
  },
  {
    fixture: "openai/error-400-invalid-image-url.json",
    status: 400,
    body: {
      model: "gpt-4o",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: PROMPT },
            { type: "image_url", image_url: { url: "https://source.unsplash.com/8xznAGy4HcY/800x400" } },
          ],
        },
      ],
      max_tokens: 300,
    },
    name: "chat gpt-4o",
    request: { "gen_ai.request.model": "gpt-4o", "gen_ai.request.max_tokens": 300 },
    errorMessage: "HTTP 400",
  },
];

async function viaSdk(c: OpenAICase, via: "openai.chat" | "openai.embeddings", subPath: string, provider: Attrs = CHAT): Promise<CallRun> {
  const status = c.status ?? 200;
  const b = base(h, c.fixture, { status });
  const r = await runCall(h, { via, base: b, body: c.body });
  expectGenaiSpan(r, {
    name: c.name,
    attributes: v141({ ...provider, ...c.request, ...RESPONSE[c.fixture], ...httpAttributes(h, b, subPath, status) }),
    errorMessage: c.errorMessage,
  });
  expectSameAsBare(r);
  expectNoSecrets(r.exported, [c.fixture]);
  expect(r.tracedRequest.headers.authorization).toBe(`Bearer ${API_KEY}`);
  return r;
}

describe("official openai client: chat.completions.create", () => {
  for (const c of chatCases) {
    it(`${c.fixture}${c.status ? ` (HTTP ${c.status})` : ""}`, async () => {
      const r = await viaSdk(c, "openai.chat", "/v1/chat/completions");
      if (c.status) {
        expect(r.traced.json.ok).toBe(false);
        expect(r.traced.json.error).toMatchObject({
          name: expect.stringMatching(/^BadRequestError/), // the bundler may suffix class names
          status: 400,
          code: "invalid_image_url",
        });
      } else {
        expect(r.traced.json.ok).toBe(true);
      }
      if (c.body.stream) {
        // The SDK got every event (it stops at [DONE] and cancels the body: still a completed call).
        expect(r.traced.json.result).toHaveLength(dataEvents(c.fixture));
        expect(r.clients[0].attributes["otel_genai_edge.stream.outcome"]).toBeUndefined();
      }
      expect(r.clients[0].resource["service.name"]).toBe("genai-e2e-default");
      expect(r.clients[0].scope.schemaUrl).toBe(SCHEMA_V141);
    });
  }

  it("a consumer that breaks out of the SDK stream after the first chunk ends the span as cancelled", async () => {
    const fixture = "openai/chat-stream-include-usage.sse";
    const b = base(h, fixture, { gapMs: 20 });
    const r = await runCall(h, { via: "openai.chat", base: b, body: { model: "gpt-4o-mini", messages, stream: true }, breakAfter: 2 });
    expectSameAsBare(r);
    expect(r.traced.json.result).toHaveLength(2);
    const span = expectGenaiSpan(r, {
      name: "chat gpt-4o-mini",
      attributes: {
        ...CHAT,
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.stream": true,
        "gen_ai.response.id": RESPONSE[fixture]["gen_ai.response.id"],
        "gen_ai.response.model": RESPONSE[fixture]["gen_ai.response.model"],
        "openai.response.service_tier": "default",
        "otel_genai_edge.stream.chunks": 1,
        "otel_genai_edge.stream.outcome": "cancelled",
        "error.type": "cancelled",
        ...httpAttributes(h, b, "/v1/chat/completions", 200),
      },
    });
    expect(span.status.message).toBe("the response stream was cancelled by its consumer");
  });
});

describe("official openai client: embeddings.create (encoding_format base64)", () => {
  it("openai/embeddings-base64.json", async () => {
    const fixture = "openai/embeddings-base64.json";
    const r = await viaSdk(
      {
        fixture,
        body: { model: "text-embedding-ada-002", input: PROMPT, encoding_format: "base64" },
        name: "embeddings text-embedding-ada-002",
        request: { "gen_ai.request.model": "text-embedding-ada-002", "gen_ai.request.encoding_formats": ["base64"] },
      },
      "openai.embeddings",
      "/v1/embeddings",
      { "gen_ai.operation.name": "embeddings", "gen_ai.provider.name": "openai" },
    );
    expect(typeof r.traced.json.result.data[0].embedding).toBe("string");
  });
});

describe("AzureOpenAI client (deployment path, api-key header)", () => {
  it("openai/azure-chat-stream-prompt-filter.sse", async () => {
    const fixture = "openai/azure-chat-stream-prompt-filter.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "azure.chat",
      base: b,
      apiVersion: "2024-10-21",
      body: { model: "gpt-35-turbo", messages, stream: true, max_tokens: 50 },
    });
    expect(r.tracedRequest.subPath).toBe("/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21");
    expect(r.tracedRequest.headers["api-key"]).toBe(API_KEY);
    expectGenaiSpan(r, {
      name: "chat gpt-35-turbo",
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.openai",
        "gen_ai.request.model": "gpt-35-turbo",
        "gen_ai.request.stream": true,
        "gen_ai.request.max_tokens": 50,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
  });
});

describe("AI SDK with @ai-sdk/openai createOpenAI({ baseURL }).chat()", () => {
  it("streamText: openai/chat-stream-include-usage.sse", async () => {
    const fixture = "openai/chat-stream-include-usage.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "ai.openai.chat",
      stream: true,
      base: b,
      body: { model: "gpt-4o-mini", system: SYSTEM, prompt: PROMPT, temperature: 0.3, maxOutputTokens: 100 },
    });
    expectGenaiSpan(r, {
      name: "chat gpt-4o-mini",
      attributes: {
        ...CHAT,
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.stream": true,
        "gen_ai.request.temperature": 0.3,
        "gen_ai.request.max_tokens": 100,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/chat/completions", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
    expect(r.traced.json.result.text).toBe("South Atlantic Ocean.");
    expect(r.traced.json.result.usage).toMatchObject({ inputTokens: 22, outputTokens: 4 });
  });

  it("generateText: openai/chat-nonstream.json", async () => {
    const fixture = "openai/chat-nonstream.json";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "ai.openai.chat",
      stream: false,
      base: b,
      body: { model: "gpt-3.5-turbo", prompt: PROMPT, topP: 0.5, seed: 7 },
    });
    expectGenaiSpan(r, {
      name: "chat gpt-3.5-turbo",
      attributes: {
        ...CHAT,
        "gen_ai.request.model": "gpt-3.5-turbo",
        "gen_ai.request.top_p": 0.5,
        "gen_ai.request.seed": 7,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/chat/completions", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
    expect(r.traced.json.result.finishReason).toBe("stop");
  });
});

describe("plain fetch", () => {
  it("a streamed chat completion passes through byte for byte and becomes a GenAI span", async () => {
    const fixture = "openai/chat-stream-include-usage.sse";
    const b = base(h, fixture);
    const r = await runCall(h, {
      via: "fetch",
      base: b,
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${API_KEY}` },
      body: { model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true }, max_tokens: 20 },
      passThrough: true,
    });
    expect(new TextEncoder().encode(r.traced.text)).toEqual(fixtureBytes(fixture));
    expect(r.traced.contentType).toBe("text/event-stream");
    expectGenaiSpan(r, {
      name: "chat gpt-4o-mini",
      attributes: {
        ...CHAT,
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.stream": true,
        "gen_ai.request.max_tokens": 20,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/chat/completions", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
  });

  it("a non-LLM GET stays a plain HTTP span", async () => {
    const b = base(h, "openai/chat-nonstream.json");
    const r = await runCall(h, { via: "fetch", base: b, path: "/v1/models?limit=2" });
    expectSameAsBare(r);
    expect(r.clients).toHaveLength(1);
    const [span] = r.clients;
    expect(span.name).toBe("GET");
    expect(span.attributes).toEqual(httpAttributes(h, b, "/v1/models?limit=2", 200, "GET"));
    expect(span.parentSpanId).toBe(r.server.spanId);
    expect(r.tracedRequest.headers.traceparent).toBe(`00-${r.traceId}-${span.spanId}-01`);
  });

  it("a POST that is not an LLM call stays a plain HTTP span, even to /chat/completions on an unknown host", async () => {
    const b = base(h, "openai/chat-nonstream.json");
    for (const [path, body] of [
      ["/v1/files", { purpose: "fine-tune", note: PROMPT }],
      ["/v1/chat/completions", { hello: "world" }],
    ] as const) {
      const r = await runCall(h, { via: "fetch", base: b, path, body });
      expectSameAsBare(r);
      expect(r.clients).toHaveLength(1);
      const [span] = r.clients;
      expect(span.name).toBe("POST");
      expect(span.attributes).toEqual(httpAttributes(h, b, path, 200, "POST"));
      expect(Object.keys(span.attributes).some((k) => k.startsWith("gen_ai.") || k.startsWith("otel_genai_edge."))).toBe(false);
      expectNoSecrets(r.exported, []);
    }
  });
});

describe("addStreamUsage (opt-in)", () => {
  it("adds stream_options.include_usage to a streaming chat request that lacks it, and says so", async () => {
    const fixture = "openai/chat-stream-parallel-tool-calls.sse";
    const b = base(h, fixture);
    const body = { model: "gpt-4o-mini", messages, stream: true, tools: [weatherTool] };
    const r = await runCall(h, { via: "openai.chat", base: b, body }, { variant: "usage" });
    expectSameAsBare(r, { sameBody: false });
    expect(r.bareRequest!.json).toEqual(JSON.parse(r.bareRequest!.body));
    expect(r.tracedRequest.json).toEqual({ ...(r.bareRequest!.json as object), stream_options: { include_usage: true } });
    expectGenaiSpan(r, {
      name: "chat gpt-4o-mini",
      attributes: {
        ...CHAT,
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.stream": true,
        "otel_genai_edge.request.include_usage_added": true,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/chat/completions", 200),
      },
    });
  });

  it("leaves a request that already sets include_usage, and a non-streaming one, byte for byte", async () => {
    for (const [fixture, body] of [
      ["openai/chat-stream-include-usage.sse", { model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: false } }],
      ["openai/chat-nonstream.json", { model: "gpt-4o-mini", messages }],
    ] as const) {
      const r = await runCall(h, { via: "openai.chat", base: base(h, fixture), body }, { variant: "usage" });
      expectSameAsBare(r);
      expect(r.clients[0].attributes["otel_genai_edge.request.include_usage_added"]).toBeUndefined();
    }
  });

  it("is off by default: the streaming request without include_usage is sent as is", async () => {
    const fixture = "openai/chat-stream-parallel-tool-calls.sse";
    const r = await runCall(h, { via: "openai.chat", base: base(h, fixture), body: { model: "gpt-4o-mini", messages, stream: true } });
    expectSameAsBare(r);
    expect((r.tracedRequest.json as Record<string, unknown>).stream_options).toBeUndefined();
    expect(r.clients[0].attributes["otel_genai_edge.request.include_usage_added"]).toBeUndefined();
  });
});

describe("custom host mapping (config.providers)", () => {
  it("maps the replay host to groq: provider groq, usage from x_groq.usage", async () => {
    const fixture = "groq/chat-stream.sse";
    const b = base(h, fixture);
    const r = await runCall(h, { via: "openai.chat", base: b, body: { model: "llama3-8b-8192", messages, stream: true, temperature: 0 } }, { variant: "groq" });
    expectGenaiSpan(r, {
      name: "chat llama3-8b-8192",
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "groq",
        "gen_ai.request.model": "llama3-8b-8192",
        "gen_ai.request.stream": true,
        "gen_ai.request.temperature": 0,
        ...RESPONSE[fixture],
        ...httpAttributes(h, b, "/v1/chat/completions", 200),
      },
    });
    expectSameAsBare(r);
    expectNoSecrets(r.exported, [fixture]);
  });
});

describe("nothing secret anywhere", () => {
  it("no exported request (traces or metrics) holds the key, the prompt or generated content", () => {
    const all = h.collector.requests.map((r) => r.text).join("\n");
    expect(h.collector.requests.some((r) => r.path.endsWith("/v1/traces"))).toBe(true);
    expectNoSecrets(all, [...chatCases.map((c) => c.fixture), "openai/embeddings-base64.json", "openai/azure-chat-stream-prompt-filter.sse", "groq/chat-stream.sse"]);
  });
});
