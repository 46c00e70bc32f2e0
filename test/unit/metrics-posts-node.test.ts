/**
 * Export POSTs per 1,000 requests through a wrapped handler in this Node process, on the real
 * clock: every request makes one OpenAI call (a local replay) and the telemetry goes to a real
 * OTLP receiver. Traces: one POST per request; metrics: one per elapsed interval (plus the one
 * `flush()` forces), every call counted once, intervals consecutive.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";

let collector: Collector;
let replay: Replay;
beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
});
afterAll(async () => {
  await collector?.close();
  await replay?.close();
});

const INTERVAL_MS = 1000;
const REQUESTS = 1000;

it(`${REQUESTS} requests through withTracing, OTEL_METRIC_EXPORT_INTERVAL=${INTERVAL_MS}: ${REQUESTS} traces POSTs, metrics at the first flush and once per elapsed interval`, async () => {
  const base = replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 });
  const handler = withTracing(
    async () => {
      const answer = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body: JSON.stringify({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "hi" }] }),
      });
      return new Response(await answer.text());
    },
    { endpoint: collector.url, serviceName: "posts-per-request" },
  );
  // The variable, as a deployment would set it.
  process.env.OTEL_METRIC_EXPORT_INTERVAL = String(INTERVAL_MS);
  const started = Date.now();
  try {
    for (let i = 0; i < REQUESTS; i++) await (await handler(new Request(`http://app.test/chat/${i}`))).text();
  } finally {
    delete process.env.OTEL_METRIC_EXPORT_INTERVAL;
  }
  const elapsed = Date.now() - started;
  const count = (path: string) => collector.requests.filter((r) => r.path === path && r.text.includes('"posts-per-request"')).length;
  // Exports still in flight when the loop ended, without forcing the metrics out.
  while (count("/v1/traces") < REQUESTS && Date.now() - started < elapsed + 10_000) await new Promise((r) => setTimeout(r, 20));
  const traces = count("/v1/traces");
  const metrics = count("/v1/metrics");
  await flush();
  const all = collector.metrics().filter((m) => m.resource["service.name"] === "posts-per-request" && m.name === "gen_ai.client.operation.duration");
  const intervals = all.flatMap((m) => m.points).sort((a, b) => Number(a.startTimeUnixNano! - b.startTimeUnixNano!));
  console.log(
    `POSTs per ${REQUESTS} requests in ${elapsed} ms (interval ${INTERVAL_MS} ms): ${traces + metrics} (traces ${traces}, metrics ${metrics}; flush() added ${count("/v1/metrics") - metrics})`,
  );
  expect(traces).toBe(REQUESTS);
  // The first flush exports; then one export per interval elapsed (at the next request's flush).
  expect(metrics).toBeGreaterThanOrEqual(Math.floor(elapsed / INTERVAL_MS));
  expect(metrics).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 1);
  expect(intervals.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(REQUESTS);
  for (let i = 1; i < intervals.length; i++) expect(intervals[i].startTimeUnixNano).toBe(intervals[i - 1].timeUnixNano);
}, 120_000);
