/** A plain Vercel Edge Function: `export default withTracing((request, context) => ...)`, its context kept. */
import { withTracing } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

/** @vercel/functions' RequestContext (not installed here): what the platform passes after the request. */
interface RequestContext {
  waitUntil(promise: Promise<unknown>): void;
}

export const config = { runtime: "edge" };

const handler = withTracing(async (request: Request, context: RequestContext) => {
  context.waitUntil(fetch("https://example.com/audit", { method: "POST", body: request.url }));
  return fetch("https://api.openai.com/v1/chat/completions", { method: "POST", body: await request.text() });
});
export default handler;
expectType<Exact<Parameters<typeof handler>, [request: Request, context: RequestContext]>>();

// Untyped, the context is unknown (a value of the platform's, not ours to guess).
export const untyped = withTracing((request, context) => {
  expectType<Exact<typeof request, Request>>();
  expectType<Exact<typeof context, unknown>>();
  return new Response("ok");
});

// @ts-expect-error withTracing wraps a function; an object handler is instrument's
withTracing({ fetch: (request: Request) => new Response(request.url) });
// @ts-expect-error the first parameter is the Request
withTracing((url: string) => new Response(url));
