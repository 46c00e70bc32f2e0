/**
 * An LLM call still waiting for its answer when its invocation is flushed (the app fired it and
 * returned, the provider is slow): the call is ended then, marked abandoned, its duration the time
 * it was seen to take (it was 0: the span ended at its own start), in the span and the metrics.
 */
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { useCollectorAnd } from "../support/servers.js";

// Never answers (its sockets are destroyed when the tests end).
const servers = useCollectorAnd(() => {});

it("ends at the flush, marked abandoned, with the time it waited as its duration", async () => {
  const handler = withTracing(
    async () => {
      // Fired and not awaited: still waiting when the handler is done.
      fetch(`${servers.upstream.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      }).catch(() => undefined);
      return new Response("sent");
    },
    { endpoint: servers.collector.url, serviceName: "call-unanswered", flushGraceMs: 60 },
  );
  const started = Date.now();
  await (await handler(new Request("http://app.test/"))).text();
  const spans = await servers.collector.waitForSpans((all) => all.some((s) => s.resource["service.name"] === "call-unanswered" && s.kind === 3), 5000);
  const chat = spans.find((s) => s.resource["service.name"] === "call-unanswered" && s.kind === 3)!;
  const seconds = Number(chat.endTimeUnixNano - chat.startTimeUnixNano) / 1e9;
  expect(chat.attributes["otel_genai_edge.stream.outcome"]).toBe("abandoned");
  expect(seconds).toBeGreaterThanOrEqual(0.05);
  expect(seconds).toBeLessThanOrEqual((Date.now() - started) / 1000);
  await flush();
  const points = servers.collector.metrics().filter((m) => m.resource["service.name"] === "call-unanswered" && m.name === "gen_ai.client.operation.duration").flatMap((m) => m.points);
  expect(points.map((p) => [p.count, Math.abs((p.sum ?? 0) - seconds) < 0.002])).toEqual([[1, true]]);
});
