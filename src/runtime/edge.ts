/**
 * Every runtime with a web-standard `(request, context?) => Response` handler: Vercel Edge
 * Functions and Next.js edge routes, Deno (`Deno.serve`), Netlify and Supabase Edge Functions,
 * Bun (`Bun.serve`), Node fetch-style servers. Configuration comes from the runtime's
 * environment (`env.ts`), the export is handed to whatever `waitUntil` the platform offers
 * (`wait-until.ts`); spans, GenAI recording and export are the same as `instrument`'s.
 */
import { bindInvocation, trackedContext } from "../bind.js";
import { type RuntimeEnv, readRuntimeEnv, runtimeResource } from "./env.js";
import { type ConfigInput, handleRequest, pipelineFor } from "./invoke.js";
import { contextIndex, findWaitUntil, keepAlive } from "./wait-until.js";

/**
 * A web-standard request handler; `rest` is whatever the platform passes after the request
 * (Deno's `info`, Bun's `server`, Netlify's `context`, Next.js's `{ params }`). It may answer
 * `undefined` where the platform allows it (Bun after `server.upgrade`): passed through as is.
 */
export type RequestHandler<R extends Request = Request, A extends unknown[] = unknown[], T extends Response | undefined = Response> = (
  request: R,
  ...rest: A
) => T | Promise<T>;

/**
 * Wrap a `(request, context?) => Response` handler: one SERVER span per request, every
 * outbound fetch traced, LLM calls as `gen_ai.*` spans, exported once the response body has
 * finished streaming, without delaying it.
 *
 * `config` (an object, or a function of the OTEL_* variables found) overrides the environment:
 * `process.env` (Node, Bun, Vercel) or `Deno.env` (Deno, Netlify Edge, Supabase Edge, read only
 * where `--allow-env` grants it).
 */
export function withTracing<R extends Request, A extends unknown[], T extends Response | undefined = Response>(
  handler: RequestHandler<R, A, T>,
  config?: ConfigInput<RuntimeEnv>,
): (request: R, ...rest: A) => Promise<T>;
export function withTracing<R extends Request, A extends unknown[]>(
  handler: RequestHandler<R, A>,
  config?: ConfigInput<RuntimeEnv>,
): (request: R, ...rest: A) => Promise<Response> {
  // Read once, on the first request: the object also keys this wrapper's pipeline.
  let env: RuntimeEnv | undefined;
  let resource: Record<string, string> | undefined;
  return async function traced(this: unknown, request: R, ...rest: A): Promise<Response> {
    env ??= readRuntimeEnv();
    resource ??= runtimeResource();
    const pipeline = pipelineFor(env, config, resource);
    if (!pipeline) return handler.apply(this, [request, ...rest]);
    return handleRequest(pipeline, request, {}, (started) => {
      if (!started) return handler.apply(this, [request, ...rest]);
      const { invocation } = started;
      keepAlive(invocation.done, findWaitUntil(rest));
      bindInvocation(request, invocation);
      const index = contextIndex(rest);
      if (index >= 0) {
        const args = [...rest] as unknown[];
        args[index] = trackedContext(args[index] as { waitUntil(promise: Promise<unknown>): void }, invocation);
        return handler.apply(this, [request, ...(args as A)]);
      }
      return handler.apply(this, [request, ...rest]);
    }, env);
  };
}
