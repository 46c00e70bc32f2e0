/**
 * Explicit binding, for runtimes without AsyncLocalStorage: `fetchFor(ctx)` (or the request)
 * returns a fetch whose calls belong to that invocation, whatever else runs concurrently.
 */
import { tracedFetch } from "./fetch/instrument.js";
import { originalFetch } from "./fetch/original.js";
import type { Invocation } from "./trace/invocation.js";
import type { RecordingSpan } from "./trace/span.js";

const bindings = new WeakMap<object, Invocation>();

export function bindInvocation(key: object, invocation: Invocation): void {
  bindings.set(key, invocation);
}

/**
 * The SERVER span of the invocation this request was handed to, while it records (undefined
 * when unsampled or already flushed): how framework middleware (`otel-genai-edge/hono`) reaches
 * it without AsyncLocalStorage.
 */
export function serverSpanOf(request: object): RecordingSpan | undefined {
  const invocation = bindings.get(request);
  return invocation && !invocation.flushed ? invocation.root : undefined;
}

/** A fetch bound to the invocation of this handler context or request. */
export function fetchFor(ctxOrRequest: object): typeof fetch {
  return (input: RequestInfo | URL, init?: RequestInit) => {
    const invocation = bindings.get(ctxOrRequest);
    if (!invocation || invocation.flushed) return originalFetch(input, init);
    return tracedFetch([input, init], { invocation });
  };
}

/**
 * The handler's context with the work it hands to `waitUntil` held back from the flush, bound
 * (with the original) to the invocation for `fetchFor`.
 *
 * `own` (a Worker's ctx, made fresh for each event): the same object, given its own
 * `waitUntil`, so the app sees the platform's object (its class, `props`, identity) and a
 * detached call fails as the native one does. Otherwise a proxy, which hands out stable bound
 * functions, as a context object shared between requests must not be changed.
 */
export function trackedContext<C extends { waitUntil(promise: Promise<unknown>): void }>(ctx: C, invocation: Invocation, own = false): C {
  if (own && ownWaitUntil(ctx)) {
    bindInvocation(ctx, invocation);
    return ctx;
  }
  const native = ctx.waitUntil;
  const bound = new Map<PropertyKey, unknown>();
  const proxy = new Proxy(ctx, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function" || key === "constructor") return value;
      let fn = bound.get(key);
      if (!fn) {
        fn =
          key === "waitUntil"
            ? (promise: Promise<unknown>) => {
                invocation.track(Promise.resolve(promise));
                return native.call(target, promise);
              }
            : value.bind(target);
        bound.set(key, fn);
      }
      return fn;
    },
  });
  bindInvocation(proxy, invocation);
  bindInvocation(ctx, invocation);
  return proxy;
}

const OWN = Symbol.for("otel-genai-edge.waitUntil");

/**
 * Hand our own promise (an invocation's export) to the platform's `waitUntil` itself: a ctx
 * reused across events may carry our tracking `waitUntil`, bound to the previous event.
 */
export function platformWaitUntil(ctx: { waitUntil(promise: Promise<unknown>): void }, promise: Promise<unknown>): void {
  const native = (ctx as { [OWN]?: (promise: Promise<unknown>) => void })[OWN];
  (typeof native === "function" ? native : ctx.waitUntil).call(ctx, promise);
}

/**
 * Give `ctx` a `waitUntil` of its own, once (a ctx reused across events keeps the one it has): it
 * tracks the work for the invocation the ctx is bound to at the time of the call. False when the
 * object cannot take it.
 */
function ownWaitUntil(ctx: { waitUntil(promise: Promise<unknown>): void }): boolean {
  if (Object.hasOwn(ctx, OWN)) return true;
  const native = ctx.waitUntil;
  // Kept for our own promises (platformWaitUntil): they must never be tracked by an invocation.
  try {
    Object.defineProperty(ctx, "waitUntil", {
      value: {
        waitUntil(this: unknown, promise: Promise<unknown>) {
          const invocation = this === ctx ? bindings.get(ctx) : undefined;
          if (invocation) invocation.track(Promise.resolve(promise));
          return native.call(this, promise);
        },
      }.waitUntil,
      configurable: true,
      writable: true,
    });
    Object.defineProperty(ctx, OWN, { value: native });
    return true;
  } catch {
    return false;
  }
}
