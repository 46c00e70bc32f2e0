/** A Worker making a fixed mix of LLM calls with plain fetch, for the GenAI metrics tests. */
import { instrument } from "../../src/index.js";

interface Env {
  OPENAI_STREAM: string;
  OPENAI_JSON: string;
  OPENAI_ERROR: string;
  OPENAI_EMBEDDINGS: string;
  ANTHROPIC_STREAM: string;
  PRICES?: string;
}

const json = { "content-type": "application/json", authorization: "Bearer sk-test-secret" };

async function call(url: string, body: unknown, headers: Record<string, string> = json): Promise<string> {
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  return response.text();
}

export default instrument(
  {
    async fetch(request: Request, env: Env): Promise<Response> {
      const messages = [{ role: "user", content: "metrics please" }];
      if (new URL(request.url).pathname === "/through") {
        // The model's stream is still flowing when the handler returns: it goes out as the response.
        const upstream = await fetch(`${env.OPENAI_STREAM}/v1/chat/completions`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages }),
        });
        return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
      }
      const texts = await Promise.all([
        call(`${env.OPENAI_STREAM}/v1/chat/completions`, { model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages }),
        call(`${env.OPENAI_STREAM}/v1/chat/completions`, { model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages }),
        call(`${env.OPENAI_JSON}/v1/chat/completions`, { model: "gpt-3.5-turbo", messages }),
        call(`${env.OPENAI_ERROR}/v1/chat/completions`, { model: "gpt-4o", messages }),
        call(`${env.OPENAI_EMBEDDINGS}/v1/embeddings`, { model: "text-embedding-ada-002", input: "hello", encoding_format: "base64" }),
        call(
          `${env.ANTHROPIC_STREAM}/v1/messages`,
          { model: "claude-3-opus-20240229", max_tokens: 256, stream: true, messages },
          { "content-type": "application/json", "x-api-key": "sk-ant-secret", "anthropic-version": "2023-06-01" },
        ),
      ]);
      return Response.json({ lengths: texts.map((t) => t.length) });
    },
  },
  (env: Env) => (env.PRICES ? { prices: JSON.parse(env.PRICES) } : {}),
);
