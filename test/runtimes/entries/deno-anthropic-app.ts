/**
 * The Anthropic SDK's client, made at module scope as apps do, calling the replay at the URL
 * given as the third argument; the app answers with the SDK's result. The SDK makes its own
 * `anthropic.messages.create` span through `@opentelemetry/api` (with OTEL_DENO, Deno's).
 */
import Anthropic from "@anthropic-ai/sdk";
import { argument as upstream } from "./deno-serve.js";

const client = new Anthropic({ apiKey: "sk-ant-test-not-a-key", baseURL: upstream, maxRetries: 0 });

export async function app(): Promise<Response> {
  const message = await client.messages.create({ model: "claude-3-5-sonnet-20241022", max_tokens: 100, messages: [{ role: "user", content: "Say hi" }] });
  return Response.json(message);
}
