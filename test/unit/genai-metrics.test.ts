/**
 * The latest profile's usage counters as exact points: every inference call records every
 * counter (cache and reasoning too, 0 when the provider reported none), each a partition of the
 * call's count by `gen_ai.token.modality` (the provider's breakdown, the rest `unknown`); the
 * per-call histograms carry no modality and skip failed calls; `error.type` is the span's.
 */
import type { Attributes } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../../src/attributes.js";
import type { CallRecord } from "../../src/genai/call.js";
import { aggregateCalls, type MetricStream, modalities } from "../../src/metrics/genai-metrics.js";
import { AGENT_DURATION_BOUNDS, DURATION_BOUNDS, Histogram, TOKEN_BOUNDS } from "../../src/metrics/histogram.js";

const M = {
  "gen_ai.operation.name": "generate_content",
  "gen_ai.provider.name": "gcp.gemini",
  "server.address": "generativelanguage.googleapis.com",
  "server.port": 443,
  "gen_ai.request.model": "gemini-2.5-flash",
};

function record(over: Partial<CallRecord>): CallRecord {
  return {
    operation: "generate_content",
    provider: "gcp.gemini",
    requestModel: "gemini-2.5-flash",
    serverAddress: "generativelanguage.googleapis.com",
    serverPort: 443,
    durationS: 0.5,
    streaming: false,
    gaps: new Histogram(DURATION_BOUNDS),
    usage: {},
    resendCount: 0,
    endMs: 0,
    ...over,
  };
}

/** A counter's points of the call that has a response model as [modality, value], sorted; a histogram's as [attributes, count, sum]. */
function sums(streams: MetricStream[], name: string): [unknown, number][] {
  const s = streams.find((x) => x.descriptor.name === name);
  if (!s) throw new Error(`no ${name}`);
  return s.points.filter((p) => p.attributes["gen_ai.response.model"] !== undefined).map((p): [unknown, number] => [p.attributes["gen_ai.token.modality"], p.sum!]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}
function histogram(streams: MetricStream[], name: string): [Attributes, number, number][] {
  return streams.find((x) => x.descriptor.name === name)!.points.map((p) => [p.attributes, p.histogram!.count, p.histogram!.sum]);
}

const COUNTERS = [
  "gen_ai.client.inference.usage.input_tokens",
  "gen_ai.client.inference.usage.output_tokens",
  "gen_ai.client.inference.usage.cache_read.input_tokens",
  "gen_ai.client.inference.usage.cache_write.input_tokens",
  "gen_ai.client.inference.usage.reasoning.output_tokens",
];

describe("modalities", () => {
  it("splits a total by the provider's counts and puts the rest under unknown", () => {
    expect(modalities(300, { text: 100, image: 200 })).toEqual([["text", 100], ["image", 200]]);
    expect(modalities(310, { text: 100, image: 200 })).toEqual([["text", 100], ["image", 200], ["unknown", 10]]);
    expect(modalities(300, { text: 300, audio: 0 })).toEqual([["text", 300]]);
    expect(modalities(44, undefined)).toEqual([["unknown", 44]]);
    expect(modalities(0, {})).toEqual([["unknown", 0]]);
    expect(modalities(undefined, undefined)).toEqual([["unknown", 0]]);
    // A breakdown that does not fit the total is not trusted: the total, unknown.
    expect(modalities(100, { text: 90, image: 20 })).toEqual([["unknown", 100]]);
    expect(modalities(undefined, { text: 5 })).toEqual([["unknown", 0]]);
  });
});

describe("latest usage counters", () => {
  const multimodal = record({
    responseModel: "gemini-2.5-flash",
    usage: { input: 310, output: 50, cacheRead: 40, reasoning: 12, inputModalities: { text: 100, image: 200 }, outputModalities: { text: 50 } },
  });
  const failed = record({ errorType: "RESOURCE_EXHAUSTED", usage: {} });
  const streams = aggregateCalls([multimodal, failed], PROFILES.latest);

  it("records all five counters for every inference call, 0 where the provider reported nothing", () => {
    for (const name of COUNTERS) expect(streams.find((s) => s.descriptor.name === name), name).toBeDefined();
    expect(sums(streams, "gen_ai.client.inference.usage.input_tokens")).toEqual([["image", 200], ["text", 100], ["unknown", 10]]);
    expect(sums(streams, "gen_ai.client.inference.usage.output_tokens")).toEqual([["text", 50]]);
    // The failed call's 0 lands on the unknown points (it has no response model, so its own series).
    const points = (name: string) =>
      streams.find((s) => s.descriptor.name === name)!.points.map((p) => [p.attributes["gen_ai.response.model"] ?? null, p.attributes["gen_ai.token.modality"], p.sum]);
    expect(points("gen_ai.client.inference.usage.cache_read.input_tokens")).toEqual([["gemini-2.5-flash", "unknown", 40], [null, "unknown", 0]]);
    expect(points("gen_ai.client.inference.usage.cache_write.input_tokens")).toEqual([["gemini-2.5-flash", "unknown", 0], [null, "unknown", 0]]);
    expect(points("gen_ai.client.inference.usage.reasoning.output_tokens")).toEqual([["gemini-2.5-flash", "unknown", 12], [null, "unknown", 0]]);
    expect(points("gen_ai.client.inference.usage.input_tokens")).toContainEqual([null, "unknown", 0]);
  });

  it("puts the call's attribute set on each point, and error.type only on the duration", () => {
    const input = streams.find((s) => s.descriptor.name === "gen_ai.client.inference.usage.input_tokens")!;
    expect(input.points[0].attributes).toEqual({ ...M, "gen_ai.response.model": "gemini-2.5-flash", "gen_ai.token.modality": "text" });
    const duration = histogram(streams, "gen_ai.client.inference.duration");
    expect(duration).toEqual([
      [{ ...M, "gen_ai.response.model": "gemini-2.5-flash" }, 1, 0.5],
      [{ ...M, "error.type": "RESOURCE_EXHAUSTED" }, 1, 0.5],
    ]);
  });

  it("per-call token histograms: no modality, the successful call only", () => {
    expect(histogram(streams, "gen_ai.client.inference.operation.input_tokens")).toEqual([[{ ...M, "gen_ai.response.model": "gemini-2.5-flash" }, 1, 310]]);
    expect(histogram(streams, "gen_ai.client.inference.operation.output_tokens")).toEqual([[{ ...M, "gen_ai.response.model": "gemini-2.5-flash" }, 1, 50]]);
  });

  it("a cache read broken down by modality (Gemini's cacheTokensDetails) is split like the input, the rest unknown", () => {
    const cached = record({ responseModel: "gemini-2.5-flash", usage: { input: 326, cacheRead: 173, inputModalities: { text: 68, image: 258 }, cacheReadModalities: { image: 137, text: 30 } } });
    const s = aggregateCalls([cached], PROFILES.latest);
    expect(sums(s, "gen_ai.client.inference.usage.cache_read.input_tokens")).toEqual([["image", 137], ["text", 30], ["unknown", 6]]);
    expect(sums(s, "gen_ai.client.inference.usage.input_tokens")).toEqual([["image", 258], ["text", 68]]);
  });

  it("embeddings are not inference: no usage counters, the operation duration", () => {
    const e = aggregateCalls([record({ operation: "embeddings", usage: { input: 8 } })], PROFILES.latest);
    expect(e.map((s) => s.descriptor.name)).toEqual(["gen_ai.client.operation.duration"]);
  });

  it("v1.41: the token usage histogram by type, no modality, nothing for an unreported count", () => {
    const v = aggregateCalls([multimodal, failed], PROFILES["v1.41"]);
    expect(v.map((s) => s.descriptor.name).sort()).toEqual(["gen_ai.client.operation.duration", "gen_ai.client.token.usage"]);
    expect(histogram(v, "gen_ai.client.token.usage").map(([a, count, sum]) => [a["gen_ai.token.type"], count, sum])).toEqual([
      ["input", 1, 310],
      ["output", 1, 50],
    ]);
  });
});

describe("series identity", () => {
  it("one series per attribute set, whatever the order its attributes were set in; a string never merges with a number", async () => {
    const { Aggregator } = await import("../../src/metrics/genai-metrics.js");
    const agg = new Aggregator();
    const d = { name: "x", unit: "1", description: "", kind: "counter", valueType: "int" } as const;
    agg.record(d as never, { a: 1, b: "x" }, 1);
    agg.record(d as never, { b: "x", a: 1 }, 2);
    agg.record(d as never, { a: "1", b: "x" }, 4);
    agg.record(d as never, { a: 1, b: "x", c: true }, 8);
    // A value holding the separators cannot pass for two attributes.
    agg.record(d as never, { a: 1, b: "x\u0001c\u0000jtrue" }, 16);
    const points = agg.result()[0].points.map((p) => [p.attributes, p.sum]);
    expect(points).toEqual([
      [{ a: 1, b: "x" }, 3],
      [{ a: "1", b: "x" }, 4],
      [{ a: 1, b: "x", c: true }, 8],
      [{ a: 1, b: "x\u0001c\u0000jtrue" }, 16],
    ]);
  });
});

describe("int sums", () => {
  it("a sample that would take an int counter past 2^53 is left out and counted; a double counter keeps adding", async () => {
    const { Aggregator } = await import("../../src/metrics/genai-metrics.js");
    const agg = new Aggregator();
    const int = { name: "tokens", unit: "{token}", description: "", kind: "counter", valueType: "int" } as const;
    const double = { name: "cost", unit: "USD", description: "", kind: "counter", valueType: "double" } as const;
    for (const d of [int, double]) for (let i = 0; i < 3; i++) agg.record(d as never, { a: 1 }, 2 ** 53 - 1);
    agg.record(int as never, { a: 2 }, 5);
    expect(agg.result().map((s) => [s.descriptor.name, s.points.map((p) => p.sum)])).toEqual([
      ["tokens", [2 ** 53 - 1, 5]],
      ["cost", [3 * (2 ** 53 - 1)]],
    ]);
    expect(agg.dropped).toBe(2);
  });
});

describe("an unsent result merged back", () => {
  it("joins the same series as new records, for every metric of both profiles", async () => {
    const { Aggregator, recordCalls } = await import("../../src/metrics/genai-metrics.js");
    const calls = [
      record({ responseModel: "gemini-2.5-flash", streaming: true, ttfcS: 0.1, usage: { input: 3, output: 5 }, finishReasons: ["stop", "length"], costUsd: 0.5, resendCount: 1, attributes: { "openai.response.service_tier": "default" } }),
      record({ errorType: "429", usage: {} }),
      // Model names that imitate the key's separators stay series of their own.
      record({ requestModel: "a", responseModel: "b" }),
      record({ requestModel: "a\u0001gen_ai.response.model\u0000sb", responseModel: undefined }),
    ];
    for (const profile of [PROFILES["v1.41"], PROFILES.latest]) {
      const first = new Aggregator();
      recordCalls(first, calls, profile);
      const once = first.result();
      const again = new Aggregator();
      again.mergeStreams(once);
      recordCalls(again, calls, profile);
      const twice = again.result();
      const durations = once.find((s) => s.descriptor.name.endsWith(".duration"))!.points.filter((p) => String(p.attributes["gen_ai.request.model"]).startsWith("a"));
      expect(durations.map((p) => p.histogram!.count)).toEqual([1, 1]);
      // Same series, each counted twice: no series split in two by how its key was made.
      expect(twice.map((s) => [s.descriptor.name, s.points.map((p) => p.attributes)])).toEqual(once.map((s) => [s.descriptor.name, s.points.map((p) => p.attributes)]));
      for (const [i, s] of twice.entries())
        for (const [j, p] of s.points.entries()) {
          const before = once[i].points[j];
          if (p.histogram) expect(p.histogram.count).toBe(2 * before.histogram!.count);
          else expect(p.sum).toBe(2 * before.sum!);
        }
    }
  });
});

describe("bucket bounds", () => {
  it("are the very numbers the conventions list", () => {
    expect(DURATION_BOUNDS).toEqual([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    expect(AGENT_DURATION_BOUNDS).toEqual([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6]);
    expect(TOKEN_BOUNDS).toEqual([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]);
  });
});
