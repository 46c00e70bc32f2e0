/**
 * An example Worker that makes LLM calls with plain fetch and with the official OpenAI SDK.
 * Every call becomes a gen_ai.* span under the request's SERVER span; the trace and metrics are
 * exported to OTEL_EXPORTER_OTLP_ENDPOINT after the response, through ctx.waitUntil.
 */
import { instrument } from "../src/index.js";

interface Env {
  OPENAI_BASE_URL: string;
  ANTHROPIC_BASE_URL: string;
  OPENAI_API_KEY?: string;
  ANTHROPIC_API_KEY?: string;
}

async function openaiChat(env: Env, stream: boolean): Promise<Response> {
  return fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY ?? "sk-local"}` },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      messages: [{ role: "user", content: "Say hello from the edge." }],
    }),
  });
}

async function anthropicMessage(env: Env): Promise<Response> {
  return fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": env.ANTHROPIC_API_KEY ?? "sk-ant-local",
    },
    body: JSON.stringify({
      model: "claude-3-opus-20240229",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: "Say hello from the edge." }],
    }),
  });
}

export default instrument({
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/stream") {
      // The model's stream goes straight to the caller; the span ends when it has been read.
      const upstream = await openaiChat(env, true);
      return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
    }
    const [chat, claude] = await Promise.all([openaiChat(env, false), anthropicMessage(env)]);
    const completion = (await chat.json()) as { choices?: { message?: { content?: string } }[] };
    const claudeText = await claude.text();
    return Response.json({
      openai: completion.choices?.[0]?.message?.content ?? null,
      anthropicEvents: claudeText.split("\n\n").length,
    });
  },
});
