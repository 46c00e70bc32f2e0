/** A Worker exercising the foundation: plain and streamed outbound calls, API spans, errors, triggers. */
import { trace } from "@opentelemetry/api";
import { fetchFor, instrument, telemetryStats } from "../../src/index.js";

/** Captured at module scope, the way SDK clients built at import time capture fetch. */
const moduleScopeFetch = globalThis.fetch;

interface Env {
  UPSTREAM: string;
  STREAM_UPSTREAM: string;
}

export default instrument(
  {
    async fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
      const url = new URL(request.url);
      switch (url.pathname) {
        case "/plain": {
          const body = await trace
            .getTracer("app")
            .startActiveSpan("app.work", async (span) => {
              const upstream = await fetch(`${env.UPSTREAM}/v1/thing?id=${url.searchParams.get("id") ?? ""}&key=sekret`);
              const text = await upstream.text();
              span.end();
              return text;
            });
          return new Response(body, { headers: { "x-id": url.searchParams.get("id") ?? "" } });
        }
        case "/stream": {
          const upstream = await fetch(`${env.STREAM_UPSTREAM}/v1/stream`);
          return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
        }
        case "/bound": {
          const boundFetch = fetchFor(ctx);
          await new Promise((r) => setTimeout(r, 1));
          const upstream = await boundFetch(`${env.UPSTREAM}/v1/bound?id=${url.searchParams.get("id") ?? ""}`);
          return new Response(await upstream.text());
        }
        case "/background": {
          ctx.waitUntil(
            (async () => {
              await new Promise((r) => setTimeout(r, 20));
              await (await fetch(`${env.UPSTREAM}/v1/background`)).text();
            })(),
          );
          return new Response("accepted", { status: 202 });
        }
        case "/after-await": {
          // The call is made after an await: without AsyncLocalStorage only the sole-request rule can place it.
          await new Promise((r) => setTimeout(r, 1));
          const upstream = await fetch(`${env.UPSTREAM}/v1/after-await?id=${url.searchParams.get("id") ?? ""}`);
          return new Response(await upstream.text());
        }
        case "/module-fetch": {
          const upstream = await moduleScopeFetch(`${env.UPSTREAM}/v1/module-scope`);
          return new Response(await upstream.text());
        }
        case "/unended": {
          // A span the app forgets to end: the flush still happens once, after the grace period.
          trace.getTracer("app").startSpan("never.ended");
          return new Response("ok");
        }
        case "/stats":
          return Response.json(telemetryStats());
        case "/throw":
          throw new TypeError("handler failed");
        default:
          return new Response("not found", { status: 404 });
      }
    },
    async scheduled(_controller: { cron: string; scheduledTime: number }, env: Env) {
      await (await fetch(`${env.UPSTREAM}/v1/cron`)).text();
    },
    async queue(batch: { queue: string; messages: readonly unknown[] }, env: Env) {
      await (await fetch(`${env.UPSTREAM}/v1/queue?n=${batch.messages.length}`)).text();
    },
  },
  { excludePropagationHosts: ["no-propagation.test"] },
);
