/**
 * A minimal OpenTelemetry API tracer whose spans belong to the invocation they were started in.
 * Registered as the global TracerProvider only when nobody registered one first.
 */
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { nowMs } from "./clock.js";
import { adoptAiSdkTracers } from "./ai-sdk.js";
import { setupContext } from "./context.js";
import { newSpanId, newTraceId } from "./ids.js";
import { type Invocation, invocationFrom, soleInvocation } from "./invocation.js";
import { onRuntimeSpan, registerInDenoSlot } from "./platform.js";
import { randomFlagOf } from "./propagation.js";
import { shouldSample } from "./sampler.js";
import { type InstrumentationScope, RecordingSpan, timeToMs } from "./span.js";

/** Which invocation a new span belongs to, and under which parent. */
export function resolveScope(ctx: Context): { invocation?: Invocation; parent?: SpanContext } {
  const parentSpan = trace.getSpan(ctx);
  // A span ours took the place of (an SDK's call span) is not in the trace: what starts under it
  // afterwards (the tool spans of the AI SDK's older telemetry) goes under its parent instead.
  const parentContext = parentSpan instanceof RecordingSpan && parentSpan.unexported && parentSpan.parent ? parentSpan.parent : parentSpan?.spanContext();
  const parent = parentContext && trace.isSpanContextValid(parentContext) ? parentContext : undefined;
  let invocation = invocationFrom(ctx);
  if (!invocation && parentSpan instanceof RecordingSpan) {
    const owner = parentSpan.sink as Invocation;
    if (!owner.flushed) invocation = owner;
  }
  // A context given explicitly (ROOT_CONTEXT, one `propagation.extract` made) within a request: its span is the request's
  // to keep, under the parent that context names, if any (a new trace otherwise), not under the request's root.
  const current = invocation || ctx === context.active() ? undefined : invocationFrom(context.active());
  // A context kept from a finished request names a trace that is gone: a new one, not a span in that one.
  if (current) return { invocation: current, parent: parentSpan instanceof RecordingSpan && (parentSpan.sink as Invocation).flushed ? undefined : parent };
  if (!invocation && !setupContext().asyncPropagation) invocation = soleInvocation();
  return { invocation, parent: parent ?? invocation?.parentContext };
}

/**
 * A span someone else is recording around our handler: a runtime's own HTTP server span (Deno's
 * built-in OpenTelemetry) or an app's SDK's. Not one of ours, nor within one of our invocations;
 * never one that is not recording: an unsampled span (an SDK's sampler said no: ours keep their
 * own decision), incoming context alone, or what an API tracer of ours starts outside an
 * invocation (a framework's span around the route, as Next.js makes).
 */
export function outerSpanContext(ctx: Context): SpanContext | undefined {
  try {
    const span = trace.getSpan(ctx);
    if (!span?.isRecording() || span instanceof RecordingSpan || invocationFrom(ctx)) return undefined;
    const spanContext = span.spanContext();
    return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
  } catch {
    // someone else's span that throws: as if there were none
    return undefined;
  }
}

/**
 * The ids and sampling decision of a span about to start under `resolved`: reserved first when
 * its trace context must leave (an outbound request's `traceparent`) before the span is made.
 */
export function reserveSpanContext(resolved: { invocation?: Invocation; parent?: SpanContext }, root = false): SpanContext {
  const parent = root ? undefined : resolved.parent;
  const traceId = parent?.traceId ?? newTraceId();
  const { invocation } = resolved;
  // Outside any invocation (module scope, or after the flush): not recorded. Within one, the
  // sampler decides (a parent-based one by the parent's flag; always_on records under an unsampled parent too).
  const sampled = invocation !== undefined && shouldSample(invocation.pipeline.config, traceId, parent);
  const traceFlags = (sampled ? TraceFlags.SAMPLED : TraceFlags.NONE) | randomFlagOf(parent);
  return { traceId, spanId: newSpanId(), traceFlags, traceState: parent?.traceState };
}

export function startSpanIn(
  scope: InstrumentationScope,
  name: string,
  options: SpanOptions,
  ctx: Context,
  resolved = resolveScope(options.root ? trace.deleteSpan(ctx) : ctx),
  spanContext = reserveSpanContext(resolved, options.root),
): Span {
  const { invocation } = resolved;
  if (!invocation || !(spanContext.traceFlags & TraceFlags.SAMPLED)) return trace.wrapSpanContext(spanContext);
  // Spans started and never ended are held until the flush: past four buffers' worth, no more are recorded.
  if (invocation.crowded) {
    invocation.droppedSpans++;
    return trace.wrapSpanContext(spanContext);
  }
  return new RecordingSpan(
    name,
    options.kind ?? SpanKind.INTERNAL,
    spanContext,
    options.root ? undefined : resolved.parent,
    timeToMs(options.startTime),
    invocation,
    scope,
    options.attributes as Attributes | undefined,
    options.links,
  );
}

/**
 * A span that takes the place of `replaced` (same trace and span ids, same parent), which is
 * then never exported. A second call under an already replaced span (an SDK's retry) becomes
 * its sibling.
 */
export function replaceSpan(replaced: RecordingSpan, scope: InstrumentationScope, name: string, options: SpanOptions): Span {
  const invocation = replaced.sink as Invocation;
  if (replaced.unexported || invocation.flushed) {
    // A retry under a span already replaced: a sibling of the first attempt.
    return startSpanIn(scope, name, options, context.active(), {
      invocation: invocation.flushed ? undefined : invocation,
      parent: replaced.parent,
    });
  }
  replaced.unexported = true;
  return new RecordingSpan(
    name,
    options.kind ?? SpanKind.INTERNAL,
    replaced.spanContext(),
    replaced.parent,
    timeToMs(options.startTime),
    invocation,
    scope,
    options.attributes,
  );
}

/** Starts an invocation's local root (SERVER span, or a trigger's span), continuing `remote` if given. */
export function startRoot(
  invocation: Invocation,
  scope: InstrumentationScope,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  remote: SpanContext | undefined,
): Span {
  const spanContext = reserveSpanContext({ invocation, parent: remote });
  invocation.parentContext = spanContext;
  if (!(spanContext.traceFlags & TraceFlags.SAMPLED)) return trace.wrapSpanContext(spanContext);
  const span = new RecordingSpan(name, kind, spanContext, remote, nowMs(), invocation, scope, attributes);
  invocation.root = span;
  return span;
}

export class EdgeTracer implements Tracer {
  constructor(private readonly scope: InstrumentationScope) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    // Tracing suppressed (an exporter's own request, a request sent untraced): no span, as the SDK's tracer does.
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    return startSpanIn(this.scope, name, options, ctx);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    const fn = (typeof a === "function" ? a : typeof b === "function" ? b : c) as F;
    const options = typeof a === "object" ? a : {};
    const ctx = typeof b === "object" ? b : context.active();
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
  }
}

export class EdgeTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, EdgeTracer>();
  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ""}:${options?.schemaUrl ?? ""}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      tracer = new EdgeTracer({ name, version, schemaUrl: options?.schemaUrl });
      // A tracer holds its scope only: past a few hundred names (one per tenant, say) they are not kept.
      if (this.tracers.size < 256) this.tracers.set(key, tracer);
    }
    return tracer;
  }
}

let registered = false;
/** Ours, when it is the registered one. */
let provider: EdgeTracerProvider | undefined;

/**
 * Registers our provider for `@opentelemetry/api` users unless another one is already there.
 * Called at each invocation's start: from then on, AI SDK telemetry integrations registered
 * since the last call are adopted (`adoptAiSdkTracers`).
 */
export function registerGlobalTracerProvider(): void {
  if (!registered) {
    registered = true;
    setupContext();
    // Deno's provider's GenAI spans, for calls made outside their context (sdk-spans.ts).
    onRuntimeSpan((ctx, span) => invocationFrom(ctx)?.runtimeSpanStarted(span));
    const ours = new EdgeTracerProvider();
    if (trace.setGlobalTracerProvider(ours)) provider = ours;
    else {
      // Deno's slot with its tracing off: the API's proxy goes in, delegating to ours, as registration does.
      const proxy = trace.getTracerProvider();
      if (proxy instanceof ProxyTracerProvider && registerInDenoSlot("trace", proxy, () => trace.getTracerProvider() === proxy)) {
        proxy.setDelegate(ours);
        provider = ours;
      }
    }
  }
  if (provider) adoptAiSdkTracers(provider);
}
