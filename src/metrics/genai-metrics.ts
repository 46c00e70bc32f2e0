/**
 * The GenAI client metrics, aggregated from finished calls (per isolate: see isolate-metrics.ts).
 *
 * CallRecords in, metric points out. Histograms use the spec's explicit buckets; counts
 * are DELTA over the export interval. Metric attributes are the low-cardinality set "M" of the
 * spec digest §5 (no ids, no content), plus `error.type` where the spec puts it.
 */
import type { Attributes } from "@opentelemetry/api";
import * as A from "../attributes.js";
import type { SemconvProfile } from "../attributes.js";
import type { CallRecord } from "../genai/call.js";
import { AGENT_DURATION_BOUNDS, DURATION_BOUNDS, Histogram, TOKEN_BOUNDS } from "./histogram.js";

export interface MetricDescriptor {
  name: string;
  unit: string;
  /** Left out for the spec's metrics (their names are the documentation) to keep the bundle small. */
  description?: string;
  kind: "histogram" | "counter";
  valueType: "int" | "double";
  bounds?: readonly number[];
}

/** One value of a metric other than a call's (an agent's or a tool's duration). */
export interface MetricSample {
  descriptor: MetricDescriptor;
  attributes: Attributes;
  value: number;
}

export interface MetricPoint {
  attributes: Attributes;
  histogram?: Histogram;
  sum?: number;
  /** Its series' identity in the aggregator (kept so an unsent point merges back into the same series). */
  key: string;
}

export interface MetricStream {
  descriptor: MetricDescriptor;
  points: MetricPoint[];
}

const seconds = (name: string, bounds: readonly number[] = DURATION_BOUNDS): MetricDescriptor => ({
  name,
  unit: "s",
  kind: "histogram",
  valueType: "double",
  bounds,
});
const counter = (name: string, unit = "{token}", description?: string): MetricDescriptor => ({
  name,
  unit,
  description,
  kind: "counter",
  valueType: "int",
});
const tokenHistogram = (name: string): MetricDescriptor => ({
  name,
  unit: "{token}",
  kind: "histogram",
  valueType: "int",
  bounds: TOKEN_BOUNDS,
});

export const METRICS = {
  // Core v1.41.0 names.
  tokenUsage: tokenHistogram("gen_ai.client.token.usage"),
  operationDuration: seconds("gen_ai.client.operation.duration"),
  timeToFirstChunk: seconds("gen_ai.client.operation.time_to_first_chunk"),
  timePerOutputChunk: seconds("gen_ai.client.operation.time_per_output_chunk"),
  // genai-repo latest names.
  inferenceDuration: seconds("gen_ai.client.inference.duration"),
  inferenceTimeToFirstChunk: seconds("gen_ai.client.inference.time_to_first_chunk"),
  inferenceTimePerOutputChunk: seconds("gen_ai.client.inference.time_per_output_chunk"),
  usageInput: counter("gen_ai.client.inference.usage.input_tokens"),
  usageOutput: counter("gen_ai.client.inference.usage.output_tokens"),
  usageCacheRead: counter("gen_ai.client.inference.usage.cache_read.input_tokens"),
  usageCacheWrite: counter("gen_ai.client.inference.usage.cache_write.input_tokens"),
  usageReasoning: counter("gen_ai.client.inference.usage.reasoning.output_tokens"),
  operationInputTokens: tokenHistogram("gen_ai.client.inference.operation.input_tokens"),
  operationOutputTokens: tokenHistogram("gen_ai.client.inference.operation.output_tokens"),
  // genai-repo latest agent and tool metrics, recorded by agents.ts.
  invokeAgentDuration: seconds("gen_ai.invoke_agent.duration", AGENT_DURATION_BOUNDS),
  executeToolDuration: seconds("gen_ai.execute_tool.duration"),
  // Ours, in both profiles: the conventions have no finish-reason or retry metric.
  finishReasons: counter("otel_genai_edge.client.finish_reasons", "{choice}", "Choices by finish reason."),
  retries: counter("otel_genai_edge.client.retries", "{request}", "Requests an SDK sent again."),
  // Ours: only with a configured price table.
  cost: { ...counter("otel_genai_edge.client.cost", "USD", "Cost from the configured price table."), valueType: "double" as const },
};

const INFERENCE = new Set(["chat", "generate_content", "text_completion"]);

/** The common metric attribute set "M". */
function baseAttributes(call: CallRecord): Attributes {
  const a: Attributes = {
    [A.GEN_AI_OPERATION_NAME]: call.operation,
    [A.GEN_AI_PROVIDER_NAME]: call.provider,
  };
  // A binding call (Workers AI) has no network address: then neither is set.
  if (call.serverAddress) {
    a[A.SERVER_ADDRESS] = call.serverAddress;
    a[A.SERVER_PORT] = call.serverPort;
  }
  if (call.requestModel) a[A.GEN_AI_REQUEST_MODEL] = short(call.requestModel);
  if (call.responseModel) a[A.GEN_AI_RESPONSE_MODEL] = short(call.responseModel);
  return a;
}

/**
 * A model name as a series keeps it: a request's model is anyone's text (a proxy forwards what its
 * client sent), and an aggregate keeps up to MAX_SERIES of them for an interval or more.
 */
export const short = (s: string): string => s.slice(0, 256);

/**
 * The format's refinement (OpenAI: service tier and system fingerprint) on token usage and
 * duration: the provider-specific response attributes the span has too.
 */
function withProvider(m: Series, call: CallRecord): Series {
  return call.attributes ? series({ ...m.attributes, ...call.attributes }) : m;
}

function withError(s: Series, call: CallRecord): Series {
  return call.errorType ? extend(s, A.ERROR_TYPE, call.errorType) : s;
}

/** A series' identity: its attributes in name order, strings tagged apart from other values (runs several times per call). */
function key(attributes: Attributes): string {
  let k = "";
  for (const name of Object.keys(attributes).sort()) {
    const v = attributes[name];
    // A string by its length first: no value (a model name is anyone's text) can imitate a separator.
    k += `${name}\u0000${typeof v === "string" ? `s${v.length}:${v}` : `j${JSON.stringify(v)}`}\u0001`;
  }
  return k;
}

/**
 * An attribute set with its identity. A base set's key is canonical (`key`); a set made from it
 * by adding one attribute (`extend`) appends to it. Every metric builds its sets one way (base,
 * or base plus the same extra name), so equal sets of one metric always get equal keys, and
 * keying a call's seven or so sets costs two canonical keys instead of seven.
 */
class Series {
  constructor(
    readonly attributes: Attributes,
    readonly key: string,
  ) {}
}

const series = (attributes: Attributes): Series => new Series(attributes, key(attributes));

/** `name` must be one the base set does not have (each metric adds its own: token type, modality, error type, finish reason). */
const extend = (s: Series, name: string, value: string): Series =>
  new Series({ ...s.attributes, [name]: value }, `${s.key}\u0002${name}\u0000s${value.length}:${value}\u0001`);

/**
 * Collects points per metric and attribute set. Bounded: past `maxSeries` points a sample for
 * a new series is dropped and counted (existing series keep counting: fixed-bucket histograms
 * and sums take constant memory).
 */
export class Aggregator {
  private readonly streams = new Map<MetricDescriptor, Map<string, MetricPoint>>();
  series = 0;
  /** Samples left out: the series cap was reached, or an int sum would leave the safe integers. */
  dropped = 0;

  constructor(private readonly maxSeries = Number.POSITIVE_INFINITY) {}

  private point(descriptor: MetricDescriptor, { attributes, key: k }: Series): MetricPoint | undefined {
    let points = this.streams.get(descriptor);
    let point = points?.get(k);
    if (point) return point;
    if (this.series >= this.maxSeries) {
      this.dropped++;
      return undefined;
    }
    if (!points) this.streams.set(descriptor, (points = new Map()));
    point = descriptor.kind === "histogram" ? { attributes, histogram: new Histogram(descriptor.bounds ?? []), key: k } : { attributes, sum: 0, key: k };
    points.set(k, point);
    this.series++;
    return point;
  }

  /** A value for the series of `attributes` (an attribute set or a `Series`). */
  record(descriptor: MetricDescriptor, attributes: Attributes | Series, value: number): void {
    const point = this.point(descriptor, asSeries(attributes));
    if (point?.histogram) point.histogram.record(value);
    else if (point) {
      const sum = (point.sum ?? 0) + value;
      // An int sum past 2^53 is no exact integer, and past 2^63 an OTLP `asInt` a collector refuses
      // (with the whole request): the sample is left out and counted instead.
      if (descriptor.valueType === "int" && !Number.isSafeInteger(sum)) this.dropped++;
      else point.sum = sum;
    }
  }

  merge(descriptor: MetricDescriptor, attributes: Attributes | Series, histogram: Histogram): void {
    if (histogram.count === 0) return;
    this.point(descriptor, asSeries(attributes))?.histogram?.merge(histogram);
  }

  /** Add the points of an earlier result (an export that failed), series cap included. */
  mergeStreams(streams: readonly MetricStream[]): void {
    for (const { descriptor, points } of streams) {
      for (const p of points) {
        const s = new Series(p.attributes, p.key);
        if (p.histogram) this.merge(descriptor, s, p.histogram);
        else if (p.sum !== undefined) this.record(descriptor, s, p.sum);
      }
    }
  }

  result(): MetricStream[] {
    return [...this.streams].map(([descriptor, points]) => ({ descriptor, points: [...points.values()] }));
  }
}

const asSeries = (a: Attributes | Series): Series => (a instanceof Series ? a : series(a));

function recordV141(agg: Aggregator, call: CallRecord, m: Series): void {
  const provided = withProvider(m, call);
  agg.record(METRICS.operationDuration, withError(provided, call), call.durationS);
  // Token usage only when the provider reported it: never guessed.
  if (call.usage.input !== undefined) agg.record(METRICS.tokenUsage, extend(provided, A.GEN_AI_TOKEN_TYPE, "input"), call.usage.input);
  if (call.usage.output !== undefined) agg.record(METRICS.tokenUsage, extend(provided, A.GEN_AI_TOKEN_TYPE, "output"), call.usage.output);
  if (call.streaming && call.ttfcS !== undefined) agg.record(METRICS.timeToFirstChunk, m, call.ttfcS);
  if (call.streaming) agg.merge(METRICS.timePerOutputChunk, m, call.gaps);
}

const UNKNOWN = "unknown";

/**
 * A total split by the provider's per-modality counts (zeros dropped), the rest under `unknown`
 * so the points still sum to the total (genai token-metrics design: "keeps the partition
 * complete"). Without a total, or with a breakdown larger than it, nothing is split: the total
 * (0 when none arrived) is `unknown`.
 */
export function modalities(total: number | undefined, by?: Record<string, number>): [string, number][] {
  const known = Object.entries(by ?? {}).filter(([modality, n]) => n > 0 && modality !== UNKNOWN);
  const sum = known.reduce((a, [, n]) => a + n, 0);
  if (total === undefined || sum > total) return [[UNKNOWN, total ?? 0]];
  return sum < total || known.length === 0 ? [...known, [UNKNOWN, total - sum]] : known;
}

function recordLatest(agg: Aggregator, call: CallRecord, m: Series): void {
  const provided = withProvider(m, call);
  if (!INFERENCE.has(call.operation)) {
    agg.record(METRICS.operationDuration, withError(provided, call), call.durationS);
    return;
  }
  agg.record(METRICS.inferenceDuration, withError(provided, call), call.durationS);
  if (call.streaming && call.ttfcS !== undefined) agg.record(METRICS.inferenceTimeToFirstChunk, provided, call.ttfcS);
  if (call.streaming) agg.merge(METRICS.inferenceTimePerOutputChunk, provided, call.gaps);
  // Counters: every inference call, failed ones too, each a partition by modality; the
  // provider's count or 0. Only Gemini breaks the cache read down by modality; cache writes and
  // reasoning come without a breakdown (all `unknown`).
  const u = call.usage;
  const count = (descriptor: MetricDescriptor, byModality: [string, number][]) => {
    for (const [modality, n] of byModality) agg.record(descriptor, extend(provided, A.GEN_AI_TOKEN_MODALITY, modality), n);
  };
  count(METRICS.usageInput, modalities(u.input, u.inputModalities));
  count(METRICS.usageOutput, modalities(u.output, u.outputModalities));
  count(METRICS.usageCacheRead, modalities(u.cacheRead, u.cacheReadModalities));
  count(METRICS.usageCacheWrite, modalities(u.cacheWrite));
  count(METRICS.usageReasoning, modalities(u.reasoning));
  // Per-call histograms: successful calls with reported usage only.
  if (!call.errorType) {
    if (u.input !== undefined) agg.record(METRICS.operationInputTokens, provided, u.input);
    if (u.output !== undefined) agg.record(METRICS.operationOutputTokens, provided, u.output);
  }
}

/** Add finished calls to an aggregate. */
export function recordCalls(agg: Aggregator, calls: readonly CallRecord[], profile: SemconvProfile, samples: readonly MetricSample[] = []): void {
  for (const s of samples) agg.record(s.descriptor, s.attributes, s.value);
  for (const call of calls) {
    const m = series(baseAttributes(call));
    if (profile.name === "latest") recordLatest(agg, call, m);
    else recordV141(agg, call, m);
    if (call.costUsd !== undefined) agg.record(METRICS.cost, m, call.costUsd);
    if (call.resendCount > 0) agg.record(METRICS.retries, m, 1);
    for (const reason of call.finishReasons ?? []) agg.record(METRICS.finishReasons, extend(m, A.OWN_RESPONSE_FINISH_REASON, reason), 1);
  }
}

export function aggregateCalls(calls: readonly CallRecord[], profile: SemconvProfile): MetricStream[] {
  const agg = new Aggregator();
  recordCalls(agg, calls, profile);
  return agg.result();
}
