/**
 * The runtime's own tracing: Deno's built-in OpenTelemetry (`OTEL_DENO=true`). With tracing on,
 * Deno puts its tracer provider (with its context manager and propagator) where
 * `@opentelemetry/api` looks for them, at startup, so ours is never registered. Two things follow:
 *
 * - its fetch starts a span under the active context (ours) and appends its propagators' headers:
 *   a `traceparent` of ours as well would reach the server as a list of two
 *   (`runtimeInjectsTraceContext`);
 * - the spans SDKs make through the API are Deno's, whose kind and attributes cannot be read back,
 *   so an SDK's own GenAI call span (the Anthropic SDK's `anthropic.messages.create`) could not be
 *   told from any other and the call would get two GenAI spans. Deno's provider is therefore
 *   patched in place, once per isolate (whatever copy of this package does it), to note for each
 *   span it starts the little that tells a call span (`startedWith`); spans, ids, context and
 *   export stay Deno's. SDK clients that took their tracer before this package was imported are
 *   not seen.
 *
 * Nothing happens unless Deno's provider is the registered one: plain Deno, or Deno with
 * `OTEL_DENO_TRACING=false`, is left alone.
 */
import type { Span, SpanKind, SpanOptions, Tracer, TracerProvider } from "@opentelemetry/api";
import { AI_OPERATION_ID, GEN_AI_OPERATION_NAME } from "../attributes.js";

type ApiSlot = { trace?: TracerProvider; propagation?: { fields?(): unknown } };

/** What a span was started with, as far as telling an SDK's call span goes. */
type StartFacts = { kind?: SpanKind; attributes: Record<string, unknown> };
type Registry = WeakMap<object, StartFacts>;

/** The mark on Deno's provider once patched: the registry every copy of this package reads. */
const PATCHED = Symbol.for("otel-genai-edge.runtime-tracer-provider");

const slot = () => (globalThis as Record<symbol, ApiSlot | undefined>)[Symbol.for("opentelemetry.js.api.1")];

/** Deno's tracer provider, when it is the registered one (the slot is read first: plain Deno never loads its telemetry). */
function denoProvider(): (TracerProvider & { [PATCHED]?: Registry }) | undefined {
  const current = slot()?.trace;
  if (current === undefined) return undefined;
  const provider = (globalThis as { Deno?: { telemetry?: { tracerProvider?: TracerProvider } } }).Deno?.telemetry?.tracerProvider;
  return provider !== undefined && current === provider ? provider : undefined;
}

let runtimeInjects: boolean | undefined;

/**
 * Whether the runtime's own fetch adds `traceparent` itself: Deno's, with tracing on and W3C trace
 * context among its propagators (`OTEL_PROPAGATORS` may leave it out). Read once: Deno settles it
 * at startup.
 */
export function runtimeInjectsTraceContext(): boolean {
  if (runtimeInjects === undefined) {
    runtimeInjects = false;
    try {
      const fields = denoProvider() && slot()?.propagation?.fields?.();
      runtimeInjects = Array.isArray(fields) && fields.includes("traceparent");
    } catch {
      // not Deno's: ours are sent
    }
  }
  return runtimeInjects;
}

let registry: Registry | undefined;

/** The kind and GenAI marks a span of Deno's provider was started with, if it was seen. */
export function startedWith(span: object): StartFacts | undefined {
  return registry?.get(span);
}

/** Only what tells a call span is kept, and only for spans that have it (no prompt stays alive here). */
function note(span: Span, options: SpanOptions | undefined): void {
  try {
    const attributes = options?.attributes;
    const operation = attributes?.[GEN_AI_OPERATION_NAME];
    const operationId = attributes?.[AI_OPERATION_ID];
    if ((operation === undefined && operationId === undefined) || typeof span !== "object" || span === null) return;
    registry?.set(span, { kind: options?.kind, attributes: { [GEN_AI_OPERATION_NAME]: operation, [AI_OPERATION_ID]: operationId } });
  } catch {
    // an SDK's options that throw when read: not noted, its call goes on
  }
}

function observed(tracer: Tracer): Tracer {
  return {
    startSpan(name, options, ctx) {
      const span = tracer.startSpan(name, options, ctx);
      note(span, options);
      return span;
    },
    // Deno's own startActiveSpan runs as it does (every overload); the span is noted as the callback receives it.
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

/** Patches Deno's registered provider's `getTracer`, once per isolate (package import, invocation start). */
let tried = false;

export function observeRuntimeTracer(): void {
  if (tried) return;
  try {
    const provider = denoProvider();
    if (!provider) return;
    // Deno's provider is there: one attempt, whatever comes of it (a frozen one stays as it is).
    tried = true;
    runtimeInjectsTraceContext();
    const existing = provider[PATCHED];
    if (existing) {
      registry = existing;
      return;
    }
    const getTracer = provider.getTracer;
    const own = new WeakMap<object, StartFacts>();
    Object.defineProperty(provider, PATCHED, { value: own });
    registry = own;
    provider.getTracer = function (this: unknown, ...args: Parameters<TracerProvider["getTracer"]>) {
      return observed(getTracer.apply(this, args));
    };
  } catch {
    // left as it was
  }
}
