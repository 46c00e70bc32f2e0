/**
 * A Worker for the invocation lifecycle: LLM streams longer than the flush deadline, streams the
 * app abandons, work a finished request leaves running, and a request whose body was used.
 * DEADLINE and GRACE (ms) set flushDeadlineMs and flushGraceMs.
 */
import { trace } from "@opentelemetry/api";
import { instrument } from "../../src/index.js";

interface Env {
  UPSTREAM: string;
  STREAM: string;
  DEADLINE?: string;
  GRACE?: string;
}

const chat = (env: Env) =>
  fetch(`${env.STREAM}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Say hi" }],
    }),
  });

export default instrument(
  {
    async fetch(request: Request, env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Response> {
      const url = new URL(request.url);
      switch (url.pathname) {
        case "/long-stream": {
          // Passed through as the response: it ends when the client has read it all.
          const upstream = await chat(env);
          return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
        }
        case "/plain-text-stream": {
          // Piped to the client as text/plain: a response we do not watch, read for longer than the grace.
          const upstream = await chat(env);
          return new Response(upstream.body, { headers: { "content-type": "text/plain; charset=utf-8" } });
        }
        case "/agent": {
          // An agent span of the app's, with an LLM call under it: a parent, never replaced.
          return trace.getTracer("app").startActiveSpan(
            "invoke_agent planner",
            { attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner" } },
            async (span) => {
              await (await chat(env)).text();
              span.end();
              return new Response("planned");
            },
          );
        }
        case "/background-stream": {
          // An LLM stream read slowly inside waitUntil, past flushDeadlineMs: the deadline holds.
          ctx.waitUntil(chat(env).then((r) => r.text()));
          return new Response("accepted", { status: 202 });
        }
        case "/abandon": {
          // Reads one chunk, then answers without reading or cancelling the rest.
          const upstream = await chat(env);
          await upstream.body!.getReader().read();
          return new Response("abandoned");
        }
        case "/leftover": {
          // Work left running after the response, handed to nobody.
          setTimeout(() => {
            trace.getTracer("app").startActiveSpan("leftover.work", async (span) => {
              await (await fetch(`${env.UPSTREAM}/v1/leftover`)).text();
              span.end();
            });
          }, Number(url.searchParams.get("after") ?? 200));
          return new Response("done");
        }
        case "/own": {
          await new Promise((r) => setTimeout(r, Number(url.searchParams.get("wait") ?? 0)));
          await (await fetch(`${env.UPSTREAM}/v1/own`)).text();
          return new Response("own");
        }
        case "/used-body": {
          const used = new Request(`${env.UPSTREAM}/v1/used`, { method: "POST", body: "x" });
          await used.text();
          try {
            await fetch(used);
            return new Response("sent");
          } catch (error) {
            return new Response(`${(error as Error).name}: ${(error as Error).message}`);
          }
        }
        default:
          return new Response("not found", { status: 404 });
      }
    },
  },
  (env: Env) => ({ flushDeadlineMs: Number(env.DEADLINE ?? 30000), flushGraceMs: Number(env.GRACE ?? 2000) }),
);
