/**
 * The AI SDK with its own telemetry registered at module scope (`registerTelemetry(new
 * OpenTelemetry())`, as its docs show): one `generateText` through `@ai-sdk/openai` against the
 * replay at the URL given as the third argument. Answers with the SDK's text and usage.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { OpenTelemetry } from "@ai-sdk/otel";
import { generateText, registerTelemetry } from "ai";

declare const Deno: { args: string[]; serve(options: unknown, handler: (request: Request) => Promise<Response>): unknown };

registerTelemetry(new OpenTelemetry());
const [port = "0", , upstream = ""] = Deno.args;
const openai = createOpenAI({ apiKey: "sk-test-not-a-key", baseURL: `${upstream}/v1` });

export async function app(): Promise<Response> {
  const { text, usage } = await generateText({ model: openai.chat("gpt-4o-mini"), prompt: "Say hi", maxRetries: 0 });
  return Response.json({ text, usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } });
}

export function serve(handler: (request: Request) => Promise<Response>): void {
  Deno.serve({ port: Number(port), hostname: "127.0.0.1", onListen: ({ port }: { port: number }) => console.log(`listening ${port}`) }, handler);
}
