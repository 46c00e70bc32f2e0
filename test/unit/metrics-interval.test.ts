/**
 * GenAI metrics aggregated per isolate and exported once per interval (OTEL_METRIC_EXPORT_INTERVAL)
 * by a later flush, over a pipeline with a fake collector and a controlled clock: POSTs per 1,000
 * requests, consecutive DELTA intervals, calls of a request that spans an interval boundary,
 * failed exports put back (or dropped and counted), the series cap, and `flush()`.
 */
import { SpanKind } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_LIMITS, resolveConfig } from "../../src/config.js";
import type { CallRecord } from "../../src/genai/call.js";
import { MAX_SERIES } from "../../src/metrics/isolate-metrics.js";
import { type ExportBatch, exportDeadline, flushMetrics, Pipeline, telemetryStats } from "../../src/pipeline.js";
import { RecordingSpan } from "../../src/trace/span.js";

/** The isolate clock only moves forward, across tests too (the last interval end is isolate-wide). */
let clock = 1_000_000;
beforeEach(() => {
  clock += 3_600_000;
  vi.spyOn(performance, "now").mockImplementation(() => clock);
});
afterEach(() => {
  vi.restoreAllMocks();
});
const epoch = () => performance.timeOrigin + clock;

interface Post {
  path: string;
  body: any;
}

function setup(intervalMs: number | undefined, answer: (path: string) => number | "network" | "never" | "slow" = () => 200, timeoutMs = 50) {
  const posts: Post[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    const status = answer(path);
    if (status === "network") throw new TypeError("fetch failed");
    // A request the platform cancelled with the invocation that made it: it never settles, whatever the abort signal says.
    if (status === "never") return new Promise<Response>(() => {});
    if (status === "slow") {
      await new Promise((r) => setTimeout(r, 300));
      posts.push({ path, body: JSON.parse(new TextDecoder().decode(init.body as Uint8Array)) });
      return new Response("{}");
    }
    posts.push({ path, body: JSON.parse(new TextDecoder().decode(init.body as Uint8Array)) });
    return new Response("{}", { status });
  };
  const config = resolveConfig({}, { endpoint: "http://collector", timeoutMs, ...(intervalMs === undefined ? {} : { metricExportIntervalMs: intervalMs }) });
  const pipeline = new Pipeline(config, {}, fetch);
  const sink = { limits: DEFAULT_LIMITS, spanStarted() {}, spanEnded() {} };
  /** One request: a SERVER span and its calls, started `durationMs` before now. */
  const request = (calls: CallRecord[], durationMs = 0, outMs?: number): ExportBatch => {
    const startMs = epoch() - durationMs;
    const span = new RecordingSpan("POST", SpanKind.SERVER, { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }, undefined, startMs, sink, pipeline.scope);
    span.end(epoch());
    return { spans: [span], calls, root: span, droppedSpans: 0, droppedCalls: 0, logs: [], droppedLogs: 0, startMs, outMs };
  };
  const metricPosts = () => posts.filter((p) => p.path === "/v1/metrics");
  /** Per metrics POST: the duration histogram's total count and its interval [start, end] (ns). */
  const intervals = () =>
    metricPosts().map((p) => {
      const metrics = p.body.resourceMetrics[0].scopeMetrics[0].metrics;
      const points = metrics.find((m: any) => m.name === "gen_ai.client.operation.duration").histogram.dataPoints;
      return {
        calls: points.reduce((n: number, q: any) => n + Number(q.count), 0),
        start: BigInt(points[0].startTimeUnixNano),
        end: BigInt(points[0].timeUnixNano),
      };
    });
  return { pipeline, posts, request, metricPosts, intervals };
}

const call = (model = "gpt-4o-mini"): CallRecord =>
  ({ operation: "chat", provider: "openai", requestModel: model, serverAddress: "api.openai.com", serverPort: 443, durationS: 0.4, streaming: false, usage: { input: 10, output: 5 }, resendCount: 0, endMs: 0 }) as CallRecord;

/** Every interval starts where the one before it ended. */
function expectConsecutive(list: { start: bigint; end: bigint }[]): void {
  for (let i = 0; i < list.length; i++) {
    expect(list[i].end).toBeGreaterThan(list[i].start);
    if (i > 0) expect(list[i].start).toBe(list[i - 1].end);
  }
}

describe("metrics exported once per interval", () => {
  it("1,000 requests at 10/s with the default 10 s interval: 1,010 POSTs (1,000 traces, 10 metrics: the first flush, then one per 10 s), 1,011 with flush(); every call counted once", async () => {
    const h = setup(undefined);
    expect(h.pipeline.config.metricExportIntervalMs).toBe(10_000);
    for (let i = 0; i < 1000; i++) {
      await h.pipeline.export(h.request([call()], 50));
      clock += 100;
    }
    const traces = h.posts.filter((p) => p.path === "/v1/traces").length;
    expect({ traces, metrics: h.metricPosts().length }).toEqual({ traces: 1000, metrics: 10 });
    await flushMetrics();
    expect(h.metricPosts()).toHaveLength(11);
    const list = h.intervals();
    expect(list.reduce((n, x) => n + x.calls, 0)).toBe(1000);
    expect(list.map((x) => x.calls)).toEqual([1, 100, 100, 100, 100, 100, 100, 100, 100, 100, 99]);
    expectConsecutive(list);
    // The first interval is the first request (50 ms); then each spans 10 s.
    expect(list.slice(0, 10).map((x) => Number(x.end - x.start) / 1e6)).toEqual([50, ...new Array(9).fill(10_000)]);
    console.log(`POSTs per 1,000 requests at 10 req/s, interval 10 s: ${traces + 10} (traces ${traces}, metrics 10; flush() adds 1)`);
  });

  it("interval 0 exports the metrics with every flush that has calls (as before), none without", async () => {
    const h = setup(0);
    await h.pipeline.export(h.request([call()], 10));
    clock += 1;
    await h.pipeline.export(h.request([]));
    clock += 1;
    await h.pipeline.export(h.request([call(), call()]));
    expect(h.intervals().map((x) => x.calls)).toEqual([1, 2]);
    expectConsecutive(h.intervals());
  });

  it("a request the interval passes during is counted in the export its flush makes; one still running then waits for the next", async () => {
    const h = setup(10_000);
    // The first flush exports at once; the interval starts there (t = 0).
    await h.pipeline.export(h.request([call()], 10));
    expect(h.intervals().map((x) => x.calls)).toEqual([1]);
    clock += 1_000;
    await h.pipeline.export(h.request([call()], 500)); // at 1 s: not due
    expect(h.metricPosts()).toHaveLength(1);
    // Started at 8.5 s, flushed at 11 s: the interval passed during it.
    clock += 10_000;
    await h.pipeline.export(h.request([call(), call()], 2500));
    expect(h.intervals().map((x) => x.calls)).toEqual([1, 3]);
    // Started before that export, flushed right after it: kept for the next interval.
    clock += 500;
    await h.pipeline.export(h.request([call()], 3000));
    expect(h.metricPosts()).toHaveLength(2);
    clock += 10_000;
    await h.pipeline.export(h.request([]));
    expect(h.intervals().map((x) => x.calls)).toEqual([1, 3, 1]);
    expectConsecutive(h.intervals());
  });

  it("an export the collector may accept later (503, network) puts the points back; the next one carries both intervals once", async () => {
    let down = true;
    const h = setup(0, (path) => (path === "/v1/metrics" && down ? 503 : 200));
    const before = telemetryStats();
    await h.pipeline.export(h.request([call()]));
    expect(h.intervals().map((x) => x.calls)).toEqual([1]); // sent, answered 503
    clock += 1000;
    down = false;
    await h.pipeline.export(h.request([call(), call()]));
    const [failed, ok] = h.intervals();
    expect(ok.calls).toBe(3);
    // The retried interval starts where the failed one did: no gap, no overlap.
    expect(ok.start).toBe(failed.start);
    expect(telemetryStats().droppedMetricPoints).toBe(before.droppedMetricPoints);

    const n = setup(0, (path) => (path === "/v1/metrics" && down ? "network" : 200));
    down = true;
    clock += 1000;
    await n.pipeline.export(n.request([call()]));
    expect(n.metricPosts()).toHaveLength(0);
    down = false;
    clock += 1000;
    await n.pipeline.export(n.request([call()]));
    expect(n.intervals().map((x) => x.calls)).toEqual([2]);
  });

  it("an export refused for good (400) loses its points, counted; the next interval starts after it", async () => {
    let refuse = true;
    const h = setup(0, (path) => (path === "/v1/metrics" && refuse ? 400 : 200));
    const before = telemetryStats().droppedMetricPoints;
    await h.pipeline.export(h.request([call()], 10));
    // One duration and two token-usage points.
    expect(telemetryStats().droppedMetricPoints - before).toBe(3);
    refuse = false;
    clock += 1000;
    await h.pipeline.export(h.request([call()]));
    expect(h.intervals().map((x) => x.calls)).toEqual([1, 1]);
    expectConsecutive(h.intervals());
  });

  it("a 5xx OTLP does not retry (500, 501) loses its points as a 400 does; 502, 503 and 504 keep them", async () => {
    for (const status of [500, 501, 502, 503, 504]) {
      let failing = true;
      const h = setup(0, (path) => (path === "/v1/metrics" && failing ? status : 200));
      const before = telemetryStats().droppedMetricPoints;
      clock += 1000;
      await h.pipeline.export(h.request([call()]));
      failing = false;
      clock += 1000;
      await h.pipeline.export(h.request([call()]));
      const kept = status >= 502;
      expect([status, telemetryStats().droppedMetricPoints - before, h.intervals().map((x) => x.calls)]).toEqual([status, kept ? 0 : 3, [1, kept ? 2 : 1]]);
    }
  });

  it("an export that never settles (cancelled with its invocation) is given up past its deadline: the isolate exports again, its points counted as lost", async () => {
    let cancelled = true;
    const h = setup(0, (path) => (path === "/v1/metrics" && cancelled ? "never" : 200));
    const before = telemetryStats().droppedMetricPoints;
    void h.pipeline.export(h.request([call()]));
    await new Promise((r) => setTimeout(r, 80));
    cancelled = false;
    // Within its deadline (50 ms and a second): still in flight, nothing else goes.
    clock += 500;
    await h.pipeline.export(h.request([call()]));
    expect(h.metricPosts()).toHaveLength(0);
    clock += 1000;
    await h.pipeline.export(h.request([call()]));
    expect(h.intervals().map((x) => x.calls)).toEqual([2]);
    expect(telemetryStats().droppedMetricPoints - before).toBe(3);
    // flush() does not wait for it forever either.
    const s = setup(60_000, (path) => (path === "/v1/metrics" ? "never" : 200));
    clock += 1000;
    void s.pipeline.export(s.request([call()]));
    await new Promise((r) => setTimeout(r, 10));
    clock += 2000;
    await flushMetrics();
  });

  it("on Workers an export's deadline stays within the 30 s waitUntil gives after the response, and it always gets 4.5 s; elsewhere no such limit", async () => {
    expect(exportDeadline(1_000_000, 1_000_000)).toBeUndefined(); // Node
    vi.stubGlobal("navigator", { userAgent: "Cloudflare-Workers" });
    try {
      // Flushed at once: 29.5 s left (its own timeout, 10 s by default, is the smaller).
      expect(exportDeadline(1_000_000, 1_000_000)).toBe(1_029_500);
      // Flushed 25 s after the response (waitUntil work held it): 4.5 s left.
      expect(exportDeadline(1_000_000, 1_025_000)).toBe(1_029_500);
      // Flushed 60 s after the response was returned (a stream relayed unwatched until then): still 4.5 s.
      expect(exportDeadline(1_000_000, 1_060_000)).toBe(1_064_500);
      expect(exportDeadline(undefined, 1_000_000)).toBeUndefined();
      // Through the pipeline: an export flushed long after the response is still made.
      const h = setup(0, () => 200, 10_000);
      await h.pipeline.export(h.request([call()], 0, epoch() - 60_000));
      expect(h.posts.map((p) => p.path).sort()).toEqual(["/v1/metrics", "/v1/traces"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("flush() waiting for an export in flight with no timeout of its own (0): one timer, no overflow", async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => void warnings.push(w.name);
    process.on("warning", listen);
    try {
      const h = setup(60_000, (path) => (path === "/v1/metrics" ? "slow" : 200), 0);
      clock += 1000;
      const first = h.pipeline.export(h.request([call()]));
      await new Promise((r) => setTimeout(r, 20));
      await h.pipeline.export(h.request([call()]));
      await flushMetrics();
      await first;
      await new Promise((r) => setTimeout(r, 10));
      expect(h.intervals().map((x) => x.calls)).toEqual([1, 1]);
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", listen);
    }
  });

  it("a trace body that cannot be made costs that signal only: the metrics still go, the failure counted", async () => {
    const h = setup(0);
    const errors = telemetryStats().instrumentationErrors;
    const batch = h.request([call()]);
    Object.defineProperty(batch.spans[0].attributes, "broken", {
      enumerable: true,
      get() {
        throw new Error("an attribute that cannot be read");
      },
    });
    clock += 1000;
    await h.pipeline.export(batch);
    expect(h.posts.map((p) => p.path)).toEqual(["/v1/metrics"]);
    expect(telemetryStats().instrumentationErrors - errors).toBe(1);
  });

  it(`keeps at most ${MAX_SERIES} series between exports and counts the samples it drops`, async () => {
    const h = setup(60_000);
    const before = telemetryStats().droppedMetricPoints;
    // Each call: one duration and two token-usage series; 700 models make 2,100.
    await h.pipeline.export(h.request(Array.from({ length: 700 }, (_, i) => call(`m-${i}`))));
    await flushMetrics();
    const metrics = h.metricPosts()[0].body.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(metrics.reduce((n: number, m: any) => n + m.histogram.dataPoints.length, 0)).toBe(MAX_SERIES);
    expect(telemetryStats().droppedMetricPoints - before).toBe(100);
  });

  it("flush() exports what waits for its interval, after an export in flight; never an empty request", async () => {
    const h = setup(60_000);
    await h.pipeline.export(h.request([call()], 10));
    clock += 1000;
    await h.pipeline.export(h.request([call(), call()]));
    expect(h.intervals().map((x) => x.calls)).toEqual([1]);
    await flushMetrics();
    await flushMetrics();
    expect(h.intervals().map((x) => x.calls)).toEqual([1, 2]);
    expectConsecutive(h.intervals());
  });
});
