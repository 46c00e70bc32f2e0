/**
 * An object literal with untyped parameters: `request` is a Request, `ctx` a WorkerContext, and
 * `env` what the config function declares, else `Record<string, unknown>` (`WorkerEnv`).
 */
import { fetchFor, instrument, type WorkerContext } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

export const plain = instrument({
  async fetch(request, env, ctx) {
    expectType<Exact<typeof request, Request>>();
    expectType<Exact<typeof env, Record<string, unknown>>>();
    expectType<Exact<typeof ctx, WorkerContext>>();
    // @ts-expect-error env's values are unknown until something says what env is
    env.OPENAI_API_KEY.trim();
    const fetch = fetchFor(ctx); // the README's "Concurrency without AsyncLocalStorage"
    ctx.waitUntil(fetch("https://example.com/ping"));
    return fetch("https://api.anthropic.com/v1/messages", { method: "POST", body: String(env.PROMPT) });
  },
});
expectType<Exact<Parameters<typeof plain.fetch>, [request: Request, env: Record<string, unknown>, ctx: WorkerContext]>>();

interface Env {
  OPENAI_API_KEY: string;
  OTEL_SERVICE_NAME: string;
}

// The config function says what env is, and the handler's env follows.
export const configured = instrument(
  {
    async fetch(_request, env) {
      expectType<Exact<typeof env, Env>>();
      return new Response(env.OPENAI_API_KEY.trim());
    },
  },
  (env: Env) => ({ serviceName: env.OTEL_SERVICE_NAME }),
);

// Only env annotated: the config function follows the handler.
export const annotated = instrument(
  {
    async fetch(request, env: Env, ctx) {
      expectType<Exact<typeof request, Request>>();
      expectType<Exact<typeof ctx, WorkerContext>>();
      return new Response(env.OPENAI_API_KEY);
    },
  },
  (env) => ({ serviceName: env.OTEL_SERVICE_NAME }),
);

// Members instrument does not wrap are kept, with their types.
export const withMore = instrument({
  async fetch() {
    return new Response("ok");
  },
  version: 2,
});
expectType<Exact<typeof withMore.version, number>>();

// @ts-expect-error fetch must answer a Response
instrument({ fetch: () => "ok" });
// @ts-expect-error a fetch whose first parameter is not a Request
instrument({ fetch: (url: string) => new Response(url) });
// @ts-expect-error not a handler object
instrument(42);
// @ts-expect-error a class: Durable Objects and WorkerEntrypoints go through instrumentDO / instrumentEntrypoint
instrument(class Greeter { fetch() { return new Response("hi"); } });
// @ts-expect-error an option of the wrong type
instrument({ fetch: () => new Response() }, { sampler: "sometimes" });
