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
