/**
 * GenAI client metrics, end to end in workerd: the received /v1/metrics request decodes to the
 * exact token sums the fixtures hold, histogram counts equal the number of calls and of
 * inter-chunk gaps, gap samples land in the bucket the replay timing puts them in, and both
 * semantic-convention profiles use their own names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedMetric, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

const D = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const T = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/**
 * OpenAI stream events are written 120 ms apart, so every gap between its consecutive output
 * chunks belongs in the (0.08, 0.16] bucket, with 40 ms of slack either way for a loaded machine.
 * The Anthropic stream (61 chunks) is written 5 ms apart to keep the suite fast; only its counts
 * are asserted.
 */
const OPENAI_GAP_MS = 120;
const ANTHROPIC_GAP_MS = 5;

let collector: Collector;
let replay: Replay;
const workers: StartedWorker[] = [];

async function run(service: string, env: Record<string, string> = {}): Promise<StartedWorker> {
  const w = await startWorker({
    entry: "test/workers/metrics.ts",
    env: {
      OPENAI_STREAM: replay.baseFor("openai/chat-stream-include-usage.sse", { gapMs: OPENAI_GAP_MS }),
      OPENAI_JSON: replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 }),
      OPENAI_ERROR: replay.baseFor("openai/error-400-invalid-image-url.json", { gapMs: 0, status: 400 }),
      OPENAI_EMBEDDINGS: replay.baseFor("openai/embeddings-base64.json", { gapMs: 0 }),
      ANTHROPIC_STREAM: replay.baseFor("anthropic/messages-stream-text.sse", { gapMs: ANTHROPIC_GAP_MS }),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: service,
      // Every flush exports its metrics here; "export interval" below tests the interval itself.
      OTEL_METRIC_EXPORT_INTERVAL: "0",
      ...env,
    },
  });
  workers.push(w);
  const response = await w.fetch("/");
  expect(response.status).toBe(200);
  await response.text();
  return w;
}

async function metricsOf(service: string): Promise<DecodedMetric[]> {
  await collector.waitFor((r) => r.path === "/v1/metrics" && r.text.includes(`"${service}"`), 15000);
  return collector.metrics().filter((m) => m.resource["service.name"] === service);
}

function points(metrics: DecodedMetric[], name: string) {
  const metric = metrics.find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}; have ${metrics.map((m) => m.name).join(", ")}`);
  return metric.points;
}

const OPENAI_STREAM = {
  "gen_ai.operation.name": "chat",
  "gen_ai.provider.name": "openai",
  "gen_ai.request.model": "gpt-4o-mini",
  "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
};
const ANTHROPIC = {
  "gen_ai.operation.name": "chat",
  "gen_ai.provider.name": "anthropic",
  "gen_ai.request.model": "claude-3-opus-20240229",
  "gen_ai.response.model": "claude-3-opus-20240229",
};

const matching = <P extends { attributes: Record<string, unknown> }>(list: P[], attrs: Record<string, unknown>) =>
  list.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await collector?.close();
  await replay?.close();
});

describe("v1.41 profile (default)", () => {
  let metrics: DecodedMetric[];
  beforeAll(async () => {
    await run("metrics-v141");
    metrics = await metricsOf("metrics-v141");
  });

  it("exports exactly the four v1.41 client metrics with their units, DELTA temporality and buckets, and our finish-reasons counter", () => {
    expect(metrics.map((m) => m.name).sort()).toEqual([
      "gen_ai.client.operation.duration",
      "gen_ai.client.operation.time_per_output_chunk",
      "gen_ai.client.operation.time_to_first_chunk",
      "gen_ai.client.token.usage",
      "otel_genai_edge.client.finish_reasons",
    ]);
    for (const m of metrics.filter((m) => m.name.startsWith("gen_ai."))) {
      expect(m.type).toBe("histogram");
      expect(m.temporality).toBe(1);
      expect(m.unit).toBe(m.name === "gen_ai.client.token.usage" ? "{token}" : "s");
      for (const p of m.points) {
        expect(p.explicitBounds).toEqual(m.name === "gen_ai.client.token.usage" ? T : D);
        expect(p.bucketCounts).toHaveLength(p.explicitBounds!.length + 1);
        expect(p.bucketCounts!.reduce((a, b) => a + b, 0)).toBe(p.count);
        expect(p.timeUnixNano).toBeGreaterThan(p.startTimeUnixNano!);
        expect(p.attributes["gen_ai.response.id"]).toBeUndefined();
      }
    }
    expect(metrics[0].resource["service.instance.id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sums the token counts the fixtures hold, per token type", () => {
    const usage = points(metrics, "gen_ai.client.token.usage");
    const openaiIn = matching(usage, { ...OPENAI_STREAM, "gen_ai.token.type": "input" });
    expect(openaiIn).toHaveLength(1);
    expect(openaiIn[0]).toMatchObject({ count: 2, sum: 44, min: 22, max: 22 });
    expect(openaiIn[0].attributes).toEqual({
      ...OPENAI_STREAM,
      "gen_ai.token.type": "input",
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(replay.url).port),
      "openai.response.service_tier": "default",
    });
    expect(matching(usage, { ...OPENAI_STREAM, "gen_ai.token.type": "output" })[0]).toMatchObject({ count: 2, sum: 8 });
    // 22 falls in (16, 64]: bucket 3.
    expect(openaiIn[0].bucketCounts![3]).toBe(2);
    expect(matching(usage, { ...ANTHROPIC, "gen_ai.token.type": "input" })[0]).toMatchObject({ count: 1, sum: 17 });
    expect(matching(usage, { ...ANTHROPIC, "gen_ai.token.type": "output" })[0]).toMatchObject({ count: 1, sum: 158 });
    expect(matching(usage, { "gen_ai.request.model": "gpt-3.5-turbo", "gen_ai.token.type": "input" })[0]).toMatchObject({ sum: 15 });
    expect(matching(usage, { "gen_ai.request.model": "gpt-3.5-turbo", "gen_ai.token.type": "output" })[0]).toMatchObject({ sum: 20 });
    expect(matching(usage, { "gen_ai.operation.name": "embeddings", "gen_ai.token.type": "input" })[0]).toMatchObject({ sum: 8 });
    // The failed call reported no usage: no token points for it, nothing guessed.
    expect(matching(usage, { "gen_ai.request.model": "gpt-4o" })).toEqual([]);
  });

  it("counts every choice's finish reason once, under the call's model, and no retries when no SDK resent", () => {
    const reasons = metrics.find((m) => m.name === "otel_genai_edge.client.finish_reasons")!;
    expect(reasons).toMatchObject({ type: "sum", temporality: 1, isMonotonic: true, unit: "{choice}", description: "Choices by finish reason." });
    const byModel = reasons.points.map((p) => [p.attributes["gen_ai.request.model"], p.attributes["otel_genai_edge.response.finish_reason"], p.value]);
    // Two OpenAI streams and one JSON answer end with `stop`, the Anthropic stream with `end_turn`;
    // the failed call and the embeddings have no finish reason.
    expect(byModel.sort()).toEqual([
      ["claude-3-opus-20240229", "end_turn", 1],
      ["gpt-3.5-turbo", "stop", 1],
      ["gpt-4o-mini", "stop", 2],
    ]);
    expect(matching(reasons.points, OPENAI_STREAM)[0].attributes).toEqual({
      ...OPENAI_STREAM,
      "otel_genai_edge.response.finish_reason": "stop",
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(replay.url).port),
    });
    expect(metrics.find((m) => m.name === "otel_genai_edge.client.retries")).toBeUndefined();
  });

  it("counts one duration sample per call, with error.type on the failed one", () => {
    const duration = points(metrics, "gen_ai.client.operation.duration");
    expect(duration.reduce((a, p) => a + (p.count ?? 0), 0)).toBe(6);
    const failed = matching(duration, { "gen_ai.request.model": "gpt-4o" });
    expect(failed).toHaveLength(1);
    // The provider's code from the error body, as on the span.
    expect(failed[0].attributes["error.type"]).toBe("invalid_image_url");
    expect(matching(duration, OPENAI_STREAM)[0].count).toBe(2);
    expect(matching(duration, OPENAI_STREAM)[0].attributes["error.type"]).toBeUndefined();
  });

  it("records time to first chunk per stream and one gap sample per chunk after the first, in the replayed bucket", () => {
    const ttfc = points(metrics, "gen_ai.client.operation.time_to_first_chunk");
    expect(matching(ttfc, OPENAI_STREAM)[0].count).toBe(2);
    expect(matching(ttfc, ANTHROPIC)[0].count).toBe(1);
    expect(ttfc.reduce((a, p) => a + (p.count ?? 0), 0)).toBe(3);
    // The first output chunk is the second event written, one gap after the first.
    expect(matching(ttfc, OPENAI_STREAM)[0].min!).toBeGreaterThanOrEqual((OPENAI_GAP_MS - 2) / 1000);
    expect(matching(ttfc, ANTHROPIC)[0].min!).toBeGreaterThanOrEqual((ANTHROPIC_GAP_MS - 2) / 1000);

    const gaps = points(metrics, "gen_ai.client.operation.time_per_output_chunk");
    const openaiGaps = matching(gaps, OPENAI_STREAM)[0];
    const anthropicGaps = matching(gaps, ANTHROPIC)[0];
    // 4 output chunks per OpenAI stream (3 gaps each, 2 streams); 61 text deltas for Anthropic.
    expect(openaiGaps.count).toBe(6);
    expect(anthropicGaps.count).toBe(60);
    expect(openaiGaps.bucketCounts![4]).toBe(6);
    expect(openaiGaps.min!).toBeGreaterThan(0.08);
    expect(openaiGaps.max!).toBeLessThanOrEqual(0.16);
    expect(anthropicGaps.sum!).toBeGreaterThanOrEqual((60 * (ANTHROPIC_GAP_MS - 1)) / 1000);
  });
});

describe("latest profile", () => {
  it("uses the gen_ai.client.inference.* histograms and usage counters with gen_ai.token.modality", async () => {
    await run("metrics-latest", { OTEL_SEMCONV_STABILITY_OPT_IN: "http,gen_ai_latest_experimental" });
    const metrics = await metricsOf("metrics-latest");
    expect(metrics.map((m) => m.name).sort()).toEqual([
      "gen_ai.client.inference.duration",
      "gen_ai.client.inference.operation.input_tokens",
      "gen_ai.client.inference.operation.output_tokens",
      "gen_ai.client.inference.time_per_output_chunk",
      "gen_ai.client.inference.time_to_first_chunk",
      "gen_ai.client.inference.usage.cache_read.input_tokens",
      "gen_ai.client.inference.usage.cache_write.input_tokens",
      "gen_ai.client.inference.usage.input_tokens",
      "gen_ai.client.inference.usage.output_tokens",
      "gen_ai.client.inference.usage.reasoning.output_tokens",
      "gen_ai.client.operation.duration",
      "otel_genai_edge.client.finish_reasons",
    ]);
    const reasons = metrics.find((m) => m.name === "otel_genai_edge.client.finish_reasons")!;
    expect(reasons.points.reduce((a, p) => a + Number(p.value), 0)).toBe(4);
    const input = metrics.find((m) => m.name === "gen_ai.client.inference.usage.input_tokens")!;
    expect(input).toMatchObject({ type: "sum", temporality: 1, isMonotonic: true, unit: "{token}" });
    expect(matching(input.points, OPENAI_STREAM)[0]).toMatchObject({ value: 44 });
    expect(matching(input.points, OPENAI_STREAM)[0].attributes["gen_ai.token.modality"]).toBe("unknown");
    expect(matching(input.points, ANTHROPIC)[0]).toMatchObject({ value: 17 });
    // Counters record every inference call, the failed one as 0.
    expect(matching(input.points, { "gen_ai.request.model": "gpt-4o" })[0]).toMatchObject({ value: 0 });
    // Cache and reasoning counters too: every inference call, 0 where the provider reported
    // none (OpenAI has no cache writes, the failed call no usage), modality unknown.
    for (const name of ["cache_read.input_tokens", "cache_write.input_tokens", "reasoning.output_tokens"]) {
      const counter = metrics.find((m) => m.name === `gen_ai.client.inference.usage.${name}`)!;
      expect(counter.points.map((p) => p.attributes["gen_ai.token.modality"])).toEqual(input.points.map(() => "unknown"));
      expect(matching(counter.points, OPENAI_STREAM)[0]).toMatchObject({ value: 0 });
      expect(matching(counter.points, { "gen_ai.request.model": "gpt-4o" })[0]).toMatchObject({ value: 0 });
      expect(counter.points.reduce((sum, p) => sum + Number(p.value), 0)).toBe(0);
    }
    const output = metrics.find((m) => m.name === "gen_ai.client.inference.usage.output_tokens")!;
    expect(output.points.reduce((a, p) => a + Number(p.value), 0)).toBe(8 + 158 + 20);
    // operation.duration only for the non-inference call; inference.duration for the five others.
    const opDuration = points(metrics, "gen_ai.client.operation.duration");
    expect(opDuration).toHaveLength(1);
    expect(opDuration[0].attributes["gen_ai.operation.name"]).toBe("embeddings");
    expect(points(metrics, "gen_ai.client.inference.duration").reduce((a, p) => a + (p.count ?? 0), 0)).toBe(5);
    // Per-call token histograms skip the failed call.
    expect(points(metrics, "gen_ai.client.inference.operation.input_tokens").reduce((a, p) => a + (p.count ?? 0), 0)).toBe(4);
    expect(points(metrics, "gen_ai.client.inference.time_per_output_chunk").reduce((a, p) => a + (p.count ?? 0), 0)).toBe(66);
  });
});

describe("export rules", () => {
  it("records metrics for calls whose trace was not sampled", async () => {
    await run("metrics-unsampled", { OTEL_TRACES_SAMPLER: "always_off" });
    const metrics = await metricsOf("metrics-unsampled");
    const usage = points(metrics, "gen_ai.client.token.usage");
    expect(matching(usage, { ...ANTHROPIC, "gen_ai.token.type": "output" })[0].sum).toBe(158);
    expect(collector.spans().filter((s) => s.resource["service.name"] === "metrics-unsampled")).toEqual([]);
  });

  it("an unsampled stream still flowing when the handler returns is still measured", async () => {
    const w = await startWorker({
      entry: "test/workers/metrics.ts",
      env: {
        OPENAI_STREAM: replay.baseFor("openai/chat-stream-include-usage.sse", { gapMs: 20 }),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: "metrics-through-unsampled",
        OTEL_TRACES_SAMPLER: "always_off",
        OTEL_METRIC_EXPORT_INTERVAL: "0",
      },
    });
    workers.push(w);
    await (await w.fetch("/through")).text();
    const metrics = await metricsOf("metrics-through-unsampled");
    const usage = points(metrics, "gen_ai.client.token.usage");
    expect(matching(usage, { ...OPENAI_STREAM, "gen_ai.token.type": "input" })[0]).toMatchObject({ count: 1, sum: 22 });
    expect(points(metrics, "gen_ai.client.operation.time_per_output_chunk")[0].count).toBe(3);
  });

  it("OTEL_METRICS_EXPORTER=none sends traces only", async () => {
    await run("metrics-off", { OTEL_METRICS_EXPORTER: "none" });
    await collector.waitForSpans((all) => all.some((s) => s.resource["service.name"] === "metrics-off" && s.kind === 2));
    await new Promise((r) => setTimeout(r, 200));
    expect(collector.requests.filter((r) => r.path === "/v1/metrics" && r.text.includes('"metrics-off"'))).toEqual([]);
  });

  it("a collector rejecting metrics with 400 changes nothing for the Worker, and is not retried", async () => {
    collector.behave((req) => (req.path === "/v1/metrics" ? 400 : undefined));
    try {
      const w = await run("metrics-rejected");
      const again = await w.fetch("/");
      expect(await again.json()).toEqual({ lengths: expect.any(Array) });
      await collector.waitFor((r) => r.path === "/v1/metrics" && r.text.includes('"metrics-rejected"'), 15000, 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(collector.requests.filter((r) => r.path === "/v1/metrics" && r.text.includes('"metrics-rejected"'))).toHaveLength(2);
    } finally {
      collector.behave();
    }
  });

  it("adds a cost attribute and counter from a price table, and never guesses for unknown models", async () => {
    const prices = { "gpt-4o-mini-2024-07-18": { input: 0.15, output: 0.6 }, "claude-3-opus-20240229": { input: 15, output: 75 } };
    await run("metrics-cost", { PRICES: JSON.stringify(prices) });
    const metrics = await metricsOf("metrics-cost");
    const cost = metrics.find((m) => m.name === "otel_genai_edge.client.cost")!;
    expect(cost).toMatchObject({ type: "sum", unit: "USD" });
    expect(Number(matching(cost.points, OPENAI_STREAM)[0].value)).toBeCloseTo((2 * (22 * 0.15 + 4 * 0.6)) / 1e6, 12);
    expect(Number(matching(cost.points, ANTHROPIC)[0].value)).toBeCloseTo((17 * 15 + 158 * 75) / 1e6, 12);
    expect(matching(cost.points, { "gen_ai.request.model": "gpt-3.5-turbo" })).toEqual([]);
    const spans = await collector.waitForSpans((all) => all.some((s) => s.resource["service.name"] === "metrics-cost" && s.kind === 3));
    const claude = spans.find((s) => s.resource["service.name"] === "metrics-cost" && s.name === "chat claude-3-opus-20240229")!;
    expect(claude.attributes["otel_genai_edge.usage.cost_usd"]).toBeCloseTo((17 * 15 + 158 * 75) / 1e6, 12);
    const gpt35 = spans.find((s) => s.resource["service.name"] === "metrics-cost" && s.name === "chat gpt-3.5-turbo")!;
    expect(gpt35.attributes["otel_genai_edge.usage.cost_usd"]).toBeUndefined();
  });
});

describe("export interval (OTEL_METRIC_EXPORT_INTERVAL)", () => {
  const INTERVAL_MS = 1500;
  const posts = (service: string, path: string) => collector.requests.filter((r) => r.path === path && r.text.includes(`"${service}"`));
  const durationPoints = (service: string) =>
    collector
      .metrics()
      .filter((m) => m.resource["service.name"] === service && m.name === "gen_ai.client.operation.duration")
      .map((m) => ({ calls: m.points.reduce((a, p) => a + (p.count ?? 0), 0), start: m.points[0].startTimeUnixNano!, end: m.points[0].timeUnixNano }));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("one isolate's metrics go out with its first flush, then once per interval in a later request's flush, every call counted once, intervals consecutive", async () => {
    const service = "metrics-interval";
    const w = await run(service, { OTEL_METRIC_EXPORT_INTERVAL: String(INTERVAL_MS) });
    // The first request (run made it): the isolate's first flush exports its 6 calls at once.
    await collector.waitFor((r) => r.path === "/v1/metrics" && r.text.includes(`"${service}"`), 15000);
    const firstExport = Date.now();
    expect(durationPoints(service).map((p) => p.calls)).toEqual([6]);
    // A second request right away: traces only, its calls wait for the interval.
    await (await w.fetch("/")).text();
    await collector.waitFor((r) => r.path === "/v1/traces" && r.text.includes(`"${service}"`), 15000, 2);
    await sleep(200);
    expect(posts(service, "/v1/metrics")).toHaveLength(1);
    // Past the interval: the third request's flush exports the second's calls and its own in one POST.
    await sleep(Math.max(0, INTERVAL_MS + 100 - (Date.now() - firstExport)));
    await (await w.fetch("/")).text();
    await collector.waitFor((r) => r.path === "/v1/metrics" && r.text.includes(`"${service}"`), 15000, 2);
    const points = durationPoints(service);
    expect(points.map((p) => p.calls)).toEqual([6, 12]);
    expect(points[1].start).toBe(points[0].end);
    expect(points[1].end - points[1].start).toBeGreaterThanOrEqual(BigInt(INTERVAL_MS) * 1_000_000n);
    expect(posts(service, "/v1/traces")).toHaveLength(3);
  });

  it("a collector answering 503 keeps the points: the next export carries them with the next request's", async () => {
    const service = "metrics-interval-503";
    collector.behave((req) => (req.path === "/v1/metrics" && req.text.includes(`"${service}"`) ? 503 : undefined));
    let w: StartedWorker;
    try {
      w = await run(service, { OTEL_EXPORTER_OTLP_TIMEOUT: "300" });
      await collector.waitFor((r) => r.path === "/v1/metrics" && r.text.includes(`"${service}"`), 15000);
      // The worker gives up within its 300 ms deadline (retries included).
      await sleep(600);
    } finally {
      collector.behave();
    }
    const refused = posts(service, "/v1/metrics").length;
    await (await w.fetch("/")).text();
    await collector.waitFor((r) => r.path === "/v1/metrics" && r.text.includes(`"${service}"`), 15000, refused + 1);
    const last = durationPoints(service).at(-1)!;
    expect(last.calls).toBe(12);
    // The accepted interval starts where the refused one did.
    expect(last.start).toBe(durationPoints(service)[0].start);
  });
});
