/**
 * A Workers AI binding stream the app never reads to its end (Node, `withTracing`, a stand-in
 * binding, a real OTLP receiver): like an abandoned fetch stream, it is ended at the flush as a
 * call, marked abandoned, and counted in the metrics.
 */
import { expect, it } from "vitest";
import { flush, instrumentAI, withTracing } from "../../src/index.js";
import { useServers } from "../support/servers.js";

const servers = useServers();

it("an abandoned binding stream: its span ends marked abandoned, with what was seen; the call is in the metrics", async () => {
  const encoder = new TextEncoder();
  // Two events, then nothing: the stream stays open, as a model still generating.
  const ai = instrumentAI({
    run: async (_model: string, _inputs: unknown) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('data: {"response":"Hel"}\n\n'));
          controller.enqueue(encoder.encode('data: {"response":"lo"}\n\n'));
        },
      }),
  });
  const handler = withTracing(
    async () => {
      const stream = (await ai.run("@cf/meta/llama-3.1-8b-instruct", { messages: [{ role: "user", content: "hi" }], stream: true })) as ReadableStream<Uint8Array>;
      const reader = stream.getReader();
      await reader.read(); // one chunk, then the app walks away
      return new Response("partial");
    },
    { endpoint: servers.collector.url, serviceName: "binding-abandoned", flushGraceMs: 50, flushDeadlineMs: 200 },
  );
  await (await handler(new Request("http://app.test/"))).text();
  const spans = await servers.collector.waitForSpans((all) => all.some((s) => s.resource["service.name"] === "binding-abandoned" && s.attributes["gen_ai.operation.name"] === "chat"), 5000);
  const chat = spans.find((s) => s.resource["service.name"] === "binding-abandoned" && s.attributes["gen_ai.operation.name"] === "chat")!;
  expect(chat.attributes["otel_genai_edge.stream.outcome"]).toBe("abandoned");
  expect(chat.attributes["gen_ai.provider.name"]).toBe("cloudflare.workers_ai");
  await flush();
  const metrics = servers.collector.metrics().filter((m) => m.resource["service.name"] === "binding-abandoned" && m.name === "gen_ai.client.operation.duration");
  expect(metrics.flatMap((m) => m.points).map((p) => [p.attributes["gen_ai.request.model"], p.count])).toEqual([["@cf/meta/llama-3.1-8b-instruct", 1]]);
});
