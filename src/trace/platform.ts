/**
 * The runtime's own tracing: Deno's built-in OpenTelemetry (`OTEL_DENO=true`). At startup Deno
 * puts its tracer provider, context manager and propagator where `@opentelemetry/api` looks for
 * them (version `1.999.999`, so every copy of the API takes them), so ours is never registered.
 * Two things follow, both read once (Deno settles them before any code runs):
 *
 * - its fetch starts a span under the active context (ours) and appends its propagators' headers:
 *   a `traceparent` of ours as well would reach the server as a list of two
 *   (`runtimeInjectsTraceContext`);
 * - the spans SDKs make through the API are Deno's, whose kind and attributes cannot be read back,
 *   so an SDK's own GenAI call span (the Anthropic SDK's `anthropic.messages.create`) could not be
 *   told from any other and the call would get two GenAI spans. Deno's provider is therefore seen
 *   through a thin wrapper that notes, per span, the kind and attributes it was started with
 *   (`startedWith`); spans, ids, context and export stay Deno's. SDK clients that took their tracer
 *   before this package was imported are not seen.
 */
import type { Attributes, Span, SpanKind, SpanOptions, Tracer, TracerProvider } from "@opentelemetry/api";

type ApiSlot = { trace?: TracerProvider; propagation?: { fields?(): unknown } };

const API_SLOT = Symbol.for("opentelemetry.js.api.1");

/** Deno's tracer provider, when it is the registered one. */
function denoProvider(): TracerProvider | undefined {
  const provider = (globalThis as { Deno?: { telemetry?: { tracerProvider?: TracerProvider } } }).Deno?.telemetry?.tracerProvider;
  const slot = (globalThis as Record<symbol, ApiSlot | undefined>)[API_SLOT];
  return provider !== undefined && (slot?.trace === provider || slot?.trace === observing) ? provider : undefined;
}

let runtimeInjects: boolean | undefined;

/**
 * Whether the runtime's own fetch adds `traceparent` itself: Deno's, with tracing on and W3C trace
 * context among its propagators (`OTEL_PROPAGATORS` may leave it out).
 */
export function runtimeInjectsTraceContext(): boolean {
  if (runtimeInjects === undefined) {
    runtimeInjects = false;
    try {
      const fields = denoProvider() && (globalThis as Record<symbol, ApiSlot | undefined>)[API_SLOT]?.propagation?.fields?.();
      runtimeInjects = Array.isArray(fields) && fields.includes("traceparent");
    } catch {
      // not Deno's: ours are sent
    }
  }
  return runtimeInjects;
}

/** What a span of the runtime's provider was started with. */
const started = new WeakMap<object, { kind?: SpanKind; attributes?: Attributes }>();

/** The kind and attributes a span of Deno's provider was started with, if it was seen. */
export function startedWith(span: object): { kind?: SpanKind; attributes?: Attributes } | undefined {
  return started.get(span);
}

function note(span: Span, options: SpanOptions | undefined): void {
  if (typeof span === "object" && span !== null) started.set(span, { kind: options?.kind, attributes: options?.attributes });
}

function observed(tracer: Tracer): Tracer {
  return {
    startSpan(name, options, ctx) {
      const span = tracer.startSpan(name, options, ctx);
      note(span, options);
      return span;
    },
    // Deno's own startActiveSpan runs as it does; the span is noted as the callback receives it.
    startActiveSpan(name: string, ...args: unknown[]) {
      const at = args.findIndex((a) => typeof a === "function");
      if (at >= 0) {
        const fn = args[at] as (span: Span) => unknown;
        const options = at > 0 ? (args[0] as SpanOptions | undefined) : undefined;
        args[at] = (span: Span) => {
          note(span, options);
          return fn(span);
        };
      }
      return (tracer.startActiveSpan as (...a: unknown[]) => unknown).call(tracer, name, ...args);
    },
  } as Tracer;
}

let observing: TracerProvider | undefined;

/** Puts the noting wrapper around Deno's registered provider, once (package import, invocation start). */
export function observeRuntimeTracer(): void {
  if (observing) return;
  try {
    const provider = denoProvider();
    const slot = (globalThis as Record<symbol, ApiSlot | undefined>)[API_SLOT];
    if (!provider || !slot) return;
    // Read before the slot changes.
    runtimeInjectsTraceContext();
    observing = { getTracer: (...args: Parameters<TracerProvider["getTracer"]>) => observed(provider.getTracer(...args)) };
    slot.trace = observing;
  } catch {
    // left as it was
  }
}
