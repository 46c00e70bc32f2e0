/**
 * Classes the Workers platform instantiates with `(ctx, env)`: a `WorkerEntrypoint` (RPC over
 * a service binding, or a class-based default export) and a Durable Object.
 *
 * The returned subclass keeps the prototype chain (the platform still sees a `WorkerEntrypoint`
 * or a `DurableObject`; old-style Durable Objects work too) and wraps the prototype methods:
 * `fetch` gets the HTTP SERVER span of `instrument` (continuing a `traceparent` sent through a
 * stub or a service binding), `scheduled` and `queue` theirs, a Durable Object's `alarm` an
 * INTERNAL root span, and every other method, the RPC methods, an RPC SERVER span
 * `Class/method` (rpc.ts). `this.env` is traced like `traceBindings(env)`. Telemetry is flushed
 * through the constructor's `ctx.waitUntil` (a Durable Object's state has one).
 *
 * A method called from inside an invocation (`this.helper()`) runs as is, and a method that
 * returns a plain value still returns it synchronously. Without AsyncLocalStorage an internal
 * call made after an `await` cannot be told from the platform's, and gets its own span.
 */
import { type Attributes, context, SpanKind } from "@opentelemetry/api";
import { FAAS_TRIGGER } from "../attributes.js";
import { invocationFrom } from "../trace/invocation.js";
import { traceBindings } from "./bindings.js";
import { type EnvOrDefault, instrument, RUNTIME_RESOURCE, type WorkerContext } from "./cloudflare.js";
import { type ConfigInput, pipelineFor, startInvocation } from "./invoke.js";
import { failSpan } from "../trace/span.js";
import { rpcAttributes } from "./rpc.js";
import { settle } from "./settle.js";

/** A class the platform instantiates with `(ctx, env)`. */
export type EntrypointClass = new (ctx: any, env: any) => object;

/** The `env` a class declares (`DurableObject<Env>`, `WorkerEntrypoint<Env>`), or `WorkerEnv`. */
export type ClassEnv<C> = EnvOrDefault<C extends new (ctx: any, env: infer E) => object ? E : unknown>;


/** Platform callbacks that are neither traced handlers nor RPC methods. */
const UNTRACED = new Set(["constructor", "webSocketMessage", "webSocketClose", "webSocketError", "tail", "trace", "email", "test"]);

/** The platform's handler calls, told from RPC methods of the same name by their argument. */
function isHandlerCall(key: string, event: any): boolean {
  if (key === "fetch") return event instanceof Request;
  if (key === "scheduled") return typeof event?.cron === "string";
  return key === "queue" && typeof event?.queue === "string" && event.messages?.length !== undefined;
}

/**
 * Instrument a `WorkerEntrypoint` or Durable Object class; export the result under the name
 * the platform knows it by. `name` is the service part of `rpc.method` (`name/method`); it
 * defaults to the class's name, which survives bundling only with names kept (wrangler keeps
 * them; a minifier without `keepNames` does not).
 */
export function instrumentEntrypoint<C extends EntrypointClass>(Class: C, config?: ConfigInput<ClassEnv<C>>, name?: string): C;
export function instrumentEntrypoint<C extends EntrypointClass>(Class: C, config?: ConfigInput<any>, name: string = Class.name): C {
  const owners = new WeakMap<object, [ctx: WorkerContext, env: unknown]>();
  const Instrumented = class extends (Class as EntrypointClass) {
    constructor(ctx: WorkerContext, env: unknown) {
      super(ctx, pipelineFor(env, config, RUNTIME_RESOURCE) ? traceBindings(env) : env);
      owners.set(this, [ctx, env]);
    }
  };
  const seen = new Set<string>();
  for (let proto = Class.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const method = Object.getOwnPropertyDescriptor(proto, key)?.value;
      if (seen.has(key) || UNTRACED.has(key)) continue;
      seen.add(key); // an override hides the methods it overrides, whatever it is
      if (typeof method !== "function") continue;
      Object.defineProperty(Instrumented.prototype, key, {
        configurable: true,
        writable: true,
        value(this: object, ...args: unknown[]) {
          const owner = owners.get(this);
          const run = () => method.apply(this, args);
          if (!owner || invocationFrom(context.active())) return run();
          const [ctx, env] = owner;
          if (isHandlerCall(key, args[0])) {
            // The handler-object path, with a ctx of our own: the instance's (a Durable Object's
            // state is shared by concurrent calls) is never bound to one invocation.
            const handler = instrument({ [key]: run }, config) as Record<string, (...a: unknown[]) => unknown>;
            return handler[key](args[0], env, { waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise) });
          }
          return root(key, name, config, env, ctx, run);
        },
      });
    }
  }
  Object.defineProperty(Instrumented, "name", { value: Class.name });
  return Instrumented as C;
}

/** Instrument a Durable Object class (the same as `instrumentEntrypoint`). */
export const instrumentDO: <C extends EntrypointClass>(Class: C, config?: ConfigInput<ClassEnv<C>>, name?: string) => C = instrumentEntrypoint;

/** `alarm` (INTERNAL) or an RPC method (SERVER) as the root span of its own invocation. */
function root(method: string, service: string, config: ConfigInput<any> | undefined, env: unknown, ctx: WorkerContext, run: () => unknown): unknown {
  const pipeline = pipelineFor(env, config, RUNTIME_RESOURCE);
  if (!pipeline) return run();
  const alarm = method === "alarm";
  const name = alarm ? "alarm" : service ? `${service}/${method}` : method;
  const attributes: Attributes = alarm ? { [FAAS_TRIGGER]: "timer" } : { ...rpcAttributes(name), [FAAS_TRIGGER]: "other" };
  const started = startInvocation(pipeline, name, alarm ? SpanKind.INTERNAL : SpanKind.SERVER, attributes, undefined);
  const { invocation, root: span } = started;
  ctx.waitUntil(invocation.done);
  return settle(
    () => started.run(run),
    (error, failed) => {
      if (failed) failSpan(span, error);
      span.end();
      invocation.responseFinished();
      invocation.handlerSettled();
    },
  );
}
