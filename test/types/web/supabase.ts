/** A Supabase Edge Function: `Deno.serve(withTracing(...))`, export kept alive by EdgeRuntime.waitUntil. */
import { withTracing } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

// The Supabase Edge Runtime's globals (jsr:@supabase/functions-js/edge-runtime.d.ts), not installed here.
declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void };
declare namespace Deno {
  interface ServeHandlerInfo {
    remoteAddr: { transport: "tcp"; hostname: string; port: number };
    completed: Promise<void>;
  }
  type ServeHandler = (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>;
  function serve(handler: ServeHandler): { finished: Promise<void> };
  const env: { get(key: string): string | undefined };
}

// As in the README ("Supabase Edge Functions", supabase/functions/chat/index.ts).
Deno.serve(withTracing(async (request) => {
  return fetch("https://api.openai.com/v1/chat/completions", { method: "POST", body: request.body });
}));

// With CORS preflight, background work and a config from Deno.env.
Deno.serve(
  withTracing(
    async (request, info) => {
      if (request.method === "OPTIONS") return new Response(null, { headers: { "access-control-allow-origin": "*" } });
      EdgeRuntime.waitUntil(fetch("https://example.com/audit", { method: "POST", body: info.remoteAddr.hostname }));
      const { prompt } = (await request.json()) as { prompt: string };
      return fetch("https://api.openai.com/v1/chat/completions", { method: "POST", body: JSON.stringify({ prompt }) });
    },
    (env) => {
      expectType<Exact<typeof env.OTEL_SERVICE_NAME, string | undefined>>();
      return { serviceName: env.OTEL_SERVICE_NAME ?? Deno.env.get("SB_FUNCTION_NAME") ?? "chat" };
    },
  ),
);

// @ts-expect-error the config function sees the OTEL_* variables only
withTracing(async () => new Response(), (env) => ({ serviceName: env.SUPABASE_URL }));
