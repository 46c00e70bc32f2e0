/**
 * Explicit binding, for runtimes without AsyncLocalStorage: `fetchFor(ctx)` (or the request)
 * returns a fetch whose calls belong to that invocation, whatever else runs concurrently.
 */
import { tracedFetch } from "./fetch/instrument.js";
import { originalFetch } from "./fetch/original.js";
import type { Invocation } from "./trace/invocation.js";

const bindings = new WeakMap<object, Invocation>();

export function bindInvocation(key: object, invocation: Invocation): void {
  bindings.set(key, invocation);
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
 */
export function trackedContext<C extends { waitUntil(promise: Promise<unknown>): void }>(ctx: C, invocation: Invocation): C {
  const proxy = new Proxy(ctx, {
    get(target, key) {
      if (key === "waitUntil") {
        return (promise: Promise<unknown>) => {
          invocation.track(Promise.resolve(promise));
          return target.waitUntil(promise);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  bindInvocation(proxy, invocation);
  bindInvocation(ctx, invocation);
  return proxy;
}
