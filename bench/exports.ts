/**
 * Export POSTs per 1,000 requests (issue 13: "one subrequest per request"): N sequential /llm
 * requests to a fresh otel-genai-edge Worker (its own workerd and receiver, so the count starts at
 * the isolate's first request), then a pause for the last waitUntil, then the receiver's POSTs by
 * path. Traces go once per request; GenAI metrics once per OTEL_METRIC_EXPORT_INTERVAL (the
 * isolate's first flush exports at once); logs only when there are log records.
 */
import { DEFAULT_METRIC_EXPORT_INTERVAL_MS } from "../src/config.js";
import type { Replay } from "../test/support/replay.js";
import { say, section, verdicts } from "./report.js";
import { fmt, sleep, table } from "./stats.js";
import { posts, startVariant, stopVariant } from "./variants.js";

const PATHS = ["/v1/traces", "/v1/metrics", "/v1/logs"] as const;
const TAIL_MS = 1000;

export async function exportsSection(requests: number, replay: Replay): Promise<void> {
  section(`Export POSTs per 1,000 requests: ${requests} sequential non-streaming LLM calls, one per request`);
  // The bench Workers set no OTEL_METRIC_EXPORT_INTERVAL: the default is in force.
  const intervalMs = DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const path = `/llm?u=${encodeURIComponent(replay.urlFor("openai/chat-nonstream.json", "/v1/chat/completions", { gapMs: 0 }))}`;
  const r = await startVariant("ours", "ours-exports");
  try {
    const t0 = Date.now();
    for (let i = 0; i < requests; i++) {
      const res = await r.http.get(path, false);
      if (res.status !== 200) throw new Error(`ours: /llm answered ${res.status}`);
    }
    const requestsMs = Date.now() - t0;
    await sleep(TAIL_MS);
    const elapsedMs = Date.now() - t0;
    const count = Object.fromEntries(PATHS.map((p) => [p, posts(r, p)])) as Record<(typeof PATHS)[number], number>;
    const other = r.collector.requests.length - PATHS.reduce((n, p) => n + count[p], 0);
    const per1000 = (n: number) => fmt((1000 * n) / requests, 1);
    say(
      `A fresh otel-genai-edge Worker (own workerd, own receiver); the requests took ${fmt(requestsMs / 1000, 2)} s, counted ${TAIL_MS} ms after the last one ` +
        `(elapsed ${fmt(elapsedMs / 1000, 2)} s); metric export interval in force: ${intervalMs / 1000} s (OTEL_METRIC_EXPORT_INTERVAL unset, the default).`,
    );
    say("");
    say(
      table(
        ["path", "POSTs", "per 1,000 requests"],
        [...PATHS.map((p) => [p, count[p], per1000(count[p])]), ...(other ? [["other", other, per1000(other)]] : []), ["all", r.collector.requests.length, per1000(r.collector.requests.length)]],
      ),
    );
    const perRequest = (count["/v1/traces"] + count["/v1/logs"]) / requests;
    const metricsMax = Math.floor(elapsedMs / intervalMs) + 1;
    const ok = perRequest <= 1 && count["/v1/metrics"] <= metricsMax;
    verdicts.push({
      target: "one subrequest per request: traces+logs POSTs ≤ 1 per request, metrics POSTs ≤ elapsed / interval + 1",
      measured:
        `${per1000(count["/v1/traces"] + count["/v1/logs"])} traces+logs and ${per1000(count["/v1/metrics"])} metrics POSTs per 1,000 requests ` +
        `(${count["/v1/metrics"]} metrics in ${fmt(elapsedMs / 1000, 1)} s, interval ${intervalMs / 1000} s: at most ${metricsMax})`,
      baseline: "0 POSTs",
      ok,
      note: [
        count["/v1/traces"] !== requests ? `${count["/v1/traces"]} trace POSTs for ${requests} requests` : "",
        perRequest > 1 ? `${fmt(perRequest, 3)} traces+logs POSTs per request` : "",
        count["/v1/metrics"] > metricsMax ? `${count["/v1/metrics"] - metricsMax} metrics POSTs too many` : "",
      ]
        .filter(Boolean)
        .join("; "),
    });
  } finally {
    await stopVariant(r);
  }
}
