/**
 * A Supabase Edge Function (`supabase functions deploy chat`), in the shape `supabase functions
 * new` writes, wrapped by `withTracing`. The export is handed to `EdgeRuntime.waitUntil`, so the
 * function is not stopped before it is sent; the OpenAI call made with plain `fetch` is a
 * `gen_ai.*` span under the SERVER span.
 *
 *   supabase secrets set OPENAI_API_KEY=... OTEL_SERVICE_NAME=chat \
 *     OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.example.com OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20xyz
 */
import { withTracing } from "npm:otel-genai-edge";

const corsHeaders = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type",
};

Deno.serve(
  withTracing(async (req) => {
    if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
    const { message } = (await req.json()) as { message: string };
    const upstream = await fetch(`${Deno.env.get("OPENAI_BASE_URL") ?? "https://api.openai.com/v1"}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${Deno.env.get("OPENAI_API_KEY")}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: message }],
      }),
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { ...corsHeaders, "content-type": "text/event-stream" },
    });
  }),
);
