/**
 * The AI SDK with its own telemetry registered at module scope (`registerTelemetry(new
 * OpenTelemetry())`, as its docs show): one `generateText` through `@ai-sdk/openai` against the
 * replay at the URL given as the third argument. Answers with the SDK's text and usage.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { OpenTelemetry } from "@ai-sdk/otel";
import { generateText, registerTelemetry } from "ai";
import { argument as upstream } from "./deno-serve.js";

registerTelemetry(new OpenTelemetry());
const openai = createOpenAI({ apiKey: "sk-test-not-a-key", baseURL: `${upstream}/v1` });

export async function app(): Promise<Response> {
  const { text, usage } = await generateText({ model: openai.chat("gpt-4o-mini"), prompt: "Say hi", maxRetries: 0 });
  return Response.json({ text, usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } });
}
