/**
 * Configuration: the standard OTEL_* variables read from whatever environment the runtime
 * offers (a Worker's `env`, `process.env`, `Deno.env`), overridden by an explicit object.
 */
import type { SemconvProfileName } from "./attributes.js";

export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** What a user may pass. Every field is optional; unset ones come from the environment. */
export interface Config {
  serviceName?: string;
  serviceVersion?: string;
  /** Extra resource attributes (merged over OTEL_RESOURCE_ATTRIBUTES). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** OTLP base endpoint; `/v1/traces` and `/v1/metrics` are appended. */
  endpoint?: string;
  /** Full traces URL, used as is. */
  tracesEndpoint?: string;
  /** Full metrics URL, used as is. */
  metricsEndpoint?: string;
  headers?: Record<string, string>;
  /** Hard deadline for one export, retries included (ms). Default 10000. */
  timeoutMs?: number;
  sampler?: SamplerName;
  /** Ratio for the `traceidratio` samplers, 0..1. */
  samplerRatio?: number;
  disabled?: boolean;
  /** `false` turns the GenAI metrics off. */
  metrics?: boolean;
  /** GenAI semantic-convention names: the core v1.41.0 release (default) or the genai-repo latest. */
  semconv?: SemconvProfileName;
  /** Continue an incoming W3C `traceparent`. Default true. */
  acceptTraceContext?: boolean;
  /** Send `traceparent`/`tracestate` on outbound fetch. A function decides per URL. Default true. */
  propagateTraceContext?: boolean | ((url: URL) => boolean);
  /** Hosts that never receive `traceparent` (exact host or `*.suffix`). */
  excludePropagationHosts?: string[];
  /**
   * Host to provider mappings added to (and overriding) the built-in ones, for proxies,
   * gateways and self-hosted OpenAI-compatible servers: `{ "llm.internal:8080": "openai" }`.
   * Keys are a host, `host:port`, or `*.suffix`.
   */
  providers?: Record<string, string>;
  /**
   * Add `stream_options: {include_usage: true}` to OpenAI-format streaming requests that lack
   * it, so token usage is reported. This changes the request sent. Default false.
   */
  addStreamUsage?: boolean;
  /** Route template for the server span name and `http.route`. */
  routeFor?: (request: Request) => string | undefined;
  /** How long to wait for spans still open once the invocation's work is done (ms). Default 2000. */
  flushGraceMs?: number;
  /**
   * The longest wait, after the handler returned, for the response body and waitUntil work
   * before what has ended is exported anyway (ms). Default 30000, Workers' own waitUntil limit.
   */
  flushDeadlineMs?: number;
  limits?: Partial<Limits>;
  /** Per-model prices, USD per one million tokens, for the cost attribute and counter. */
  prices?: Record<string, Price>;
}

export interface Price {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface Limits {
  /** Spans kept per invocation; more are dropped and counted. */
  maxSpans: number;
  maxAttributes: number;
  /** Longest string attribute value (characters); longer ones are truncated. */
  maxAttributeLength: number;
  maxEvents: number;
  maxLinks: number;
  /** Largest non-streaming JSON response body read for usage (bytes). */
  maxJsonBodyBytes: number;
  /** Largest single server-sent event parsed (bytes). */
  maxEventBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxSpans: 512,
  maxAttributes: 128,
  maxAttributeLength: 4096,
  maxEvents: 64,
  maxLinks: 32,
  maxJsonBodyBytes: 4 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
};

export interface ResolvedConfig {
  serviceName: string;
  serviceVersion?: string;
  resourceAttributes: Record<string, string | number | boolean>;
  tracesUrl?: string;
  metricsUrl?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  sampler: SamplerName;
  samplerRatio: number;
  disabled: boolean;
  metrics: boolean;
  semconv: SemconvProfileName;
  acceptTraceContext: boolean;
  propagateTraceContext: boolean | ((url: URL) => boolean);
  excludePropagationHosts: string[];
  providers: Record<string, string>;
  addStreamUsage: boolean;
  routeFor?: (request: Request) => string | undefined;
  flushGraceMs: number;
  flushDeadlineMs: number;
  limits: Limits;
  prices: Record<string, Price>;
}

/** A bag of environment strings; non-string values (Worker bindings) are ignored. */
export type EnvSource = Record<string, unknown> | undefined;

function str(env: EnvSource, key: string): string | undefined {
  const v = env?.[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** `k1=v1,k2=v2` (W3C baggage list form, values percent-decoded), as OTEL_*_HEADERS uses. */
export function parseKeyValueList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    if (!key) continue;
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

function joinSignal(base: string, signal: string): string {
  return base.replace(/\/+$/, "") + "/v1/" + signal;
}

function number(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : undefined);

const SAMPLERS: SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

export function resolveConfig(env: EnvSource, explicit: Config = {}): ResolvedConfig {
  const base = explicit.endpoint ?? str(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const tracesUrl =
    explicit.tracesEndpoint ??
    (explicit.endpoint ? undefined : str(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) ??
    (base ? joinSignal(base, "traces") : undefined);
  const metricsUrl =
    explicit.metricsEndpoint ??
    (explicit.endpoint ? undefined : str(env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")) ??
    (base ? joinSignal(base, "metrics") : undefined);

  const envSampler = str(env, "OTEL_TRACES_SAMPLER")?.toLowerCase() as SamplerName | undefined;
  const sampler = explicit.sampler ?? (envSampler && SAMPLERS.includes(envSampler) ? envSampler : "parentbased_always_on");
  const ratio = explicit.samplerRatio ?? number(str(env, "OTEL_TRACES_SAMPLER_ARG")) ?? 1;

  const optIn = str(env, "OTEL_SEMCONV_STABILITY_OPT_IN") ?? "";
  const latest = optIn.split(",").some((v) => v.trim() === "gen_ai_latest_experimental");

  const resourceAttributes: Record<string, string | number | boolean> = {
    ...parseKeyValueList(str(env, "OTEL_RESOURCE_ATTRIBUTES")),
    ...explicit.resourceAttributes,
  };
  const serviceName =
    explicit.serviceName ??
    str(env, "OTEL_SERVICE_NAME") ??
    (typeof resourceAttributes["service.name"] === "string" ? (resourceAttributes["service.name"] as string) : undefined) ??
    "unknown_service:edge";

  const metricsExporter = str(env, "OTEL_METRICS_EXPORTER")?.toLowerCase();
  const tracesExporter = str(env, "OTEL_TRACES_EXPORTER")?.toLowerCase();

  return {
    serviceName,
    serviceVersion: explicit.serviceVersion ?? str(env, "OTEL_SERVICE_VERSION"),
    resourceAttributes,
    tracesUrl: tracesExporter === "none" && !explicit.tracesEndpoint ? undefined : tracesUrl,
    metricsUrl: explicit.metrics === false || (metricsExporter === "none" && explicit.metrics !== true) ? undefined : metricsUrl,
    headers: {
      ...parseKeyValueList(str(env, "OTEL_EXPORTER_OTLP_HEADERS")),
      ...explicit.headers,
    },
    timeoutMs: positive(explicit.timeoutMs ?? number(str(env, "OTEL_EXPORTER_OTLP_TIMEOUT"))) ?? 10000,
    sampler,
    samplerRatio: Math.min(1, Math.max(0, ratio)),
    disabled: explicit.disabled ?? str(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true",
    metrics: explicit.metrics ?? metricsExporter !== "none",
    semconv: explicit.semconv ?? (latest ? "latest" : "v1.41"),
    acceptTraceContext: explicit.acceptTraceContext ?? true,
    propagateTraceContext: explicit.propagateTraceContext ?? true,
    excludePropagationHosts: explicit.excludePropagationHosts ?? [],
    providers: explicit.providers ?? {},
    addStreamUsage: explicit.addStreamUsage ?? false,
    routeFor: explicit.routeFor,
    flushGraceMs: explicit.flushGraceMs ?? 2000,
    flushDeadlineMs: explicit.flushDeadlineMs ?? 30000,
    limits: { ...DEFAULT_LIMITS, ...explicit.limits },
    prices: explicit.prices ?? {},
  };
}
