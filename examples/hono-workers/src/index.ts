/**
 * Hono on Cloudflare Workers: `instrument(app)` traces every request, `otelRoute()` names its
 * SERVER span by the route that answered (`POST /chat/:id`, with `http.route`), and the
 * OpenAI call made with plain `fetch` becomes a `gen_ai.*` span under it.
 */
import { Hono } from "hono";
import { instrument } from "otel-genai-edge";
import { otelRoute } from "otel-genai-edge/hono";

interface Env {
  OPENAI_API_KEY: string;
  /** Defaults to OpenAI's; any OpenAI-compatible endpoint works. */
  OPENAI_BASE_URL?: string;
}

const app = new Hono<{ Bindings: Env }>();

app.use(otelRoute());

app.post("/chat/:id", async (c) => {
  const { message } = await c.req.json<{ message: string }>();
  const upstream = await fetch(`${c.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.env.OPENAI_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      prompt_cache_key: `chat-${c.req.param("id")}`,
      messages: [{ role: "user", content: message }],
    }),
  });
  return new Response(upstream.body, { status: upstream.status, headers: { "content-type": "text/event-stream" } });
});

export default instrument(app);
