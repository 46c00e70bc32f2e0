/**
 * The AI SDK's telemetry integrations (`@ai-sdk/otel`) and our tracer provider: see
 * `adoptAiSdkTracers`. Kept apart from the tracer, which knows no SDK.
 */
import type { TracerProvider } from "@opentelemetry/api";

/** The AI SDK integrations already looked at. */
const seenIntegrations = new WeakSet<object>();

/** What `ProxyTracerProvider` of any `@opentelemetry/api` 1.x copy has. */
interface ForeignProxyProvider {
  _delegate?: unknown;
  getDelegateTracer(name: string): unknown;
  setDelegate(provider: TracerProvider): void;
}

/**
 * A tracer that another copy of `@opentelemetry/api` handed out before any provider was
 * registered stays a no-op for good: that copy's proxy provider only hears of a provider
 * registered through that same copy. `@ai-sdk/otel` pins its own copy and takes its tracer when
 * constructed, usually at module scope (`registerTelemetry(new OpenTelemetry())`), before our
 * first invocation registers ours. So each integration the AI SDK holds
 * (`globalThis.AI_SDK_TELEMETRY_INTEGRATIONS`) whose tracer's proxy provider has no delegate gets
 * ours, as that copy's own registration would have given it. A tracer of another provider (the
 * app's own, passed as `tracer`) is no proxy without a delegate, so it is left alone; so is
 * anything of a shape we do not know. Integrations passed per call (`telemetry.integrations`)
 * are made inside a handler, after our registration: they need none of this.
 */
export function adoptAiSdkTracers(ours: TracerProvider): void {
  const integrations = (globalThis as { AI_SDK_TELEMETRY_INTEGRATIONS?: unknown }).AI_SDK_TELEMETRY_INTEGRATIONS;
  if (!Array.isArray(integrations)) return;
  for (const integration of integrations) {
    if (typeof integration !== "object" || integration === null || seenIntegrations.has(integration)) continue;
    seenIntegrations.add(integration);
    try {
      const proxy = (integration as { tracer?: { _provider?: Partial<ForeignProxyProvider> } }).tracer?._provider;
      if (proxy && typeof proxy.setDelegate === "function" && typeof proxy.getDelegateTracer === "function" && proxy._delegate == null) proxy.setDelegate(ours);
    } catch {
      // not the shape we know: left alone
    }
  }
}
