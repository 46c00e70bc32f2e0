/**
 * Context propagation. Where the runtime has AsyncLocalStorage (workerd with nodejs_compat or
 * nodejs_als, Deno, Bun, Node, Vercel's edge runtime) the active context follows awaits. Where
 * it does not (a Worker without those flags) only the synchronous part of a call sees it; the
 * fetch wrapper then refuses to guess between concurrent requests (see `invocation.ts`).
 * An already registered context manager (Deno's built-in OTel, a user's SDK) is left in place.
 */
import { type Context, type ContextManager, context, createContextKey, ROOT_CONTEXT } from "@opentelemetry/api";
import { registerInDenoSlot } from "./platform.js";

interface AlsLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: (...args: unknown[]) => R, ...args: unknown[]): R;
  disable?(): void;
}
type AlsConstructor = new <T>() => AlsLike<T>;

let provided: AlsConstructor | undefined;

/**
 * Hand the package an AsyncLocalStorage class the runtime only offers through an import, e.g.
 * on Workers with just the `nodejs_als` flag: `useAsyncLocalStorage(AsyncLocalStorage)` from
 * `node:async_hooks`, at module scope, before the first request.
 */
export function useAsyncLocalStorage(Als: AlsConstructor): void {
  provided = Als;
}

function findAsyncLocalStorage(): AlsConstructor | undefined {
  if (provided) return provided;
  const g = globalThis as { AsyncLocalStorage?: AlsConstructor; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof g.AsyncLocalStorage === "function") return g.AsyncLocalStorage;
  try {
    // No import statement: bundles stay free of Node built-ins, and runtimes without it answer undefined.
    const mod = g.process?.getBuiltinModule?.("node:async_hooks") as { AsyncLocalStorage?: AlsConstructor } | undefined;
    if (typeof mod?.AsyncLocalStorage === "function") return mod.AsyncLocalStorage;
  } catch {
    // a runtime that forbids it: no ALS
  }
  return undefined;
}

/** A context manager over `run(ctx, fn)`, the one thing ALS and the synchronous stack differ in. */
function manager(active: () => Context, run: <R>(ctx: Context, fn: () => R) => R): ContextManager {
  const m: ContextManager = {
    active,
    with: (ctx, fn, thisArg, ...args) => run(ctx, () => fn.call(thisArg, ...args)),
    bind: (ctx, target) =>
      typeof target !== "function"
        ? target
        : (function (this: unknown, ...args: unknown[]) {
            return m.with(ctx, () => (target as (...a: unknown[]) => unknown).apply(this, args));
          } as typeof target),
    enable: () => m,
    disable: () => m,
  };
  return m;
}

function alsManager(Als: AlsConstructor): ContextManager {
  const als = new Als<Context>();
  return manager(() => als.getStore() ?? ROOT_CONTEXT, (ctx, fn) => als.run(ctx, fn));
}

/** Synchronous-only: the context is active for the synchronous extent of `with`. */
function stackManager(): ContextManager {
  let current = ROOT_CONTEXT;
  return manager(
    () => current,
    (ctx, fn) => {
      const previous = current;
      current = ctx;
      try {
        return fn();
      } finally {
        current = previous;
      }
    },
  );
}

const PROBE = createContextKey("otel-genai-edge context probe");

let state: { asyncPropagation: boolean } | undefined;

/** Registers a context manager once per isolate; tells whether context follows awaits. */
export function setupContext(): { asyncPropagation: boolean } {
  if (state) return state;
  const Als = findAsyncLocalStorage();
  const ours = Als ? alsManager(Als) : stackManager();
  const registered =
    context.setGlobalContextManager(ours) ||
    registerInDenoSlot("context", ours, () => {
      const probe = ROOT_CONTEXT.setValue(PROBE, true);
      return context.with(probe, () => context.active() === probe);
    });
  // A foreign manager was there first: trust it to propagate (Deno's and the SDK's do).
  state = { asyncPropagation: registered ? Boolean(Als) : true };
  return state;
}
