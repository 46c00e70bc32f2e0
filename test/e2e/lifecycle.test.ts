/**
 * The invocation lifecycle in real workerd, checked on what the OTLP receiver decoded:
 * the flush deadline runs from the end of the response (an LLM stream longer than the deadline
 * is exported whole), a stream the app abandons ends marked and still feeds the metrics, work a
 * finished request leaves running never lands in another request's trace (no
 * AsyncLocalStorage), and a request whose body was already used leaves no span.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { fixtureText, type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

const FIXTURE = "openai/chat-stream-include-usage.sse";
let collector: Collector;
let replay: Replay;
const workers: StartedWorker[] = [];

async function worker(service: string, env: Record<string, string>, compatibilityDate = "2026-11-01"): Promise<StartedWorker> {
  const w = await startWorker({
    entry: "test/workers/lifecycle.ts",
    compatibilityDate,
    env: {
      UPSTREAM: replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 }),
      STREAM: replay.baseFor(FIXTURE, { gapMs: 80 }),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: service,
      // The abandoned stream's metrics are asserted: every flush exports them.
      OTEL_METRIC_EXPORT_INTERVAL: "0",
      ...env,
    },
  });
  workers.push(w);
  return w;
}

const ofService = (service: string) => (s: DecodedSpan) => s.resource["service.name"] === service;

/** The fixture's usage chunk. */
function usage(): { prompt_tokens: number; completion_tokens: number } {
  const line = fixtureText(FIXTURE)
    .split("\n")
    .find((l) => l.startsWith("data: {") && l.includes('"usage":{'))!;
  return JSON.parse(line.slice(6)).usage;
}

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await collector?.close();
  await replay?.close();
});

describe("flush deadline and abandoned streams", () => {
  it("an LLM stream passed through for longer than flushDeadlineMs is exported whole", async () => {
    const w = await worker("lifecycle-long", { DEADLINE: "250" });
    const started = Date.now();
    const text = await (await w.fetch("/long-stream")).text();
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(text).toBe(fixtureText(FIXTURE));
    const spans = await collector.waitForSpans((all) => all.some((s) => ofService("lifecycle-long")(s) && s.name === "chat gpt-4o-mini"), 10000);
    const span = spans.find((s) => ofService("lifecycle-long")(s) && s.name === "chat gpt-4o-mini")!;
    const { prompt_tokens, completion_tokens } = usage();
    expect(span.attributes).toMatchObject({
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": prompt_tokens,
      "gen_ai.usage.output_tokens": completion_tokens,
    });
    expect(span.attributes["otel_genai_edge.span.unfinished"]).toBeUndefined();
    expect(span.attributes["error.type"]).toBeUndefined();
    expect(Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6).toBeGreaterThan(500);
    const server = spans.find((s) => s.spanId === span.parentSpanId)!;
    expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(span.endTimeUnixNano);
  });

  it("an LLM stream piped to the client as text/plain (not watched) is read for longer than flushGraceMs and exported whole", async () => {
    const w = await worker("lifecycle-plain", { GRACE: "150" });
    const text = await (await w.fetch("/plain-text-stream")).text();
    expect(text).toBe(fixtureText(FIXTURE));
    const spans = await collector.waitForSpans((all) => all.some((s) => ofService("lifecycle-plain")(s) && s.name === "chat gpt-4o-mini"), 10000);
    const span = spans.find((s) => ofService("lifecycle-plain")(s) && s.name === "chat gpt-4o-mini")!;
    expect(span.attributes["otel_genai_edge.stream.outcome"]).toBeUndefined();
    expect(span.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(usage().completion_tokens);
    expect(Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6).toBeGreaterThan(500);
  });

  it("an LLM stream read inside waitUntil past flushDeadlineMs is exported at the deadline (the platform's budget), marked abandoned", async () => {
    const w = await worker("lifecycle-background", { DEADLINE: "300", GRACE: "200" });
    const started = Date.now();
    expect((await w.fetch("/background-stream")).status).toBe(202);
    const spans = await collector.waitForSpans((all) => all.some((s) => ofService("lifecycle-background")(s) && s.name === "chat gpt-4o-mini"), 10000);
    // The stream takes ~640 ms (8 events, 80 ms apart); the export came at the deadline.
    expect(Date.now() - started).toBeLessThan(600);
    const span = spans.find((s) => ofService("lifecycle-background")(s) && s.name === "chat gpt-4o-mini")!;
    expect(span.attributes["otel_genai_edge.stream.outcome"]).toBe("abandoned");
  });

  it("an agent span of the app's stays the parent of the LLM call under it (only an SDK's own call span is replaced)", async () => {
    const w = await worker("lifecycle-agent", {});
    expect(await (await w.fetch("/agent")).text()).toBe("planned");
    const spans = await collector.waitForSpans((all) => all.some((s) => ofService("lifecycle-agent")(s) && s.name === "chat gpt-4o-mini"), 10000);
    const mine = spans.filter(ofService("lifecycle-agent"));
    const agent = mine.find((s) => s.name === "invoke_agent planner")!;
    const chat = mine.find((s) => s.name === "chat gpt-4o-mini")!;
    expect(agent.attributes["gen_ai.operation.name"]).toBe("invoke_agent");
    expect(chat.parentSpanId).toBe(agent.spanId);
    expect(chat.spanId).not.toBe(agent.spanId);
  });

  it("a stream the app never reads to its end is ended at the flush, marked abandoned, and counted in the metrics", async () => {
    const w = await worker("lifecycle-abandon", { GRACE: "150" });
    expect(await (await w.fetch("/abandon")).text()).toBe("abandoned");
    const spans = await collector.waitForSpans((all) => all.some((s) => ofService("lifecycle-abandon")(s) && s.name === "chat gpt-4o-mini"), 10000);
    const span = spans.find((s) => ofService("lifecycle-abandon")(s) && s.name === "chat gpt-4o-mini")!;
    expect(span.attributes["otel_genai_edge.stream.outcome"]).toBe("abandoned");
    expect(span.attributes["otel_genai_edge.span.unfinished"]).toBeUndefined();
    expect(span.attributes["error.type"]).toBeUndefined();
    expect(span.attributes["gen_ai.response.model"]).toBe("gpt-4o-mini-2024-07-18");
    expect(span.status.code).toBe(0);
    const metrics = await collector.waitForMetrics((all) =>
      all.some((m) => m.resource["service.name"] === "lifecycle-abandon" && m.name === "gen_ai.client.operation.duration"),
    );
    const duration = metrics.find((m) => m.resource["service.name"] === "lifecycle-abandon" && m.name === "gen_ai.client.operation.duration")!;
    expect(duration.points).toHaveLength(1);
    expect(duration.points[0].count).toBe(1);
    expect(duration.points[0].attributes["error.type"]).toBeUndefined();
  });
});

describe("without AsyncLocalStorage", () => {
  it("work a finished request left running is never traced under the next request, even while its export keeps it alive", async () => {
    // Slow exports keep the first request's context alive (waitUntil), so its timer still fires.
    collector.behave({ status: 200, body: {}, delayMs: 1000 });
    try {
      const w = await worker("lifecycle-leftover", {}, "2026-07-01");
      const before = replay.requests.length;
      expect(await (await w.fetch("/leftover?after=250")).text()).toBe("done");
      await new Promise((r) => setTimeout(r, 80));
      // The second request is in flight when the first one's timer fires.
      const second = w.fetch("/own?wait=400");
      expect(await (await second).text()).toBe("own");
      const spans = await collector.waitForSpans(
        (all) => all.filter(ofService("lifecycle-leftover")).filter((s) => s.kind === 2).length >= 2,
        10000,
      );
      const mine = spans.filter(ofService("lifecycle-leftover"));
      expect(mine.map((s) => s.name)).not.toContain("leftover.work");
      expect(mine.some((s) => String(s.attributes["url.full"]).includes("/v1/leftover"))).toBe(false);
      const leftover = replay.requests.slice(before).filter((r) => r.subPath === "/v1/leftover");
      expect(leftover).toHaveLength(1);
      expect(leftover[0].headers.traceparent).toBeUndefined();
    } finally {
      collector.behave();
    }
  });
});

describe("request bodies", () => {
  it("a Request whose body was already read fails as it does bare, sends nothing and leaves no span", async () => {
    const w = await worker("lifecycle-used", {});
    const before = replay.requests.length;
    expect(await (await w.fetch("/used-body")).text()).toMatch(/^TypeError: /);
    const spans = await collector.waitForSpans((all) => all.some((s) => ofService("lifecycle-used")(s) && s.kind === 2), 10000);
    expect(spans.filter(ofService("lifecycle-used")).map((s) => s.name)).toEqual(["GET"]);
    expect(replay.requests.slice(before).filter((r) => r.subPath === "/v1/used")).toHaveLength(0);
  });
});
