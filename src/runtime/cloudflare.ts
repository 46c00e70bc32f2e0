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
import { bindInvocation, trackedContext } from "../bind.js";
import { failSpan } from "../trace/span.js";
import { type ConfigInput, handleRequest, pipelineFor, type Started, startInvocation } from "./invoke.js";
import { settle } from "./settle.js";

/** The parts of a Worker's ExecutionContext we use (structural, so no types package is needed). */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

export interface WorkerHandler<Env = any> {
  fetch?(request: Request, env: Env, ctx: WorkerContext): Response | Promise<Response>;
  scheduled?(controller: { cron: string; scheduledTime: number }, env: Env, ctx: WorkerContext): void | Promise<void>;
  queue?(batch: { queue: string; messages: readonly unknown[] }, env: Env, ctx: WorkerContext): void | Promise<void>;
  [key: string]: unknown;
}

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
  let started: Started;
  try {
    const pipeline = typeof ctx?.waitUntil === "function" ? pipelineFor(env, config, RUNTIME_RESOURCE) : undefined;
    if (!pipeline) return call(ctx);
    started = startInvocation(pipeline, name, kind, attributes(), undefined);
    ctx.waitUntil(started.invocation.done);
  } catch {
    return call(ctx);
  }
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

export function instrument<Env, H extends WorkerHandler<Env>>(handler: H, config?: ConfigInput<Env>): H {
  const wrapped: WorkerHandler<Env> = Object.create(handler);

  if (handler.fetch) {
    const fetchHandler = handler.fetch;
    wrapped.fetch = (request, env, ctx) => {
      // Called without a ctx (a unit test, a router's app.fetch): nothing to flush with, run plainly.
      const pipeline = typeof ctx?.waitUntil === "function" ? pipelineFor(env, config, RUNTIME_RESOURCE) : undefined;
      if (!pipeline) return fetchHandler.call(handler, request, env, ctx);
      return handleRequest(pipeline, request, {}, (started) => {
        if (!started) return fetchHandler.call(handler, request, env, ctx);
        ctx.waitUntil(started.invocation.done);
        bindInvocation(request, started.invocation);
        return fetchHandler.call(handler, request, env, trackedContext(ctx, started.invocation, true));
      });
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

  return wrapped as H;
}
