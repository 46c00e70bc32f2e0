/**
 * A flush (`exportMetrics(true)`) waits for a metrics export in flight until its deadline. It reads
 * the clock twice; when the deadline falls between the two reads, the wait left is negative, and
 * Bun, Deno and newer Node print a `TimeoutNegativeWarning` for a negative timer delay. The wait
 * given to the timer must be none, not negative.
 */
import { SpanKind } from "@opentelemetry/api";
import { afterEach, expect, it, vi } from "vitest";
import { DEFAULT_LIMITS, resolveConfig } from "../../src/config.js";
import { Pipeline } from "../../src/pipeline.js";
import { RecordingSpan } from "../../src/trace/span.js";

let clock = 5_000_000;
let step = 0;
afterEach(() => vi.restoreAllMocks());

it("an export's deadline passing between the flush's two clock reads: the timer waits 0 ms, never a negative delay", async () => {
  vi.spyOn(performance, "now").mockImplementation(() => {
    const t = clock;
    clock += step;
    return t;
  });
  // The metrics POST never answers; the traces POST does.
  const fetch = async (url: string) => (new URL(url).pathname === "/v1/metrics" ? new Promise<Response>(() => {}) : new Response("{}"));
  const pipeline = new Pipeline(resolveConfig({}, { endpoint: "http://collector", timeoutMs: 50, metricExportIntervalMs: 60_000 }), {}, fetch);
  const sink = { limits: DEFAULT_LIMITS, spanStarted() {}, spanEnded() {} };
  const start = performance.timeOrigin + clock;
  const span = new RecordingSpan("POST", SpanKind.SERVER, { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }, undefined, start, sink, pipeline.scope);
  span.end(start);
  const call = { operation: "chat", provider: "openai", requestModel: "m", serverAddress: "api.openai.com", serverPort: 443, durationS: 0.4, streaming: false, usage: { input: 1, output: 1 }, resendCount: 0, endMs: 0 } as never;
  const sentAt = clock;
  void pipeline.export({ spans: [span], calls: [call], root: span, droppedSpans: 0, droppedCalls: 0, logs: [], droppedLogs: 0, startMs: start } as never);
  await new Promise((r) => setTimeout(r, 20));
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms?: number) => {
    delays.push(ms as number);
    return real(fn, ms);
  }) as never);
  // The export's deadline is sentAt + the 50 ms timeout + 1 s: the flush's first read lands 0.5 ms before it, the second 0.5 ms after.
  clock = sentAt + 1049.5;
  step = 1;
  await pipeline.exportMetrics(true);
  step = 0;
  expect(delays).toEqual([0]);
});
