/**
 * Configuration: the standard OTEL_* variables read from whatever environment the runtime
 * offers (a Worker's `env`, `process.env`, `Deno.env`), overridden by an explicit object.
 */
import { PROFILES, type SemconvProfileName } from "./attributes.js";
import {
  base,
  bool,
  endpoint,
  entries,
  fn,
  fromText,
  inRange,
  isObject,
  MAX_TIMER,
  ms,
  type Parse,
  parseKeyValueList,
  pick,
  positive,
  show,
  str,
  text,
  textBool,
  under,
  url,
  warn,
  credentials,
} from "./config-values.js";
import { setLogLevel } from "./diag.js";
import { type RedactUrlHook, type UrlPolicy, urlPolicy } from "./fetch/redact.js";
import { type CaptureMode, captureMode, type RedactContentHook } from "./genai/content/capture.js";
import type { IdentifyHook } from "./identify.js";

export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/**
 * What a user may pass. Every field is optional; unset ones come from the environment.
 * `E` is the environment `identify` is called with (a Worker's `env`).
 */
export interface Config<E = any> {
  serviceName?: string;
  serviceVersion?: string;
  /** Extra resource attributes (merged over OTEL_RESOURCE_ATTRIBUTES). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** OTLP base endpoint; `/v1/traces`, `/v1/metrics` and `/v1/logs` are appended. */
  endpoint?: string;
  /** Full traces URL, used as is. */
  tracesEndpoint?: string;
  /** Full metrics URL, used as is. */
  metricsEndpoint?: string;
  /** Full logs URL (GenAI events), used as is. */
  logsEndpoint?: string;
  /** Sent with every export, over OTEL_EXPORTER_OTLP_HEADERS and the per-signal variables. */
  headers?: Record<string, string>;
  /** Hard deadline for one export, retries included (ms); 0: no limit of its own. Default 10000. */
  timeoutMs?: number;
  /** `gzip` compresses export bodies (OTEL_EXPORTER_OTLP_COMPRESSION). Default `none`. */
  compression?: "gzip" | "none";
  sampler?: SamplerName;
  /** Ratio for the `traceidratio` samplers, 0..1. */
  samplerRatio?: number;
  disabled?: boolean;
  /** `false` turns the GenAI metrics off. */
  metrics?: boolean;
  /**
   * The least time between two GenAI metrics exports (ms, OTEL_METRIC_EXPORT_INTERVAL): metrics
   * are aggregated per isolate and go out with the first flush after it (and with the isolate's
   * first flush). Default 10000; 0 exports them with every flush that has some.
   */
  metricExportIntervalMs?: number;
  /** GenAI semantic-convention names: the core v1.41.0 release (default) or the genai-repo latest. */
  semconv?: SemconvProfileName;
  /**
   * Continue an incoming W3C `traceparent`, and go under a span another instrumentation records
   * around the handler (as INTERNAL). Default true.
   */
  acceptTraceContext?: boolean;
  /**
   * Send `traceparent`/`tracestate` on outbound fetch. A function decides per URL. Default true,
   * or false where OTEL_PROPAGATORS leaves `tracecontext` out.
   */
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
  /**
   * Who a request is for: attributes (`user.id`, `gen_ai.conversation.id`...) set on the SERVER
   * span and on every GenAI span of its invocation. Synchronous; strings, numbers and booleans
   * only. If it throws, the request has no such attributes and the handler runs as usual.
   */
  identify?: IdentifyHook<E>;
  /**
   * Query parameters whose values are recorded in `url.full`/`url.query`, added to the built-in
   * list (`alt`, `api-version`...). Every other value is recorded as `REDACTED`.
   */
  allowQueryParams?: string[];
  /**
   * The last word on a URL before it is recorded: called with a copy of the already scrubbed
   * URL; return the URL to record instead, `undefined` to keep it, `null` to record none.
   * If it throws, no URL is recorded.
   */
  redactUrl?: RedactUrlHook;
  /**
   * An SDK that makes its own GenAI span for a call (the Anthropic SDK, the AI SDK's
   * `@ai-sdk/otel`): `"replace"` (default) records one GenAI span per call, ours, in its place;
   * `"keep"` keeps the SDK's span and records ours as a plain HTTP span under it. Metrics count
   * each call once either way.
   */
  sdkSpans?: "replace" | "keep";
  /** How long to wait for spans still open once the invocation's work is done (ms). Default 2000. */
  flushGraceMs?: number;
  /**
   * The longest wait, once the response was sent, for waitUntil work and open spans before what
   * has ended is exported anyway (ms). Default 25000: Workers allow waitUntil work 30 s after the
   * response, and the export needs some of that time itself. An LLM stream still being read
   * is waited for while nothing waits in waitUntil.
   */
  flushDeadlineMs?: number;
  /**
   * Record what LLM calls were asked and answered (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT):
   * `NO_CONTENT` (default, or `false`), `SPAN_ONLY` (or `true`), `EVENT_ONLY`, `SPAN_AND_EVENT`; any case.
   */
  captureMessageContent?: boolean | CaptureMode | Lowercase<CaptureMode>;
  /** Called once per call with its content before anything is serialized: return what to record, or null/undefined for none. */
  redactContent?: RedactContentHook;
  /**
   * Captured tool definitions: `required` (default) records each tool's `type` and `name` only, as
   * the conventions recommend (descriptions and parameter schemas can be large); `full` adds them.
   */
  toolDefinitions?: "required" | "full";
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
  /** Longest captured content attribute, as JSON (characters); longer content is truncated, still valid JSON. */
  maxContentLength: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxSpans: 512,
  maxAttributes: 128,
  maxAttributeLength: 4096,
  maxEvents: 64,
  maxLinks: 32,
  maxJsonBodyBytes: 4 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  maxContentLength: 16 * 1024,
};

/**
 * Not the spec's 60 s: a Workers isolate may serve a few requests and be evicted, losing what it
 * has not exported, and an interval is only exported by a later request's flush. 10 s bounds
 * that loss and still costs at most 0.1 metrics POST per request at 1 request/s (0.01 at 10/s).
 */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 10_000;

export type Signal = "traces" | "metrics" | "logs";

/** How one signal is exported: its headers, deadline and body encoding (the signal's URL is beside it). */
export interface SignalExport {
  headers: Record<string, string>;
  timeoutMs: number;
  compression: "gzip" | "none";
}

export interface ResolvedConfig {
  serviceName: string;
  serviceVersion?: string;
  resourceAttributes: Record<string, string | number | boolean>;
  tracesUrl?: string;
  metricsUrl?: string;
  /** Where log records (GenAI events) go; none are kept without it. */
  logsUrl?: string;
  /** The headers, deadline and compression every signal starts from (explicit config over OTEL_EXPORTER_OTLP_*). */
  headers: Record<string, string>;
  timeoutMs: number;
  compression: "gzip" | "none";
  /** Per signal, with its OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_* variables applied. */
  exports: Record<Signal, SignalExport>;
  sampler: SamplerName;
  samplerRatio: number;
  disabled: boolean;
  metrics: boolean;
  metricExportIntervalMs: number;
  semconv: SemconvProfileName;
  acceptTraceContext: boolean;
  /** Continue an incoming `traceparent` (W3C trace context among OTEL_PROPAGATORS, or acceptTraceContext). */
  continueTraceContext: boolean;
  propagateTraceContext: boolean | ((url: URL) => boolean);
  excludePropagationHosts: string[];
  providers: Record<string, string>;
  addStreamUsage: boolean;
  routeFor?: (request: Request) => string | undefined;
  identify?: IdentifyHook;
  urlPolicy: UrlPolicy;
  sdkSpans: "replace" | "keep";
  flushGraceMs: number;
  flushDeadlineMs: number;
  captureMessageContent: CaptureMode;
  /**
   * Where exceptions go (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN): `spans` (events on the failed
   * span, the default), `logs` (log records only) or `logs/dup` (both).
   */
  exceptionSignal: "spans" | "logs" | "logs/dup";
  redactContent?: RedactContentHook;
  toolDefinitions: "required" | "full";
  limits: Limits;
  prices: Record<string, Price>;
}

/** A bag of environment strings; Worker bindings that are not vars are ignored. */
export type EnvSource = Record<string, unknown> | undefined;

const SAMPLERS: SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];
/** A deadline in ms; 0 is no limit of its own (the spec's reading of a zero timeout), the largest timer. */
const timeout: Parse<number> = (v) => (v === 0 ? MAX_TIMER : ms(v));
const lower = (s: string) => s.toLowerCase();
const whole: Parse<number> = (v) => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : undefined);
const compression: Parse<"gzip" | "none"> = (v) => (v === "gzip" || v === "none" ? v : undefined);

const JSON_ONLY = ["http/json"];
const SENDS_JSON = "only http/json is sent, to an OTLP/HTTP port (4318, not gRPC's 4317)";

/** A variable this package reads only to say, once, that it does not do what another value asks. */
function only(env: EnvSource, key: string, supported: string[], note: string): void {
  const v = str(env, key)?.toLowerCase();
  if (v !== undefined && !supported.includes(v)) warn(`${key}=${show(v)}: ${note}`);
}

/** Whether OTEL_PROPAGATORS (unset: `tracecontext,baggage`) includes W3C trace context; what is not supported is said once. */
function propagators(value: string | undefined): boolean {
  if (value === undefined) return true;
  const names = value.split(",").map((n) => n.trim().toLowerCase());
  for (const name of names) {
    if (name && name !== "tracecontext" && name !== "baggage" && name !== "none") warn(`OTEL_PROPAGATORS: ${show(name)} is not supported (tracecontext is): ignored`);
  }
  return names.includes("tracecontext");
}

const sampler: Parse<SamplerName> = (v) => (SAMPLERS.includes(v) ? v : undefined);
const semconv: Parse<SemconvProfileName> = (v) => (typeof v === "string" && Object.hasOwn(PROFILES, v) ? (v as SemconvProfileName) : undefined);
const price: Parse<Price> = (v) => {
  const n = inRange(0, Number.MAX_VALUE);
  return isObject(v) && n(v.input) !== undefined && n(v.output) !== undefined && [v.cacheRead, v.cacheWrite].every((c) => c === undefined || n(c) !== undefined)
    ? (v as unknown as Price)
    : undefined;
};

const FIELDS = new Set(
  "serviceName serviceVersion resourceAttributes endpoint tracesEndpoint metricsEndpoint logsEndpoint headers timeoutMs compression sampler samplerRatio disabled metrics metricExportIntervalMs semconv acceptTraceContext propagateTraceContext excludePropagationHosts providers addStreamUsage routeFor identify allowQueryParams redactUrl sdkSpans flushGraceMs flushDeadlineMs captureMessageContent redactContent toolDefinitions limits prices".split(
    " ",
  ),
);

/** Resolve the configuration. Never throws on a bad value: it is warned about and replaced. */
export function resolveConfig(env: EnvSource, input: Config = {}): ResolvedConfig {
  setLogLevel(str(env, "OTEL_LOG_LEVEL"));
  let explicit = input as Record<string, any>;
  if (!isObject(explicit)) {
    warn(`config (${Array.isArray(input) ? "an array" : typeof input}) is not an object: ignored`);
    explicit = {};
  }
  for (const key of Object.keys(explicit)) if (!FIELDS.has(key)) warn(`config.${key} is not a known option: ignored`);
  const cfg = <T>(field: keyof Config, parse: Parse<T>): [string, unknown, Parse<T>] => [`config.${field}`, explicit[field], parse];
  const envVar = <T>(key: string, parse: Parse<T>): [string, unknown, Parse<T>] => [key, str(env, key), parse];

  const explicitBase = base("config.endpoint", explicit.endpoint);
  const root = explicitBase ?? base("OTEL_EXPORTER_OTLP_ENDPOINT", str(env, "OTEL_EXPORTER_OTLP_ENDPOINT"));
  const envHeaders = parseKeyValueList(str(env, "OTEL_EXPORTER_OTLP_HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS", "headers");
  const explicitHeaders = entries("headers", explicit.headers, text, true);
  const headers = { ...envHeaders, ...explicitHeaders };
  const timeoutMs = pick(10000, "a number of milliseconds", cfg("timeoutMs", timeout), envVar("OTEL_EXPORTER_OTLP_TIMEOUT", fromText(timeout)));
  const gzip = pick<ResolvedConfig["compression"]>("none", '"gzip" or "none"', cfg("compression", compression), envVar("OTEL_EXPORTER_OTLP_COMPRESSION", fromText(compression, lower)));
  const exports = {} as Record<Signal, SignalExport>;
  const urls = {} as Record<Signal, string | undefined>;
  for (const signal of ["traces", "metrics", "logs"] as const) {
    const upper = signal.toUpperCase();
    const key = (name: string) => `OTEL_EXPORTER_OTLP_${upper}_${name}`;
    const field = `${signal}Endpoint` as const;
    const chosen =
      endpoint(`config.${field}`, explicit[field]) ??
      (explicitBase ? undefined : endpoint(key("ENDPOINT"), str(env, key("ENDPOINT")))) ??
      (root ? under(root, `/v1/${signal}`) : undefined);
    const { url: signalUrl, authorization } = chosen ? credentials(chosen) : { url: undefined };
    urls[signal] = signalUrl;
    // The general variable, the signal's over it, then the explicit field over both (a field overrides its variables).
    const merged = { ...envHeaders, ...parseKeyValueList(str(env, key("HEADERS")), key("HEADERS"), "headers"), ...explicitHeaders };
    if (authorization && merged.authorization === undefined) merged.authorization = authorization;
    exports[signal] = {
      headers: merged,
      // A valid field stands for every signal; a bad one was said once above, and the signal's variable comes next.
      timeoutMs: timeout(explicit.timeoutMs) !== undefined ? timeoutMs : pick(timeoutMs, "a number of milliseconds", envVar(key("TIMEOUT"), fromText(timeout))),
      compression:
        compression(explicit.compression) !== undefined ? gzip : pick(gzip, '"gzip" or "none"', envVar(key("COMPRESSION"), fromText(compression, lower))),
    };
    only(env, key("PROTOCOL"), JSON_ONLY, SENDS_JSON);
  }
  only(env, "OTEL_EXPORTER_OTLP_PROTOCOL", JSON_ONLY, SENDS_JSON);
  only(env, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", ["delta", "lowmemory"], "GenAI metrics are delta (a Collector's deltatocumulative processor converts them)");
  const { traces: tracesUrl, metrics: metricsUrl, logs: logsUrl } = urls;
  const w3c = propagators(str(env, "OTEL_PROPAGATORS"));

  const optIn = str(env, "OTEL_SEMCONV_STABILITY_OPT_IN") ?? "";
  const latest = optIn.split(",").some((v) => v.trim() === "gen_ai_latest_experimental");

  const fromEnv = parseKeyValueList(str(env, "OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES", "resource");
  const fromConfig = entries("resourceAttributes", explicit.resourceAttributes, (v) =>
    typeof v === "string" || typeof v === "boolean" || Number.isFinite(v) ? v : undefined,
  );
  const resourceAttributes: Record<string, string | number | boolean> = { ...fromEnv, ...fromConfig };
  // service.name: config.serviceName, then the config's resource attributes, OTEL_SERVICE_NAME,
  // OTEL_RESOURCE_ATTRIBUTES (what the user passed in code before what the environment says).
  const serviceName = pick(
    "unknown_service:edge",
    "a non-empty string",
    cfg("serviceName", text),
    ["config.resourceAttributes.service.name", fromConfig["service.name"], text],
    envVar("OTEL_SERVICE_NAME", text),
    ["OTEL_RESOURCE_ATTRIBUTES service.name", fromEnv["service.name"], text],
  );

  const capture = pick<CaptureMode>(
    "NO_CONTENT",
    "true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT",
    cfg("captureMessageContent", captureMode),
    envVar("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", captureMode),
  );

  const exporterOff = (key: string): boolean => {
    const v = str(env, key)?.toLowerCase();
    if (v && v !== "otlp" && v !== "none") warn(`${key}=${show(v)} is not supported (otlp or none); using otlp`);
    return v === "none";
  };
  const metricsOff = exporterOff("OTEL_METRICS_EXPORTER");
  const metrics = pick(!metricsOff, "a boolean", cfg("metrics", bool));
  // The SDK's limit variables (a span's own over the general one), the config field over both.
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, names] of [
    ["maxAttributeLength", ["OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"]],
    ["maxAttributes", ["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"]],
    ["maxEvents", ["OTEL_SPAN_EVENT_COUNT_LIMIT"]],
    ["maxLinks", ["OTEL_SPAN_LINK_COUNT_LIMIT"]],
  ] as const) {
    limits[key] = pick(limits[key], "a positive integer", ...names.map((name) => envVar(name, fromText(whole))));
  }
  const given = entries("limits", explicit.limits, positive);
  for (const key of Object.keys(given)) {
    if (Object.hasOwn(DEFAULT_LIMITS, key)) limits[key as keyof Limits] = given[key];
    else warn(`config.limits.${key} is not a known limit: ignored`);
  }
  const hosts = pick([] as unknown[], "an array of strings", cfg("excludePropagationHosts", (v) => (Array.isArray(v) ? v : undefined)));

  return {
    serviceName,
    serviceVersion: pick(undefined, "a non-empty string", cfg("serviceVersion", text), envVar("OTEL_SERVICE_VERSION", text)),
    resourceAttributes,
    tracesUrl: exporterOff("OTEL_TRACES_EXPORTER") && !url(explicit.tracesEndpoint) ? undefined : tracesUrl,
    metricsUrl: metrics ? metricsUrl : undefined,
    // OTEL_LOGS_EXPORTER=none turns GenAI events off unless logsEndpoint is passed, as for traces.
    logsUrl: exporterOff("OTEL_LOGS_EXPORTER") && !url(explicit.logsEndpoint) ? undefined : logsUrl,
    headers,
    timeoutMs,
    compression: gzip,
    exports,
    sampler: pick<SamplerName>(
      "parentbased_always_on",
      `one of ${SAMPLERS}`,
      cfg("sampler", sampler),
      envVar("OTEL_TRACES_SAMPLER", fromText(sampler, (s) => s.toLowerCase())),
    ),
    samplerRatio: pick(1, "a number in [0, 1]", cfg("samplerRatio", inRange(0, 1)), envVar("OTEL_TRACES_SAMPLER_ARG", fromText(inRange(0, 1)))),
    disabled: pick(false, "true or false", cfg("disabled", bool), envVar("OTEL_SDK_DISABLED", textBool)),
    metrics,
    metricExportIntervalMs: pick(
      DEFAULT_METRIC_EXPORT_INTERVAL_MS,
      "a number of milliseconds (0 or more)",
      cfg("metricExportIntervalMs", inRange(0, MAX_TIMER)),
      envVar("OTEL_METRIC_EXPORT_INTERVAL", fromText(inRange(0, MAX_TIMER))),
    ),
    semconv: pick(latest ? "latest" : "v1.41", `one of ${Object.keys(PROFILES)}`, cfg("semconv", semconv)),
    acceptTraceContext: pick(true, "a boolean", cfg("acceptTraceContext", bool)),
    continueTraceContext: pick(w3c, "a boolean", cfg("acceptTraceContext", bool)),
    propagateTraceContext: pick<ResolvedConfig["propagateTraceContext"]>(w3c, "a boolean or a function", cfg("propagateTraceContext", (v) => bool(v) ?? fn(v))),
    excludePropagationHosts: hosts.filter((h) => typeof h === "string" || warn(`config.excludePropagationHosts: ${show(h)} is not a string: ignored`)) as string[],
    providers: entries("providers", explicit.providers, text),
    addStreamUsage: pick(false, "a boolean", cfg("addStreamUsage", bool)),
    routeFor: pick(undefined, "a function", cfg("routeFor", fn)),
    identify: pick(undefined, "a function", cfg("identify", fn)),
    urlPolicy: urlPolicy(
      pick([] as string[], "an array of strings", cfg("allowQueryParams", (v) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined))),
      pick(undefined, "a function", cfg("redactUrl", fn)),
    ),
    sdkSpans: pick<ResolvedConfig["sdkSpans"]>("replace", '"replace" or "keep"', cfg("sdkSpans", (v) => (v === "replace" || v === "keep" ? v : undefined))),
    flushGraceMs: pick(2000, "a number of milliseconds", cfg("flushGraceMs", inRange(0, MAX_TIMER))),
    flushDeadlineMs: pick(25000, "a number of milliseconds", cfg("flushDeadlineMs", ms)),
    captureMessageContent: capture,
    exceptionSignal: pick<ResolvedConfig["exceptionSignal"]>(
      "spans",
      '"logs" or "logs/dup"',
      envVar("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", fromText((v: string) => (v === "logs" || v === "logs/dup" ? v : undefined), (s) => s.trim().toLowerCase())),
    ),
    redactContent: pick(undefined, "a function", cfg("redactContent", fn)),
    toolDefinitions: pick<ResolvedConfig["toolDefinitions"]>("required", '"required" or "full"', cfg("toolDefinitions", (v) => (v === "required" || v === "full" ? v : undefined))),
    limits,
    prices: entries("prices", explicit.prices, price),
  };
}
