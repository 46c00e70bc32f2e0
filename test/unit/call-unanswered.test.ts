/**
 * An LLM call still waiting for its answer when its invocation is flushed (the app fired it and
 * returned, the provider is slow): the call is ended then, marked abandoned, its duration the time
 * it was seen to take (it was 0: the span ended at its own start), in the span and the metrics.
 * When its answer comes later, it goes to the app untouched: nothing is left to watch it for.
 */
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import type { NodeServerResponse } from "../support/collector.js";
import { useCollectorAnd } from "../support/servers.js";

// Answers only when the test says so (its sockets are destroyed when the tests end).
const waiting: NodeServerResponse[] = [];
const servers = useCollectorAnd((_req, res) => void waiting.push(res));
const ANSWER = 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';

it("ends at the flush, marked abandoned, with the time it waited as its duration; its later answer reaches the app untouched", async () => {
  let later: Promise<Response> | undefined;
  const handler = withTracing(
    async () => {
      // Fired and not awaited: still waiting when the handler is done.
      later = fetch(`${servers.upstream.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
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

  // The answer comes now: the app gets the runtime's own Response (a watched one has own properties), whole.
  waiting.shift()!.writeHead(200, { "content-type": "text/event-stream" }).end(ANSWER);
  const response = await later!;
  expect(Object.getOwnPropertyNames(response)).toEqual([]);
  expect(await response.text()).toBe(ANSWER);
  await flush();
  expect(servers.collector.spans().filter((s) => s.resource["service.name"] === "call-unanswered" && s.kind === 3)).toHaveLength(1);
});
