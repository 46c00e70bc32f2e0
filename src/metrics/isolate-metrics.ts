/**
 * The GenAI metrics of one pipeline, aggregated over the isolate's invocations and exported once
 * per interval (OTEL_METRIC_EXPORT_INTERVAL) by whichever invocation flushes after it has passed:
 * one subrequest per request (the traces) instead of two.
 *
 * Intervals are DELTA and consecutive: each export covers [end of the isolate's last metrics
 * export, now], so no two of one `service.instance.id` overlap (every pipeline of an isolate
 * shares the id, hence one isolate clock). Calls join the aggregate when their invocation
 * flushes: a request that spans an interval boundary is counted in the next export, never lost.
 */
import type { SemconvProfile } from "../attributes.js";
import type { CallRecord } from "../genai/call.js";
import { Aggregator, type MetricSample, type MetricStream, recordCalls } from "./genai-metrics.js";

/** Series kept per pipeline between exports; samples for more are dropped and counted. */
export const MAX_SERIES = 2000;

/** End of the isolate's last metrics interval (see the module comment). */
let lastEndMs = 0;

/** One interval taken out for export. */
export interface MetricsSnapshot {
  streams: MetricStream[];
  startMs: number;
  endMs: number;
  /** The isolate clock before this snapshot: restored when it fails and nothing moved it since. */
  previousEndMs: number;
  /** Given up on (its export outlived its deadline): whatever it answers later is ignored. */
  abandoned?: boolean;
}

export class IsolateMetrics {
  private agg = new Aggregator(MAX_SERIES);
  /** Start of the interval being aggregated; undefined until a call arrives. */
  private startMs: number | undefined;
  /** Whether an export was made: the first one goes with the first flush (see `due`). */
  private exported = false;
  /** The export in flight: at most one at a time, so a failed one can be put back in order. */
  private flight: { promise: Promise<void>; snapshot: MetricsSnapshot; untilMs: number } | undefined;

  get inFlight(): Promise<void> | undefined {
    return this.flight?.promise;
  }

  /** An export of `snapshot` has started; it should settle by `untilMs`. */
  send(promise: Promise<void>, snapshot: MetricsSnapshot, untilMs: number): void {
    this.flight = { promise, snapshot, untilMs };
  }

  settled(promise: Promise<void>): void {
    if (this.flight?.promise === promise) this.flight = undefined;
  }

  /** How long the export in flight may still take. */
  timeLeft(nowMs: number): number {
    return this.flight ? this.flight.untilMs - nowMs : 0;
  }

  /**
   * An export past its deadline that never settled: the platform cancelled it with the request
   * whose `waitUntil` ran it (Workers end that work 30 s after the response), and it never will.
   * Given up so the isolate exports again; its points are lost, and returned to be counted.
   */
  dropStale(nowMs: number): number {
    if (!this.flight || nowMs <= this.flight.untilMs) return 0;
    const { snapshot } = this.flight;
    snapshot.abandoned = true;
    this.flight = undefined;
    return pointCount(snapshot.streams);
  }

  add(calls: readonly CallRecord[], profile: SemconvProfile, invocationStartMs: number, samples: readonly MetricSample[] = []): void {
    if (calls.length === 0 && samples.length === 0) return;
    this.startMs ??= invocationStartMs;
    recordCalls(this.agg, calls, profile, samples);
  }

  get empty(): boolean {
    return this.agg.series === 0;
  }

  /** Samples dropped at the series cap since last asked. */
  takeDropped(): number {
    const n = this.agg.dropped;
    this.agg.dropped = 0;
    return n;
  }

  /**
   * Whether an export is due: something to send, none in flight, and `intervalMs` since the last
   * export began the interval. The first export goes with the first flush: an isolate evicted
   * after a short burst then still delivers its first request's calls, and a new series' first
   * point (which PromQL's `rate` never counts) holds one request rather than an interval.
   */
  due(nowMs: number, intervalMs: number): boolean {
    if (this.empty || this.inFlight || this.startMs === undefined) return false;
    return !this.exported || nowMs - this.startMs >= intervalMs;
  }

  /** Take the aggregate out for export and start the next interval where this one ends. */
  take(nowMs: number): MetricsSnapshot {
    const previousEndMs = lastEndMs;
    const startMs = Math.max(this.startMs ?? nowMs, lastEndMs);
    const endMs = Math.max(nowMs, lastEndMs + 0.001);
    lastEndMs = endMs;
    const streams = this.agg.result();
    const dropped = this.agg.dropped;
    this.agg = new Aggregator(MAX_SERIES);
    this.agg.dropped = dropped;
    this.startMs = endMs;
    this.exported = true;
    return { streams, startMs, endMs, previousEndMs };
  }

  /**
   * An export that failed but may succeed later: its points go back into the aggregate (bounded
   * by the series cap, the excess counted as dropped) and its interval start is kept, so the next
   * export covers both intervals once.
   */
  putBack(snapshot: MetricsSnapshot): void {
    this.agg.mergeStreams(snapshot.streams);
    this.startMs = snapshot.startMs;
    if (lastEndMs === snapshot.endMs) lastEndMs = snapshot.previousEndMs;
  }
}

/** Data points in a snapshot (what is lost when it cannot be sent). */
export const pointCount = (streams: readonly MetricStream[]): number => streams.reduce((n, s) => n + s.points.length, 0);
