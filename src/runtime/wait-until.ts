/**
 * Where to hand the export promise so the platform keeps the invocation alive after the
 * response, looked up per request in this order (the first one found wins):
 *
 * 1. `context`: an argument after the request with a `waitUntil` method: the 2nd argument of a
 *    Vercel Edge Function or Netlify (Edge) Function, the 3rd (`ctx`) of a Workers handler.
 * 2. Cloudflare's `import { waitUntil } from "cloudflare:workers"` is only reachable through
 *    an import, which a runtime-neutral package cannot make; on Workers use `instrument` (or the
 *    handler's `ctx`, found in step 1).
 * 3. `vercel`: `globalThis[Symbol.for("@vercel/request-context")].get().waitUntil`, the hook
 *    `@vercel/functions` reads; then `next`: the same contract under `@next/request-context`
 *    (Next.js, and the hosts that emulate it such as Netlify's Next.js runtime).
 * 4. `netlify`: `Netlify.context.waitUntil`, Netlify's global request context.
 * 5. `supabase`: `EdgeRuntime.waitUntil` (on Vercel `EdgeRuntime` is a string, not an object).
 *
 * None (Deno Deploy, plain Deno, Bun, Node): the export just runs once the response is done;
 * a runtime that stays up finishes it. `flush()` awaits every export still pending.
 */
import { flushMetrics } from "../pipeline.js";

export type WaitUntil = (promise: Promise<unknown>) => void;
export type WaitUntilSource = "context" | "vercel" | "next" | "netlify" | "supabase";

export interface FoundWaitUntil {
  source: WaitUntilSource;
  waitUntil: WaitUntil;
}

interface HasWaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

function hasWaitUntil(value: unknown): value is HasWaitUntil {
  try {
    return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as HasWaitUntil).waitUntil === "function";
  } catch {
    return false; // a hostile proxy or getter
  }
}

/** The index of the first handler argument (after the request) carrying `waitUntil`, or -1. */
export function contextIndex(args: readonly unknown[]): number {
  return args.findIndex(hasWaitUntil);
}

function method(holder: unknown): WaitUntil | undefined {
  return hasWaitUntil(holder) ? (promise) => holder.waitUntil(promise) : undefined;
}

/** The `waitUntil` of a `{ get() }` request-context provider (the Vercel / Next.js contract). */
function fromRequestContext(key: string): WaitUntil | undefined {
  const provider = (globalThis as Record<symbol, { get?: () => unknown } | undefined>)[Symbol.for(key)];
  return typeof provider?.get === "function" ? method(provider.get()) : undefined;
}

const GLOBAL_LOOKUPS: [WaitUntilSource, () => WaitUntil | undefined][] = [
  ["vercel", () => fromRequestContext("@vercel/request-context")],
  ["next", () => fromRequestContext("@next/request-context")],
  ["netlify", () => method((globalThis as { Netlify?: { context?: unknown } }).Netlify?.context)],
  ["supabase", () => method((globalThis as { EdgeRuntime?: unknown }).EdgeRuntime)],
];

/**
 * The platform's `waitUntil` for the request being handled, given the handler's arguments
 * after the request. Call it synchronously at the start of the request: the request-context
 * globals answer for the request whose async context is active.
 */
export function findWaitUntil(args: readonly unknown[]): FoundWaitUntil | undefined {
  const index = contextIndex(args);
  if (index >= 0) return { source: "context", waitUntil: method(args[index])! };
  for (const [source, lookup] of GLOBAL_LOOKUPS) {
    try {
      const waitUntil = lookup();
      if (waitUntil) return { source, waitUntil };
    } catch {
      // a platform global that throws outside its request scope: try the next one
    }
  }
  return undefined;
}

const pending = new Set<Promise<unknown>>();

/**
 * Keep `promise` (an invocation's export) alive: hand it to the platform's `waitUntil` when
 * there is one, and remember it for `flush()` either way. Never throws.
 */
export function keepAlive(promise: Promise<unknown>, found: FoundWaitUntil | undefined): void {
  pending.add(promise);
  const forget = () => pending.delete(promise);
  promise.then(forget, forget);
  if (!found) return;
  try {
    found.waitUntil(promise);
  } catch {
    // waitUntil refused (called too late, or outside its request): the export still runs
  }
}

/**
 * Resolves once the telemetry of every request handled so far through `withTracing` has been
 * exported (or given up on), the GenAI metrics of the current interval included (they are
 * otherwise sent once per OTEL_METRIC_EXPORT_INTERVAL). Requests still streaming their response
 * are waited for too. For runtimes with no `waitUntil` that must not exit first: a script, a
 * test, a shutdown hook.
 */
export async function flush(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
  await flushMetrics();
}
