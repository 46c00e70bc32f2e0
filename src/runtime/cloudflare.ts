/**
 * Cloudflare Workers: `instrument(handler)` wraps a module Worker's `fetch`, `scheduled` and
 * `queue` handlers. Configuration comes from the Worker's `env` (OTEL_* vars) and an optional
 * config object or function of env. Telemetry is flushed with `ctx.waitUntil`.
 */
import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  CLOUD_PROVIDER,
  ERROR_TYPE,
  FAAS_CRON,
  FAAS_TIME,
  FAAS_TRIGGER,
  MESSAGING_BATCH_MESSAGE_COUNT,
  MESSAGING_DESTINATION_NAME,
  MESSAGING_OPERATION_TYPE,
  MESSAGING_SYSTEM,
} from "../attributes.js";
import { bindInvocation } from "../bind.js";
import type { Invocation } from "../trace/invocation.js";
import { type ConfigInput, handleRequest, pipelineFor, type Started, startInvocation } from "./invoke.js";

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

const RUNTIME_RESOURCE = { [CLOUD_PROVIDER]: "cloudflare" };

/** A ctx whose waitUntil work the invocation waits for before flushing. */
function trackedContext(ctx: WorkerContext, invocation: Invocation): WorkerContext {
  const proxy = new Proxy(ctx, {
    get(target, key) {
      if (key === "waitUntil") {
        return (promise: Promise<unknown>) => {
          invocation.track(Promise.resolve(promise));
          target.waitUntil(promise);
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

/** Run a non-HTTP trigger (cron, queue) under its own root span. */
async function runTrigger(
  started: Started,
  ctx: WorkerContext,
  call: (ctx: WorkerContext) => void | Promise<void>,
): Promise<void> {
  const { invocation, root } = started;
  try {
    await started.run(() => call(trackedContext(ctx, invocation)));
  } catch (error) {
    root.recordException(error as Error);
    root.setAttribute(ERROR_TYPE, (error as Error)?.name || "_OTHER");
    root.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    root.end();
    invocation.responseFinished();
    invocation.handlerSettled();
  }
}

export function instrument<Env, H extends WorkerHandler<Env>>(handler: H, config?: ConfigInput<Env>): H {
  const wrapped: WorkerHandler<Env> = Object.create(handler);

  if (handler.fetch) {
    const fetchHandler = handler.fetch;
    wrapped.fetch = (request, env, ctx) => {
      const pipeline = pipelineFor(env, config, RUNTIME_RESOURCE);
      if (!pipeline) return fetchHandler.call(handler, request, env, ctx);
      return handleRequest(pipeline, request, {}, (started) => {
        if (!started) return fetchHandler.call(handler, request, env, ctx);
        ctx.waitUntil(started.invocation.done);
        bindInvocation(request, started.invocation);
        return fetchHandler.call(handler, request, env, trackedContext(ctx, started.invocation));
      });
    };
  }

  if (handler.scheduled) {
    const scheduled = handler.scheduled;
    wrapped.scheduled = (controller, env, ctx) => {
      const pipeline = pipelineFor(env, config, RUNTIME_RESOURCE);
      if (!pipeline) return scheduled.call(handler, controller, env, ctx);
      const attributes: Attributes = {
        [FAAS_TRIGGER]: "timer",
        [FAAS_CRON]: controller.cron,
        [FAAS_TIME]: new Date(controller.scheduledTime).toISOString(),
      };
      const started = startInvocation(pipeline, `scheduled ${controller.cron}`, SpanKind.INTERNAL, attributes, undefined);
      ctx.waitUntil(started.invocation.done);
      return runTrigger(started, ctx, (c) => scheduled.call(handler, controller, env, c));
    };
  }

  if (handler.queue) {
    const queue = handler.queue;
    wrapped.queue = (batch, env, ctx) => {
      const pipeline = pipelineFor(env, config, RUNTIME_RESOURCE);
      if (!pipeline) return queue.call(handler, batch, env, ctx);
      const attributes: Attributes = {
        [FAAS_TRIGGER]: "pubsub",
        [MESSAGING_SYSTEM]: "cloudflare_queues",
        [MESSAGING_OPERATION_TYPE]: "process",
        [MESSAGING_DESTINATION_NAME]: batch.queue,
        [MESSAGING_BATCH_MESSAGE_COUNT]: batch.messages.length,
      };
      const started = startInvocation(pipeline, `process ${batch.queue}`, SpanKind.CONSUMER, attributes, undefined);
      ctx.waitUntil(started.invocation.done);
      return runTrigger(started, ctx, (c) => queue.call(handler, batch, env, c));
    };
  }
  return wrapped as H;
}
