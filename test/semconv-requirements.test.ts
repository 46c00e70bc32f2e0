/**
 * Requirement levels of the GenAI conventions on the spans this package exports, per wire format
 * and fixture, under both semconv profiles ("v1.41", the default, and "latest").
 *
 * Rules: core semantic-conventions v1.41.0 `model/gen-ai/spans.yaml` (inference, embeddings,
 * invoke_agent internal, execute_tool; the OpenAI, Azure AI Inference, Anthropic and AWS Bedrock
 * refinements) and, for "latest", /work/shared/spec/genai-semconv.md (§1.1 inference, §1.2
 * embeddings, §1.5 execute_tool, §1.7 invoke_agent, the error rules of §1).
 *
 * How: as test/semconv-registry.test.ts does, real telemetry through a local OTLP collector
 * (test/support/collector.ts) and fixtures served over HTTP by test/support/replay.ts. One
 * difference: each call is made to the provider's real URL (`https://api.openai.com/...`,
 * `https://bedrock-runtime.us-east-1.amazonaws.com/...`), so host detection, `server.address`
 * and `server.port` are the production ones. The runtime's fetch is replaced (before src/ is
 * imported, so the package captures it as the original fetch) by a router that sends requests
 * tagged `x-replay-case` to the replay server; everything else (the OTLP export) goes through.
 * The Workers AI binding is a stand-in object whose `run` answers with the fixture.
 *
 * Fixtures are response bodies only (test/fixtures/MANIFEST.md): each request below is written
 * for the API and the model of its fixture, with the parameters that API accepts (`sets` lists
 * them), and `has` lists what the fixture's body holds, read by hand. A gap is counted only when
 * the request set it or the fixture holds it. Each case runs in its own handler invocation
 * (`withTracing`), so its GenAI span is found by the root span's `url.path`.
 *
 * Left out, with the reason (not counted as gaps):
 * - bedrock/vector-*.b64: event-stream codec test vectors, not Bedrock responses (MANIFEST).
 * - workers-ai/README.md: not a fixture.
 * - Cohere `usage.cached_tokens` in chat-v2-cached-tokens.json (448) and chat-v2-stream-thinking.sse
 *   (1360): larger than the billed input (12, 8) that `gen_ai.usage.input_tokens` reports (the
 *   conventions: report billed counts); the cache read is a subset of the input, so no consistent
 *   value is in the fixture.
 * - Per-modality counts that are zero (OpenAI `audio_tokens: 0`, xAI `audio_tokens`/`image_tokens: 0`):
 *   only the explicit text counts (Gemini `*TokensDetails`, xAI `text_tokens`) are expected (latest).
 * - Gemini blocked prompts (prompt-blocked.json, gemini-stream-prompt-blocked.sse): no candidate,
 *   so no finish reason, output count or output chunk is in the fixture (latest: "if inference
 *   never started leave the attribute unset").
 * - `aws.bedrock.guardrail.id` (Required on Bedrock spans in the v1.41 model) only where the
 *   request names a guardrail: without one there is no value to record.
 * - `gen_ai.conversation.id`: only the Responses API request names a conversation (`conversation`);
 *   no other fixture's API has one. `gen_ai.prompt.name`: no prompt template reaches a fetch.
 * - invoke_agent: `gen_ai.provider.name` (v1.41 Required) is checked where the agent's LLM calls
 *   went to one provider (the scenario here); with none or several there is no single value and
 *   `AgentOptions` has no field for it. `gen_ai.request.model`, request parameters, finish reasons,
 *   usage, `gen_ai.agent.version`, `gen_ai.conversation.id`, `gen_ai.data_source.id`: not given to
 *   `invokeAgent` (its options are name, id, description), so not available to the span.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/**
 * Installed before the imports below run (vi.hoisted), so src/fetch/original.ts captures it as the
 * runtime's fetch: a request tagged `x-replay-case` goes to that case's replay URL instead of the
 * provider's host, untagged ones (the OTLP export) go through untouched.
 */
const router = vi.hoisted(() => {
  const real = globalThis.fetch;
  const targets = new Map<string, string>();
  const routed = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const tagged = input instanceof Request ? input.headers.get("x-replay-case") : new Headers(init?.headers).get("x-replay-case");
    if (tagged === null) return real(input, init);
    const target = targets.get(tagged);
    if (target === undefined) throw new Error(`no replay target for case ${tagged}`);
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    headers.delete("x-replay-case");
    return real(target, { method: request.method, headers, body: await request.arrayBuffer(), signal: request.signal });
  };
  globalThis.fetch = routed as typeof fetch;
  return { targets };
});

import type { SemconvProfileName } from "../src/attributes.js";
import { executeTool, flush, instrumentAI, invokeAgent, withTracing } from "../src/index.js";
import { type Collector, type DecodedSpan, startCollector } from "./support/collector.js";
import { fixtureBytes, fixtureChunks, fixtureText, type Replay, startReplay } from "./support/replay.js";

// ---------------------------------------------------------------------------------------------
// What a request sets and what a fixture holds
// ---------------------------------------------------------------------------------------------

/** Request parameters a case's body sets (in the API's own spelling), by the attribute they map to. */
type Param =
  | "max_tokens"
  | "temperature"
  | "top_p"
  | "top_k"
  | "stop_sequences"
  | "frequency_penalty"
  | "presence_penalty"
  | "seed"
  | "choice_count"
  | "output_type"
  | "encoding_formats"
  | "conversation_id"
  | "reasoning_level"
  | "previous_response_id"
  | "service_tier"
  | "guardrail";

/** What a fixture's body holds (read by hand, see each case). */
type Fact =
  | "id"
  | "model"
  | "finish"
  | "input"
  | "output"
  | "cacheRead"
  | "cacheWrite"
  | "reasoning"
  | "dims"
  | "textIn"
  | "textOut"
  | "serviceTier"
  | "fingerprint";

type Profile = SemconvProfileName;
type Op = "chat" | "generate_content" | "text_completion" | "embeddings";
type Obj = Record<string, unknown>;

interface Case {
  /** The wire format (`src/genai/*.ts` id); `cloudflare.workers_ai (binding)` for the binding. */
  format: string;
  fixture: string;
  /** A variant of the same fixture (a cut stream). */
  variant?: string;
  op: Op;
  /** The provider's URL; absent for the binding. */
  url?: string;
  body: Obj;
  headers?: Record<string, string>;
  /** The model the request names (body or path): the span name's second part, and `gen_ai.request.model`. */
  model: string;
  stream?: boolean;
  sets?: Param[];
  has?: Fact[];
  /** Replay: HTTP status, response headers, bytes sent before the connection is dropped. */
  status?: number;
  replyHeaders?: Record<string, string>;
  cutAfter?: number;
  /** Replay: stream a `.json` fixture in writes cut at these offsets (so it can be cut). */
  splits?: number[];
  /** The call failed (HTTP error, an error inside a 200, a cut stream). */
  failed?: boolean;
  /** A stream that delivers no model output (a blocked prompt): no time to first chunk. */
  noOutput?: boolean;
}

const REQUEST_ATTRIBUTE: Record<Exclude<Param, "guardrail" | "service_tier">, string> = {
  max_tokens: "gen_ai.request.max_tokens",
  temperature: "gen_ai.request.temperature",
  top_p: "gen_ai.request.top_p",
  top_k: "gen_ai.request.top_k",
  stop_sequences: "gen_ai.request.stop_sequences",
  frequency_penalty: "gen_ai.request.frequency_penalty",
  presence_penalty: "gen_ai.request.presence_penalty",
  seed: "gen_ai.request.seed",
  choice_count: "gen_ai.request.choice.count",
  output_type: "gen_ai.output.type",
  encoding_formats: "gen_ai.request.encoding_formats",
  conversation_id: "gen_ai.conversation.id",
  reasoning_level: "gen_ai.request.reasoning.level",
  previous_response_id: "gen_ai.request.previous_response.id",
};

const REQUEST_RULE: Record<Param, string> = {
  max_tokens: "Recommended; the request sets it",
  temperature: "Recommended; the request sets it",
  top_p: "Recommended; the request sets it",
  top_k: "Recommended (latest: Conditionally Required if applicable); the request sets it",
  stop_sequences: "Recommended; the request sets it",
  frequency_penalty: "Recommended; the request sets it",
  presence_penalty: "Recommended; the request sets it",
  seed: "Conditionally Required if the request includes a seed; it does",
  choice_count: "Conditionally Required if in the request and != 1; it is",
  output_type: "Conditionally Required if the request asks for an output format; it does",
  encoding_formats: "Recommended (embeddings); the request sets it",
  conversation_id: "Conditionally Required when available; the request names the conversation",
  reasoning_level: "Recommended when applicable (latest); the request sets a reasoning level",
  previous_response_id: "Recommended when the request continues a previous response (latest); it does",
  service_tier: "Conditionally Required (OpenAI) if the request includes a service_tier that is not auto",
  guardrail: "Required on AWS Bedrock spans (v1.41 model); the request names a guardrail",
};

/** Request attributes the v1.41 release does not define (added in the genai repository). */
const LATEST_ONLY_PARAMS = new Set<Param>(["reasoning_level", "previous_response_id"]);

/** A response fact → the attribute(s) it gives, per profile, with the rule. */
function factAttribute(fact: Fact, profile: Profile): [string, string] | undefined {
  switch (fact) {
    case "id":
      return ["gen_ai.response.id", "Recommended; the fixture has a response id"];
    case "model":
      return ["gen_ai.response.model", "Recommended; the fixture names the model that answered"];
    case "finish":
      return ["gen_ai.response.finish_reasons", "Recommended; the fixture has a finish reason"];
    case "input":
      return ["gen_ai.usage.input_tokens", "Recommended; the fixture reports input tokens"];
    case "output":
      return ["gen_ai.usage.output_tokens", "Recommended; the fixture reports output tokens"];
    case "cacheRead":
      return ["gen_ai.usage.cache_read.input_tokens", "Recommended; the fixture reports cache-read tokens"];
    case "cacheWrite":
      return [profile === "latest" ? "gen_ai.usage.cache_write.input_tokens" : "gen_ai.usage.cache_creation.input_tokens", "Recommended; the fixture reports cache-write tokens"];
    case "reasoning":
      return ["gen_ai.usage.reasoning.output_tokens", "Recommended when applicable; the fixture reports reasoning tokens"];
    case "dims":
      return ["gen_ai.embeddings.dimension.count", "Recommended (embeddings); the fixture's embedding has a length"];
    case "textIn":
      return profile === "latest" ? ["gen_ai.usage.text.input_tokens", "Recommended when the provider reports it (latest); the fixture has a text input count"] : undefined;
    case "textOut":
      return profile === "latest" ? ["gen_ai.usage.text.output_tokens", "Recommended when the provider reports it (latest); the fixture has a text output count"] : undefined;
    case "serviceTier":
      return ["openai.response.service_tier", "Conditionally Required (OpenAI) if the response includes a service_tier; it does"];
    case "fingerprint":
      return ["openai.response.system_fingerprint", "Recommended (OpenAI); the fixture has a system_fingerprint"];
  }
}

// ---------------------------------------------------------------------------------------------
// The cases: every fixture of every format (but the codec vectors), with a realistic request
// ---------------------------------------------------------------------------------------------

const user = [{ role: "user", content: "Say something short." }];
const OPENAI = "https://api.openai.com/v1";
const ANTHROPIC = "https://api.anthropic.com/v1/messages";
const GEMINI = "https://generativelanguage.googleapis.com/v1beta/models";
const BEDROCK = "https://bedrock-runtime.us-east-1.amazonaws.com/model";
const anthropicHeaders = { "anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test" };

/** Chat Completions parameters OpenAI accepts (and Azure OpenAI), with what they set. */
const chatParams = { max_tokens: 64, temperature: 0.5, top_p: 0.9, frequency_penalty: 0.1, presence_penalty: 0.2, stop: ["END"], seed: 7 };
const CHAT_SETS: Param[] = ["max_tokens", "temperature", "top_p", "frequency_penalty", "presence_penalty", "stop_sequences", "seed"];
const ALL_USAGE: Fact[] = ["id", "model", "finish", "input", "output"];

const anthropicParams = { max_tokens: 256, temperature: 0.5, top_p: 0.9, top_k: 40, stop_sequences: ["END"] };
const ANTHROPIC_SETS: Param[] = ["max_tokens", "temperature", "top_p", "top_k", "stop_sequences"];
const ANTHROPIC_USAGE: Fact[] = [...ALL_USAGE, "cacheRead", "cacheWrite"];

const geminiContents = [{ role: "user", parts: [{ text: "Tell me a short story." }] }];
/** gemini-2.5-flash rejects penalties (google/error-400-invalid-argument.json says so). */
const gemini25Config = { maxOutputTokens: 2048, temperature: 0.5, topP: 0.9, topK: 40, stopSequences: ["END"], seed: 7, candidateCount: 1 };
const GEMINI25_SETS: Param[] = ["max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "seed"];
const gemini20Config = { ...gemini25Config, presencePenalty: 0.2, frequencyPenalty: 0.1 };
const GEMINI20_SETS: Param[] = [...GEMINI25_SETS, "presence_penalty", "frequency_penalty"];

const converseMessages = [{ role: "user", content: [{ text: "Say something short." }] }];
const inferenceConfig = { maxTokens: 64, temperature: 0.5, topP: 0.9, stopSequences: ["END"] };
const CONVERSE_SETS: Param[] = ["max_tokens", "temperature", "top_p", "stop_sequences"];
const BEDROCK_USAGE: Fact[] = ["finish", "input", "output"];
const guardrailConfig = { guardrailIdentifier: "5zwrmdlsra2e", guardrailVersion: "1", trace: "enabled" };
const guardrailHeaders = { "X-Amzn-Bedrock-GuardrailIdentifier": "5zwrmdlsra2e", "X-Amzn-Bedrock-GuardrailVersion": "1", "X-Amzn-Bedrock-Trace": "ENABLED" };

const claudeBody = { anthropic_version: "bedrock-2023-05-31", ...anthropicParams, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] };
const claudeCompletionBody = { prompt: "\n\nHuman: Hi\n\nAssistant:", max_tokens_to_sample: 10, temperature: 0.5, top_p: 0.9, top_k: 40, stop_sequences: ["\n\nHuman:"] };
const llamaBody = { prompt: "Say this is a test", max_gen_len: 10, temperature: 0.5, top_p: 0.9 };
const mistralBody = { prompt: "<s>[INST] Say this is a test [/INST]", max_tokens: 20, temperature: 0.5, top_p: 0.9, top_k: 40, stop: ["END"] };
const titanBody = { inputText: "Say this is a test", textGenerationConfig: { maxTokenCount: 10, temperature: 0.5, topP: 0.9, stopSequences: ["|"] } };
const novaBody = { schemaVersion: "messages-v1", messages: converseMessages, inferenceConfig: { maxTokens: 10, temperature: 0.5, topP: 0.9, topK: 20, stopSequences: ["END"] } };
/** Cohere Command R on Bedrock: its documented InvokeModel parameters (seed and the penalties included). */
const commandRBody = { message: "Say this is a test", max_tokens: 10, temperature: 0.5, p: 0.9, k: 40, stop_sequences: ["END"], seed: 7, frequency_penalty: 0.1, presence_penalty: 0.2 };
const COMMAND_R_SETS: Param[] = ["max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "seed", "frequency_penalty", "presence_penalty"];

const cohereParams = { max_tokens: 256, temperature: 0.5, p: 0.9, k: 40, stop_sequences: ["END"], seed: 7, frequency_penalty: 0.1, presence_penalty: 0.2 };
const COHERE_SETS: Param[] = ["max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "seed", "frequency_penalty", "presence_penalty"];

const ollamaOptions = { num_predict: 64, temperature: 0.5, top_p: 0.9, top_k: 40, seed: 7, stop: ["END"], frequency_penalty: 0.1, presence_penalty: 0.2 };
const OLLAMA_SETS: Param[] = ["max_tokens", "temperature", "top_p", "top_k", "seed", "stop_sequences", "frequency_penalty", "presence_penalty"];

/** Workers AI text generation inputs (its JSON mode: `response_format`). */
const workersInputs = { max_tokens: 64, temperature: 0.5, top_p: 0.9, top_k: 40, seed: 7, frequency_penalty: 0.1, presence_penalty: 0.2 };
const WORKERS_SETS: Param[] = ["max_tokens", "temperature", "top_p", "top_k", "seed", "frequency_penalty", "presence_penalty"];
const jsonSchema = { type: "json_schema", json_schema: { type: "object", properties: { answer: { type: "string" } } } };
const WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";
const WORKERS_AI_REST = `https://api.cloudflare.com/client/v4/accounts/acc123/ai/run/${WORKERS_AI_MODEL}`;

const half = (fixture: string) => Math.floor(fixtureBytes(fixture).byteLength / 2);

function cases(): Case[] {
  const chat = (fixture: string, c: Partial<Case> & { body: Obj; model: string }): Case => ({ format: "openai.chat_completions", fixture, op: "chat", url: `${OPENAI}/chat/completions`, ...c });
  const responses = (fixture: string, c: Partial<Case> & { body: Obj; model: string }): Case => ({ format: "openai.responses", fixture, op: "chat", url: `${OPENAI}/responses`, ...c });
  const anthropic = (fixture: string, c: Partial<Case> & { body: Obj; model: string }): Case => ({ format: "anthropic.messages", fixture, op: "chat", url: ANTHROPIC, headers: anthropicHeaders, ...c });
  const gemini = (fixture: string, method: string, c: Partial<Case> & { body: Obj; model: string }): Case => ({
    format: "gcp.gemini.generate_content",
    fixture,
    op: "generate_content",
    url: `${GEMINI}/${c.model}:${method}`,
    headers: { "x-goog-api-key": "AIza-test" },
    ...c,
  });
  const geminiEmbed = (fixture: string, method: string, body: Obj): Case => ({
    format: "gcp.gemini.embeddings",
    fixture,
    op: "embeddings",
    url: `${GEMINI}/gemini-embedding-001:${method}`,
    headers: { "x-goog-api-key": "AIza-test" },
    model: "gemini-embedding-001",
    body,
    has: ["dims"],
  });
  const converse = (fixture: string, c: Partial<Case> & { model: string }): Case => ({
    format: "aws.bedrock.converse",
    fixture,
    op: "chat",
    url: `${BEDROCK}/${c.model}/${fixture.includes("stream") ? "converse-stream" : "converse"}`,
    body: { messages: converseMessages, inferenceConfig },
    sets: CONVERSE_SETS,
    has: BEDROCK_USAGE,
    stream: fixture.includes("stream"),
    ...c,
  });
  const invoke = (fixture: string, c: Partial<Case> & { body: Obj; model: string }): Case => ({
    format: "aws.bedrock.invoke",
    fixture,
    op: "chat",
    url: `${BEDROCK}/${c.model}/${fixture.includes("stream") ? "invoke-with-response-stream" : "invoke"}`,
    stream: fixture.includes("stream"),
    ...c,
  });
  const cohere = (fixture: string, c: Partial<Case> & { body: Obj }): Case => ({ format: "cohere.chat", fixture, op: "chat", url: "https://api.cohere.com/v2/chat", model: "command-r-plus-08-2024", ...c });
  // Workers AI over REST (a URL) or through the binding (none).
  const workers = (fixture: string, url: string | undefined, c: Partial<Case> & { body: Obj }): Case => ({
    format: url ? "cloudflare.workers_ai" : "cloudflare.workers_ai (binding)",
    fixture,
    op: "chat",
    url,
    model: WORKERS_AI_MODEL,
    sets: WORKERS_SETS,
    has: ["input", "output"],
    ...c,
  });
  const ollama = (fixture: string, path: string, c: Partial<Case> & { body: Obj }): Case => ({
    format: path === "/api/chat" ? "ollama.chat" : "ollama.generate",
    fixture,
    op: path === "/api/chat" ? "chat" : "text_completion",
    url: `http://localhost:11434${path}`,
    model: "llama3",
    ...c,
  });

  return [
    // openai/ — Chat Completions (api.openai.com, provider openai)
    chat("openai/chat-nonstream.json", {
      model: "gpt-3.5-turbo",
      body: { model: "gpt-3.5-turbo", messages: user, ...chatParams, n: 1, response_format: { type: "json_object" }, service_tier: "default" },
      sets: [...CHAT_SETS, "output_type", "service_tier"],
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier"],
    }),
    chat("openai/chat-nonstream-tool-calls.json", {
      model: "gpt-4o-mini",
      body: { model: "gpt-4o-mini", messages: user, ...chatParams, tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] },
      sets: CHAT_SETS,
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier"],
    }),
    chat("openai/chat-stream-include-usage.sse", {
      model: "gpt-4o-mini",
      stream: true,
      body: { model: "gpt-4o-mini", messages: user, ...chatParams, stream: true, stream_options: { include_usage: true } },
      sets: CHAT_SETS,
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier"],
    }),
    chat("openai/chat-stream-parallel-tool-calls.sse", {
      model: "gpt-4o-mini",
      stream: true,
      body: { model: "gpt-4o-mini", messages: user, max_completion_tokens: 64, temperature: 0.5, stream: true, tools: [{ type: "function", function: { name: "get_weather" } }] },
      sets: ["max_tokens", "temperature"],
      has: ["id", "model", "finish", "serviceTier"],
    }),
    chat("openai/chat-stream-tool-call-include-usage.sse", {
      model: "gpt-4o-mini",
      stream: true,
      body: { model: "gpt-4o-mini", messages: user, ...chatParams, stream: true, stream_options: { include_usage: true }, tools: [{ type: "function", function: { name: "multiply" } }] },
      sets: CHAT_SETS,
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier", "fingerprint"],
    }),
    chat("openai/chat-stream-n2-multiple-choices.sse", {
      model: "gpt-4o-mini",
      stream: true,
      body: { model: "gpt-4o-mini", messages: user, ...chatParams, n: 2, stream: true },
      sets: [...CHAT_SETS, "choice_count"],
      has: ["id", "model", "finish", "serviceTier"],
    }),
    // Azure OpenAI: the deployment in the path, no model in the body (provider azure.ai.openai: no openai.* attributes).
    chat("openai/azure-chat-stream-prompt-filter.sse", {
      url: "https://my-resource.openai.azure.com/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-02-01",
      headers: { "api-key": "azure-test" },
      model: "gpt-35-turbo",
      stream: true,
      body: { messages: user, ...chatParams, stream: true },
      sets: CHAT_SETS,
      has: ["id", "model", "finish"],
    }),
    chat("openai/error-400-invalid-image-url.json", { model: "gpt-4o-mini", status: 400, failed: true, body: { model: "gpt-4o-mini", messages: user, max_tokens: 64 }, sets: ["max_tokens"] }),
    chat("openai/chat-stream-include-usage.sse", {
      variant: "cut mid-stream",
      model: "gpt-4o-mini",
      stream: true,
      cutAfter: half("openai/chat-stream-include-usage.sse"),
      failed: true,
      body: { model: "gpt-4o-mini", messages: user, stream: true, stream_options: { include_usage: true } },
      has: ["id", "model"],
    }),
    // openai/ — legacy Completions and Embeddings
    {
      format: "openai.completions",
      fixture: "openai/completions-nonstream.json",
      op: "text_completion",
      url: `${OPENAI}/completions`,
      model: "davinci-002",
      body: { model: "davinci-002", prompt: "Say this is a test", ...chatParams },
      sets: CHAT_SETS,
      has: ALL_USAGE,
    },
    {
      format: "openai.completions",
      fixture: "openai/completions-stream.sse",
      op: "text_completion",
      url: `${OPENAI}/completions`,
      model: "davinci-002",
      stream: true,
      body: { model: "davinci-002", prompt: "Say this is a test", ...chatParams, stream: true },
      sets: CHAT_SETS,
      has: ["id", "model", "finish"],
    },
    {
      format: "openai.embeddings",
      fixture: "openai/embeddings-base64.json",
      op: "embeddings",
      url: `${OPENAI}/embeddings`,
      model: "text-embedding-ada-002",
      body: { model: "text-embedding-ada-002", input: "Hello", encoding_format: "base64" },
      sets: ["encoding_formats"],
      // The base64 string decodes to 1536 float32 values.
      has: ["model", "input", "dims"],
    },
    // openai-responses/
    responses("openai-responses/responses-nonstream.json", {
      model: "gpt-4o-mini",
      body: {
        model: "gpt-4o-mini",
        input: "Write a haiku.",
        max_output_tokens: 256,
        temperature: 0.5,
        top_p: 0.9,
        text: { format: { type: "json_schema", name: "haiku", schema: { type: "object" } } },
        conversation: "conv_689667905b048191b4740501625afd940c7533ace33a2dab",
        service_tier: "default",
      },
      sets: ["max_tokens", "temperature", "top_p", "output_type", "conversation_id", "service_tier"],
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier"],
    }),
    responses("openai-responses/responses-stream-text.sse", {
      model: "gpt-4o-mini",
      stream: true,
      body: { model: "gpt-4o-mini", input: "Write a poem.", max_output_tokens: 256, temperature: 0.5, top_p: 0.9, previous_response_id: "resp_0ed97e9f646758460069d790d994888195be760e0f744275b2", stream: true },
      sets: ["max_tokens", "temperature", "top_p", "previous_response_id"],
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier"],
    }),
    responses("openai-responses/responses-stream-function-call.sse", {
      model: "gpt-4o",
      stream: true,
      body: { model: "gpt-4o", input: "Find carbonara.", instructions: "You are a recipe editor.", temperature: 0.5, stream: true, tools: [{ type: "function", name: "search_recipes", parameters: { type: "object" } }] },
      sets: ["temperature"],
      has: [...ALL_USAGE, "cacheRead", "reasoning", "serviceTier"],
    }),
    responses("openai-responses/responses-stream-error-insufficient-quota.sse", {
      model: "gpt-5-nano",
      stream: true,
      failed: true,
      noOutput: true,
      body: { model: "gpt-5-nano", input: "Hello", reasoning: { effort: "medium" }, stream: true },
      sets: ["reasoning_level"],
      has: ["id", "model", "serviceTier"],
    }),
    responses("openai-responses/error-insufficient-quota.json", { model: "gpt-4o-mini", status: 429, failed: true, body: { model: "gpt-4o-mini", input: "Hello", max_output_tokens: 64 }, sets: ["max_tokens"] }),
    // anthropic/
    anthropic("anthropic/messages-nonstream.json", {
      model: "claude-3-opus-20240229",
      body: { model: "claude-3-opus-20240229", messages: user, ...anthropicParams },
      sets: ANTHROPIC_SETS,
      has: ANTHROPIC_USAGE,
    }),
    // Extended thinking: temperature and top_k are not allowed with it.
    anthropic("anthropic/messages-nonstream-thinking.json", {
      model: "claude-opus-4-1-20250805",
      body: { model: "claude-opus-4-1-20250805", messages: user, max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 } },
      sets: ["max_tokens"],
      has: ANTHROPIC_USAGE,
    }),
    anthropic("anthropic/messages-stream-text.sse", {
      model: "claude-3-opus-20240229",
      stream: true,
      body: { model: "claude-3-opus-20240229", messages: user, ...anthropicParams, stream: true },
      sets: ANTHROPIC_SETS,
      has: ANTHROPIC_USAGE,
    }),
    anthropic("anthropic/messages-stream-tool-use.sse", {
      model: "claude-3-5-sonnet-20240620",
      stream: true,
      body: { model: "claude-3-5-sonnet-20240620", messages: user, ...anthropicParams, stream: true, tools: [{ name: "get_weather", input_schema: { type: "object" } }] },
      sets: ANTHROPIC_SETS,
      has: ANTHROPIC_USAGE,
    }),
    // Effort and structured output (`output_config.format`, a JSON schema) on a model that has both.
    anthropic("anthropic/messages-stream-thinking.sse", {
      model: "claude-sonnet-4-6",
      stream: true,
      body: {
        model: "claude-sonnet-4-6",
        messages: user,
        max_tokens: 4096,
        stream: true,
        thinking: { type: "enabled", budget_tokens: 2048 },
        output_config: { effort: "high", format: { type: "json_schema", schema: { type: "object", properties: { answer: { type: "string" } } } } },
      },
      sets: ["max_tokens", "reasoning_level", "output_type"],
      has: [...ANTHROPIC_USAGE, "reasoning"],
    }),
    // google/ — generateContent (Gemini API host, Vertex regional host)
    gemini("google/gemini-generate-content.json", "generateContent", {
      model: "gemini-2.5-flash",
      body: { contents: geminiContents, generationConfig: { ...gemini25Config, responseMimeType: "application/json" } },
      sets: [...GEMINI25_SETS, "output_type"],
      has: [...ALL_USAGE, "reasoning", "textIn"],
    }),
    gemini("google/gemini-stream-text.sse", "streamGenerateContent", {
      url: `${GEMINI}/gemini-2.0-flash:streamGenerateContent?alt=sse`,
      model: "gemini-2.0-flash",
      stream: true,
      body: { contents: geminiContents, generationConfig: gemini20Config },
      sets: GEMINI20_SETS,
      has: [...ALL_USAGE, "textIn", "textOut"],
    }),
    gemini("google/gemini-stream-text-array.json", "streamGenerateContent", {
      model: "gemini-2.0-flash",
      stream: true,
      body: { contents: geminiContents, generationConfig: gemini20Config },
      sets: GEMINI20_SETS,
      has: [...ALL_USAGE, "textIn", "textOut"],
    }),
    gemini("google/gemini-stream-text-array.json", "streamGenerateContent", {
      variant: "cut mid-stream",
      model: "gemini-2.0-flash",
      stream: true,
      // A JSON body is sent whole unless it is split into writes: split, then cut.
      splits: [1000, 2000, 3000, 4000, 5000, 6000, 7000],
      cutAfter: half("google/gemini-stream-text-array.json"),
      failed: true,
      body: { contents: geminiContents },
      has: ["id", "model"],
    }),
    gemini("google/gemini-stream-thinking.sse", "streamGenerateContent", {
      url: `${GEMINI}/gemini-3.5-flash:streamGenerateContent?alt=sse`,
      model: "gemini-3.5-flash",
      stream: true,
      body: { contents: geminiContents, generationConfig: { maxOutputTokens: 4096, temperature: 1, thinkingConfig: { thinkingLevel: "low", includeThoughts: true } } },
      sets: ["max_tokens", "temperature", "reasoning_level"],
      has: [...ALL_USAGE, "reasoning", "textIn"],
    }),
    gemini("google/gemini-stream-function-calls.sse", "streamGenerateContent", {
      url: `${GEMINI}/gemini-2.0-flash:streamGenerateContent?alt=sse`,
      model: "gemini-2.0-flash",
      stream: true,
      body: { contents: geminiContents, tools: [{ functionDeclarations: [{ name: "get_weather" }] }], generationConfig: { maxOutputTokens: 256, temperature: 0 } },
      sets: ["max_tokens", "temperature"],
      has: [...ALL_USAGE, "textIn", "textOut"],
    }),
    gemini("google/vertex-stream-array-int-enums.json", "streamGenerateContent", {
      url: "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?$alt=json;enum-encoding=int",
      headers: { authorization: "Bearer ya29.test" },
      model: "gemini-2.5-flash",
      stream: true,
      body: { contents: geminiContents, generationConfig: { maxOutputTokens: 1024, temperature: 0.5, topP: 0.9, topK: 40, seed: 7 } },
      sets: ["max_tokens", "temperature", "top_p", "top_k", "seed"],
      has: [...ALL_USAGE, "reasoning", "textIn", "textOut"],
    }),
    gemini("google/prompt-blocked.json", "generateContent", {
      model: "gemini-3.7-flash",
      body: { contents: geminiContents, generationConfig: { maxOutputTokens: 256 } },
      sets: ["max_tokens"],
      has: ["id", "model", "input", "textIn"],
    }),
    gemini("google/gemini-stream-prompt-blocked.sse", "streamGenerateContent", {
      url: `${GEMINI}/gemini-3.7-flash:streamGenerateContent?alt=sse`,
      model: "gemini-3.7-flash",
      stream: true,
      noOutput: true,
      body: { contents: geminiContents, generationConfig: { maxOutputTokens: 256 } },
      sets: ["max_tokens"],
      has: ["id", "model", "input", "textIn"],
    }),
    gemini("google/error-400-invalid-argument.json", "generateContent", {
      model: "gemini-2.5-flash",
      status: 400,
      failed: true,
      body: { contents: geminiContents, generationConfig: { maxOutputTokens: 256, presencePenalty: 0.5 } },
      sets: ["max_tokens", "presence_penalty"],
    }),
    gemini("google/error-429-resource-exhausted.json", "generateContent", {
      model: "gemini-2.5-flash",
      status: 429,
      failed: true,
      body: { contents: geminiContents, generationConfig: { maxOutputTokens: 256 } },
      sets: ["max_tokens"],
    }),
    // google/ — embeddings
    geminiEmbed("google/embed-content.json", "embedContent", { content: { parts: [{ text: "Hello" }] }, taskType: "RETRIEVAL_DOCUMENT" }),
    geminiEmbed("google/batch-embed-contents.json", "batchEmbedContents", {
      requests: [{ model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }, { text: "b" }] }, taskType: "RETRIEVAL_DOCUMENT" }],
    }),
    // bedrock/ — Converse, ConverseStream (no model and no id in any of these bodies)
    converse("bedrock/converse-llama.json", { model: "meta.llama3-2-1b-instruct-v1:0" }),
    converse("bedrock/converse-titan.json", { model: "amazon.titan-text-lite-v1" }),
    converse("bedrock/converse-titan-guardrail.json", {
      model: "amazon.titan-text-express-v1",
      body: { messages: converseMessages, inferenceConfig, guardrailConfig },
      sets: [...CONVERSE_SETS, "guardrail"],
    }),
    converse("bedrock/converse-stream-titan.b64", { model: "amazon.titan-text-lite-v1" }),
    converse("bedrock/converse-stream-titan.b64", {
      variant: "cut mid-stream",
      model: "amazon.titan-text-lite-v1",
      cutAfter: half("bedrock/converse-stream-titan.b64"),
      failed: true,
      has: [],
    }),
    converse("bedrock/converse-stream-claude-tool-use.b64", {
      model: "anthropic.claude-3-sonnet-20240229-v1:0",
      body: { messages: converseMessages, inferenceConfig, additionalModelRequestFields: { top_k: 50 }, toolConfig: { tools: [{ toolSpec: { name: "top_song", inputSchema: { json: { type: "object" } } } }] } },
      sets: [...CONVERSE_SETS, "top_k"],
    }),
    converse("bedrock/converse-stream-titan-guardrail.b64", {
      model: "amazon.titan-text-express-v1",
      body: { messages: converseMessages, inferenceConfig, guardrailConfig: { ...guardrailConfig, streamProcessingMode: "sync" } },
      sets: [...CONVERSE_SETS, "guardrail"],
    }),
    // bedrock/ — InvokeModel, InvokeModelWithResponseStream (vendor bodies)
    invoke("bedrock/invoke-claude-messages.json", { model: "anthropic.claude-3-sonnet-20240229-v1:0", body: claudeBody, sets: ANTHROPIC_SETS, has: ALL_USAGE }),
    invoke("bedrock/invoke-claude-completion.json", { model: "anthropic.claude-v2", op: "text_completion", body: claudeCompletionBody, sets: ANTHROPIC_SETS, has: BEDROCK_USAGE }),
    invoke("bedrock/invoke-llama.json", { model: "meta.llama3-8b-instruct-v1:0", op: "text_completion", body: llamaBody, sets: ["max_tokens", "temperature", "top_p"], has: BEDROCK_USAGE }),
    invoke("bedrock/invoke-mistral.json", { model: "mistral.mistral-7b-instruct-v0:2", op: "text_completion", body: mistralBody, sets: ["max_tokens", "temperature", "top_p", "top_k", "stop_sequences"], has: ["finish"] }),
    invoke("bedrock/invoke-titan.json", { model: "amazon.titan-text-lite-v1", op: "text_completion", body: titanBody, sets: CONVERSE_SETS, has: BEDROCK_USAGE }),
    invoke("bedrock/invoke-titan-guardrail.json", {
      model: "amazon.titan-text-express-v1",
      op: "text_completion",
      headers: guardrailHeaders,
      body: titanBody,
      sets: [...CONVERSE_SETS, "guardrail"],
      has: BEDROCK_USAGE,
    }),
    invoke("bedrock/invoke-nova.json", { model: "amazon.nova-pro-v1:0", body: novaBody, sets: [...CONVERSE_SETS, "top_k"], has: BEDROCK_USAGE }),
    invoke("bedrock/invoke-nova-cross-region.json", {
      model: "us.amazon.nova-lite-v1:0",
      body: novaBody,
      sets: [...CONVERSE_SETS, "top_k"],
      has: [...BEDROCK_USAGE, "cacheRead", "cacheWrite"],
    }),
    invoke("bedrock/invoke-cohere-command-r.json", { model: "cohere.command-r-v1:0", body: commandRBody, sets: COMMAND_R_SETS, has: ["finish"] }),
    invoke("bedrock/invoke-stream-claude.b64", { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", body: claudeBody, sets: ANTHROPIC_SETS, has: ALL_USAGE }),
    invoke("bedrock/invoke-stream-claude-sonnet.b64", { model: "anthropic.claude-3-sonnet-20240229-v1:0", body: claudeBody, sets: ANTHROPIC_SETS, has: ALL_USAGE }),
    invoke("bedrock/invoke-stream-titan.b64", { model: "amazon.titan-text-lite-v1", op: "text_completion", body: titanBody, sets: CONVERSE_SETS, has: BEDROCK_USAGE }),
    invoke("bedrock/invoke-stream-titan-guardrail.b64", {
      model: "amazon.titan-text-express-v1",
      op: "text_completion",
      headers: guardrailHeaders,
      body: titanBody,
      sets: [...CONVERSE_SETS, "guardrail"],
      has: BEDROCK_USAGE,
    }),
    invoke("bedrock/invoke-stream-mistral.b64", { model: "mistral.mistral-small-2402-v1:0", op: "text_completion", body: mistralBody, sets: ["max_tokens", "temperature", "top_p", "top_k", "stop_sequences"], has: BEDROCK_USAGE }),
    invoke("bedrock/invoke-stream-nova.b64", { model: "amazon.nova-pro-v1:0", body: novaBody, sets: [...CONVERSE_SETS, "top_k"], has: [...BEDROCK_USAGE, "cacheRead", "cacheWrite"] }),
    invoke("bedrock/invoke-stream-nova-guardrail.b64", {
      model: "amazon.nova-lite-v1:0",
      headers: guardrailHeaders,
      body: novaBody,
      sets: [...CONVERSE_SETS, "top_k", "guardrail"],
      has: [...BEDROCK_USAGE, "cacheRead", "cacheWrite"],
    }),
    // The stream-end chunk holds the whole Cohere response, its `response_id` included.
    invoke("bedrock/invoke-stream-cohere-command-r.b64", { model: "cohere.command-r-v1:0", body: commandRBody, sets: COMMAND_R_SETS, has: ["id", ...BEDROCK_USAGE] }),
    invoke("bedrock/error-403-invalid-signature.json", {
      model: "amazon.titan-text-lite-v1",
      op: "text_completion",
      status: 403,
      replyHeaders: { "x-amzn-ErrorType": "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/" },
      failed: true,
      body: titanBody,
      sets: CONVERSE_SETS,
    }),
    // cohere/ — v2 chat (no model in any response body)
    cohere("cohere/chat-v2.json", { body: { model: "command-r-plus-08-2024", messages: user, ...cohereParams, response_format: { type: "json_object" } }, sets: [...COHERE_SETS, "output_type"], has: ["id", "finish", "input", "output"] }),
    cohere("cohere/chat-v2-cached-tokens.json", { body: { model: "command-r-plus-08-2024", messages: user, ...cohereParams }, sets: COHERE_SETS, has: ["id", "finish", "input", "output"] }),
    cohere("cohere/chat-v2-stream-text.sse", { stream: true, body: { model: "command-r-plus-08-2024", messages: user, ...cohereParams, stream: true }, sets: COHERE_SETS, has: ["id", "finish", "input", "output"] }),
    cohere("cohere/chat-v2-stream-tool-calls.sse", {
      stream: true,
      body: { model: "command-r-plus-08-2024", messages: user, ...cohereParams, stream: true, tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] },
      sets: COHERE_SETS,
      has: ["id", "finish", "input", "output"],
    }),
    cohere("cohere/chat-v2-stream-thinking.sse", {
      model: "command-a-reasoning-08-2025",
      stream: true,
      body: { model: "command-a-reasoning-08-2025", messages: user, max_tokens: 1024, temperature: 0.5, stream: true, thinking: { type: "enabled", token_budget: 512 } },
      sets: ["max_tokens", "temperature"],
      has: ["id", "finish", "input", "output"],
    }),
    // mistral/ — Chat Completions format on api.mistral.ai; Mistral's seed parameter is `random_seed`.
    chat("mistral/chat-stream.sse", {
      url: "https://api.mistral.ai/v1/chat/completions",
      model: "mistral-tiny",
      stream: true,
      body: { model: "mistral-tiny", messages: user, max_tokens: 128, temperature: 0.5, top_p: 0.9, stop: ["END"], random_seed: 7, frequency_penalty: 0.1, presence_penalty: 0.2, stream: true },
      sets: ["max_tokens", "temperature", "top_p", "stop_sequences", "seed", "frequency_penalty", "presence_penalty"],
      has: ALL_USAGE,
    }),
    chat("mistral/chat-stream-tool-call.sse", {
      url: "https://api.mistral.ai/v1/chat/completions",
      model: "mistral-small-latest",
      stream: true,
      body: { model: "mistral-small-latest", messages: user, max_tokens: 128, temperature: 0.5, random_seed: 7, stream: true, tools: [{ type: "function", function: { name: "get_weather" } }] },
      sets: ["max_tokens", "temperature", "seed"],
      has: ALL_USAGE,
    }),
    chat("mistral/chat-stream-reasoning-parts.sse", {
      url: "https://api.mistral.ai/v1/chat/completions",
      model: "magistral-medium-2507",
      stream: true,
      body: { model: "magistral-medium-2507", messages: user, max_tokens: 1024, temperature: 0.7, top_p: 0.95, stream: true },
      sets: ["max_tokens", "temperature", "top_p"],
      has: ALL_USAGE,
    }),
    // groq/, deepseek/, xai/, perplexity/ — Chat Completions format on their own hosts
    chat("groq/chat-stream.sse", {
      url: "https://api.groq.com/openai/v1/chat/completions",
      model: "llama3-8b-8192",
      stream: true,
      body: { model: "llama3-8b-8192", messages: user, max_completion_tokens: 128, temperature: 0.5, top_p: 0.9, stop: ["END"], seed: 7, stream: true },
      sets: ["max_tokens", "temperature", "top_p", "stop_sequences", "seed"],
      has: ALL_USAGE,
    }),
    chat("deepseek/chat-tool-call-cache-hit.json", {
      url: "https://api.deepseek.com/chat/completions",
      model: "deepseek-reasoner",
      body: { model: "deepseek-reasoner", messages: user, max_tokens: 1024, tools: [{ type: "function", function: { name: "weather" } }] },
      sets: ["max_tokens"],
      has: [...ALL_USAGE, "cacheRead", "reasoning"],
    }),
    chat("xai/chat-reasoning.json", {
      url: "https://api.x.ai/v1/chat/completions",
      model: "grok-3-mini",
      body: { model: "grok-3-mini", messages: user, max_completion_tokens: 512, temperature: 0.5, top_p: 0.9, seed: 7, reasoning_effort: "low" },
      sets: ["max_tokens", "temperature", "top_p", "seed", "reasoning_level"],
      has: [...ALL_USAGE, "cacheRead", "reasoning", "textIn"],
    }),
    chat("xai/chat-stream-reasoning.sse", {
      url: "https://api.x.ai/v1/chat/completions",
      model: "grok-3-mini",
      stream: true,
      body: { model: "grok-3-mini", messages: user, max_completion_tokens: 512, temperature: 0.5, seed: 7, reasoning_effort: "low", stream: true, stream_options: { include_usage: true } },
      sets: ["max_tokens", "temperature", "seed", "reasoning_level"],
      has: [...ALL_USAGE, "cacheRead", "reasoning", "textIn"],
    }),
    // Perplexity's chat completions take `top_k` (and one of the two penalties).
    chat("perplexity/chat-citations.json", {
      url: "https://api.perplexity.ai/chat/completions",
      model: "sonar",
      body: { model: "sonar", messages: user, max_tokens: 512, temperature: 0.2, top_p: 0.9, top_k: 40, presence_penalty: 0.2 },
      sets: ["max_tokens", "temperature", "top_p", "top_k", "presence_penalty"],
      has: ALL_USAGE,
    }),
    chat("perplexity/chat-stream-citations.sse", {
      url: "https://api.perplexity.ai/chat/completions",
      model: "sonar",
      stream: true,
      body: { model: "sonar", messages: user, max_tokens: 512, temperature: 0.2, top_p: 0.9, top_k: 40, presence_penalty: 0.2, stream: true },
      sets: ["max_tokens", "temperature", "top_p", "top_k", "presence_penalty"],
      has: ALL_USAGE,
    }),
    // ollama/ — native API on its default port (any host is Ollama by path and body)
    ollama("ollama/api-chat-stream.ndjson", "/api/chat", { stream: true, body: { model: "llama3", messages: user, options: ollamaOptions, format: "json" }, sets: [...OLLAMA_SETS, "output_type"], has: ["model", "finish", "input", "output"] }),
    ollama("ollama/api-chat-stream.ndjson", "/api/chat", {
      variant: "cut mid-stream",
      stream: true,
      cutAfter: half("ollama/api-chat-stream.ndjson"),
      failed: true,
      body: { model: "llama3", messages: user },
      has: ["model"],
    }),
    ollama("ollama/api-chat-tool-call.json", "/api/chat", {
      model: "qwen3.6",
      body: { model: "qwen3.6", messages: user, stream: false, think: true, options: ollamaOptions, tools: [{ type: "function", function: { name: "get_current_weather" } }] },
      sets: OLLAMA_SETS,
      has: ["model", "finish", "input", "output"],
    }),
    ollama("ollama/api-generate-stream.ndjson", "/api/generate", { stream: true, body: { model: "llama3", prompt: "Tell me a joke", options: ollamaOptions }, sets: OLLAMA_SETS, has: ["model", "finish", "input", "output"] }),
    ollama("ollama/api-chat-error-404.json", "/api/chat", { model: "nonexistent-model", status: 404, failed: true, body: { model: "nonexistent-model", messages: user, stream: false } }),
    // workers-ai/ — REST (api.cloudflare.com) and the binding
    workers("workers-ai/rest-chat.json", WORKERS_AI_REST, { body: { messages: user, ...workersInputs, response_format: jsonSchema }, sets: [...WORKERS_SETS, "output_type"] }),
    workers("workers-ai/chat-stream.sse", WORKERS_AI_REST, { stream: true, body: { messages: user, ...workersInputs, stream: true } }),
    workers("workers-ai/chat.json", undefined, { body: { messages: user, ...workersInputs, response_format: jsonSchema }, sets: [...WORKERS_SETS, "output_type"] }),
    workers("workers-ai/chat-stream.sse", undefined, { stream: true, body: { messages: user, ...workersInputs, stream: true } }),
    workers("workers-ai/embeddings.json", undefined, { op: "embeddings", model: "@cf/baai/bge-base-en-v1.5", body: { text: ["first", "second"] }, sets: undefined, has: ["dims"] }),
  ];
}

const CASES = cases();

/** The provider each case's host is (the conventions' names, README's provider table), written here apart from src/genai/detect.ts. */
const PROVIDER_OF_HOST: Record<string, string> = {
  "api.openai.com": "openai",
  "my-resource.openai.azure.com": "azure.ai.openai",
  "api.anthropic.com": "anthropic",
  "generativelanguage.googleapis.com": "gcp.gemini",
  "us-central1-aiplatform.googleapis.com": "gcp.vertex_ai",
  "bedrock-runtime.us-east-1.amazonaws.com": "aws.bedrock",
  "api.mistral.ai": "mistral_ai",
  "api.groq.com": "groq",
  "api.deepseek.com": "deepseek",
  "api.x.ai": "x_ai",
  "api.perplexity.ai": "perplexity",
  "api.cohere.com": "cohere",
  "localhost": "ollama",
  "api.cloudflare.com": "cloudflare.workers_ai",
};
const expectedProvider = (c: Case): string => (c.url ? PROVIDER_OF_HOST[new URL(c.url).hostname] ?? `(no provider listed for ${c.url})` : "cloudflare.workers_ai");
const label = (c: Case) => `${c.fixture}${c.variant ? ` (${c.variant})` : ""}`;

/** Every fixture file but the codec vectors and the README (see the header) is used by some case. */
const UNUSED_FIXTURES = new Set(["bedrock/vector-all-headers.b64", "bedrock/vector-corrupted-header-len.b64", "bedrock/vector-corrupted-length.b64", "bedrock/vector-corrupted-payload.b64", "bedrock/vector-empty-message.b64", "workers-ai/README.md"]);

// ---------------------------------------------------------------------------------------------
// Running them: each case in its own invocation, per profile
// ---------------------------------------------------------------------------------------------

/** The binding's stand-in result for a fixture: the parsed JSON, or the stream's bytes as the runtime returns them. */
function bindingResult(fixture: string): unknown {
  if (!fixture.endsWith(".sse")) return JSON.parse(fixtureText(fixture));
  const chunks = fixtureChunks(fixture);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function runCase(c: Case, id: string): Promise<void> {
  if (!c.url) {
    const ai = instrumentAI({ run: async (_model: string, _inputs: unknown) => bindingResult(c.fixture) });
    const out = await ai.run(c.model, c.body);
    if (out instanceof ReadableStream) await new Response(out).text();
    return;
  }
  const headers = { "content-type": "application/json", authorization: "Bearer sk-test", ...c.headers, "x-replay-case": id };
  try {
    await (await fetch(c.url, { method: "POST", headers, body: JSON.stringify(c.body) })).text();
  } catch {
    // a cut stream: the failure is what is checked
  }
}

/** Agent and tool scenarios (src/agents.ts), around real LLM calls. */
const AGENT_SCENARIOS = {
  /** An agent whose one LLM call (to openai) asks for get_weather, then runs it. */
  planner: async (call: (fixture: string) => Promise<void>) => {
    await invokeAgent({ name: "planner", id: "agent-1", description: "plans trips" }, async () => {
      await call("openai/chat-nonstream-tool-calls.json");
      await executeTool({ name: "get_weather", description: "current weather" }, async () => "sunny");
    });
  },
  /** An agent whose tool throws and which then throws itself. */
  failing: async (call: (fixture: string) => Promise<void>) => {
    await invokeAgent({ name: "failing", id: "agent-2", description: "fails" }, async () => {
      await call("openai/chat-nonstream.json");
      await executeTool({ name: "lookup", description: "finds a row", type: "datastore" }, async () => {
        throw new RangeError("no such row");
      }).catch(() => undefined);
      throw new TypeError("the agent gave up");
    }).catch(() => undefined);
  },
};
type Scenario = keyof typeof AGENT_SCENARIOS;

let collector: Collector;
let replay: Replay;
/** Per profile, per case id: the spans of its invocation. */
const traces = {} as Record<Profile, Map<string, DecodedSpan[]>>;

function replayTarget(fixture: string, c?: Pick<Case, "status" | "replyHeaders" | "cutAfter" | "splits">): string {
  return replay.urlFor(fixture, "", { gapMs: 0, status: c?.status ?? 200, headers: c?.replyHeaders, destroyAfterBytes: c?.cutAfter, splits: c?.splits });
}

async function emit(profile: Profile): Promise<Map<string, DecodedSpan[]>> {
  const service = `semconv-requirements-${profile}`;
  const config = { endpoint: collector.url, serviceName: service, semconv: profile, metrics: false };
  const agentCall = (scenario: string) => async (fixture: string) => {
    const id = `agent-${scenario}-${fixture}`;
    router.targets.set(id, replayTarget(fixture));
    await (await fetch(`${OPENAI}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-replay-case": id }, body: JSON.stringify({ model: "gpt-4o-mini", messages: user }) })).text();
  };
  const handler = withTracing(async (request: Request) => {
    const id = new URL(request.url).pathname.split("/").pop() ?? "";
    if (id.startsWith("agent-")) await AGENT_SCENARIOS[id.slice("agent-".length) as Scenario](agentCall(id));
    else await runCase(CASES[Number(id)]!, id);
    return new Response("ok");
  }, config);
  const ids = [...CASES.keys()].map(String);
  for (const id of [...ids, ...Object.keys(AGENT_SCENARIOS).map((s) => `agent-${s}`)]) {
    await (await handler(new Request(`http://app.test/case/${id}`, { method: "POST" }))).text();
  }
  await flush();
  const spans = collector.spans().filter((s) => s.resource["service.name"] === service);
  const caseOf = new Map<string, string>();
  for (const s of spans) if (s.parentSpanId === undefined && typeof s.attributes["url.path"] === "string") caseOf.set(s.traceId, (s.attributes["url.path"] as string).split("/").pop()!);
  const out = new Map<string, DecodedSpan[]>();
  for (const s of spans) {
    const id = caseOf.get(s.traceId);
    if (id !== undefined) out.set(id, [...(out.get(id) ?? []), s]);
  }
  return out;
}

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
  CASES.forEach((c, i) => {
    if (c.url) router.targets.set(String(i), replayTarget(c.fixture, c));
  });
  traces["v1.41"] = await emit("v1.41");
  traces.latest = await emit("latest");
}, 120_000);
afterAll(async () => {
  await collector?.close();
  await replay?.close();
});

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

const CLIENT = 3;
const INTERNAL = 1;
const UNSET = 0;
const ERROR = 2;

interface Gap {
  format: string;
  fixture: string;
  attribute: string;
  rule: string;
}

/** Status, error.type and kind/name rules shared by every GenAI span. */
function outcomeGaps(span: DecodedSpan, failed: boolean, kind: number, name: string, gap: (attribute: string, rule: string) => void): void {
  const a = span.attributes;
  if (span.kind !== kind) gap("span kind", `${kind === CLIENT ? "CLIENT" : "INTERNAL"} (is ${span.kind})`);
  if (span.name !== name) gap("span name", `\`${name}\` (is \`${span.name}\`)`);
  if (failed) {
    if (a["error.type"] === undefined) gap("error.type", "Conditionally Required if the operation ended in an error; it did");
    if (span.status.code !== ERROR) gap("span status", `ERROR on failure (is ${span.status.code})`);
  } else {
    if (a["error.type"] !== undefined) gap("error.type", `only if the operation ended in an error; it did not (is ${JSON.stringify(a["error.type"])})`);
    if (span.status.code !== UNSET) gap("span status", `UNSET on success (is ${span.status.code})`);
  }
}

function clientGaps(c: Case, profile: Profile, spans: DecodedSpan[] | undefined): Gap[] {
  const gaps: Gap[] = [];
  const gap = (attribute: string, rule: string) => gaps.push({ format: c.format, fixture: label(c), attribute, rule });
  const genai = (spans ?? []).filter((s) => s.attributes["gen_ai.operation.name"] !== undefined);
  if (genai.length !== 1) {
    gap("GenAI span", `one per LLM call (found ${genai.length})`);
    return gaps;
  }
  const span = genai[0]!;
  const a = span.attributes;
  const need = (attribute: string, rule: string) => {
    if (a[attribute] === undefined) gap(attribute, rule);
  };
  const embeddings = c.op === "embeddings";
  outcomeGaps(span, c.failed === true, CLIENT, `${c.op} ${c.model}`, gap);
  // Required.
  need("gen_ai.operation.name", "Required");
  if (a["gen_ai.operation.name"] !== undefined && a["gen_ai.operation.name"] !== c.op) gap("gen_ai.operation.name", `Required, \`${c.op}\` (is ${JSON.stringify(a["gen_ai.operation.name"])})`);
  need("gen_ai.provider.name", "Required");
  const provider = expectedProvider(c);
  if (a["gen_ai.provider.name"] !== undefined && a["gen_ai.provider.name"] !== provider) gap("gen_ai.provider.name", `Required, \`${provider}\` for this host (is ${JSON.stringify(a["gen_ai.provider.name"])})`);
  // Conditionally Required from the call itself.
  need("gen_ai.request.model", a["gen_ai.provider.name"] === "openai" ? "Required (OpenAI)" : "Conditionally Required if available; the request names the model");
  if (c.url) {
    need("server.address", "Recommended; the host called");
    if (a["server.address"] !== undefined) need("server.port", "Conditionally Required if server.address is set");
  }
  if (!embeddings) {
    if (c.stream) need("gen_ai.request.stream", "Conditionally Required iff the request streams; it does");
    else if (a["gen_ai.request.stream"] !== undefined) gap("gen_ai.request.stream", "only if the request streams; it does not");
    if (c.stream && !c.failed && !c.noOutput) need("gen_ai.response.time_to_first_chunk", "Recommended for streaming requests; the stream delivered output");
  }
  // What the request sets.
  for (const param of c.sets ?? []) {
    if (LATEST_ONLY_PARAMS.has(param) && profile !== "latest") continue;
    if (param === "guardrail") need("aws.bedrock.guardrail.id", REQUEST_RULE.guardrail);
    else if (param === "service_tier") {
      if (a["gen_ai.provider.name"] === "openai") need("openai.request.service_tier", REQUEST_RULE.service_tier);
    } else need(REQUEST_ATTRIBUTE[param], REQUEST_RULE[param]);
  }
  // What the fixture holds.
  const embeddingFacts = new Set<Fact>(["model", "input", "dims"]);
  for (const fact of c.has ?? []) {
    if (embeddings && !embeddingFacts.has(fact)) continue;
    if ((fact === "serviceTier" || fact === "fingerprint") && a["gen_ai.provider.name"] !== "openai") continue;
    const expected = factAttribute(fact, profile);
    if (expected) need(...expected);
  }
  // OpenAI refinement: the API type where one is defined.
  if (a["gen_ai.provider.name"] === "openai" && (c.format === "openai.chat_completions" || c.format === "openai.responses")) need("openai.api.type", "Recommended (OpenAI)");
  return gaps;
}

function agentGaps(scenario: Scenario, profile: Profile, spans: DecodedSpan[] | undefined): Gap[] {
  const gaps: Gap[] = [];
  const all = spans ?? [];
  const failed = scenario === "failing";
  const check = (format: string, op: string, name: string, spanFailed: boolean, rules: [string, string][]) => {
    const fixture = `${scenario} scenario`;
    const gap = (attribute: string, rule: string) => gaps.push({ format, fixture, attribute, rule });
    const found = all.filter((s) => s.attributes["gen_ai.operation.name"] === op);
    if (found.length !== 1) return gap(`${op} span`, `one per call (found ${found.length})`);
    const span = found[0]!;
    outcomeGaps(span, spanFailed, INTERNAL, name, gap);
    for (const [attribute, rule] of rules) if (span.attributes[attribute] === undefined) gap(attribute, rule);
  };
  const agent = scenario === "planner" ? "planner" : "failing";
  check("agents invoke_agent", "invoke_agent", `invoke_agent ${agent}`, failed, [
    ["gen_ai.operation.name", "Required"],
    ...(profile === "v1.41" ? ([["gen_ai.provider.name", "Required (v1.41 invoke_agent); its LLM calls all went to openai"]] as [string, string][]) : []),
    ["gen_ai.agent.name", "Conditionally Required when available; invokeAgent was given it"],
    ["gen_ai.agent.description", "Conditionally Required when available; invokeAgent was given it"],
    ...(profile === "v1.41" ? ([["gen_ai.agent.id", "Conditionally Required if applicable (v1.41); invokeAgent was given it"]] as [string, string][]) : []),
  ]);
  const tool = scenario === "planner" ? "get_weather" : "lookup";
  check("agents execute_tool", "execute_tool", `execute_tool ${tool}`, failed, [
    ["gen_ai.operation.name", "Required"],
    ["gen_ai.tool.name", "Required"],
    ["gen_ai.tool.description", "Recommended if available; executeTool was given it"],
    ["gen_ai.tool.type", "Recommended if available"],
    // The model's response asked for get_weather (call ids in openai/chat-nonstream-tool-calls.json).
    ...(scenario === "planner" ? ([["gen_ai.tool.call.id", "Recommended if available; the model's tool call has an id"]] as [string, string][]) : []),
    ...(profile === "latest" ? ([["gen_ai.agent.name", "Conditionally Required when applicable (latest); the tool runs inside invoke_agent"]] as [string, string][]) : []),
  ]);
  return gaps;
}

/** Gaps of both profiles, one line each: `<format> <fixture> <attribute>: <rule> [profiles]`. */
function report(gapsOf: (profile: Profile) => Gap[]): string[] {
  const lines = new Map<string, Profile[]>();
  for (const profile of ["v1.41", "latest"] as Profile[]) {
    for (const g of gapsOf(profile)) {
      const line = `${g.format} ${g.fixture} ${g.attribute}: ${g.rule}`;
      lines.set(line, [...(lines.get(line) ?? []), profile]);
    }
  }
  return [...lines].map(([line, profiles]) => `${line} [${profiles.join(", ")}]`);
}

describe("GenAI requirement levels on the exported spans", () => {
  it("every fixture of every format is used, but the documented exclusions", async () => {
    const { readdirSync } = await import("node:fs");
    const root = new URL("./fixtures/", import.meta.url);
    const files = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(new URL(`${d.name}/`, root)).map((f) => `${d.name}/${f}`));
    const used = new Set(CASES.map((c) => c.fixture));
    expect(files.filter((f) => !used.has(f) && !UNUSED_FIXTURES.has(f))).toEqual([]);
    expect([...UNUSED_FIXTURES].filter((f) => !files.includes(f))).toEqual([]);
  });

  it("each case made one invocation, and the run exercised every format", () => {
    for (const profile of ["v1.41", "latest"] as Profile[]) {
      expect(CASES.map((_, i) => traces[profile].has(String(i)))).toEqual(CASES.map(() => true));
    }
    // Every format of src/genai/registry.ts that has a fixture (ollama.embed has none: MANIFEST), and the binding;
    // and every provider the table names came out of the exported GenAI spans.
    expect(new Set(CASES.map((c) => c.format)).size).toBe(14);
    for (const profile of ["v1.41", "latest"] as Profile[]) {
      const exported = new Set(CASES.flatMap((_, i) => (traces[profile].get(String(i)) ?? []).map((s) => s.attributes["gen_ai.provider.name"]).filter((p) => p !== undefined)));
      expect([...exported].sort()).toEqual([...new Set(CASES.map(expectedProvider))].sort());
    }
  });

  it("inference and embeddings spans (every format, every fixture): Required, Conditionally Required, Recommended, name, kind, status", () => {
    const gaps = report((profile) => CASES.flatMap((c, i) => clientGaps(c, profile, traces[profile].get(String(i)))));
    expect(gaps).toEqual([]);
  });

  it("invoke_agent and execute_tool spans (src/agents.ts)", () => {
    const gaps = report((profile) => (Object.keys(AGENT_SCENARIOS) as Scenario[]).flatMap((s) => agentGaps(s, profile, traces[profile].get(`agent-${s}`))));
    expect(gaps).toEqual([]);
  });
});
