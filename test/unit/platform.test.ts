/**
 * src/trace/platform.ts with a stand-in for Deno's built-in OpenTelemetry (the real one is
 * exercised in test/runtimes/deno-otel.test.ts): Deno's provider is patched in place only when it
 * is the registered one; every startActiveSpan overload still runs Deno's own code and its span is
 * noted; only spans that carry a GenAI mark are kept; a second copy of the package shares the
 * first one's notes instead of patching again; a provider that cannot be patched is left alone.
 */
import { type Context, ROOT_CONTEXT, type Span, SpanKind, type SpanOptions, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const SLOT = Symbol.for("opentelemetry.js.api.1");
type Platform = typeof import("../../src/trace/platform.js");

/** Deno's provider as it behaves: startActiveSpan resolves its overloads and calls its own startSpan. */
function fakeDeno() {
  const calls: string[] = [];
  class DenoTracer {
    startSpan(name: string) {
      calls.push(`startSpan ${name}`);
      const spanId = Buffer.from(name.padEnd(8, "-")).toString("hex").slice(0, 16);
      return { name, spanContext: () => ({ traceId: "ab".repeat(16), spanId, traceFlags: 1 }), end: () => void calls.push(`end ${name}`) } as unknown as Span;
    }
    startActiveSpan(name: string, ...args: unknown[]) {
      const fn = args.find((a) => typeof a === "function") as (span: Span) => unknown;
      if (!fn) throw new Error("startActiveSpan requires a function argument");
      return fn(this.startSpan(name));
    }
  }
  const provider = {
    getTracer(name: string) {
      calls.push(`getTracer ${name}`);
      return new DenoTracer() as unknown as Tracer;
    },
  } as TracerProvider;
  return { provider, calls };
}

const fresh = async (): Promise<Platform> => {
  vi.resetModules();
  return import("../../src/trace/platform.js");
};

let saved: { deno: unknown; slot: unknown };
beforeEach(() => {
  const g = globalThis as Record<string | symbol, unknown>;
  saved = { deno: g.Deno, slot: g[SLOT] };
});
afterEach(() => {
  const g = globalThis as Record<string | symbol, unknown>;
  g.Deno = saved.deno;
  g[SLOT] = saved.slot;
});

function install(provider: TracerProvider, slot: Record<string, unknown>) {
  const g = globalThis as Record<string | symbol, unknown>;
  g.Deno = { telemetry: { tracerProvider: provider } };
  g[SLOT] = slot;
}

const GENAI: SpanOptions = { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": "[...a prompt...]" } };

describe("Deno's provider, patched in place when it is the registered one", () => {
  it("every startActiveSpan overload runs Deno's own and its span is noted; startSpan too; only what tells a call span is kept", async () => {
    const { provider, calls } = fakeDeno();
    install(provider, { version: "1.999.999", trace: provider, propagation: { fields: () => ["traceparent", "tracestate"] } });
    const platform = await fresh();
    platform.observeRuntimeTracer();
    expect(platform.runtimeInjectsTraceContext()).toBe(true);
    const tracer = provider.getTracer("sdk");
    const spans: Span[] = [];
    tracer.startActiveSpan("a", (s: Span) => spans.push(s));
    tracer.startActiveSpan("b", GENAI, (s: Span) => spans.push(s));
    tracer.startActiveSpan("c", GENAI, ROOT_CONTEXT, (s: Span) => spans.push(s));
    spans.push(tracer.startSpan("d", GENAI));
    spans.push(tracer.startSpan("e", { kind: SpanKind.INTERNAL, attributes: { "app.thing": 1 } }));
    expect(() => tracer.startActiveSpan("f", GENAI as never)).toThrow("startActiveSpan requires a function argument");
    expect(calls).toEqual(["getTracer sdk", "startSpan a", "startSpan b", "startSpan c", "startSpan d", "startSpan e"]);
    const facts = spans.map((s) => platform.startedWith(s));
    const noted = { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat", "ai.operationId": undefined } };
    expect(facts).toEqual([undefined, noted, noted, noted, undefined]);
  });

  it("each GenAI span started is told with the context it started in (its parent's id), its model, and whether it has ended; Deno's end still runs", async () => {
    const { provider, calls } = fakeDeno();
    install(provider, { version: "1.999.999", trace: provider });
    const platform = await fresh();
    platform.observeRuntimeTracer();
    const heard: [Context, import("../../src/trace/platform.js").RuntimeSpan][] = [];
    platform.onRuntimeSpan((ctx, span) => heard.push([ctx, span]));
    const tracer = provider.getTracer("sdk");
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: "ab".repeat(16), spanId: "1234567890abcdef", traceFlags: 1 });
    const embed: SpanOptions = { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "embeddings", "gen_ai.request.model": "m-1" } };
    const span = tracer.startSpan("embed", embed, parent);
    tracer.startActiveSpan("call", embed, parent, (s: Span) => s);
    tracer.startSpan("plain", { attributes: { "app.thing": 1 } }, parent);
    expect(heard.map(([ctx, s]) => [ctx === parent, s.parentId, s.facts.attributes["gen_ai.request.model"], s.ended])).toEqual([
      [true, "1234567890abcdef", "m-1", false],
      [true, "1234567890abcdef", "m-1", false],
    ]);
    expect(heard[0][1].id).toBe(span.spanContext().spanId);
    span.end();
    expect(heard.map(([, s]) => s.ended)).toEqual([true, false]);
    expect(calls).toContain("end embed");
  });

  it("a second copy of the package shares the first one's notes and does not patch again", async () => {
    const { provider } = fakeDeno();
    install(provider, { version: "1.999.999", trace: provider });
    const first = await fresh();
    first.observeRuntimeTracer();
    const patched = provider.getTracer;
    const second = await fresh();
    second.observeRuntimeTracer();
    expect(provider.getTracer).toBe(patched);
    const span = provider.getTracer("sdk").startSpan("x", GENAI);
    expect(second.startedWith(span)).toEqual(first.startedWith(span));
    expect(second.startedWith(span)).toBeDefined();
    // No W3C propagator: Deno adds no traceparent, ours are sent.
    expect(second.runtimeInjectsTraceContext()).toBe(false);
  });

  it.each([
    ["plain Deno: no slot", undefined],
    ["a slot without a tracer provider (Deno with OTEL_DENO_TRACING=false, or a diag logger set)", { version: "1.999.999", propagation: { fields: () => ["traceparent"] } }],
    ["another provider registered", { version: "1.10.0", trace: { getTracer: () => ({}) } }],
  ])("%s: nothing is touched", async (_what, slot) => {
    const { provider } = fakeDeno();
    const getTracer = provider.getTracer;
    install(provider, slot as Record<string, unknown>);
    const platform = await fresh();
    platform.observeRuntimeTracer();
    expect(provider.getTracer).toBe(getTracer);
    expect(platform.runtimeInjectsTraceContext()).toBe(false);
  });

  it("a provider that cannot be patched (frozen) is left as it was, without an error", async () => {
    const { provider } = fakeDeno();
    Object.freeze(provider);
    install(provider, { version: "1.999.999", trace: provider });
    const platform = await fresh();
    expect(() => platform.observeRuntimeTracer()).not.toThrow();
    expect(platform.startedWith(provider.getTracer("sdk").startSpan("x", GENAI))).toBeUndefined();
  });
});
