/**
 * The runtime's own tracing: Deno's built-in OpenTelemetry (`OTEL_DENO=true`), and on Node an
 * instrumentation of its fetch (see `runtimeInjectsTraceContext`). With tracing on,
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
import { type Context, context, type Span, type SpanKind, type SpanOptions, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { AI_OPERATION_ID, GEN_AI_OPERATION_NAME, GEN_AI_REQUEST_MODEL } from "../attributes.js";
import { onWorkerd } from "../runtime/env.js";

/** The API's global slot, where every copy of `@opentelemetry/api` registers (versioned like its key). */
type ApiSlot = { version?: string; trace?: unknown; context?: unknown; diag?: unknown; propagation?: { fields?(): unknown } };

/** What a span was started with, as far as telling an SDK's call span goes. */
type StartFacts = { kind?: SpanKind; attributes: Record<string, unknown> };
type Registry = WeakMap<object, StartFacts>;

/** The mark on Deno's provider once patched: the registry every copy of this package reads. */
const PATCHED = Symbol.for("otel-genai-edge.runtime-tracer-provider");

/** The API's global slot (read by `diag.ts` too). */
export const apiSlot = (): ApiSlot | undefined => (globalThis as Record<symbol, ApiSlot | undefined>)[Symbol.for("opentelemetry.js.api.1")];

/** The version Deno registers under, so that every copy of the API reads its slot (and none registers next to it). */
const DENO_SLOT_VERSION = "1.999.999";

/** Deno's tracer provider, when it is the registered one (the slot is read first: plain Deno never loads its telemetry). */
function denoProvider(): (TracerProvider & { [PATCHED]?: Registry }) | undefined {
  const current = apiSlot()?.trace;
  if (current === undefined) return undefined;
  const provider = (globalThis as { Deno?: { telemetry?: { tracerProvider?: TracerProvider } } }).Deno?.telemetry?.tracerProvider;
  return provider !== undefined && current === provider ? provider : undefined;
}

let denoInjects: boolean | undefined;

/**
 * Whether the runtime's fetch adds `traceparent` itself, appending it to any already there:
 * - Deno's, with its tracing on and W3C trace context among its propagators (`OTEL_PROPAGATORS`
 *   may leave it out); read once, Deno settles it at startup;
 * - Node's with an instrumentation of undici, the client under its `fetch`
 *   (`@opentelemetry/instrumentation-undici`, which APM agents use too), subscribed to undici's
 *   request channel and injecting with a registered W3C propagator; read at each call, an SDK may
 *   start late. Only Node's fetch publishes on that channel (Bun, Deno and workerd have the
 *   module, not the events), so only Node counts.
 */
export function runtimeInjectsTraceContext(): boolean {
  if (denoInjects === undefined) {
    denoInjects = false;
    try {
      denoInjects = denoProvider() !== undefined && propagatesTraceparent();
    } catch {
      // not Deno's: ours are sent
    }
  }
  return denoInjects || undiciInjects();
}

function propagatesTraceparent(): boolean {
  const fields = apiSlot()?.propagation?.fields?.();
  return Array.isArray(fields) && fields.includes("traceparent");
}

type Diagnostics = { hasSubscribers(name: string): boolean };
let diagnostics: Diagnostics | null | undefined;

function undiciInjects(): boolean {
  try {
    diagnostics ??= nodeDiagnostics();
    return diagnostics?.hasSubscribers("undici:request:create") === true && propagatesTraceparent();
  } catch {
    return false;
  }
}

/** Node's diagnostics channels (no import: bundles stay free of Node built-ins), on Node only. */
function nodeDiagnostics(): Diagnostics | null {
  const g = globalThis as { Deno?: unknown; process?: { versions?: Record<string, string | undefined>; getBuiltinModule?(id: string): unknown } };
  const versions = g.process?.versions;
  if (typeof versions?.node !== "string" || versions.bun !== undefined || g.Deno !== undefined || onWorkerd()) return null;
  const module = g.process?.getBuiltinModule?.("node:diagnostics_channel") as Partial<Diagnostics> | undefined;
  return typeof module?.hasSubscribers === "function" ? (module as Diagnostics) : null;
}

/**
 * Puts `value` in the API's global slot under `key` where the API refused to register it because
 * Deno made the slot: with its tracing off (`OTEL_DENO_TRACING=false`) Deno still puts its
 * metrics and propagator there, under its version, and no copy of the API registers next to it.
 * Only there, only where nobody holds that kind, and only if our copy of the API then reads it
 * (else it is taken back): what registration would have done. Elsewhere (another version's slot
 * on Node or Bun) a refusal stands, as before: an app's SDK may still register there.
 */
export function registerInDenoSlot(key: "context" | "trace", value: unknown, seen: () => boolean): boolean {
  try {
    const slot = apiSlot();
    if (slot?.version !== DENO_SLOT_VERSION || slot[key] !== undefined) return false;
    slot[key] = value;
    if (seen()) return true;
    delete slot[key];
  } catch {
    // left as it was
  }
  return false;
}

let registry: Registry | undefined;

/**
 * A GenAI span of the runtime's provider, as seen at its start: for a call made outside that
 * span's context (the AI SDK's embed), which span it was (`sdkSpanFor`). Deno's spans show no
 * parent or attributes, so both are taken from what the span was started with.
 */
export interface RuntimeSpan {
  readonly span: Span;
  readonly id: string;
  readonly parentId: string | undefined;
  readonly facts: StartFacts;
  ended: boolean;
}

let heard: ((ctx: Context, span: RuntimeSpan) => void) | undefined;

/** Who is told of each GenAI span the runtime's provider starts, in the context it starts in (the tracer: its invocation). */
export function onRuntimeSpan(listener: (ctx: Context, span: RuntimeSpan) => void): void {
  heard = listener;
}

/** The kind and GenAI marks a span of Deno's provider was started with, if it was seen. */
export function startedWith(span: object): StartFacts | undefined {
  return registry?.get(span);
}

/**
 * Only what tells a call span is kept (its kind, operation and model), and only for spans that
 * have it (no prompt stays alive here); `parent` is the context it was started in.
 */
function note(span: Span, options: SpanOptions | undefined, parent: Context): void {
  try {
    const attributes = options?.attributes;
    const operation = attributes?.[GEN_AI_OPERATION_NAME];
    const operationId = attributes?.[AI_OPERATION_ID];
    if ((operation === undefined && operationId === undefined) || typeof span !== "object" || span === null) return;
    const facts: StartFacts = {
      kind: options?.kind,
      attributes: { [GEN_AI_OPERATION_NAME]: operation, [AI_OPERATION_ID]: operationId, [GEN_AI_REQUEST_MODEL]: attributes?.[GEN_AI_REQUEST_MODEL] },
    };
    registry?.set(span, facts);
    if (!heard) return;
    const noted: RuntimeSpan = { span, id: span.spanContext().spanId, parentId: trace.getSpan(parent)?.spanContext().spanId, facts, ended: false };
    // Its end, seen: an ended span is no call's any more.
    const end = span.end;
    span.end = function (this: Span, ...args: Parameters<Span["end"]>) {
      noted.ended = true;
      return end.apply(this, args);
    };
    heard(parent, noted);
  } catch {
    // an SDK's options that throw when read, a span that cannot be watched: its call goes on
  }
}

function observed(tracer: Tracer): Tracer {
  return {
    startSpan(name, options, ctx) {
      const span = tracer.startSpan(name, options, ctx);
      note(span, options, ctx ?? context.active());
      return span;
    },
    // Deno's own startActiveSpan runs as it does (every overload); the span is noted as the callback receives it.
    startActiveSpan(name: string, ...args: unknown[]) {
      const at = args.findIndex((a) => typeof a === "function");
      if (at >= 0) {
        const fn = args[at] as (span: Span) => unknown;
        const options = at > 0 ? (args[0] as SpanOptions | undefined) : undefined;
        // (name, options, context, fn): that context; otherwise the one active now, before the span's.
        const parent = at === 2 ? (args[1] as Context) : context.active();
        args[at] = (span: Span) => {
          note(span, options, parent);
          return fn(span);
        };
      }
      return (tracer.startActiveSpan as (...a: unknown[]) => unknown).call(tracer, name, ...args);
    },
  } as Tracer;
}

let tried = false;

/** Patches Deno's registered provider's `getTracer`, once per isolate (package import, invocation start). */
export function observeRuntimeTracer(): void {
  if (tried) return;
  if ((globalThis as { Deno?: unknown }).Deno === undefined) {
    // Not Deno: nothing to do, ever.
    tried = true;
    return;
  }
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
