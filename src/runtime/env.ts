/**
 * What a non-Worker runtime offers about itself: its OTEL_* environment variables and its
 * name, read without ever touching an API the runtime forbids or would prompt for.
 */

const GENERAL_KEYS = [
  "OTEL_SDK_DISABLED",
  "OTEL_SERVICE_NAME",
  "OTEL_SERVICE_VERSION",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  "OTEL_EXPORTER_OTLP_COMPRESSION",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
  "OTEL_PROPAGATORS",
  "OTEL_TRACES_EXPORTER",
  "OTEL_METRICS_EXPORTER",
  "OTEL_METRIC_EXPORT_INTERVAL",
  "OTEL_LOGS_EXPORTER",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_SEMCONV_STABILITY_OPT_IN",
  "OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN",
  "OTEL_LOG_LEVEL",
  "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
  "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
  "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
  "OTEL_ATTRIBUTE_COUNT_LIMIT",
  "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
  "OTEL_SPAN_EVENT_COUNT_LIMIT",
  "OTEL_SPAN_LINK_COUNT_LIMIT",
] as const;
const SIGNALS = ["TRACES", "METRICS", "LOGS"] as const;
const SIGNAL_OPTIONS = ["ENDPOINT", "HEADERS", "TIMEOUT", "COMPRESSION", "PROTOCOL"] as const;

/** Each signal's own exporter options: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and the like. */
type SignalKey = `OTEL_EXPORTER_OTLP_${(typeof SIGNALS)[number]}_${(typeof SIGNAL_OPTIONS)[number]}`;
export type OtelKey = (typeof GENERAL_KEYS)[number] | SignalKey;

/**
 * The variables `resolveConfig` reads; nothing else is copied out of the environment. Built in a
 * call marked pure, so that a bundle which only needs `onWorkerd` (a Worker's) leaves the list out.
 */
export const OTEL_KEYS: readonly OtelKey[] = /* @__PURE__ */ (() => [
  ...GENERAL_KEYS,
  ...SIGNALS.flatMap((signal) => SIGNAL_OPTIONS.map((name): SignalKey => `OTEL_EXPORTER_OTLP_${signal}_${name}`)),
])();

export type RuntimeEnv = Partial<Record<OtelKey, string>>;

interface DenoLike {
  env: { get(key: string): string | undefined; toObject(): Record<string, string> };
  permissions?: { querySync?(descriptor: { name: "env"; variable?: string }): { state: string } };
  version?: { deno?: string };
}

function pick(out: RuntimeEnv, key: OtelKey, value: unknown): void {
  if (typeof value === "string") out[key] = value;
}

/**
 * Deno, Deno Deploy, Netlify Edge and Supabase Edge. Without `--allow-env` reading throws (or,
 * in a terminal, prompts), so the permission is queried first: all of the environment when it is
 * granted, otherwise only the OTEL_* variables granted one by one (`--allow-env=OTEL_SERVICE_NAME,...`).
 */
function readDeno(deno: DenoLike, out: RuntimeEnv): void {
  const query = deno.permissions?.querySync;
  const granted = (variable?: string): boolean => {
    try {
      return query?.call(deno.permissions, variable ? { name: "env", variable } : { name: "env" }).state === "granted";
    } catch {
      return false;
    }
  };
  if (!query || granted()) {
    try {
      const all = deno.env.toObject();
      for (const key of OTEL_KEYS) pick(out, key, all[key]);
      return;
    } catch {
      if (!query) return; // no permission API to ask per variable: explicit config only
    }
  }
  for (const key of OTEL_KEYS) {
    if (!granted(key)) continue;
    try {
      pick(out, key, deno.env.get(key));
    } catch {
      // denied after all
    }
  }
}

/**
 * The OTEL_* variables of this process: `Deno.env` on Deno-based runtimes, `process.env`
 * elsewhere (Node, Bun, Vercel's edge runtime, workerd with nodejs_compat). Empty when the
 * runtime has neither or refuses; the explicit config then stands alone.
 */
export function readRuntimeEnv(): RuntimeEnv {
  const out: RuntimeEnv = {};
  const g = globalThis as { Deno?: DenoLike; process?: { env?: Record<string, unknown> } };
  try {
    if (typeof g.Deno?.env?.get === "function") {
      readDeno(g.Deno, out);
      return out;
    }
    const env = g.process?.env;
    if (env && typeof env === "object") for (const key of OTEL_KEYS) pick(out, key, env[key]);
  } catch {
    // an environment object that throws on access
  }
  return out;
}

export const PROCESS_RUNTIME_NAME = "process.runtime.name";
export const PROCESS_RUNTIME_VERSION = "process.runtime.version";

/**
 * `process.runtime.name` (and version) of the runtime we are in. `cloud.provider` is left out:
 * its semantic-convention values name clouds (aws, gcp, azure...), none of these platforms.
 * Names: `deno` (also Netlify Edge, Supabase Edge, Deno Deploy), `bun`, `workerd`,
 * `edge-light` (Vercel's edge runtime, its WinterCG runtime key), `nodejs` (as the Node SDK).
 */
/** Whether this is workerd (Cloudflare Workers): its navigator says so. */
export const onWorkerd = (): boolean => (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

export function runtimeResource(): Record<string, string> {
  const g = globalThis as {
    Deno?: DenoLike;
    Bun?: { version?: string };
    EdgeRuntime?: unknown;
    process?: { versions?: { node?: string } };
  };
  const named = (name: string, version: unknown): Record<string, string> =>
    typeof version === "string" ? { [PROCESS_RUNTIME_NAME]: name, [PROCESS_RUNTIME_VERSION]: version } : { [PROCESS_RUNTIME_NAME]: name };
  try {
    // Order matters: Deno and Bun also answer to process.versions.node.
    if (g.Deno?.version?.deno) return named("deno", g.Deno.version.deno);
    if (g.Bun) return named("bun", g.Bun.version);
    if (onWorkerd()) return named("workerd", undefined);
    if (typeof g.EdgeRuntime === "string") return named("edge-light", undefined);
    if (g.process?.versions?.node) return named("nodejs", g.process.versions.node);
  } catch {
    // unknown runtime
  }
  return {};
}
