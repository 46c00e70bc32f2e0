/**
 * Our context manager and provider go into the API's global slot directly only where Deno made it
 * (its version `1.999.999`: with `OTEL_DENO_TRACING=false` it holds Deno's metrics and propagator
 * only, and no copy of the API registers next to it), where nobody holds that kind, and only when
 * our copy of the API reads them back. Another version's slot (an app's older API copy on Node)
 * is left as it was, so an app's SDK can still register there.
 */
import { afterEach, expect, it, vi } from "vitest";

const SLOT = Symbol.for("opentelemetry.js.api.1");
const g = globalThis as Record<symbol, Record<string, unknown> | undefined>;
const saved = g[SLOT];
afterEach(() => {
  g[SLOT] = saved;
});

async function fresh() {
  vi.resetModules();
  const api = await import("@opentelemetry/api");
  const context = await import("../../src/trace/context.js");
  const tracer = await import("../../src/trace/tracer.js");
  return { api, context, tracer };
}

it("Deno's slot without a context manager or provider: ours go in, and our copy of the API uses them", async () => {
  g[SLOT] = { version: "1.999.999", metrics: {}, propagation: {} };
  const { api, tracer } = await fresh();
  tracer.registerGlobalTracerProvider();
  const slot = g[SLOT]!;
  expect(slot.context).toBeDefined();
  expect(slot.trace).toBeInstanceOf(api.ProxyTracerProvider);
  // Context follows awaits through ours, and a tracer taken from the API is ours.
  const key = api.createContextKey("k");
  const seen = await api.context.with(api.ROOT_CONTEXT.setValue(key, 1), async () => {
    await new Promise((r) => setTimeout(r, 1));
    return api.context.active().getValue(key);
  });
  expect(seen).toBe(1);
  expect((api.trace.getTracerProvider() as InstanceType<typeof api.ProxyTracerProvider>).getDelegate()).toBeInstanceOf(tracer.EdgeTracerProvider);
});

it("another version's slot (an app's older API copy): left as it was, nothing written", async () => {
  g[SLOT] = { version: "1.9.0", diag: {} };
  const { tracer } = await fresh();
  tracer.registerGlobalTracerProvider();
  expect(Object.keys(g[SLOT]!).sort()).toEqual(["diag", "version"]);
});

it("Deno's slot with someone's context manager already: not replaced", async () => {
  const theirs = { active: () => undefined };
  g[SLOT] = { version: "1.999.999", context: theirs };
  const { tracer } = await fresh();
  tracer.registerGlobalTracerProvider();
  expect(g[SLOT]!.context).toBe(theirs);
});
