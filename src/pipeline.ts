/**
 * One configured telemetry pipeline: resolved config, resource, semconv profile and export.
 * Built once per distinct configuration and reused by every invocation that shares it.
 */
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { GEN_AI_EVALUATION_SCORE_VALUE, OWN_SPANS_DROPPED, PROFILES, type SemconvProfile } from "./attributes.js";
import type { ResolvedConfig, Signal } from "./config.js";
import { MAX_TIMER } from "./config-values.js";
import { debug, warnOnce } from "./diag.js";
import { scrubText } from "./fetch/redact.js";
import { type FetchLike, gzip, type PostResult, postOtlp, retryable } from "./exporter/otlp-http.js";
import { buildResource, type ResourceLike } from "./exporter/resource.js";
import { type LogRecordData, serializeLogs } from "./exporter/logs.js";
import { serializeMetrics } from "./exporter/metrics.js";
import { serializeSpans } from "./exporter/traces.js";
import type { MetricSample } from "./metrics/genai-metrics.js";
import { IsolateMetrics, type MetricsSnapshot, pointCount } from "./metrics/isolate-metrics.js";
import { onWorkerd } from "./runtime/env.js";
import { nowMs } from "./trace/clock.js";
import { originalFetch } from "./fetch/original.js";
import type { CallRecord } from "./genai/call.js";
import type { ContentPolicy } from "./genai/content/capture.js";
import type { InstrumentationScope, RecordingSpan } from "./trace/span.js";
import { VERSION } from "./version.js";

/** What the instrumentation did in this isolate, for a health check or a debug route. */
export interface TelemetryStats {
  /** Export requests made (traces, metrics and logs), and how many of them failed for good. */
  exports: number;
  exportFailures: number;
  /** Spans and data points a collector accepted the request for but rejected (partial success). */
  rejectedItems: number;
  /** Why the last failed export failed. */
  lastFailure?: string;
  /** Errors inside the instrumentation itself, swallowed so the handler never sees them. */
  instrumentationErrors: number;
  /** Spans, GenAI calls and log records (events) left out because an invocation's buffer was full. */
  droppedSpans: number;
  droppedCalls: number;
  droppedLogs: number;
  /** GenAI metric samples or data points lost: over the series cap, or in an export that failed for good. */
  droppedMetricPoints: number;
}

const stats: TelemetryStats = {
  exports: 0,
  exportFailures: 0,
  rejectedItems: 0,
  instrumentationErrors: 0,
  droppedSpans: 0,
  droppedCalls: 0,
  droppedLogs: 0,
  droppedMetricPoints: 0,
};

/** A copy of this isolate's counters. */
export function telemetryStats(): TelemetryStats {
  return { ...stats };
}

/** Pipelines holding metrics not yet exported, for `flushMetrics()`. */
const unexported = new Set<Pipeline>();

/**
 * Export every metric aggregate now, whatever the interval (`flush()`: a script, a test, a
 * shutdown hook). Resolves (never rejects) once done.
 */
export async function flushMetrics(): Promise<void> {
  await Promise.allSettled([...unexported].map((p) => p.exportMetrics(true)));
}

/**
 * Waits for `promise`, or `ms` at most (a timer cannot wait longer than MAX_TIMER). A negative
 * wait (a deadline passed between two reads of the clock) is none: Bun, Deno and newer Node warn
 * on stderr for a negative delay.
 */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, Math.min(MAX_TIMER, Math.max(0, ms)))))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Workers let `waitUntil` work run 30 s after the response, and cancel what is still going then:
 * an export there is given a deadline within that (less a margin), though never less than
 * EXPORT_FLOOR_MS from its start (a response streamed for longer than that was still the
 * request's, and its 30 s start when it ends). Elsewhere (Node, Deno, Bun) no such limit.
 */
const WAIT_UNTIL_BUDGET_MS = 29_500;
const EXPORT_FLOOR_MS = 4_500;

/** When an export that starts `nowMs` must be done by, for a response that went out at `outMs`; undefined: its own timeout only. */
export function exportDeadline(outMs: number | undefined, nowMs: number): number | undefined {
  if (outMs === undefined || !onWorkerd()) return undefined;
  return Math.max(outMs + WAIT_UNTIL_BUDGET_MS, nowMs + EXPORT_FLOOR_MS);
}

/**
 * Our exports leave outside the request's trace, with tracing suppressed: a runtime that traces
 * every fetch (Deno's built-in OpenTelemetry) then makes a root span of its own for the POST, not
 * a child of the user's request, and sends the collector no `traceparent`.
 */
const exportFetch: FetchLike = (input, init) => context.with(suppressTracing(ROOT_CONTEXT), () => originalFetch(input, init));

/**
 * What one finished invocation hands over for export. A shape, not the Invocation class: the
 * buffer knows the pipeline, the pipeline need not know the buffer.
 */
export interface ExportBatch {
  readonly spans: RecordingSpan[];
  readonly calls: readonly CallRecord[];
  /** Agent and tool durations (metrics only). */
  readonly samples?: readonly MetricSample[];
  readonly root: RecordingSpan | undefined;
  readonly droppedSpans: number;
  readonly droppedCalls: number;
  readonly logs: readonly LogRecordData[];
  readonly droppedLogs: number;
  readonly startMs: number;
  /** When the response went out (the platform's waitUntil budget starts): bounds the export's deadline. */
  readonly outMs?: number;
}

export class Pipeline {
  readonly profile: SemconvProfile;
  readonly resource: ResourceLike;
  /** The scope of the spans this package makes; the schema URL matches the semconv profile. */
  readonly scope: InstrumentationScope;
  /** How content is recorded, ours and other instrumentations' alike. */
  readonly contentPolicy: ContentPolicy;
  private readonly logDoubles: readonly string[];

  constructor(
    readonly config: ResolvedConfig,
    runtimeResource: Record<string, string>,
    private readonly fetchImpl: FetchLike = exportFetch,
  ) {
    this.profile = PROFILES[config.semconv];
    this.resource = buildResource(config, runtimeResource);
    this.scope = { name: "otel-genai-edge", version: VERSION, schemaUrl: this.profile.schemaUrl };
    this.contentPolicy = {
      mode: config.captureMessageContent,
      redact: config.redactContent,
      fullToolDefinitions: config.toolDefinitions === "full",
      failed: () => this.selfError(),
    };
    // Evaluation scores are doubles, whole or not.
    this.logDoubles = [...this.profile.doubleAttributes, GEN_AI_EVALUATION_SCORE_VALUE];
  }

  selfError(): void {
    stats.instrumentationErrors++;
  }

  /** Export one invocation's telemetry. Resolves (never rejects) when every request is done. */
  async export(invocation: ExportBatch): Promise<void> {
    const work: Promise<unknown>[] = [];
    stats.droppedSpans += invocation.droppedSpans;
    stats.droppedCalls += invocation.droppedCalls;
    stats.droppedLogs += invocation.droppedLogs;
    const { tracesUrl } = this.config;
    const exportBy = exportDeadline(invocation.outMs, nowMs());
    if (tracesUrl && invocation.spans.length > 0) {
      if (invocation.droppedSpans > 0 && invocation.root) {
        invocation.root.attributes[OWN_SPANS_DROPPED] = invocation.droppedSpans;
      }
      const body = this.serialized(() => serializeSpans(invocation.spans, this.resource, this.profile.doubleAttributes));
      if (body) work.push(this.post("traces", tracesUrl, body, exportBy));
    }
    if (this.config.metricsUrl) {
      this.metrics.add(invocation.calls, this.profile, invocation.startMs, invocation.samples);
      if (!this.metrics.empty) unexported.add(this);
      work.push(this.exportMetrics(false, exportBy));
    }
    const { logsUrl } = this.config;
    // One request per invocation, and none without records (OTLP: no empty envelopes).
    if (logsUrl && invocation.logs.length > 0) {
      const body = this.serialized(() => serializeLogs(invocation.logs, this.resource, this.scope, this.logDoubles));
      if (body) work.push(this.post("logs", logsUrl, body, exportBy));
    }
    await Promise.all(work);
  }

  /** A signal's body, or none when it cannot be made (counted): the other signals still go. */
  private serialized(make: () => Uint8Array): Uint8Array | undefined {
    try {
      return make();
    } catch {
      this.selfError();
      return undefined;
    }
  }

  /** This pipeline's GenAI metrics since its last metrics export (isolate-wide). */
  private readonly metrics = new IsolateMetrics();

  /**
   * Export the metric aggregate when the interval has passed since the last export (or now,
   * when `force`d: after any export in flight). A failure the collector may recover from puts
   * the points back for the next one; any other loses them, counted.
   */
  async exportMetrics(force: boolean, exportBy?: number): Promise<void> {
    const { metricsUrl, metricExportIntervalMs } = this.config;
    const m = this.metrics;
    stats.droppedMetricPoints += m.takeDropped() + m.dropStale(nowMs());
    if (force) {
      while (m.inFlight) {
        await within(m.inFlight, m.timeLeft(nowMs()));
        stats.droppedMetricPoints += m.dropStale(nowMs());
      }
    }
    if (!metricsUrl || !m.due(nowMs(), force ? 0 : metricExportIntervalMs)) return;
    const snapshot = m.take(nowMs());
    unexported.delete(this);
    const sending = this.sendMetrics(metricsUrl, snapshot, exportBy).finally(() => m.settled(sending));
    // Past its deadline (and a second), an export that never settled went with its request.
    m.send(sending, snapshot, nowMs() + this.budget("metrics", exportBy) + 1000);
    await sending;
  }

  /** The time one export of `signal` may take: its timeout, within what is left before `exportBy`. */
  private budget(signal: Signal, exportBy: number | undefined): number {
    const { timeoutMs } = this.config.exports[signal];
    return exportBy === undefined ? timeoutMs : Math.max(0, Math.min(timeoutMs, exportBy - nowMs()));
  }

  private async sendMetrics(url: string, snapshot: MetricsSnapshot, exportBy: number | undefined): Promise<void> {
    let body: Uint8Array;
    try {
      body = serializeMetrics(snapshot.streams, this.resource, this.scope, snapshot.startMs, snapshot.endMs);
    } catch {
      stats.droppedMetricPoints += pointCount(snapshot.streams);
      return this.selfError();
    }
    const result = await this.post("metrics", url, body, exportBy);
    if (result.ok) return;
    if (snapshot.abandoned) return;
    // An answer OTLP retries (the same points may be accepted later): worth keeping them.
    if (retryable(result.status)) {
      this.metrics.putBack(snapshot);
      unexported.add(this);
    } else stats.droppedMetricPoints += pointCount(snapshot.streams);
    stats.droppedMetricPoints += this.metrics.takeDropped();
  }

  /** Export URLs whose last export failed, to say (at DEBUG) when they work again. */
  private readonly failing = new Set<string>();

  private async post(signal: Signal, url: string, raw: Uint8Array, exportBy?: number): Promise<PostResult> {
    const { headers: configured, compression } = this.config.exports[signal];
    const timeoutMs = this.budget(signal, exportBy);
    let body = raw;
    let headers = configured;
    if (compression === "gzip") {
      const packed = await gzip(raw).catch(() => undefined);
      if (packed) {
        body = packed;
        headers = { ...configured, "content-encoding": "gzip" };
      } else warnOnce("gzip", `gzip compression failed or this runtime lacks CompressionStream: ${signal} sent uncompressed`);
    }
    const result = await postOtlp({ url, body, headers, timeoutMs, fetch: this.fetchImpl });
    stats.exports++;
    // An export that worked, as nearly all do, costs nothing more (this runs once per request).
    if (result.ok && !result.rejected && !this.failing.has(url)) return result;
    const u = new URL(url);
    // Origin and path only: neither userinfo nor a query string (either may hold a key) is said.
    const where = `${signal} export to ${scrubText(u.origin + u.pathname)}`;
    // The runtime's own message may quote the URL, credentials and all.
    const reason = scrubText(result.reason ?? "");
    if (result.rejected) {
      stats.rejectedItems += result.rejected;
      stats.lastFailure = reason;
      warnOnce(`${url} partial`, `${where}: the collector rejected ${result.rejected} items (${reason})`);
    }
    if (!result.ok) {
      stats.exportFailures++;
      stats.lastFailure = reason;
      this.failing.add(url);
      const status = result.status;
      // Auth failures keep the collector's body to themselves: it may echo the credential.
      const why =
        status === 401 || status === 403
          ? `HTTP ${status}: check OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS (or config.headers)`
          : reason.startsWith("timeout")
            ? timeoutMs < this.config.exports[signal].timeoutMs
              ? `no answer within the ${Math.round(timeoutMs)} ms left of the 30 s Workers give waitUntil work after the response`
              : `no answer within ${timeoutMs} ms (OTEL_EXPORTER_OTLP_TIMEOUT)`
            : reason.startsWith("network")
              ? `${reason}; is the collector running and reachable?`
              : reason;
      const lost = signal === "metrics" && retryable(result.status) ? "metrics are kept for the next interval" : "telemetry is dropped";
      warnOnce(`${url} ${status ?? reason.split(":")[0]}`, `${where} failed, ${lost}: ${why}`);
    } else if (this.failing.delete(url)) debug(`${where} works again`);
    return result;
  }
}
