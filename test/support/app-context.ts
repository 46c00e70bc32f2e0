/**
 * An app's own OpenTelemetry context manager over AsyncLocalStorage, registered before this
 * package's first request (as an SDK does at boot), for tests of how ours lives beside it.
 */
import { type Context, context, ROOT_CONTEXT } from "@opentelemetry/api";

export function registerAppContextManager(): void {
  const { AsyncLocalStorage } = process.getBuiltinModule("node:async_hooks") as {
    AsyncLocalStorage: new <T>() => { getStore(): T | undefined; run<R>(store: T, fn: () => R): R };
  };
  const als = new AsyncLocalStorage<Context>();
  context.setGlobalContextManager({
    active: () => als.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => als.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  });
}
