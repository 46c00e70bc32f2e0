/**
 * Cloudflare Workers: `instrument(handler)` wraps a module Worker's `fetch`, `scheduled` and
 * `queue` handlers. Configuration comes from the Worker's `env` (OTEL_* vars) and an optional
 * config object or function of env. Telemetry is flushed with `ctx.waitUntil`.
 */
import { type Attributes, SpanKind, } from "@opentelemetry/api";
import {
  CLOUD_PROVIDER,
  FAAS_CRON,
  FAAS_TIME,
  FAAS_TRIGGER,
  MESSAGING_BATCH_MESSAGE_COUNT,
  MESSAGING_DESTINATION_NAME,
  MESSAGING_OPERATION_TYPE,
  MESSAGING_SYSTEM,
} from "../attributes.js";
import { bindInvocation, platformWaitUntil, trackedContext } from "../bind.js";
import { failSpan } from "../trace/span.js";
import { type ConfigInput, handleRequest, pipelineFor, type Started, startInvocation } from "./invoke.js";
import { settle } from "./settle.js";

/** The parts of a Worker's ExecutionContext we use (structural, so no types package is needed). */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

/** A Worker's `env` when nothing says more: its bindings and vars by name. */
export type WorkerEnv = Record<string, unknown>;

/** What `scheduled` reads of a cron trigger (workers-types' `ScheduledController` has more). */
export interface ScheduledEventLike {
  readonly cron: string;
  readonly scheduledTime: number;
}

/** What `queue` reads of a batch (workers-types' `MessageBatch` has more). */
export interface MessageBatchLike {
  readonly queue: string;
  readonly messages: readonly unknown[];
}

/** The handlers `instrument` wraps; any other member (`email`, `tail`, a Hono app's routes) is kept as is. */
export interface WorkerHandler<Env = WorkerEnv, Ctx = WorkerContext, Controller = ScheduledEventLike, Batch = MessageBatchLike> {
  fetch?(request: Request, env: Env, ctx: Ctx): Response | Promise<Response>;
  scheduled?(controller: Controller, env: Env, ctx: Ctx): void | Promise<void>;
  queue?(batch: Batch, env: Env, ctx: Ctx): void | Promise<void>;
}

// What a typed handler declares, read from its methods' parameters (no types package needed).
type Member<H, K extends keyof WorkerHandler> = NonNullable<H extends { [P in K]?: infer F } ? F : never>;
type Param<F, I extends 0 | 1 | 2> = F extends (...args: infer A) => unknown ? Exclude<A[I], undefined> : never;
type FirstOf<A, B> = [A] extends [never] ? B : A;
/** `{}` says nothing of an env (Hono's `env?: Bindings | {}`). */
type Informative<E> = E extends unknown ? ({} extends E ? never : E) : never;
type EnvOf<H, K extends keyof WorkerHandler> = Informative<Param<Member<H, K>, 1>>;
/** The event a handler declares (`ScheduledController`, `MessageBatch<Job>`) if it has what we read, else ours. */
type EventOf<H, K extends "scheduled" | "queue", Like> = [Param<Member<H, K>, 0>] extends [infer P] ? ([P] extends [never] ? Like : [P] extends [Like] ? P : Like) : Like;
/** `NoInfer` for TypeScript before 5.4: a type argument taken from elsewhere, never inferred from here. */
type Given<T> = [T][T extends unknown ? 0 : never];

/** An env type as declared, or `WorkerEnv` when it says nothing (`unknown`, `any`, `{}`). */
export type EnvOrDefault<E> = FirstOf<Informative<Exclude<E, undefined>>, WorkerEnv>;

/** The `env` a handler declares (by its `fetch`, else `scheduled`, else `queue`), or `WorkerEnv`. */
export type HandlerEnv<H> = FirstOf<EnvOf<H, "fetch">, FirstOf<EnvOf<H, "scheduled">, FirstOf<EnvOf<H, "queue">, WorkerEnv>>>;

/** The `ctx` a handler declares (workers-types' `ExecutionContext`, Hono's own), or `WorkerContext`. */
export type HandlerContext<H> = FirstOf<Param<Member<H, "fetch">, 2>, FirstOf<Param<Member<H, "scheduled">, 2>, FirstOf<Param<Member<H, "queue">, 2>, WorkerContext>>>;

/**
 * What `instrument` accepts: `H` checked as a `WorkerHandler` of its own env, ctx and events.
 * An object literal is typed by it (`env` as `WorkerEnv`, or as the config function's parameter).
 */
export type Instrumentable<H, Env = HandlerEnv<H>> = H extends ((...args: never) => unknown) | (abstract new (...args: never) => unknown)
  ? never // a function (`app.fetch`) or a class (see instrumentEntrypoint): not a handler object
  : H & WorkerHandler<Given<Env>, Given<HandlerContext<H>>, EventOf<H, "scheduled", ScheduledEventLike>, EventOf<H, "queue", MessageBatchLike>>;

export const RUNTIME_RESOURCE = { [CLOUD_PROVIDER]: "cloudflare" };

/**
 * Run a non-HTTP trigger (cron, queue) under its own root span. If the instrumentation itself
 * fails to start, the handler runs plainly; the handler's own errors are rethrown untouched.
 */
function runTrigger<Env>(
  env: Env,
  ctx: WorkerContext,
  config: ConfigInput<Env> | undefined,
  name: string,
  kind: SpanKind,
  attributes: () => Attributes,
  call: (ctx: WorkerContext) => void | Promise<void>,
): void | Promise<void> {
  let started: Started | undefined;
  try {
    const pipeline = typeof ctx?.waitUntil === "function" ? pipelineFor(env, config, RUNTIME_RESOURCE) : undefined;
    if (pipeline) {
      started = startInvocation(pipeline, name, kind, attributes(), undefined);
      platformWaitUntil(ctx, started.invocation.done);
    }
  } catch {
    started = undefined;
  }
  // Outside the try: a handler that throws is never called a second time.
  if (!started) return call(ctx);
  const { invocation, root } = started;
  return settle(
    () => started.run(() => call(trackedContext(ctx, invocation, true))),
    (error, failed) => {
      if (failed) failSpan(root, error);
      root.end();
      invocation.responseFinished();
      invocation.handlerSettled();
    },
  );
}

/**
 * Wrap a module Worker's handlers (`fetch`, `scheduled`, `queue`); the result has the handler's
 * own type (an `ExportedHandler<Env>`, a Hono app, an object literal). A config function is
 * checked against the handler's `env`.
 */
export function instrument<H extends object, Env = HandlerEnv<H>>(handler: Instrumentable<H, Env>, config?: ConfigInput<Env>): H;
export function instrument(handler: WorkerHandler<unknown>, config?: ConfigInput<any>): WorkerHandler<unknown> {
  const wrapped: WorkerHandler<unknown> = Object.create(handler);
  // The platform's other handlers, called on the handler itself (a class instance's private
  // fields need their own `this`, which the wrapper is not).
  for (const name of ["email", "tail", "trace", "tailStream", "test"]) {
    const member = (handler as Record<string, unknown>)[name];
    if (typeof member === "function") (wrapped as Record<string, unknown>)[name] = member.bind(handler);
  }

  if (handler.fetch) {
    const fetchHandler = handler.fetch;
    wrapped.fetch = (request, env, ctx) => {
      // Called without a ctx (a unit test, a router's app.fetch): nothing to flush with, run plainly.
      const pipeline = typeof ctx?.waitUntil === "function" ? pipelineFor(env, config, RUNTIME_RESOURCE) : undefined;
      if (!pipeline) return fetchHandler.call(handler, request, env, ctx);
      return handleRequest(pipeline, request, {}, (started) => {
        if (!started) return fetchHandler.call(handler, request, env, ctx);
        platformWaitUntil(ctx, started.invocation.done);
        bindInvocation(request, started.invocation);
        return fetchHandler.call(handler, request, env, trackedContext(ctx, started.invocation, true));
      }, env);
    };
  }

  if (handler.scheduled) {
    const scheduled = handler.scheduled;
    wrapped.scheduled = (controller, env, ctx) =>
      runTrigger(env, ctx, config, `scheduled ${controller.cron}`, SpanKind.INTERNAL, () => ({
        [FAAS_TRIGGER]: "timer",
        [FAAS_CRON]: controller.cron,
        [FAAS_TIME]: new Date(controller.scheduledTime).toISOString(),
      }), (c) => scheduled.call(handler, controller, env, c));
  }

  if (handler.queue) {
    const queue = handler.queue;
    wrapped.queue = (batch, env, ctx) =>
      runTrigger(env, ctx, config, `process ${batch.queue}`, SpanKind.CONSUMER, () => ({
        [FAAS_TRIGGER]: "pubsub",
        [MESSAGING_SYSTEM]: "cloudflare_queues",
        [MESSAGING_OPERATION_TYPE]: "process",
        [MESSAGING_DESTINATION_NAME]: batch.queue,
        [MESSAGING_BATCH_MESSAGE_COUNT]: batch.messages.length,
      }), (c) => queue.call(handler, batch, env, c));
  }

  return wrapped;
}
