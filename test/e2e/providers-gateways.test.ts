/**
 * Gateways and OpenAI-compatible hosts end to end, by plain fetch in workerd to the real hostnames
 * (Cloudflare AI Gateway's provider paths, `/compat` and universal endpoint, Workers AI over REST,
 * DeepSeek, OpenRouter, Vercel AI Gateway, Groq), answered from recorded fixtures, so host-based
 * detection runs as in production. Each call: the same result and request bytes as the bare
 * Worker, the exact GenAI span with values read from the fixture, and no credential exported.
 */
import { describe, expect, it } from "vitest";
import {
  type Attrs,
  type CallExpectation,
  expectNoSecrets,
  expectProviderCall,
  expectSameAsBare,
  fixtureEvents,
  PROMPT,
  type ProviderCall,
  runProvider,
  SYSTEM,
  startProviders,
  useHarness,
} from "./providers-helpers.js";

// Plain fetch needs no SDK; "more" is the lightest family the harness builds.
const h = useHarness(() => startProviders("more"));

/** Credentials the calls carry, in headers and in a query: none may reach the export. */
const SECRETS = {
  provider: "sk-e2e-gateways-4f1c9b7a2d6e8f03-SECRET",
  gateway: "cfaig-e2e-8a3d5c1f7b9e2046-SECRET",
  step: "sk-e2e-universal-step-6b2f9d4a1c8e-SECRET",
  query: "e2e-query-key-3c7a1e9f5b2d8046-SECRET",
};
const messages = [
  { role: "system", content: SYSTEM },
  { role: "user", content: PROMPT },
];
const GATEWAY = "https://gateway.ai.cloudflare.com/v1/acct/gw";
const WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";
const bearer = (secret: string) => `Bearer ${secret}`;

/** Chat Completions response attributes read from the fixture; `openai.*` ones only for the openai provider. */
function chatResponse(fixture: string, provider: string, stream = false): Attrs {
  const events = fixtureEvents(fixture);
  const first = events[0];
  const usage = events.map((e) => e.usage ?? e.x_groq?.usage).findLast(Boolean);
  const out: Attrs = {
    "gen_ai.response.id": first.id,
    "gen_ai.response.model": first.model,
    "gen_ai.response.finish_reasons": events.flatMap((e) => e.choices.map((c: any) => c.finish_reason).filter(Boolean)),
  };
  if (usage) {
    out["gen_ai.usage.input_tokens"] = usage.prompt_tokens;
    out["gen_ai.usage.output_tokens"] = usage.completion_tokens;
    const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
    if (cached !== undefined) out["gen_ai.usage.cache_read.input_tokens"] = cached;
    const reasoning = usage.completion_tokens_details?.reasoning_tokens;
    if (reasoning !== undefined) out["gen_ai.usage.reasoning.output_tokens"] = reasoning;
  }
  if (provider === "openai") {
    const last = events.at(-1);
    if (last.service_tier) out["openai.response.service_tier"] = last.service_tier;
    if (last.system_fingerprint) out["openai.response.system_fingerprint"] = last.system_fingerprint;
  }
  if (stream) out["otel_genai_edge.stream.chunks"] = events.filter((e) => e.choices.some((c: any) => c.delta?.content || c.delta?.tool_calls)).length;
  return out;
}

/** Workers AI native results: usage (and a finish reason where one is sent); streamed output is the events with text. */
function workersAiResponse(fixture: string, stream = false): Attrs {
  const events = fixtureEvents(fixture);
  const usage = events.map((e) => e.usage).findLast(Boolean);
  const reasons = events.map((e) => e.finish_reason).filter(Boolean);
  const out: Attrs = { "gen_ai.usage.input_tokens": usage.prompt_tokens, "gen_ai.usage.output_tokens": usage.completion_tokens };
  if (reasons.length > 0) out["gen_ai.response.finish_reasons"] = reasons;
  if (stream) out["otel_genai_edge.stream.chunks"] = events.filter((e) => e.response).length;
  return out;
}

/** The request attributes the openai provider adds to Chat Completions. */
const openaiRequest = (provider: string): Attrs => (provider === "openai" ? { "openai.api.type": "chat_completions" } : {});

function expectCall(c: ProviderCall, e: CallExpectation): void {
  expectProviderCall(c, e);
  for (const secret of Object.values(SECRETS)) {
    expect(c.exported).not.toContain(secret);
    expect(c.exported).not.toContain(encodeURIComponent(secret));
  }
}

describe("Cloudflare AI Gateway", () => {
  it("provider path /openai/chat/completions → openai", async () => {
    const fixture = "openai/chat-nonstream.json";
    const model = "gpt-4o-mini";
    const url = `${GATEWAY}/openai/chat/completions`;
    const headers = { authorization: bearer(SECRETS.provider), "cf-aig-authorization": bearer(SECRETS.gateway) };
    const c = await runProvider(h(), { via: "fetch", model, prompt: PROMPT, url, headers, body: { model, messages, temperature: 0.5 } }, { fixture });
    expectCall(c, {
      operation: "chat",
      provider: "openai",
      model,
      url,
      request: { "gen_ai.request.temperature": 0.5, ...openaiRequest("openai") },
      response: chatResponse(fixture, "openai"),
    });
  });

  it("/compat with a google-ai-studio/ model → gcp.gemini", async () => {
    const fixture = "openai/chat-nonstream-tool-calls.json";
    const model = "google-ai-studio/gemini-2.0-flash";
    const url = `${GATEWAY}/compat/chat/completions`;
    const headers = { authorization: bearer(SECRETS.provider), "cf-aig-authorization": bearer(SECRETS.gateway) };
    const c = await runProvider(h(), { via: "fetch", model, prompt: PROMPT, url, headers, body: { model, messages, max_tokens: 64 } }, { fixture });
    expectCall(c, { operation: "chat", provider: "gcp.gemini", model, url, request: { "gen_ai.request.max_tokens": 64 }, response: chatResponse(fixture, "gcp.gemini") });
  });

  /** Two steps, each with its own credentials: Workers AI first, OpenAI as the fallback. */
  const steps = [
    { provider: "workers-ai", endpoint: WORKERS_AI_MODEL, headers: { Authorization: bearer(SECRETS.step) }, query: { messages } },
    { provider: "openai", endpoint: "chat/completions", headers: { Authorization: bearer(SECRETS.provider) }, query: { model: "gpt-4o-mini", messages } },
  ];
  const universal = (cfAigStep: string) =>
    runProvider(
      h(),
      // The universal endpoint takes a JSON array; the runner stringifies whatever body it is given.
      { via: "fetch", model: "", prompt: PROMPT, url: GATEWAY, headers: { "cf-aig-authorization": bearer(SECRETS.gateway) }, body: steps as unknown as Record<string, unknown> },
      { fixture: cfAigStep === "0" ? "workers-ai/chat.json" : "openai/chat-nonstream.json", headers: { "cf-aig-step": cfAigStep } },
    );

  it("universal endpoint, step 0 answered (cf-aig-step: 0) → cloudflare.workers_ai", async () => {
    const c = await universal("0");
    expectCall(c, { operation: "chat", provider: "cloudflare.workers_ai", model: WORKERS_AI_MODEL, url: GATEWAY, response: workersAiResponse("workers-ai/chat.json") });
  });

  it("universal endpoint, fallback step 1 answered (cf-aig-step: 1) → openai", async () => {
    const fixture = "openai/chat-nonstream.json";
    const c = await universal("1");
    expectCall(c, { operation: "chat", provider: "openai", model: "gpt-4o-mini", url: GATEWAY, request: openaiRequest("openai"), response: chatResponse(fixture, "openai") });
  });
});

describe("Workers AI over REST", () => {
  const fixture = "workers-ai/chat-stream.sse";
  const url = `https://api.cloudflare.com/client/v4/accounts/abc/ai/run/${WORKERS_AI_MODEL}`;
  const expected: CallExpectation = {
    operation: "chat",
    provider: "cloudflare.workers_ai",
    model: WORKERS_AI_MODEL,
    stream: true,
    url,
    request: { "gen_ai.request.max_tokens": 128 },
    response: workersAiResponse(fixture, true),
  };
  let call: Promise<ProviderCall> | undefined;
  // One call, read by both tests below.
  const streamed = () =>
    (call ??= runProvider(
      h(),
      { via: "fetch", model: WORKERS_AI_MODEL, prompt: PROMPT, url, headers: { authorization: bearer(SECRETS.provider) }, body: { messages, stream: true, max_tokens: 128 } },
      { fixture },
    ));

  it("/ai/run/{model}, streamed → cloudflare.workers_ai, model from the path; a stream that reached [DONE] is complete", async () => {
    const c = await streamed();
    expectSameAsBare(c);
    expectNoSecrets(c.exported, [c.tracedRequest, c.bareRequest]);
    for (const secret of Object.values(SECRETS)) expect(c.exported).not.toContain(secret);
    expect(c.clients).toHaveLength(1);
    // Native Workers AI streams carry no finish reason: `data: [DONE]` is their end, not an error.
    expect(c.clients[0].attributes).not.toHaveProperty("error.type");
    expectCall(c, expected);
  });
});

describe("OpenAI-compatible hosts", () => {
  const cases: { provider: string; url: string; fixture: string; stream?: boolean; query?: boolean }[] = [
    { provider: "deepseek", url: "https://api.deepseek.com/chat/completions", fixture: "deepseek/chat-tool-call-cache-hit.json" },
    { provider: "openrouter", url: "https://openrouter.ai/api/v1/chat/completions", fixture: "openai/chat-nonstream.json" },
    // A key in the query too: url.full keeps the name, never the value.
    { provider: "vercel.ai_gateway", url: "https://ai-gateway.vercel.sh/v1/chat/completions", fixture: "openai/chat-nonstream-tool-calls.json", query: true },
    { provider: "groq", url: "https://api.groq.com/openai/v1/chat/completions", fixture: "groq/chat-stream.sse", stream: true },
  ];
  for (const { provider, url, fixture, stream, query } of cases) {
    it(`${new URL(url).host} → ${provider} (${fixture})`, async () => {
      const model = fixtureEvents(fixture)[0].model as string;
      const body = { model, messages, ...(stream ? { stream: true } : {}) };
      const sent = query ? `${url}?key=${SECRETS.query}` : url;
      const c = await runProvider(h(), { via: "fetch", model, prompt: PROMPT, url: sent, headers: { authorization: bearer(SECRETS.provider) }, body }, { fixture });
      expectCall(c, {
        operation: "chat",
        provider,
        model,
        stream,
        url: query ? `${url}?key=REDACTED` : url,
        response: chatResponse(fixture, provider, stream),
      });
    });
  }
});
