/** Hono on Workers: `export default instrument(app)`, the app keeping its type and its env. */
import { Hono } from "hono";
import { instrument } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

interface Env {
  OPENAI_API_KEY: string;
  OTEL_SERVICE_NAME: string;
  CACHE: KVNamespace;
}

const app = new Hono<{ Bindings: Env }>();

app.post("/chat/:id", async (c) => {
  const cached = await c.env.CACHE.get(c.req.param("id"));
  if (cached) return c.text(cached);
  const upstream = await fetch("https://api.openai.com/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${c.env.OPENAI_API_KEY}` },
    body: await c.req.text(),
  });
  c.executionCtx.waitUntil(c.env.CACHE.put(c.req.param("id"), await upstream.clone().text()));
  return upstream;
});

const worker = instrument(app);
export default worker;
expectType<Exact<typeof worker, typeof app>>();

// What Workers wants of a default export, and the config function sees the app's Bindings.
export const checked = instrument(app, (env) => ({ serviceName: env.OTEL_SERVICE_NAME })) satisfies ExportedHandler<Env>;
export const annotated = instrument(app, (env: Env) => ({ serviceName: env.OTEL_SERVICE_NAME }));

// Untyped Bindings: the app's env says nothing, the config function gets WorkerEnv.
export const untyped = instrument(new Hono(), (env) => {
  expectType<Exact<typeof env, Record<string, unknown>>>();
  return {};
});

// @ts-expect-error app.fetch is a function; instrument takes the app (an object with fetch)
instrument(app.fetch);
// @ts-expect-error a config value of the wrong type
instrument(app, { serviceName: 42 });
