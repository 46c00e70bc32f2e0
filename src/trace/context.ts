/**
 * Context propagation. Where the runtime has AsyncLocalStorage (workerd with nodejs_compat or
 * nodejs_als, Deno, Bun, Node, Vercel's edge runtime) the active context follows awaits. Where
 * it does not (a Worker without those flags) only the synchronous part of a call sees it; the
 * fetch wrapper then refuses to guess between concurrent requests (see `invocation.ts`).
 * An already registered context manager (Deno's built-in OTel, a user's SDK) is left in place.
 */
import { type Context, type ContextManager, context, createContextKey, ROOT_CONTEXT } from "@opentelemetry/api";

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

/**
 * Puts `value` in the API's global slot under `key` where the API refused to register it because
 * Deno made the slot: with its tracing off (`OTEL_DENO_TRACING=false`) Deno still puts its
 * metrics and propagator there, under a version (`1.999.999`) no copy of the API registers next
 * to. Only there, only where nobody holds that kind, and only if our copy of the API then reads
 * it (else it is taken back): what registration would have done. Elsewhere (another version's
 * slot on Node or Bun) a refusal stands, as before: an app's SDK may still register there.
 */
export function registerInSlot(key: "context" | "trace", value: unknown, seen: () => boolean): boolean {
  try {
    const slot = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for("opentelemetry.js.api.1")];
    if (slot?.version !== "1.999.999" || slot[key] !== undefined) return false;
    slot[key] = value;
    if (seen()) return true;
    delete slot[key];
  } catch {
    // left as it was
  }
  return false;
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
    registerInSlot("context", ours, () => {
      const probe = ROOT_CONTEXT.setValue(PROBE, true);
      return context.with(probe, () => context.active() === probe);
    });
  // A foreign manager was there first: trust it to propagate (Deno's and the SDK's do).
  state = { asyncPropagation: registered ? Boolean(Als) : true };
  return state;
}
