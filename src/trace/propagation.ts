/**
 * W3C Trace Context (traceparent/tracestate), read and written directly: a few lines instead
 * of the generic propagator, which keeps the bundle small. `tracestate` is carried through
 * unchanged (we add no entry of our own), within the spec's 512-character limit.
 */
import { type SpanContext, TraceFlags, type TraceState } from "@opentelemetry/api";

/**
 * W3C Trace Context Level 2's random flag: the trace id's low 56 bits are random. It belongs to
 * the trace id, so every span continuing a trace carries it as the trace's root set it.
 */
export const TRACE_FLAG_RANDOM = 0x02;
/** The flags kept from an incoming `traceparent` and sent on: sampled and random; unknown bits are dropped. */
const KNOWN_FLAGS = TraceFlags.SAMPLED | TRACE_FLAG_RANDOM;

/**
 * The random flag of a span's trace: its parent's when it continues one; set when it starts a
 * trace, whose id we draw from `crypto.getRandomValues` (OpenTelemetry's SDKs do the same).
 */
export const randomFlagOf = (parent: SpanContext | undefined): number => (parent ? parent.traceFlags : TRACE_FLAG_RANDOM) & TRACE_FLAG_RANDOM;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** An opaque, pass-through tracestate. */
class RawTraceState implements TraceState {
  constructor(private readonly raw: string) {}
  set(): TraceState {
    return this;
  }
  unset(): TraceState {
    return this;
  }
  get(key: string): string | undefined {
    for (const member of this.raw.split(",")) {
      const eq = member.indexOf("=");
      if (eq > 0 && member.slice(0, eq).trim() === key) return member.slice(eq + 1).trim();
    }
    return undefined;
  }
  serialize(): string {
    return this.raw;
  }
}

export function extractTraceContext(headers: Headers): SpanContext | undefined {
  const match = TRACEPARENT.exec(headers.get("traceparent")?.trim() ?? "");
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has no trailing fields.
  if (version === "ff" || (version === "00" && rest)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  const state = headers.get("tracestate")?.trim();
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & KNOWN_FLAGS,
    isRemote: true,
    traceState: state && state.length <= 512 ? new RawTraceState(state) : undefined,
  };
}

/** `traceparent` (and the `tracestate` carried through) for a span, as header pairs. */
export function traceHeaders(span: SpanContext): [string, string][] {
  const flags = (span.traceFlags & KNOWN_FLAGS).toString(16).padStart(2, "0");
  const out: [string, string][] = [["traceparent", `00-${span.traceId}-${span.spanId}-${flags}`]];
  const state = span.traceState?.serialize();
  if (state) out.push(["tracestate", state]);
  return out;
}
