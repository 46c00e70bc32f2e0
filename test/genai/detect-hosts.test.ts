/**
 * Which provider a host is, for the hosts the registry's formats are reached on: regional
 * Vertex and Bedrock hosts, OpenAI-compatible providers, gateways (Cloudflare AI Gateway with
 * its `/compat` endpoint, Vercel AI Gateway, OpenRouter) and Workers AI over REST.
 */
import { describe, expect, it } from "vitest";
import { detect, mayBeLLMCall } from "../../src/genai/detect.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { workersAiRest } from "../../src/genai/workers-ai.js";

const post = (url: string, body?: Record<string, unknown>, overrides: Record<string, string> = {}) => {
  const d = detect("POST", new URL(url), new Headers(), body, overrides);
  return d && { provider: d.provider, format: d.format.id };
};
const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("providers by host", () => {
  it("names OpenAI-compatible providers by their host, never `openai`", () => {
    const cases: [string, string][] = [
      ["https://api.groq.com/openai/v1/chat/completions", "groq"],
      ["https://api.deepseek.com/chat/completions", "deepseek"],
      ["https://api.x.ai/v1/chat/completions", "x_ai"],
      ["https://api.perplexity.ai/chat/completions", "perplexity"],
      ["https://api.mistral.ai/v1/chat/completions", "mistral_ai"],
      ["https://api.together.xyz/v1/chat/completions", "together_ai"],
      ["https://api.fireworks.ai/inference/v1/chat/completions", "fireworks_ai"],
      ["https://openrouter.ai/api/v1/chat/completions", "openrouter"],
      ["https://api.cerebras.ai/v1/chat/completions", "cerebras"],
      ["https://ai-gateway.vercel.sh/v1/chat/completions", "vercel.ai_gateway"],
      ["https://api.moonshot.ai/v1/chat/completions", "moonshot_ai"],
      ["https://my-res.services.ai.azure.com/models/chat/completions", "azure.ai.inference"],
      // Bedrock's and Vertex AI's OpenAI-compatible endpoints, regional hosts included.
      ["https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions", "aws.bedrock"],
      ["https://bedrock-runtime-fips.us-east-1.amazonaws.com/openai/v1/chat/completions", "aws.bedrock"],
      ["https://bedrock-runtime.cn-north-1.amazonaws.com.cn/openai/v1/chat/completions", "aws.bedrock"],
      ["https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions", "gcp.vertex_ai"],
      ["https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi/chat/completions", "gcp.vertex_ai"],
      ["https://generativelanguage.googleapis.com/v1beta/openai/chat/completions", "gcp.gemini"],
      ["https://api.cloudflare.com/client/v4/accounts/abc/ai/v1/chat/completions", "cloudflare.workers_ai"],
    ];
    for (const [url, provider] of cases) expect([url, post(url)]).toEqual([url, { provider, format: "openai.chat_completions" }]);
  });

  it("does not take look-alike hosts for known ones", () => {
    expect(post("https://bedrock-runtime.us-east-1.amazonaws.com.evil.example/openai/v1/chat/completions", chat)?.provider).toBe("openai");
    expect(post("https://aiplatform.googleapis.com.evil.example/v1/chat/completions", chat)?.provider).toBe("openai");
    expect(post("https://notbedrock-runtime.us-east-1.amazonaws.com/v1/chat/completions", chat)?.provider).toBe("openai");
  });

  it("Cloudflare AI Gateway: the provider from its path, or from the model prefix on /compat", () => {
    const gw = "https://gateway.ai.cloudflare.com/v1/acct/gw";
    expect(post(`${gw}/groq/chat/completions`)).toEqual({ provider: "groq", format: "openai.chat_completions" });
    expect(post(`${gw}/compat/chat/completions`, { ...chat, model: "google-ai-studio/gemini-2.5-flash" })).toEqual({ provider: "gcp.gemini", format: "openai.chat_completions" });
    expect(post(`${gw}/compat/chat/completions`, { ...chat, model: "workers-ai/@cf/meta/llama-3.1-8b-instruct" })).toEqual({
      provider: "cloudflare.workers_ai",
      format: "openai.chat_completions",
    });
    // A prefix not known here: as the gateway spells it (a custom provider name); none at all: the gateway.
    expect(post(`${gw}/compat/chat/completions`, { ...chat, model: "someone-new/model" })?.provider).toBe("someone_new");
    expect(post(`${gw}/compat/chat/completions`, { ...chat, model: "just-a-model" })?.provider).toBe("cloudflare.ai_gateway");
    expect(post(`${gw}/workers-ai/@cf/meta/llama-3.1-8b-instruct`, { prompt: "hi" })).toEqual({ provider: "cloudflare.workers_ai", format: "cloudflare.workers_ai" });
  });

  it("Cloudflare AI Gateway: a path segment or model prefix naming an Object member is no table entry", () => {
    const gw = "https://gateway.ai.cloudflare.com/v1/acct/gw";
    // A path segment not known here: the format's own provider, as for any unknown segment.
    for (const name of ["constructor", "__proto__", "toString", "someone-new"]) expect(post(`${gw}/${name}/chat/completions`, chat), name).toEqual({ provider: "openai", format: "openai.chat_completions" });
    // A /compat prefix not known here: as the gateway spells it, or the gateway when it is no name.
    const compat = (prefix: string) => post(`${gw}/compat/chat/completions`, { ...chat, model: `${prefix}/m` })?.provider;
    expect(["constructor", "toString", "__proto__"].map(compat)).toEqual(["constructor", "tostring", "cloudflare.ai_gateway"]);
  });

  it("the universal endpoint: an array of steps, each detected as the request it stands for; their headers never read", () => {
    const url = "https://gateway.ai.cloudflare.com/v1/acct/gw";
    expect(mayBeLLMCall("POST", new URL(url))).toBe(true);
    expect(mayBeLLMCall("POST", new URL("https://proxy.example/v1/acct/gw"))).toBe(false);
    const steps = [
      { provider: "workers-ai", endpoint: "@cf/meta/llama-3.1-8b-instruct", headers: { Authorization: "Bearer cf-secret" }, query: { messages: [{ role: "user", content: "hi" }], max_tokens: 64 } },
      { provider: "openai", endpoint: "chat/completions", headers: { Authorization: "Bearer sk-secret" }, query: { model: "gpt-4o-mini", messages: [], temperature: 0.2 } },
      { provider: "nobody-knows", endpoint: "x", query: {} },
    ];
    const d = detect("POST", new URL(url), new Headers(), steps, {});
    expect(d && { provider: d.provider, format: d.format.id, url: d.url?.pathname, body: d.body }).toEqual({
      provider: "cloudflare.workers_ai",
      format: "cloudflare.workers_ai",
      url: "/v1/acct/gw/workers-ai/@cf/meta/llama-3.1-8b-instruct",
      body: steps[0].query,
    });
    expect(d?.steps?.map((s) => s && [s.provider, s.format.id, s.url?.pathname])).toEqual([
      ["cloudflare.workers_ai", "cloudflare.workers_ai", "/v1/acct/gw/workers-ai/@cf/meta/llama-3.1-8b-instruct"],
      ["openai", "openai.chat_completions", "/v1/acct/gw/openai/chat/completions"],
      undefined,
    ]);
    expect(d?.format.request(d.body, d.url!, new Headers())).toStrictEqual({ operation: "chat", model: "@cf/meta/llama-3.1-8b-instruct", maxTokens: 64 });
    // Not an array of steps, or a first step nobody knows: a plain HTTP call.
    expect(detect("POST", new URL(url), new Headers(), { model: "m" }, {})).toBeUndefined();
    expect(detect("POST", new URL(url), new Headers(), [steps[2], steps[1]], {})).toBeUndefined();
  });

  it("user mappings win over the built-in table", () => {
    expect(post("https://api.groq.com/openai/v1/chat/completions", chat, { "api.groq.com": "my.groq" })?.provider).toBe("my.groq");
  });
});

describe("Workers AI over REST", () => {
  const url = new URL("https://api.cloudflare.com/client/v4/accounts/0123abcd/ai/run/@cf/meta/llama-3.1-8b-instruct");

  it("is recognised by its path, with the model from it", () => {
    expect(mayBeLLMCall("POST", url)).toBe(true);
    expect(post(url.href)).toEqual({ provider: "cloudflare.workers_ai", format: "cloudflare.workers_ai" });
    expect(workersAiRest.request({ messages: [], max_tokens: 32, stream: true }, url, new Headers())).toStrictEqual({
      operation: "chat",
      model: "@cf/meta/llama-3.1-8b-instruct",
      stream: true,
      maxTokens: 32,
    });
    expect(workersAiRest.request({ text: ["a", "b"] }, new URL("https://api.cloudflare.com/client/v4/accounts/a/ai/run/@cf/baai/bge-base-en-v1.5"), new Headers())).toStrictEqual({
      operation: "embeddings",
      model: "@cf/baai/bge-base-en-v1.5",
    });
  });

  it("decodes the model in the path, and keeps one that is not valid percent-encoding as sent", () => {
    const run = (path: string, body: Record<string, unknown>) => workersAiRest.request(body, new URL(`https://api.cloudflare.com/client/v4/accounts/a/ai/run/${path}/`), new Headers());
    expect(run("@cf/meta/llama%2D3", { prompt: "Hi" })).toStrictEqual({ operation: "text_completion", model: "@cf/meta/llama-3" });
    // Not a text model's inputs: still the model, decoded alike.
    expect(run("@cf/openai/whisper%2Dtiny", { audio: [] })).toStrictEqual({ operation: "chat", model: "@cf/openai/whisper-tiny" });
    expect(run("@cf/x/bad%E0%A4", { prompt: "Hi" })).toStrictEqual({ operation: "text_completion", model: "@cf/x/bad%E0%A4" });
  });

  it("reads the result inside the API envelope, and a failure's code", () => {
    const facts = newResponseFacts();
    workersAiRest.json({ result: { response: "Hi", usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } }, success: true, errors: [], messages: [] }, facts);
    expect(facts).toStrictEqual({ finishReasons: [], usage: { input: 12, output: 3 } });
    const failed = newResponseFacts();
    workersAiRest.json({ result: null, success: false, errors: [{ code: 5007, message: "No such model sk-live-secret" }], messages: [] }, failed);
    expect(failed.error).toStrictEqual({ type: "workers_ai_5007" });
  });
});
