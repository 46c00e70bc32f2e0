/**
 * Deno (and Deno Deploy): `Deno.serve(withTracing(handler))`. `routeFor` names the SERVER span
 * by the URL pattern that matched (`POST /chat/:id`); the OpenAI call made with plain `fetch`
 * is a `gen_ai.*` span under it.
 *
 *   deno run --allow-net \
 *     --allow-env=OTEL_SERVICE_NAME,OTEL_EXPORTER_OTLP_ENDPOINT,OTEL_EXPORTER_OTLP_HEADERS,OPENAI_API_KEY,OPENAI_BASE_URL main.ts
 */
import { withTracing } from "npm:otel-genai-edge";

const chat = new URLPattern({ pathname: "/chat/:id" });

Deno.serve(
  withTracing(
    async (request) => {
      const id = chat.exec(request.url)?.pathname.groups.id;
      if (request.method !== "POST" || !id) return new Response("not found", { status: 404 });
      const { message } = (await request.json()) as { message: string };
      const upstream = await fetch(`${Deno.env.get("OPENAI_BASE_URL") ?? "https://api.openai.com/v1"}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${Deno.env.get("OPENAI_API_KEY")}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          stream: true,
          stream_options: { include_usage: true },
          prompt_cache_key: `chat-${id}`,
          messages: [{ role: "user", content: message }],
        }),
      });
      return new Response(upstream.body, { status: upstream.status, headers: { "content-type": "text/event-stream" } });
    },
    { routeFor: (request) => (chat.test(request.url) ? "/chat/:id" : undefined) },
  ),
);
