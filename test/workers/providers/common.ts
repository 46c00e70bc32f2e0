/** What the provider runners of test/workers/providers-app.ts share: results as comparable JSON, and the AI SDK call. */
import { LegacyOpenTelemetry } from "@ai-sdk/otel";
import { generateText, type LanguageModel, streamText } from "ai";
import type { ProviderRun } from "../providers-app.js";

/** Wall-clock values that differ between two runs whatever the transport. */
const VOLATILE = new Set(["request", "rawResponse", "performance", "timestamp", "date"]);

/** Results as plain JSON: Dates as ISO strings, bytes as text, volatile keys dropped. */
export function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return { bytes: new TextDecoder().decode(value) };
  // The AI SDK makes up a random response id when the provider sends none (Bedrock, Cohere).
  if (typeof value === "string" && /^aitxt-/.test(value)) return "aitxt-(generated)";
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (VOLATILE.has(k) || v === undefined || typeof v === "function") continue;
      out[k] = clean(v);
    }
    return out;
  }
  return value;
}

export async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of stream) items.push(clean(item));
  return items;
}

/** generateText, or streamText with every part of its full stream, and what the SDK reports. */
export async function runAiSdk(run: ProviderRun, model: LanguageModel): Promise<unknown> {
  const options = { model, maxRetries: 0, system: run.system, prompt: run.prompt, ...run.params } as Parameters<typeof generateText>[0];
  // `telemetry: { legacy: true }`: the AI SDK's older span shapes (ai.generateText, ai.generateText.doGenerate) for this call only.
  const telemetry = run.params?.telemetry as { legacy?: boolean } | undefined;
  if (telemetry?.legacy) options.telemetry = { ...telemetry, integrations: [new LegacyOpenTelemetry()] } as typeof options.telemetry;
  if (run.stream) {
    const result = streamText(options as Parameters<typeof streamText>[0]);
    const parts = await collect(result.fullStream as AsyncIterable<unknown>);
    const response = await result.response;
    return clean({
      parts,
      text: await result.text,
      finishReason: await result.finishReason,
      usage: await result.usage,
      response: { id: response.id, modelId: response.modelId },
    });
  }
  const result = await generateText(options);
  return clean({
    text: result.text,
    content: result.content,
    finishReason: result.finishReason,
    usage: result.usage,
    response: { id: result.response.id, modelId: result.response.modelId },
  });
}
