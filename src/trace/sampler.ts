import { type SpanContext, TraceFlags } from "@opentelemetry/api";
import type { ResolvedConfig } from "../config.js";

/** Deterministic in the trace id, so every service sampling at the same ratio keeps the same traces. */
function ratioSampled(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  // The low 56 bits of the trace id, as W3C trace-context level 2 makes random.
  const value = Number.parseInt(traceId.slice(18), 16);
  return value / 2 ** 56 < ratio;
}

/** The head-sampling decision for a new local root, following OTEL_TRACES_SAMPLER semantics. */
export function shouldSample(config: ResolvedConfig, traceId: string, parent: SpanContext | undefined): boolean {
  const parentBased = config.sampler.startsWith("parentbased_");
  if (parentBased && parent) return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  switch (config.sampler) {
    case "always_off":
    case "parentbased_always_off":
      return false;
    case "traceidratio":
    case "parentbased_traceidratio":
      return ratioSampled(traceId, config.samplerRatio);
    default:
      return true;
  }
}
