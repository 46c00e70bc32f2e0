/**
 * One configured telemetry pipeline: resolved config, resource, semconv profile and export.
 * Built once per distinct configuration and reused by every invocation that shares it.
 */
import { OWN_SPANS_DROPPED, PROFILES, type SemconvProfile } from "./attributes.js";
import type { ResolvedConfig } from "./config.js";
import { type FetchLike, postOtlp } from "./exporter/otlp-http.js";
import { buildResource, type ResourceLike } from "./exporter/resource.js";
import { serializeMetrics } from "./exporter/metrics.js";
import { serializeSpans } from "./exporter/traces.js";
import { aggregateCalls } from "./metrics/genai-metrics.js";
import { nowMs } from "./trace/clock.js";
import { originalFetch } from "./fetch/original.js";
import type { Invocation } from "./trace/invocation.js";
import type { InstrumentationScope } from "./trace/span.js";
import { VERSION } from "./version.js";

/** What the instrumentation did in this isolate, for a health check or a debug route. */
export interface TelemetryStats {
  /** Export requests made (traces and metrics), and how many of them failed for good. */
  exports: number;
  exportFailures: number;
  /** Spans and data points a collector accepted the request for but rejected (partial success). */
  rejectedItems: number;
  /** Why the last failed export failed. */
  lastFailure?: string;
  /** Errors inside the instrumentation itself, swallowed so the handler never sees them. */
  instrumentationErrors: number;
  /** Spans and GenAI calls left out because an invocation's buffer was full. */
  droppedSpans: number;
  droppedCalls: number;
}

const stats: TelemetryStats = {
  exports: 0,
  exportFailures: 0,
  rejectedItems: 0,
  instrumentationErrors: 0,
  droppedSpans: 0,
  droppedCalls: 0,
};

/** A copy of this isolate's counters. */
export function telemetryStats(): TelemetryStats {
  return { ...stats };
}

/**
 * End of the isolate's last metrics interval. Every pipeline in an isolate shares its
 * `service.instance.id`, so their delta intervals follow one another and never overlap.
 */
let lastMetricsEndMs = 0;

export class Pipeline {
  readonly profile: SemconvProfile;
  readonly resource: ResourceLike;
  /** The scope of the spans this package makes; the schema URL matches the semconv profile. */
  readonly scope: InstrumentationScope;

  constructor(
    readonly config: ResolvedConfig,
    runtimeResource: Record<string, string>,
    private readonly fetchImpl: FetchLike = originalFetch,
  ) {
    this.profile = PROFILES[config.semconv];
    this.resource = buildResource(config, runtimeResource);
    this.scope = { name: "otel-genai-edge", version: VERSION, schemaUrl: this.profile.schemaUrl };
  }

  selfError(): void {
    stats.instrumentationErrors++;
  }

  /** Export one invocation's telemetry. Resolves (never rejects) when every request is done. */
  async export(invocation: Invocation): Promise<void> {
    const work: Promise<void>[] = [];
    stats.droppedSpans += invocation.droppedSpans;
    stats.droppedCalls += invocation.droppedCalls;
    const { tracesUrl } = this.config;
    if (tracesUrl && invocation.spans.length > 0) {
      if (invocation.droppedSpans > 0 && invocation.root) {
        invocation.root.attributes[OWN_SPANS_DROPPED] = invocation.droppedSpans;
      }
      work.push(this.post(tracesUrl, serializeSpans(invocation.spans, this.resource)));
    }
    const { metricsUrl } = this.config;
    if (metricsUrl && invocation.calls.length > 0) {
      const streams = aggregateCalls(invocation.calls, this.profile);
      const endMs = Math.max(nowMs(), lastMetricsEndMs + 0.001);
      const startMs = Math.max(invocation.startMs, lastMetricsEndMs);
      lastMetricsEndMs = endMs;
      work.push(this.post(metricsUrl, serializeMetrics(streams, this.resource, this.scope, startMs, endMs)));
    }
    await Promise.all(work);
  }

  private async post(url: string, body: Uint8Array): Promise<void> {
    const result = await postOtlp({
      url,
      body,
      headers: this.config.headers,
      timeoutMs: this.config.timeoutMs,
      fetch: this.fetchImpl,
    });
    stats.exports++;
    if (result.rejected) {
      stats.rejectedItems += result.rejected;
      stats.lastFailure = result.reason;
    }
    if (!result.ok) {
      stats.exportFailures++;
      stats.lastFailure = result.reason;
    }
  }
}
