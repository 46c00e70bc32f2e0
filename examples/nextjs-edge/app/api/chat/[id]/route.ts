/**
 * A Next.js App Router route handler on the edge runtime. Next.js does not tell a handler which
 * route file it is, so `routeFor` names it: the SERVER span is `POST /api/chat/[id]`, with
 * `http.route`, and the OpenAI call made with plain `fetch` is a `gen_ai.*` span under it.
 */
import { withTracing } from "otel-genai-edge";

export const runtime = "edge";

export const POST = withTracing(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    const { message } = (await request.json()) as { message: string };
    const upstream = await fetch(`${process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${process.env.OPENAI_API_KEY}`, "content-type": "application/json" },
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
  { routeFor: () => "/api/chat/[id]" },
);
