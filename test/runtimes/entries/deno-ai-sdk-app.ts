/**
 * The AI SDK with its own telemetry registered at module scope (`registerTelemetry(new
 * OpenTelemetry())`, as its docs show), against the replay at the URL given as the third argument:
 * `/embed` embeds one value through `@ai-sdk/google` (a call the AI SDK makes outside its call
 * span's context), anything else is one `generateText` through `@ai-sdk/openai`. Answers with
 * the SDK's result and usage.
 */
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import { OpenTelemetry } from "@ai-sdk/otel";
import { embedMany, generateText, registerTelemetry } from "ai";
import { argument as upstream } from "./deno-serve.js";

registerTelemetry(new OpenTelemetry());
const openai = createOpenAI({ apiKey: "sk-test-not-a-key", baseURL: `${upstream}/v1` });
const google = createGoogleGenerativeAI({ apiKey: "test-not-a-key", baseURL: `${upstream}/v1beta` });

export async function app(request: Request): Promise<Response> {
  if (new URL(request.url).pathname === "/embed") {
    const { embeddings, usage } = await embedMany({ model: google.embedding("gemini-embedding-001"), values: ["Say hi"], maxRetries: 0 });
    return Response.json({ dimensions: embeddings.map((e) => e.length), usage });
  }
  const { text, usage } = await generateText({ model: openai.chat("gpt-4o-mini"), prompt: "Say hi", maxRetries: 0 });
  return Response.json({ text, usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } });
}
