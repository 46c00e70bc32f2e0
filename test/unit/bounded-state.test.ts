/**
 * State that outlives a request stays bounded whatever the traffic or the app does (found by a
 * memory audit, each measured growing before): tracers per name, pipelines per config object,
 * spans started and never ended within a request, and the model names metric series keep.
 */
import { DiagLogLevel, diag, type ProxyTracerProvider, trace } from "@opentelemetry/api";
import { expect, it } from "vitest";
import { PROFILES } from "../../src/attributes.js";
import type { CallRecord } from "../../src/genai/call.js";
import { flush, telemetryStats, withTracing } from "../../src/index.js";
import { aggregateCalls } from "../../src/metrics/genai-metrics.js";
import { useServers } from "../support/servers.js";

const lines: string[] = [];
diag.setLogger({ error: () => {}, warn: (m: string) => void lines.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);

const servers = useServers();

it("a tracer per name (one per tenant, say): past 256 names they are made, not kept", async () => {
  const handler = withTracing(
    async () => {
      for (let i = 0; i < 1000; i++) trace.getTracerProvider().getTracer(`tenant-${i}`).startSpan("work").end();
      return new Response("ok");
    },
    { endpoint: servers.collector.url, serviceName: "tracers", metrics: false },
  );
  await (await handler(new Request("http://app.test/"))).text();
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as unknown as { tracers: Map<string, unknown> };
  expect(provider.tracers.size).toBe(256);
  // Every span was still recorded, whatever its tracer.
  await flush();
  expect(telemetryStats().droppedSpans).toBeGreaterThanOrEqual(1000 - 512);
});

it("spans started and never ended: past four buffers' worth in a request, new ones are not recorded (counted)", async () => {
  const recorded: boolean[] = [];
  const before = telemetryStats().droppedSpans;
  const handler = withTracing(
    async () => {
      for (let i = 0; i < 100; i++) recorded.push(trace.getTracer("leaky").startSpan(`open ${i}`).isRecording());
      return new Response("ok");
    },
    { endpoint: servers.collector.url, serviceName: "open-spans", metrics: false, limits: { maxSpans: 8 }, flushGraceMs: 0 },
  );
  await (await handler(new Request("http://app.test/"))).text();
  await flush();
  // The root is open too: 31 of the app's spans fit in 4 × 8.
  expect(recorded.filter(Boolean)).toHaveLength(31);
  expect(recorded.slice(31).every((r) => !r)).toBe(true);
  expect(telemetryStats().droppedSpans - before).toBeGreaterThanOrEqual(69);
});

it("a config object made anew per request: pipelines per environment stay bounded, and it is said once", async () => {
  const env = {};
  lines.length = 0;
  const { pipelineFor } = await import("../../src/runtime/invoke.js");
  for (let i = 0; i < 200; i++) pipelineFor(env, { endpoint: servers.collector.url, serviceName: `per-request-${i}` }, {});
  expect(lines.filter((l) => l.includes("configurations for one environment"))).toEqual([
    "otel-genai-edge: more than 64 configurations for one environment: pass one config object (or function) made once, not one per request",
  ]);
});

it("a metric series keeps at most 256 characters of a model name (a request's model is anyone's text)", () => {
  const call = { operation: "chat", provider: "openai", requestModel: "m".repeat(100_000), responseModel: "r".repeat(10_000), serverAddress: "api.openai.com", serverPort: 443, durationS: 0.5, streaming: false, usage: { input: 1, output: 1 }, resendCount: 0, endMs: 0 } as unknown as CallRecord;
  const streams = aggregateCalls([call], PROFILES["v1.41"]);
  const models = streams.flatMap((s) => s.points.map((p) => [String(p.attributes["gen_ai.request.model"]).length, String(p.attributes["gen_ai.response.model"]).length]));
  expect(models.length).toBeGreaterThan(0);
  expect(new Set(models.map((m) => m.join()))).toEqual(new Set(["256,256"]));
});
