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
  if (parentBased && parent) return (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
  // A root, or not parent-based: the sampler itself (a parent-based one's root sampler).
  const root = parentBased ? config.sampler.slice("parentbased_".length) : config.sampler;
  return root === "traceidratio" ? ratioSampled(traceId, config.samplerRatio) : root !== "always_off";
}
