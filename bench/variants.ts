/**
 * The bench's Worker variants: the same handler (bench/workers/app.ts) wrapped in different ways,
 * each in its own workerd process with its own OTLP receiver, so each one's CPU time, memory and
 * export requests can be read separately.
 */
import { type Collector, startCollector } from "../test/support/collector.js";
import { client } from "./http.js";
import { sleep } from "./stats.js";
import { type BenchWorker, startBenchWorker } from "./workerd.js";

export type VariantId = "bare" | "barePost" | "wrapObserve" | "wrapTransform" | "wrapTee" | "wrapObserveAls" | "wrapDefault" | "ours" | "oursNoExport" | "cfrc" | "cf";

export interface Variant {
  entry: string;
  label: string;
  /** OTLP POSTs the variant makes per /llm call (what the CPU section waits for). */
  exportsPerCall: number;
  env?: Record<string, string>;
}

export const VARIANTS: Record<VariantId, Variant> = {
  bare: { entry: "bench/workers/bare.ts", label: "bare", exportsPerCall: 0 },
  barePost: { entry: "bench/workers/bare-post.ts", label: "bare + 1 POST of 3.2 KB", exportsPerCall: 1 },
  wrapObserve: { entry: "bench/workers/bare-wrapped.ts", label: "bare + observeBody wrapper, no-op", exportsPerCall: 0, env: { WRAP: "observe" } },
  wrapTransform: { entry: "bench/workers/bare-wrapped.ts", label: "bare + TransformStream wrapper, no-op", exportsPerCall: 0, env: { WRAP: "transform" } },
  wrapObserveAls: {
    entry: "bench/workers/bare-wrapped.ts",
    label: "bare + observeBody wrapper, no-op, handler inside AsyncLocalStorage.run",
    exportsPerCall: 0,
    env: { WRAP: "observe", ALS: "1" },
  },
  wrapDefault: { entry: "bench/workers/bare-wrapped.ts", label: "bare + minimal pull-through, a default (not byte) stream", exportsPerCall: 0, env: { WRAP: "default" } },
  wrapTee: { entry: "bench/workers/bare-wrapped.ts", label: "bare + tee(), JS drains 2nd branch", exportsPerCall: 0, env: { WRAP: "tee" } },
  // One POST per request: the traces. GenAI metrics go once per OTEL_METRIC_EXPORT_INTERVAL
  // (src/metrics/isolate-metrics.ts), which the `exports` section counts.
  ours: { entry: "bench/workers/ours.ts", label: "otel-genai-edge", exportsPerCall: 1 },
  oursNoExport: { entry: "bench/workers/ours-noexport.ts", label: "otel-genai-edge, no export", exportsPerCall: 0 },
  cfrc: { entry: "bench/alternatives/workers/otel-cf-workers-rc.ts", label: "otel-cf-workers rc.52", exportsPerCall: 1 },
  cf: { entry: "bench/alternatives/workers/otel-cf-workers.ts", label: "otel-cf-workers 0.9.1", exportsPerCall: 1 },
};

export interface Running {
  id: VariantId;
  worker: BenchWorker;
  collector: Collector;
  http: ReturnType<typeof client>;
}

export async function startVariants(ids: VariantId[]): Promise<{ running: Map<VariantId, Running>; failures: Map<VariantId, string> }> {
  const running = new Map<VariantId, Running>();
  const failures = new Map<VariantId, string>();
  for (const id of ids) {
    try {
      running.set(id, await startVariant(id, id));
    } catch (e) {
      failures.set(id, (e as Error).message.replace(/\s+/g, " ").slice(0, 400));
    }
  }
  return { running, failures };
}

/** One variant in a fresh workerd process (`name` tells several of the same variant apart). */
export async function startVariant(id: VariantId, name: string, env: Record<string, string> = {}): Promise<Running> {
  const collector = await startCollector();
  try {
    const worker = await startBenchWorker(name, VARIANTS[id].entry, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: `bench-${name}`,
      ...VARIANTS[id].env,
      ...env,
    });
    return { id, worker, collector, http: client(worker.url) };
  } catch (e) {
    await collector.close();
    throw e;
  }
}

export async function stopVariant(r: Running): Promise<void> {
  r.http.close();
  await r.worker.close();
  await r.collector.close();
}

/** POSTs the collector has received whose path (query dropped) ends with `suffix`. */
export function posts(r: Running, suffix: string): number {
  return r.collector.requests.filter((q) => q.path.replace(/\?.*$/, "").endsWith(suffix)).length;
}

/**
 * Waits until the collector holds `expected` per-request exports (or `timeoutMs`), then a little
 * more for stragglers. Metrics POSTs (once per interval, not per request) are not counted.
 */
export async function quiesce(r: Running, expected: number, timeoutMs = 4000): Promise<boolean> {
  const perRequest = () => r.collector.requests.length - posts(r, "/v1/metrics");
  const until = Date.now() + timeoutMs;
  while (perRequest() < expected && Date.now() < until) await sleep(2);
  await sleep(15);
  return perRequest() >= expected;
}
