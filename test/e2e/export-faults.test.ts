/**
 * An unreachable, failing or slow collector costs the request nothing: the Worker's response is
 * identical to a run with a healthy collector, it is complete before the export is answered,
 * nothing is thrown, and retries follow the OTLP spec (429/502/503/504 and network errors are
 * retried honouring Retry-After; 400 is final; the deadline is hard).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../support/collector.js";
import { listenLoopback } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

let replay: Replay;
const workers: StartedWorker[] = [];
const collectors: Collector[] = [];

async function worker(endpoint: string, extra: Record<string, string> = {}): Promise<StartedWorker> {
  const w = await startWorker({
    entry: "test/workers/foundation.ts",
    env: {
      UPSTREAM: replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 }),
      STREAM_UPSTREAM: replay.baseFor("openai/chat-stream-include-usage.sse", { gapMs: 2 }),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      ...extra,
    },
  });
  workers.push(w);
  return w;
}

async function collector(): Promise<Collector> {
  const c = await startCollector();
  collectors.push(c);
  return c;
}

interface Observed {
  status: number;
  headers: [string, string][];
  body: string;
  doneAt: number;
}

async function exercise(w: StartedWorker): Promise<Observed[]> {
  const out: Observed[] = [];
  for (const path of ["/plain?id=f1", "/stream"]) {
    const response = await w.fetch(path);
    const body = await response.text();
    out.push({ status: response.status, headers: [...response.headers].sort(), body, doneAt: Date.now() });
  }
  return out;
}

const shape = (o: Observed[]) => o.map(({ status, headers, body }) => ({ status, headers, body }));
/**
 * Nothing of ours is thrown or left unhandled. workerd itself logs "Uncaught (in promise) ...
 * Network connection lost" (and "Connection refused") for every refused fetch, even one whose
 * rejection the caller catches (a Worker doing `try { await fetch(closedPort) } catch {}` logs
 * the same), so those lines say nothing about this package and are set aside.
 */
const noUncaught = (w: StartedWorker) =>
  expect(
    w.logs.filter((l) => /uncaught|exception/i.test(l) && !/Network connection lost|Connection refused/.test(l)),
  ).toEqual([]);

let baseline: Observed[];

beforeAll(async () => {
  replay = await startReplay();
  const healthy = await collector();
  baseline = await exercise(await worker(healthy.url));
  await healthy.waitFor((r) => r.path === "/v1/traces", 5000, 2);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(collectors.map((c) => c.close()));
  await replay?.close();
});

describe("collector faults never reach the Worker", () => {
  it("refused connections: identical responses, nothing thrown", async () => {
    // A port that was just free: nothing listens there.
    const probe = await listenLoopback(() => {});
    const url = probe.url;
    await probe.close();
    const w = await worker(url, { OTEL_EXPORTER_OTLP_TIMEOUT: "1500" });
    expect(shape(await exercise(w))).toEqual(shape(baseline));
    await new Promise((r) => setTimeout(r, 1700));
    noUncaught(w);
  });

  it("503 with Retry-After: the export is retried after the advertised delay, the response never waits", async () => {
    const c = await collector();
    c.behave([{ status: 503, headers: { "retry-after": "1" } }, 200]);
    const w = await worker(c.url, { OTEL_EXPORTER_OTLP_TIMEOUT: "5000" });
    const response = await w.fetch("/plain?id=f1");
    const body = await response.text();
    const doneAt = Date.now();
    expect(body).toBe(baseline[0].body);
    const [first, second] = await c.waitFor((r) => r.path === "/v1/traces", 5000, 2);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
    expect(second.text).toBe(first.text);
    // The response was complete long before the retry was made.
    expect(doneAt).toBeLessThan(second.receivedAt - 500);
    noUncaught(w);
  });

  it("a collector hanging past the timeout: the response is complete while the export hangs, and it is abandoned at the deadline", async () => {
    const c = await collector();
    c.behave("hang");
    const w = await worker(c.url, { OTEL_EXPORTER_OTLP_TIMEOUT: "400" });
    expect(shape(await exercise(w))).toEqual(shape(baseline));
    const hung = await c.waitFor((r) => r.path === "/v1/traces", 5000, 2);
    expect(hung).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 900));
    // A timed-out export is not retried past its deadline.
    expect(c.requests.filter((r) => r.path === "/v1/traces")).toHaveLength(2);
    noUncaught(w);
  });

  it("400 is final: one attempt per export, identical responses", async () => {
    const c = await collector();
    c.behave(400);
    const w = await worker(c.url);
    expect(shape(await exercise(w))).toEqual(shape(baseline));
    await c.waitFor((r) => r.path === "/v1/traces", 5000, 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(c.requests.filter((r) => r.path === "/v1/traces")).toHaveLength(2);
    // The failures are counted where the app can see them.
    expect(await (await w.fetch("/stats")).json()).toMatchObject({
      exports: 2,
      exportFailures: 2,
      lastFailure: expect.stringMatching(/^HTTP 400/),
      instrumentationErrors: 0,
      droppedSpans: 0,
    });
    noUncaught(w);
  });

  it("a partial success is not retried, and its rejected items are counted", async () => {
    const c = await collector();
    c.behave({ status: 200, body: { partialSuccess: { rejectedSpans: "2", errorMessage: "spans too old" } } });
    const w = await worker(c.url);
    await (await w.fetch("/plain?id=f3")).text();
    await c.waitFor((r) => r.path === "/v1/traces", 5000, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.requests.filter((r) => r.path === "/v1/traces")).toHaveLength(1);
    expect(await (await w.fetch("/stats")).json()).toMatchObject({
      exports: 1,
      exportFailures: 0,
      rejectedItems: 2,
      lastFailure: "partial success: spans too old",
    });
  });

  it("429 without Retry-After is retried with backoff until it succeeds", async () => {
    const c = await collector();
    c.behave([429, 502, 200]);
    const w = await worker(c.url);
    await (await w.fetch("/plain?id=f2")).text();
    const attempts = await c.waitFor((r) => r.path === "/v1/traces", 5000, 3);
    expect(attempts.map((a) => a.text)).toEqual([attempts[0].text, attempts[0].text, attempts[0].text]);
    noUncaught(w);
  });
});
