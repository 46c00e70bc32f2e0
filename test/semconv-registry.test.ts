/**
 * Conformance with the published semantic conventions, offline: the names and values this package
 * emits under the `v1.41` profile checked against the registry of semconv v1.41.0, the way the
 * genai-otel-conformance harness checks an instrumentation against the registry.
 *
 * The registry is `@opentelemetry/semantic-conventions` 1.41.1 (generated from semconv v1.41.0),
 * installed under the alias `semconv-1.41` (devDependency
 * `"semconv-1.41": "npm:@opentelemetry/semantic-conventions@1.41.1"`). Its `ATTR_*`, `METRIC_*`,
 * `EVENT_*` and `*_VALUE_*` constants are the names and enum members; a JSDoc `@deprecated` tag
 * marks the deprecated ones (only in the source text, so the build/esm files are read for it).
 *
 * What is checked:
 * 1. attribute names: every name exported by src/attributes.ts (and PROFILES["v1.41"]) that the
 *    package emits, plus every attribute key seen in the telemetry the package actually exports
 *    under v1.41 (spans, span events, resource, metric points, log records), is a 1.41 name and
 *    not deprecated; under `latest`, the names that differ from v1.41 are not 1.41 names;
 * 2. metric names recorded under v1.41 are 1.41 metrics;
 * 3. values of attributes that have enum members in 1.41 are members (not deprecated ones), or
 *    documented custom values listed below with the reason;
 * 4. event names (log records and span events) are 1.41 events.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as SEMCONV from "semconv-1.41/incubating";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as A from "../src/attributes.js";
import type { SemconvProfileName } from "../src/attributes.js";
import { detect } from "../src/genai/detect.js";
import { openaiChat } from "../src/genai/openai-chat.js";
import { openaiResponses } from "../src/genai/openai-responses.js";
import { FORMATS } from "../src/genai/registry.js";
import type { WireFormat } from "../src/genai/types.js";
import { executeTool, flush, instrument, instrumentAI, invokeAgent, recordEvaluation, withTracing } from "../src/index.js";
import { aggregateCalls } from "../src/metrics/genai-metrics.js";
import { DURATION_BOUNDS, Histogram } from "../src/metrics/histogram.js";
import { PROCESS_RUNTIME_NAME, PROCESS_RUNTIME_VERSION } from "../src/runtime/env.js";
import { type Collector, startCollector } from "./support/collector.js";
import { type Replay, startReplay } from "./support/replay.js";

// ---------------------------------------------------------------------------------------------
// The 1.41 registry
// ---------------------------------------------------------------------------------------------

interface Constant {
  constant: string;
  value: string;
  deprecated: boolean;
  /** The `@deprecated` line, when there is one. */
  note?: string;
}

// The package's `exports` has no "./package.json": its directory from the resolved entry point.
const require = createRequire(import.meta.url);
const PACKAGE_DIR = join(dirname(require.resolve("semconv-1.41/incubating")), "..", "..");
const PACKAGE = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { name: string; version: string };
const FILES = ["stable_attributes", "experimental_attributes", "stable_metrics", "experimental_metrics", "stable_events", "experimental_events"];

/** Every `export const NAME = 'value';` of the package's ESM build, with its JSDoc's `@deprecated`. */
function readConstants(): Constant[] {
  const out: Constant[] = [];
  const declaration = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?export const (\w+) = (['"])([^'"]*)\3;/g;
  for (const file of FILES) {
    const text = readFileSync(join(PACKAGE_DIR, "build", "esm", `${file}.js`), "utf8");
    for (const [, doc = "", constant, , value] of text.matchAll(declaration)) {
      const note = /@deprecated[^\n]*/.exec(doc)?.[0];
      out.push({ constant, value, deprecated: note !== undefined, note });
    }
  }
  return out;
}

const CONSTANTS = readConstants();

/** A name's constants: deprecated only when every constant spelling it is (`gen_ai.token.type` `output` has a deprecated alias). */
function byValue(constants: Constant[]): Map<string, Constant[]> {
  const map = new Map<string, Constant[]>();
  for (const c of constants) map.set(c.value, [...(map.get(c.value) ?? []), c]);
  return map;
}
const deprecated = (spellings: Constant[] | undefined) => spellings?.every((c) => c.deprecated) ?? false;
const note = (spellings: Constant[]) => spellings.find((c) => c.note)?.note ?? "";

const ATTRIBUTES = byValue(CONSTANTS.filter((c) => c.constant.startsWith("ATTR_")));
const METRICS_141 = byValue(CONSTANTS.filter((c) => c.constant.startsWith("METRIC_")));
const EVENTS_141 = byValue(CONSTANTS.filter((c) => c.constant.startsWith("EVENT_")));
/** Enum members by attribute name: `GEN_AI_PROVIDER_NAME_VALUE_*` for `ATTR_GEN_AI_PROVIDER_NAME`. */
const ENUMS = new Map<string, Map<string, Constant[]>>();
for (const attribute of CONSTANTS.filter((c) => c.constant.startsWith("ATTR_"))) {
  const prefix = `${attribute.constant.slice("ATTR_".length)}_VALUE_`;
  const members = CONSTANTS.filter((c) => c.constant.startsWith(prefix));
  if (members.length > 0) ENUMS.set(attribute.value, byValue(members));
}

/** Why a name is not a usable 1.41 name, or undefined when it is one. */
function attributeProblem(name: string): string | undefined {
  const spellings = ATTRIBUTES.get(name);
  if (!spellings) return `${name}: not defined in semconv 1.41`;
  if (deprecated(spellings)) return `${name}: deprecated in semconv 1.41 (${note(spellings)})`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What the package names: src/attributes.ts, PROFILES, and names defined elsewhere in src/
// ---------------------------------------------------------------------------------------------

/** Every string an export of src/attributes.ts holds (strings, and the members of its lists and sets), by export name. */
function exportedStrings(): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(A)) {
    if (typeof value === "string") out.push([key, value]);
    else if (Array.isArray(value) || value instanceof Set) for (const item of value) out.push([key, item as string]);
  }
  return out;
}

const OWN_NAMESPACE = "otel_genai_edge.";

/**
 * Exports of src/attributes.ts left out of the attribute-name check, each with its reason.
 * (Our own namespace, `otel_genai_edge.*`, is left out by prefix.)
 */
const NOT_EMITTED_NAMES: Record<string, string> = {
  // Event names, not attribute names: checked against the 1.41 events below.
  GEN_AI_INFERENCE_DETAILS_EVENT: "an event name",
  GEN_AI_EVALUATION_RESULT: "an event name",
  GEN_AI_OPERATION_EXCEPTION_EVENT: "an event name",
  EXCEPTION_EVENT: "an event name",
  // Attribute values, not names: checked with the enum values below.
  PROVIDER_WORKERS_AI: "a gen_ai.provider.name value",
  RPC_SYSTEM_CLOUDFLARE: "an rpc.system.name value",
  // The AI SDK's own names (vendor extras): read on, or removed from, its spans; never set by us.
  AI_OPERATION_ID: "the AI SDK's attribute, read on its spans",
  AI_SDK_CALL_OPERATIONS: "values of the AI SDK's ai.operationId, read on its spans",
  AI_SDK_CONTENT_ATTRIBUTES: "the AI SDK's content attributes, removed from its spans unless content capture is on",
  // Other instrumentations' older content attributes, removed from their spans (src/genai/content/foreign.ts);
  // they are deprecated in 1.41, which is asserted below.
  OLDER_GENAI_CONTENT_ATTRIBUTES: "other instrumentations' deprecated content attributes, removed from their spans",
  // Latest profile only (`laterRequestAttributes`, false in v1.41; the modality is recorded by the latest
  // metrics alone): asserted absent from the v1.41 telemetry below.
  GEN_AI_REQUEST_REASONING_LEVEL: "latest profile only",
  GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID: "latest profile only",
  GEN_AI_TOKEN_MODALITY: "latest profile only",
};

/** The namespaces the brief covers, and the other core ones the package uses (checked the same way). */
const NAMESPACES = ["gen_ai", "server", "error", "http", "url", "user_agent", "faas", "exception", "service", "telemetry", "process", "user", "session", "aws", "azure", "openai"];
const OTHER_CORE_NAMESPACES = ["cloud", "messaging", "rpc"];
const namespaceOf = (name: string) => name.slice(0, name.indexOf("."));

/** The attribute names the package emits under v1.41, by where they are defined. */
function v141Names(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [key, value] of exportedStrings()) {
    if (key in NOT_EMITTED_NAMES || value.startsWith(OWN_NAMESPACE)) continue;
    if (key === "PROFILES") continue;
    names.set(value, `attributes.ts ${key}`);
  }
  const profile = A.PROFILES["v1.41"];
  names.set(profile.cacheWriteInputTokens, 'PROFILES["v1.41"].cacheWriteInputTokens');
  for (const name of profile.doubleAttributes) if (!name.startsWith(OWN_NAMESPACE) && !names.has(name)) names.set(name, 'PROFILES["v1.41"].doubleAttributes');
  // Defined outside attributes.ts (the only attribute names in src/ that are: `grep` finds no other).
  names.set(PROCESS_RUNTIME_NAME, "runtime/env.ts PROCESS_RUNTIME_NAME");
  names.set(PROCESS_RUNTIME_VERSION, "runtime/env.ts PROCESS_RUNTIME_VERSION");
  return names;
}

// ---------------------------------------------------------------------------------------------
// Documented custom values of attributes that have enum members in 1.41
// ---------------------------------------------------------------------------------------------

/**
 * `gen_ai.provider.name` values that are not 1.41 members. The conventions let an instrumentation
 * name the provider by its best knowledge (the attribute's note), so a provider outside the list
 * gets its own lowercase name. README.md names them in "What is recorded for an LLM call" (and
 * Workers AI in "Durable Objects, RPC and Workers AI"); deepinfra, sambanova and huggingface
 * only appear in src/genai/detect.ts ("Cerebras, Moonshot..." in the README).
 */
const CUSTOM_PROVIDERS: Record<string, string> = {
  ollama: "Ollama, any host (README provider table)",
  "cloudflare.workers_ai": "Workers AI: README says it is not one of the spec's well-known values",
  together_ai: "Together (README provider table)",
  fireworks_ai: "Fireworks (README provider table)",
  openrouter: "OpenRouter (README provider table)",
  cerebras: "Cerebras (README provider table)",
  moonshot_ai: "Moonshot (README provider table)",
  "vercel.ai_gateway": "Vercel AI Gateway (README gateways row)",
  deepinfra: "DeepInfra (README provider table)",
  sambanova: "SambaNova (README provider table)",
  huggingface: "Hugging Face router (README provider table)",
  // AI Gateway `/compat`: a model prefix no mapping knows is named as the gateway spells it (src/genai/detect.ts).
  someone_new: "an unknown AI Gateway `/compat` prefix, as spelled (the test's `someone-new/model`)",
  "cloudflare.ai_gateway": "AI Gateway `/compat` with no provider prefix",
};

/** Custom values of other attributes with 1.41 enum members, each documented in README.md. */
const CUSTOM_VALUES: Record<string, Record<string, string>> = {
  // README "Every export carries a resource": `cloud.provider` = `cloudflare` with instrument,
  // instrumentDO and instrumentEntrypoint. Not a 1.41 member (aws, azure, gcp, ...).
  "cloud.provider": { cloudflare: "README resource table" },
  // README root-span table: the queue handler's `messaging.system` = `cloudflare_queues`.
  "messaging.system": { cloudflare_queues: "README root-span table (queue)" },
  // README "Durable Objects, RPC and Workers AI": "`cloudflare_rpc` is our value".
  "rpc.system.name": { cloudflare_rpc: "README: the conventions list none for Workers RPC" },
};

/**
 * Attributes whose values are open by definition in 1.41, not checked against the members:
 * `error.type` is the error's own identifier (status code, exception name, provider error code;
 * `_OTHER` is the only member); `openai.request.service_tier` is the tier the request asked for as
 * sent (1.41: "May be a specific tier, default, or auto"; members only `auto` and `default`).
 */
const OPEN_VALUES = new Set(["error.type", "openai.request.service_tier"]);

// ---------------------------------------------------------------------------------------------
// The telemetry the package exports, per profile
// ---------------------------------------------------------------------------------------------

interface Emitted {
  /** Attribute key → where it was seen. */
  keys: Map<string, Set<string>>;
  /** Attribute → string values seen (array members included). */
  values: Map<string, Set<string>>;
  metrics: Set<string>;
  logEvents: Set<string>;
  spanEvents: Set<string>;
  schemaUrls: Set<string>;
}

function collect(emitted: Emitted, where: string, attributes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (!emitted.keys.has(key)) emitted.keys.set(key, new Set());
    emitted.keys.get(key)!.add(where);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== "string") continue;
      if (!emitted.values.has(key)) emitted.values.set(key, new Set());
      emitted.values.get(key)!.add(v);
    }
  }
}

let collector: Collector;
let replay: Replay;
const emitted = {} as Record<SemconvProfileName, Emitted>;

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer sk-test", ...headers },
  body: JSON.stringify(body),
});
const user = [{ role: "user", content: "hi" }];

/** LLM calls answered from recorded fixtures: one per wire format, with the request parameters that set attributes. */
function calls(): [string, RequestInit][] {
  const at = (fixture: string, path: string, options?: Parameters<Replay["urlFor"]>[2]) => replay.urlFor(fixture, path, { gapMs: 0, ...options });
  return [
    [
      at("openai/chat-nonstream-tool-calls.json", "/v1/chat/completions"),
      json({
        model: "gpt-4o-mini",
        messages: [{ role: "system", content: "be brief" }, ...user],
        tools: [{ type: "function", function: { name: "get_weather", description: "weather", parameters: { type: "object" } } }],
        temperature: 0.5,
        top_p: 0.9,
        max_tokens: 50,
        frequency_penalty: 0.1,
        presence_penalty: 0.1,
        stop: ["END"],
        seed: 7,
        n: 2,
        response_format: { type: "json_object" },
        service_tier: "flex",
      }),
    ],
    [at("openai/chat-stream-include-usage.sse", "/v1/chat/completions"), json({ model: "gpt-4o-mini", messages: user, stream: true, stream_options: { include_usage: true }, modalities: ["text", "audio"] })],
    [at("openai/embeddings-base64.json", "/v1/embeddings"), json({ model: "text-embedding-3-small", input: "hi", encoding_format: "base64", dimensions: 8 })],
    [at("openai/completions-nonstream.json", "/v1/completions"), json({ model: "gpt-3.5-turbo-instruct", prompt: "hi" })],
    [at("openai/error-400-invalid-image-url.json", "/v1/chat/completions", { status: 400 }), json({ model: "gpt-4o-mini", messages: user })],
    [
      at("openai-responses/responses-nonstream.json", "/v1/responses"),
      json({ model: "gpt-4o-mini", input: "hi", instructions: "be brief", reasoning: { effort: "low" }, previous_response_id: "resp_prev", text: { format: { type: "text" } } }),
    ],
    [at("anthropic/messages-stream-text.sse", "/v1/messages"), json({ model: "claude-3-5-haiku-latest", max_tokens: 64, top_k: 5, system: "be brief", messages: user, stream: true }, { "anthropic-version": "2023-06-01" })],
    [
      at("google/gemini-generate-content.json", "/v1beta/models/gemini-2.0-flash:generateContent"),
      json({ contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { responseMimeType: "application/json", topK: 3 } }),
    ],
    [at("google/embed-content.json", "/v1beta/models/text-embedding-004:embedContent"), json({ content: { parts: [{ text: "hi" }] } })],
    [
      at("bedrock/converse-titan-guardrail.json", "/model/amazon.titan-text-express-v1/converse"),
      json({ messages: [{ role: "user", content: [{ text: "hi" }] }], inferenceConfig: { maxTokens: 32 }, guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" } }),
    ],
    [at("cohere/chat-v2.json", "/v2/chat"), json({ model: "command-r-plus", messages: user, response_format: { type: "json_object" } })],
    [at("ollama/api-chat-tool-call.json", "/api/chat"), json({ model: "llama3.1", messages: user, stream: false, format: "json" })],
    // Azure AI Inference (chat completions format) through a host mapping: `azure.resource_provider.namespace`.
    [at("openai/chat-nonstream.json", "/models/chat/completions").replace("127.0.0.1", "localhost"), json({ model: "gpt-4o-mini", messages: user })],
  ];
}

async function emit(profile: SemconvProfileName): Promise<Emitted> {
  const service = `semconv-registry-${profile}`;
  const config = {
    endpoint: collector.url,
    serviceName: service,
    serviceVersion: "1.2.3",
    semconv: profile,
    captureMessageContent: "SPAN_AND_EVENT" as const,
    providers: { localhost: "azure.ai.inference" },
    identify: () => ({ "user.id": "u-1", "session.id": "s-1" }),
    routeFor: () => "/chat/:id",
  };
  const handler = withTracing(async () => {
    await invokeAgent({ name: "planner", id: "agent-1", description: "plans" }, async () => {
      for (const [url, init] of calls()) await (await fetch(url, init)).text();
      await executeTool({ name: "get_weather", description: "the weather", arguments: { city: "Paris" } }, async () => "sunny");
    });
    // Workers AI through its binding; a plain (non-LLM) outbound fetch; an evaluation.
    const ai = instrumentAI({ run: async (_model: string, _inputs: unknown) => ({ response: "hi", usage: { prompt_tokens: 3, completion_tokens: 2 } }) });
    await ai.run("@cf/meta/llama-3.1-8b-instruct", { messages: user, max_tokens: 16 });
    await (await fetch(`${replay.url}/not-an-llm`)).text();
    recordEvaluation({ name: "relevance", scoreValue: 0.9, scoreLabel: "pass", explanation: "on topic", responseId: "chatcmpl-abc" });
    return new Response("ok");
  }, config);
  await (await handler(new Request("http://app.test/chat/1?q=x", { headers: { "user-agent": "conformance/1" } }))).text();
  // A handler that throws: error.type, the exception event.
  const failing = withTracing(async () => {
    throw new TypeError("boom");
  }, config);
  await failing(new Request("http://app.test/fail")).catch(() => undefined);
  // The Workers entry points: cloud.provider, faas.trigger timer and pubsub, messaging.*.
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException: () => {}, props: {} };
  const worker = instrument({ scheduled: async () => {}, queue: async () => {} } as never, config as never) as unknown as {
    scheduled(controller: unknown, env: unknown, ctx: unknown): Promise<void>;
    queue(batch: unknown, env: unknown, ctx: unknown): Promise<void>;
  };
  await worker.scheduled({ cron: "*/5 * * * *", scheduledTime: Date.now() }, {}, ctx);
  await worker.queue({ queue: "jobs", messages: [{ id: "1", body: "x" }] }, {}, ctx);
  await Promise.all(pending);
  await flush();

  const out: Emitted = { keys: new Map(), values: new Map(), metrics: new Set(), logEvents: new Set(), spanEvents: new Set(), schemaUrls: new Set() };
  const ours = (resource: Record<string, unknown>) => resource["service.name"] === service;
  for (const span of collector.spans().filter((s) => ours(s.resource))) {
    collect(out, `span ${span.name}`, span.attributes);
    collect(out, "resource", span.resource);
    if (span.scope.schemaUrl) out.schemaUrls.add(span.scope.schemaUrl);
    for (const event of span.events) {
      out.spanEvents.add(event.name);
      collect(out, `span event ${event.name}`, event.attributes);
    }
  }
  for (const metric of collector.metrics().filter((m) => ours(m.resource))) {
    out.metrics.add(metric.name);
    collect(out, "resource", metric.resource);
    if (metric.scope.schemaUrl) out.schemaUrls.add(metric.scope.schemaUrl);
    for (const point of metric.points) collect(out, `metric ${metric.name}`, point.attributes);
  }
  for (const record of collector.logs().filter((r) => ours(r.resource))) {
    if (record.eventName) out.logEvents.add(record.eventName);
    collect(out, `log ${record.eventName}`, record.attributes);
    if (record.scope.schemaUrl) out.schemaUrls.add(record.scope.schemaUrl);
  }
  return out;
}

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
  emitted["v1.41"] = await emit("v1.41");
  emitted.latest = await emit("latest");
}, 60_000);
afterAll(async () => {
  await collector?.close();
  await replay?.close();
});

/** The emitted attribute keys outside our namespace, with where they were seen. */
const foreignKeys = (e: Emitted) => [...e.keys].filter(([key]) => !key.startsWith(OWN_NAMESPACE));

// ---------------------------------------------------------------------------------------------

describe("the registry: semconv v1.41.0 as @opentelemetry/semantic-conventions 1.41.1", () => {
  it("is that version, and every constant of the package was read (with its deprecation)", () => {
    expect([PACKAGE.name, PACKAGE.version]).toEqual(["@opentelemetry/semantic-conventions", "1.41.1"]);
    // Every string constant the module exports is one the text parser found, with the same value.
    const parsed = new Map(CONSTANTS.map((c) => [c.constant, c.value]));
    const exported = Object.entries(SEMCONV).filter(([, v]) => typeof v === "string");
    expect(exported.length).toBeGreaterThan(1500);
    expect(exported.filter(([k, v]) => parsed.get(k) !== v)).toEqual([]);
    expect(exported.length).toBe(parsed.size);
    // Known facts of 1.41: the GenAI attributes and the deprecations the check relies on.
    expect(attributeProblem("gen_ai.provider.name")).toBeUndefined();
    expect(attributeProblem("gen_ai.system")).toMatch(/deprecated .*gen_ai\.provider\.name/);
    expect(attributeProblem("gen_ai.usage.prompt_tokens")).toMatch(/deprecated/);
    expect(ATTRIBUTES.get("http.request.method")?.[0].deprecated).toBe(false);
    expect([...(ENUMS.get("gen_ai.token.type")?.keys() ?? [])].sort()).toEqual(["input", "output"]);
    expect(deprecated(ENUMS.get("gen_ai.token.type")?.get("output"))).toBe(false);
    expect(METRICS_141.has("gen_ai.client.token.usage")).toBe(true);
    expect(EVENTS_141.has("gen_ai.client.inference.operation.details")).toBe(true);
  });
});

describe("1. attribute names under the v1.41 profile", () => {
  it("every name attributes.ts (and PROFILES['v1.41']) exports for emission is in a covered namespace", () => {
    const covered = new Set([...NAMESPACES, ...OTHER_CORE_NAMESPACES]);
    expect([...v141Names().keys()].filter((name) => !covered.has(namespaceOf(name)))).toEqual([]);
  });

  it("every such name is defined in semconv 1.41 and not deprecated there", () => {
    const names = v141Names();
    expect(names.size).toBeGreaterThan(80);
    const problems = [...names].map(([name, where]) => attributeProblem(name) && `${attributeProblem(name)} [${where}]`).filter(Boolean);
    expect(problems).toEqual([]);
  });

  it("the excluded older content attributes (which we only remove from others' spans) are the deprecated 1.41 ones", () => {
    expect(A.OLDER_GENAI_CONTENT_ATTRIBUTES.map((name) => [name, deprecated(ATTRIBUTES.get(name))])).toEqual([
      ["gen_ai.prompt", true],
      ["gen_ai.completion", true],
    ]);
  });

  it("every attribute key in the telemetry exported under v1.41 is a non-deprecated 1.41 name (or ours)", () => {
    const e = emitted["v1.41"];
    // The run covered what it is meant to: GenAI client, agent and tool spans, events, resource, Workers triggers.
    for (const key of ["gen_ai.request.top_k", "gen_ai.usage.cache_read.input_tokens", "gen_ai.tool.definitions", "aws.bedrock.guardrail.id", "openai.api.type", "azure.resource_provider.namespace", "gen_ai.evaluation.score.value", "exception.stacktrace", "faas.cron", "process.runtime.name", "messaging.batch.message_count", "gen_ai.agent.id"]) {
      expect(e.keys.has(key), key).toBe(true);
    }
    const problems = foreignKeys(e).map(([key, where]) => attributeProblem(key) && `${attributeProblem(key)} [seen on ${[...where].slice(0, 3).join("; ")}]`).filter(Boolean);
    expect(problems).toEqual([]);
  });

  it("every key in that telemetry is one src/ names (no attribute name is spelled elsewhere), or a user's (identify)", () => {
    const known = new Set([...v141Names().keys(), "user.id", "session.id"]);
    expect(foreignKeys(emitted["v1.41"]).map(([key]) => key).filter((key) => !known.has(key))).toEqual([]);
  });

  it("the latest-only names are absent from it", () => {
    const latestOnly = [A.GEN_AI_REQUEST_REASONING_LEVEL, A.GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID, A.GEN_AI_TOKEN_MODALITY, A.PROFILES.latest.cacheWriteInputTokens];
    expect(A.PROFILES["v1.41"].laterRequestAttributes).toBe(false);
    expect(latestOnly.filter((name) => emitted["v1.41"].keys.has(name))).toEqual([]);
    // ...and present under latest, so the run did exercise them.
    expect(latestOnly.slice(0, 3).filter((name) => !emitted.latest.keys.has(name))).toEqual([]);
  });

  it("the scope's schema URL is the 1.41.0 one", () => {
    expect([...emitted["v1.41"].schemaUrls]).toEqual(["https://opentelemetry.io/schemas/1.41.0"]);
    expect(A.PROFILES["v1.41"].schemaUrl).toBe("https://opentelemetry.io/schemas/1.41.0");
  });
});

describe("1b. the latest profile (the genai repository, not on npm)", () => {
  it("the names latest uses instead of v1.41's are not 1.41 names", () => {
    const differing = [A.PROFILES.latest.cacheWriteInputTokens, A.GEN_AI_REQUEST_REASONING_LEVEL, A.GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID, A.GEN_AI_TOKEN_MODALITY];
    expect(differing.filter((name) => ATTRIBUTES.has(name))).toEqual([]);
  });

  it("every attribute key exported under latest and not under v1.41 is not a 1.41 name", () => {
    const v141 = emitted["v1.41"].keys;
    const onlyLatest = foreignKeys(emitted.latest).map(([key]) => key).filter((key) => !v141.has(key));
    // Every other key is shared by both profiles (and checked above as a 1.41 name).
    expect(onlyLatest.sort()).toEqual([
      "gen_ai.request.previous_response.id",
      "gen_ai.request.reasoning.level",
      "gen_ai.token.modality",
      "gen_ai.usage.cache_write.input_tokens",
      // The registry test's fixtures report text input counts (Gemini, xAI); output ones are checked in test/semconv-requirements.test.ts.
      "gen_ai.usage.text.input_tokens",
    ]);
    expect(onlyLatest.filter((key) => ATTRIBUTES.has(key))).toEqual([]);
  });

  it("latest's own metric names are not 1.41 metrics; the one it shares is documented", () => {
    const onlyLatest = [...emitted.latest.metrics].filter((name) => !name.startsWith(OWN_NAMESPACE) && !emitted["v1.41"].metrics.has(name));
    expect(onlyLatest.length).toBeGreaterThan(0);
    expect(onlyLatest.filter((name) => METRICS_141.has(name))).toEqual([]);
    // Shared: latest keeps gen_ai.client.operation.duration for non-inference operations (embeddings; README metrics table).
    expect([...emitted.latest.metrics].filter((name) => emitted["v1.41"].metrics.has(name) && !name.startsWith(OWN_NAMESPACE))).toEqual(["gen_ai.client.operation.duration"]);
  });
});

describe("2. metric names under the v1.41 profile", () => {
  const gaps = new Histogram(DURATION_BOUNDS);
  gaps.record(0.01);
  const base = { operation: "chat", provider: "openai", requestModel: "m", responseModel: "m", serverAddress: "api.openai.com", serverPort: 443, durationS: 1, gaps, endMs: 0 };
  const records = [
    { ...base, streaming: true, ttfcS: 0.1, usage: { input: 3, output: 5, cacheRead: 1, cacheWrite: 1, reasoning: 1, inputModalities: { text: 2, audio: 1 } }, finishReasons: ["stop"], resendCount: 1, costUsd: 0.01 },
    { ...base, streaming: false, usage: {}, errorType: "429", resendCount: 0 },
    { ...base, operation: "embeddings", streaming: false, usage: { input: 2 }, resendCount: 0 },
  ];

  it("every metric the v1.41 aggregation records is a 1.41 metric (not deprecated), or ours", () => {
    const names = aggregateCalls(records as never, A.PROFILES["v1.41"]).map((s) => s.descriptor.name);
    const conventional = names.filter((name) => !name.startsWith(OWN_NAMESPACE));
    expect(conventional.sort()).toEqual([
      "gen_ai.client.operation.duration",
      "gen_ai.client.operation.time_per_output_chunk",
      "gen_ai.client.operation.time_to_first_chunk",
      "gen_ai.client.token.usage",
    ]);
    expect(conventional.filter((name) => !METRICS_141.has(name) || deprecated(METRICS_141.get(name)))).toEqual([]);
  });

  it("every metric exported under v1.41 is a 1.41 metric, or ours", () => {
    const names = [...emitted["v1.41"].metrics];
    expect(names).toContain("gen_ai.client.token.usage");
    expect(names.filter((name) => !name.startsWith(OWN_NAMESPACE) && (!METRICS_141.has(name) || deprecated(METRICS_141.get(name))))).toEqual([]);
  });
});

describe("3. values of attributes with 1.41 enum members", () => {
  /** Providers of the built-in host table, gateways included (the hosts of test/genai/detect-hosts.test.ts). */
  function detectedProviders(): Set<string> {
    const chat = { model: "m", messages: user };
    const gw = "https://gateway.ai.cloudflare.com/v1/acct/gw";
    const urls = [
      "https://api.openai.com/v1/chat/completions",
      "https://my.openai.azure.com/openai/deployments/d/chat/completions",
      "https://my.cognitiveservices.azure.com/openai/deployments/d/chat/completions",
      "https://my.services.ai.azure.com/models/chat/completions",
      "https://models.inference.ai.azure.com/chat/completions",
      "https://api.anthropic.com/v1/messages",
      "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent",
      "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/google/models/g:generateContent",
      "https://api.mistral.ai/v1/chat/completions",
      "https://api.groq.com/openai/v1/chat/completions",
      "https://api.deepseek.com/chat/completions",
      "https://api.x.ai/v1/chat/completions",
      "https://api.perplexity.ai/chat/completions",
      "https://api.cohere.com/v2/chat",
      "https://api.moonshot.ai/v1/chat/completions",
      "https://api.together.xyz/v1/chat/completions",
      "https://api.fireworks.ai/inference/v1/chat/completions",
      "https://openrouter.ai/api/v1/chat/completions",
      "https://api.cerebras.ai/v1/chat/completions",
      "https://api.deepinfra.com/v1/openai/chat/completions",
      "https://api.sambanova.ai/v1/chat/completions",
      "https://router.huggingface.co/v1/chat/completions",
      "https://ai-gateway.vercel.sh/v1/chat/completions",
      "https://api.cloudflare.com/client/v4/accounts/a/ai/v1/chat/completions",
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse",
      ...["openai", "anthropic", "azure-openai", "google-ai-studio", "google-vertex-ai", "mistral", "groq", "deepseek", "grok", "perplexity-ai", "cohere", "cerebras", "openrouter"].map((p) => `${gw}/${p}/chat/completions`),
    ];
    const providers = new Set<string>();
    for (const url of urls) {
      const found = detect("POST", new URL(url), new Headers({ "anthropic-version": "2023-06-01" }), chat, {});
      expect(found, url).toBeDefined();
      providers.add(found!.provider);
    }
    // AI Gateway `/compat` with a model prefix no mapping knows, and with none.
    for (const model of ["someone-new/model", "just-a-model"]) providers.add(detect("POST", new URL(`${gw}/compat/chat/completions`), new Headers(), { ...chat, model }, {})!.provider);
    for (const format of FORMATS) providers.add(format.home);
    providers.add(A.PROVIDER_WORKERS_AI);
    for (const value of emitted["v1.41"].values.get(A.GEN_AI_PROVIDER_NAME) ?? []) providers.add(value);
    return providers;
  }

  it("gen_ai.provider.name: 1.41 members, or the documented custom provider names", () => {
    const members = ENUMS.get("gen_ai.provider.name")!;
    const providers = [...detectedProviders()];
    expect(providers.length).toBeGreaterThan(20);
    const problems = providers.filter((p) => !(members.has(p) && !deprecated(members.get(p))) && !(p in CUSTOM_PROVIDERS));
    expect(problems).toEqual([]);
    // The custom list holds only names the package uses, none of them a 1.41 member.
    expect(Object.keys(CUSTOM_PROVIDERS).filter((p) => !providers.includes(p) || members.has(p))).toEqual([]);
  });

  /** Values the formats derive from request bodies, and the request attributes of the OpenAI formats. */
  function formatValues(): Map<string, Set<string>> {
    const values = new Map<string, Set<string>>();
    const add = (attribute: string, value: unknown) => {
      if (typeof value !== "string") return;
      if (!values.has(attribute)) values.set(attribute, new Set());
      values.get(attribute)!.add(value);
    };
    const url = new URL("https://host.example/v1beta/models/m:generateContent");
    const bodies: Record<string, unknown>[] = [
      ...["text", "json_object", "json_schema"].map((type) => ({ model: "m", messages: user, response_format: { type }, text: { format: { type } } })),
      { model: "m", messages: user, modalities: ["text", "audio"] },
      ...["application/json", "text/plain"].map((responseMimeType) => ({ contents: [], generationConfig: { responseMimeType } })),
      { model: "m", messages: user, format: "json" },
      { model: "m", messages: user, response_format: { type: "text" } },
    ];
    for (const format of FORMATS as readonly WireFormat[]) {
      for (const body of bodies) {
        let facts: ReturnType<WireFormat["request"]>;
        try {
          facts = format.request(body, url, new Headers());
        } catch {
          continue;
        }
        add(A.GEN_AI_OPERATION_NAME, facts.operation);
        add(A.GEN_AI_OUTPUT_TYPE, facts.outputType);
      }
    }
    for (const format of [openaiChat, openaiResponses]) {
      const attributes = format.requestAttributes?.("openai", { operation: "chat", serviceTier: "default" }) ?? {};
      for (const [key, value] of Object.entries(attributes)) add(key, value);
    }
    return values;
  }

  it("every other attribute with 1.41 enum members: a member, a documented custom value, or open by definition", () => {
    const seen = new Map<string, Set<string>>();
    // Workers RPC (not run here: it needs workerd's RPC stubs) sets this value, from attributes.ts.
    const rpc = new Map([[A.RPC_SYSTEM_NAME, new Set([A.RPC_SYSTEM_CLOUDFLARE])]]);
    for (const source of [emitted["v1.41"].values, formatValues(), rpc]) {
      for (const [attribute, values] of source) for (const v of values) (seen.get(attribute) ?? seen.set(attribute, new Set()).get(attribute)!).add(v);
    }
    // The run produced the closed enums it is meant to.
    for (const attribute of ["gen_ai.operation.name", "gen_ai.output.type", "gen_ai.token.type", "openai.api.type", "faas.trigger", "telemetry.sdk.language", "http.request.method"]) {
      expect(seen.has(attribute), attribute).toBe(true);
    }
    const problems: string[] = [];
    for (const [attribute, values] of seen) {
      const members = ENUMS.get(attribute);
      if (!members || attribute === A.GEN_AI_PROVIDER_NAME || OPEN_VALUES.has(attribute)) continue;
      for (const value of values) {
        if (members.has(value) && !deprecated(members.get(value))) continue;
        if (CUSTOM_VALUES[attribute]?.[value]) continue;
        problems.push(`${attribute}=${JSON.stringify(value)}: ${members.has(value) ? "a deprecated member" : "not a member"} in 1.41 (members: ${[...members.keys()].join(", ")})`);
      }
    }
    expect(problems).toEqual([]);
    expect([...(seen.get("gen_ai.operation.name") ?? [])].sort()).toEqual(["chat", "embeddings", "execute_tool", "generate_content", "invoke_agent", "text_completion"]);
    expect([...(seen.get("gen_ai.token.type") ?? [])].sort()).toEqual(["input", "output"]);
  });

  it("the documented custom values are the package's, and none of them is a 1.41 member", () => {
    const values = emitted["v1.41"].values;
    const used = (attribute: string, value: string) => (attribute === A.RPC_SYSTEM_NAME ? value === A.RPC_SYSTEM_CLOUDFLARE : (values.get(attribute)?.has(value) ?? false));
    for (const [attribute, custom] of Object.entries(CUSTOM_VALUES)) {
      for (const value of Object.keys(custom)) {
        expect([attribute, value, used(attribute, value), ENUMS.get(attribute)?.has(value) ?? false]).toEqual([attribute, value, true, false]);
      }
    }
  });
});

describe("4. event names under the v1.41 profile", () => {
  it("the GenAI events the package exposes are 1.41 events, not deprecated", () => {
    const names = [A.GEN_AI_INFERENCE_DETAILS_EVENT, A.GEN_AI_EVALUATION_RESULT, A.GEN_AI_OPERATION_EXCEPTION_EVENT, A.EXCEPTION_EVENT];
    expect(names.filter((name) => !EVENTS_141.has(name) || deprecated(EVENTS_141.get(name)))).toEqual([]);
  });

  it("every log record and span event exported under v1.41 is a 1.41 event", () => {
    const e = emitted["v1.41"];
    // The scenario's failed calls give the exception event (its GenAI events go to logs).
    expect([...e.logEvents].sort()).toEqual([A.GEN_AI_INFERENCE_DETAILS_EVENT, A.GEN_AI_EVALUATION_RESULT, A.GEN_AI_OPERATION_EXCEPTION_EVENT].sort());
    expect([...e.spanEvents]).toEqual(["exception"]);
    expect([...e.logEvents, ...e.spanEvents].filter((name) => !EVENTS_141.has(name) || deprecated(EVENTS_141.get(name)))).toEqual([]);
  });
});
