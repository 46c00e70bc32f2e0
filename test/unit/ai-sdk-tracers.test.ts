/**
 * The AI SDK's telemetry integrations hold a tracer taken from their own copy of
 * @opentelemetry/api (1.9.1 under @ai-sdk/otel, ours is 1.10), usually before our provider is
 * registered: `registerGlobalTracerProvider` gives that copy's proxy our provider
 * (src/trace/tracer.ts, adoptAiSdkTracers). The real thing in workerd:
 * test/e2e/content-providers-more.test.ts ("the AI SDK's own spans").
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

type Api = typeof import("@opentelemetry/api");
const GLOBAL = Symbol.for("opentelemetry.js.api.1");
const INVALID_TRACE = "0".repeat(32);
const g = globalThis as { AI_SDK_TELEMETRY_INTEGRATIONS?: unknown[]; [GLOBAL]?: unknown };

/** Fresh copies of both APIs and of our tracer module, with no provider registered anywhere. */
async function fresh() {
  vi.resetModules();
  delete g[GLOBAL];
  delete g.AI_SDK_TELEMETRY_INTEGRATIONS;
  const other = (await import("../../node_modules/@ai-sdk/otel/node_modules/@opentelemetry/api/build/esm/index.js")) as unknown as Api;
  const ours = (await import("@opentelemetry/api")) as Api;
  const tracer = await import("../../src/trace/tracer.js");
  return { other, ours, register: tracer.registerGlobalTracerProvider };
}

/** An integration as @ai-sdk/otel makes one: `this.tracer = trace.getTracer("gen_ai")` in its constructor. */
const integration = (api: Api) => ({ tracer: api.trace.getTracer("gen_ai") });
const recording = (t: { tracer: { startSpan(name: string): { spanContext(): { traceId: string } } } }) => t.tracer.startSpan("x").spanContext().traceId !== INVALID_TRACE;

describe("AI SDK integrations whose tracer came from another @opentelemetry/api copy", () => {
  beforeEach(() => {
    delete g[GLOBAL];
  });
  afterEach(() => {
    delete g[GLOBAL];
    delete g.AI_SDK_TELEMETRY_INTEGRATIONS;
  });

  it("made before our provider: a no-op until adopted at registration, ours after", async () => {
    const { other, register } = await fresh();
    const early = integration(other);
    g.AI_SDK_TELEMETRY_INTEGRATIONS = [early];
    expect(recording(early)).toBe(false);
    register();
    expect(recording(early)).toBe(true);
  });

  it("registered with the AI SDK later: adopted at the next invocation's start", async () => {
    const { other, register } = await fresh();
    const early = integration(other);
    register();
    expect(recording(early)).toBe(false);
    g.AI_SDK_TELEMETRY_INTEGRATIONS = [early];
    register();
    expect(recording(early)).toBe(true);
    // Made after our registration: the other copy finds ours through the shared global.
    expect(recording(integration(other))).toBe(true);
  });

  it("leaves alone a proxy that has a provider, a tracer that is no proxy, and shapes it does not know", async () => {
    const { register } = await fresh();
    const theirs = { _delegate: {}, getDelegateTracer: vi.fn(), setDelegate: vi.fn() };
    const plain = { startSpan: vi.fn() };
    g.AI_SDK_TELEMETRY_INTEGRATIONS = [{ tracer: { _provider: theirs } }, { tracer: plain }, null, 7, { tracer: { _provider: { setDelegate: 1 } } }];
    expect(() => register()).not.toThrow();
    expect(theirs.setDelegate).not.toHaveBeenCalled();
  });

  it("does nothing when the app registered its own provider first", async () => {
    const { other, ours, register } = await fresh();
    const early = integration(other);
    g.AI_SDK_TELEMETRY_INTEGRATIONS = [early];
    const app = { getTracer: vi.fn(() => ours.trace.wrapSpanContext({ traceId: "1".repeat(32), spanId: "1".repeat(16), traceFlags: 1 }) as never) };
    expect(ours.trace.setGlobalTracerProvider(app as never)).toBe(true);
    register();
    // The integration's tracer came from the other copy's own proxy before the app registered
    // through ours; we do not wire it to anything.
    expect(recording(early)).toBe(false);
    expect(app.getTracer).not.toHaveBeenCalled();
  });
});
