/**
 * Gemini's cached prompt by modality (`usageMetadata.cacheTokensDetails`) under the latest
 * profile: on the span as `gen_ai.usage.{modality}.cache_read.input_tokens`, and splitting the
 * cache-read counter's points by `gen_ai.token.modality` (the genai token-metrics design: `unknown`
 * only where the provider gives no breakdown). The answer is served from a local server at
 * Gemini's path, its usage block as Gemini's API reference documents it.
 */
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { GEMINI_CACHED_USAGE } from "../support/gemini-cached-usage.js";
import { useCollectorAnd } from "../support/servers.js";

const ANSWER = JSON.stringify({
  candidates: [{ content: { role: "model", parts: [{ text: "A red square." }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: GEMINI_CACHED_USAGE,
  modelVersion: "gemini-2.5-flash",
  responseId: "VkH2aIbVB7_l1e8P4rrl0A4",
});

const servers = useCollectorAnd((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(ANSWER));

it("latest: per-modality cache-read span attributes and counter points, from cacheTokensDetails", async () => {
  const handler = withTracing(
    async () => {
      const r = await fetch(`${servers.upstream.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": "test-key" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }] }] }),
      });
      return new Response(await r.text());
    },
    { endpoint: servers.collector.url, serviceName: "gemini-cache-modality", semconv: "latest" },
  );
  await (await handler(new Request("http://app.test/"))).text();
  await flush();
  const spans = await servers.collector.waitForSpans((s) => s.some((x) => x.resource["service.name"] === "gemini-cache-modality" && x.kind === 3));
  const chat = spans.find((x) => x.resource["service.name"] === "gemini-cache-modality" && x.kind === 3)!;
  const usage = Object.fromEntries(Object.entries(chat.attributes).filter(([k]) => k.startsWith("gen_ai.usage.")));
  expect(usage).toEqual({
    "gen_ai.usage.input_tokens": 326,
    "gen_ai.usage.output_tokens": 63 + 154,
    "gen_ai.usage.reasoning.output_tokens": 154,
    "gen_ai.usage.cache_read.input_tokens": 173,
    "gen_ai.usage.text.input_tokens": 68,
    "gen_ai.usage.image.input_tokens": 258,
    "gen_ai.usage.text.cache_read.input_tokens": 36,
    "gen_ai.usage.image.cache_read.input_tokens": 137,
  });
  const name = "gen_ai.client.inference.usage.cache_read.input_tokens";
  const metrics = await servers.collector.waitForMetrics((m) => m.some((x) => x.resource["service.name"] === "gemini-cache-modality" && x.name === name));
  const points = metrics
    .filter((m) => m.resource["service.name"] === "gemini-cache-modality" && m.name === name)
    .flatMap((m) => m.points.map((p) => [p.attributes["gen_ai.token.modality"], p.value]))
    .sort();
  expect(points).toEqual([["image", 137], ["text", 36]]);
});
