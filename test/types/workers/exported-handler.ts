/** A handler typed `ExportedHandler<Env>`: instrumented, it is still an `ExportedHandler<Env>`. */
import { instrument } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

interface Env {
  OPENAI_API_KEY: string;
  OTEL_SERVICE_NAME?: string;
}

const handler: ExportedHandler<Env> = {
  async fetch(_request, env, ctx) {
    ctx.waitUntil(Promise.resolve());
    return fetch("https://api.openai.com/v1/models", { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } });
  },
};

const worker = instrument(handler, (env) => ({ serviceName: env.OTEL_SERVICE_NAME ?? "chat" }));
export default worker;
expectType<Exact<typeof worker, ExportedHandler<Env>>>();

// The same handler written in place, with `satisfies` or with the type as an argument: its
// parameters are typed by ExportedHandler<Env> (a full ExecutionContext, the cron controller).
export const satisfying = instrument({
  async fetch(request, env, ctx) {
    expectType<Exact<typeof ctx, ExecutionContext>>();
    return new Response(`${request.cf?.colo} ${env.OPENAI_API_KEY.length}`);
  },
} satisfies ExportedHandler<Env>);

export const explicit = instrument<ExportedHandler<Env>>({
  async fetch(_request, env, ctx) {
    expectType<Exact<typeof env, Env>>();
    expectType<Exact<typeof ctx, ExecutionContext>>();
    return new Response(env.OPENAI_API_KEY);
  },
  async scheduled(controller, env) {
    controller.noRetry();
    expectType<Exact<typeof env, Env>>();
  },
});

interface OtherEnv {
  DATABASE_URL: string;
}
// @ts-expect-error the config function reads an env this handler does not have
instrument(handler, (env: OtherEnv) => ({ serviceName: env.DATABASE_URL }));
// @ts-expect-error an instrumented ExportedHandler<Env> is not a handler of another env
export const other: ExportedHandler<OtherEnv> = instrument(handler);
