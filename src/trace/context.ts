/**
 * Context propagation. Where the runtime has AsyncLocalStorage (workerd with nodejs_compat or
 * nodejs_als, Deno, Bun, Node, Vercel's edge runtime) the active context follows awaits. Where
 * it does not (a Worker without those flags) only the synchronous part of a call sees it; the
 * fetch wrapper then refuses to guess between concurrent requests (see `invocation.ts`).
 * An already registered context manager (Deno's built-in OTel, a user's SDK) is left in place.
 */
import { type Context, type ContextManager, context, ROOT_CONTEXT } from "@opentelemetry/api";

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

abstract class BaseContextManager implements ContextManager {
  abstract active(): Context;
  abstract with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F>;
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== "function") return target;
    const manager = this;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => fn.apply(this, args));
    } as unknown as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

class AlsContextManager extends BaseContextManager {
  private readonly als: AlsLike<Context>;
  constructor(Als: AlsConstructor) {
    super();
    this.als = new Als<Context>();
  }
  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const cb = thisArg == null ? fn : fn.bind(thisArg);
    return this.als.run(ctx, cb as (...a: unknown[]) => ReturnType<F>, ...args);
  }
}

/** Synchronous-only: the context is active for the synchronous extent of `with`. */
class StackContextManager extends BaseContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
}

let state: { asyncPropagation: boolean } | undefined;

/** Registers a context manager once per isolate; tells whether context follows awaits. */
export function setupContext(): { asyncPropagation: boolean } {
  if (state) return state;
  const Als = findAsyncLocalStorage();
  const manager = Als ? new AlsContextManager(Als) : new StackContextManager();
  const registered = context.setGlobalContextManager(manager);
  // A foreign manager was there first: trust it to propagate (Deno's and the SDK's do).
  state = { asyncPropagation: registered ? Boolean(Als) : true };
  return state;
}
