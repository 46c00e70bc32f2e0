/**
 * Is this outbound request an LLM call, and in which wire format?
 *
 * The format comes from the path each format of the registry declares (`/chat/completions`,
 * `/messages`...) and, for hosts we do not know, from the body shape and headers, so a custom
 * baseURL, a proxy, an AI gateway or an Azure deployment is still recognised. The provider
 * name comes from the host (user mappings first); for an unknown host it is the format's home
 * provider (`openai`, `anthropic`), the best knowledge a transport-level tracer has.
 */
import { hostMatches } from "../fetch/http.js";
import type { CallTarget } from "./call.js";
import { lookup, matchPath, obj, trimmedPath } from "./json.js";
import { FORMATS } from "./registry.js";
import type { WireFormat } from "./types.js";

export interface Detected extends CallTarget {
  format: WireFormat;
}

/** Built-in host patterns → `gen_ai.provider.name` (spec digest §6; custom lowercase names for the rest), tried in this order. */
const HOSTS: Record<string, string> = {
  "api.openai.com": "openai",
  "*.openai.azure.com": "azure.ai.openai",
  "*.cognitiveservices.azure.com": "azure.ai.openai",
  "*.services.ai.azure.com": "azure.ai.inference",
  "models.inference.ai.azure.com": "azure.ai.inference",
  "api.anthropic.com": "anthropic",
  "generativelanguage.googleapis.com": "gcp.gemini",
  "*.aiplatform.googleapis.com": "gcp.vertex_ai",
  "api.mistral.ai": "mistral_ai",
  "api.groq.com": "groq",
  "api.deepseek.com": "deepseek",
  "api.x.ai": "x_ai",
  "api.perplexity.ai": "perplexity",
  "api.cohere.com": "cohere",
  "api.cohere.ai": "cohere",
  "api.moonshot.ai": "moonshot_ai",
  "api.together.xyz": "together_ai",
  "api.together.ai": "together_ai",
  "api.fireworks.ai": "fireworks_ai",
  "openrouter.ai": "openrouter",
  "api.cerebras.ai": "cerebras",
  "api.deepinfra.com": "deepinfra",
  "api.sambanova.ai": "sambanova",
  "api-inference.huggingface.co": "huggingface",
  "router.huggingface.co": "huggingface",
  "ai-gateway.vercel.sh": "vercel.ai_gateway",
  // Workers AI over REST (`/ai/run/{model}` and its OpenAI-compatible `/ai/v1/...`): only LLM paths get this far.
  "api.cloudflare.com": "cloudflare.workers_ai",
};

/**
 * Hosts named by a pattern the wildcard form cannot say: Vertex AI's regional hosts
 * (`us-central1-aiplatform.googleapis.com`) and Bedrock Runtime's (`bedrock-runtime[-fips].{region}.amazonaws.com[.cn]`).
 */
const HOST_PATTERNS: [RegExp, string][] = [
  [/^[a-z0-9-]+-aiplatform\.googleapis\.com$/, "gcp.vertex_ai"],
  [/^bedrock-runtime(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/, "aws.bedrock"],
];

/** Cloudflare AI Gateway names the upstream provider in the path: /v1/{account}/{gateway}/{provider}/... */
const GATEWAY_PROVIDERS: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  "azure-openai": "azure.ai.openai",
  "google-ai-studio": "gcp.gemini",
  "google-vertex-ai": "gcp.vertex_ai",
  mistral: "mistral_ai",
  groq: "groq",
  deepseek: "deepseek",
  grok: "x_ai",
  perplexity: "perplexity",
  "perplexity-ai": "perplexity",
  cohere: "cohere",
  "aws-bedrock": "aws.bedrock",
  "workers-ai": "cloudflare.workers_ai",
  cerebras: "cerebras",
  openrouter: "openrouter",
};

/**
 * The AI Gateway's provider: its path segment, or for the OpenAI-compatible `/compat` endpoint the
 * prefix of the model (`google-ai-studio/gemini-2.5-flash`, `workers-ai/@cf/...`); a prefix not
 * known here is named as the gateway spells it (`_` for `-`: a custom provider name, the best
 * knowledge there is), and no prefix at all as the gateway.
 */
function gatewayProvider(url: URL, body: Record<string, unknown> | undefined): string | undefined {
  const segment = url.pathname.split("/")[4] ?? "";
  if (segment !== "compat") return lookup(GATEWAY_PROVIDERS, segment);
  const model = typeof body?.model === "string" ? body.model : "";
  const prefix = model.slice(0, Math.max(0, model.indexOf("/")));
  return lookup(GATEWAY_PROVIDERS, prefix) ?? (/^[a-z0-9][\w.-]{0,31}$/i.test(prefix) ? prefix.toLowerCase().replace(/-/g, "_") : "cloudflare.ai_gateway");
}

function providerForHost(url: URL, overrides: Record<string, string>, body: Record<string, unknown> | undefined): string | undefined {
  for (const pattern of Object.keys(overrides)) if (hostMatches(pattern, url)) return overrides[pattern];
  if (url.hostname === GATEWAY) return gatewayProvider(url, body);
  for (const pattern of Object.keys(HOSTS)) if (hostMatches(pattern, url)) return HOSTS[pattern];
  for (const [pattern, provider] of HOST_PATTERNS) if (pattern.test(url.hostname)) return provider;
  return undefined;
}

const pathFits = (format: WireFormat, path: string) =>
  typeof format.path === "string" ? path.endsWith(format.path) : format.path.test(path);

const GATEWAY = "gateway.ai.cloudflare.com";
/** The AI Gateway's universal endpoint (deprecated, still served): `POST /v1/{account}/{gateway}`. */
const UNIVERSAL = /^\/v1\/[^/]+\/[^/]+$/;
const isUniversal = (url: URL, path: string) => url.hostname === GATEWAY && UNIVERSAL.test(path);

/** A cheap first look, before any body is read: only POSTs to an LLM-shaped path qualify. */
export function mayBeLLMCall(method: string, url: URL): boolean {
  const path = trimmedPath(url);
  return method === "POST" && (isUniversal(url, path) || FORMATS.some((format) => pathFits(format, path)));
}

/**
 * The universal endpoint's body is an array of steps (`{provider, endpoint, headers, query}`),
 * tried in order until one succeeds: each is detected as the request it stands for (its
 * provider's gateway path, its `query` as the body). The call is the first step's until the
 * response's `cf-aig-step` header names a fallback. A step's headers (its credentials) are never read.
 */
function universal(url: URL, headers: Headers, body: unknown, overrides: Record<string, string>): Detected | undefined {
  const steps = (Array.isArray(body) ? body : []).map((item): Detected | undefined => {
    const step = item as { provider?: unknown; endpoint?: unknown; query?: unknown } | null;
    if (typeof step?.provider !== "string" || typeof step.endpoint !== "string") return undefined;
    const target = new URL(`${url.origin}${url.pathname}/${step.provider.toLowerCase()}/${step.endpoint.replace(/^\/+/, "")}`);
    const query = obj(step.query);
    const found = detect("POST", target, headers, query, overrides);
    return found && { ...found, body: query, url: target };
  });
  return steps[0] && { ...steps[0], steps };
}

export function detect(
  method: string,
  url: URL,
  headers: Headers,
  parsed: unknown,
  overrides: Record<string, string>,
): Detected | undefined {
  if (method !== "POST") return undefined;
  const path = trimmedPath(url);
  if (isUniversal(url, path)) return universal(url, headers, parsed, overrides);
  const body = obj(parsed);
  const format = FORMATS.find((f) => pathFits(f, path) && (!f.accepts || f.accepts(headers, body)));
  if (!format) return undefined;
  const known = providerForHost(url, overrides, body);
  if (known) return { provider: known, format, body };
  // Unknown host: only a request that looks the part is an LLM call.
  const fits = body !== undefined && format.fits(body);
  if (!fits && !path.includes("/openai/deployments/")) return undefined;
  // Conventions that name the provider whatever the format: Azure's deployment paths and
  // `api-key` header, Anthropic's version header.
  let provider = format.home;
  if (path.includes("/openai/deployments/") || headers.has("api-key")) provider = "azure.ai.openai";
  if (headers.has("anthropic-version")) provider = "anthropic";
  return { provider, format, body };
}

const DEPLOYMENT = /\/openai\/deployments\/([^/]+)\//;

/** Azure names the deployment in the path; it stands in for the model when the body has none. */
export function modelFromPath(url: URL): string | undefined {
  return matchPath(url, DEPLOYMENT)?.[1];
}
