/**
 * The foundation, end to end in real workerd: a wrapped Worker handles requests, a local OTLP
 * receiver gets the real POST, and we assert ids, parentage, kinds, timestamps, attributes and
 * the traceparent that went out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { fixtureBytes, type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

const ENTRY = "test/workers/foundation.ts";
const STREAM_FIXTURE = "openai/chat-stream-include-usage.sse";

let collector: Collector;
let replay: Replay;
const workers: StartedWorker[] = [];

/** Compatibility date 2026-11-01 gives workerd `process.getBuiltinModule` (so AsyncLocalStorage) by default; 2026-07-01 does not. */
async function worker(env: Record<string, string>, compatibilityDate = "2026-11-01"): Promise<StartedWorker> {
  const w = await startWorker({
    entry: ENTRY,
    compatibilityDate,
    env: {
      UPSTREAM: replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 }),
      STREAM_UPSTREAM: replay.baseFor(STREAM_FIXTURE, { gapMs: 5 }),
      OTEL_SERVICE_NAME: "foundation-test",
      ...env,
    },
  });
  workers.push(w);
  return w;
}

const byKind = (spans: DecodedSpan[], kind: number) => spans.filter((s) => s.kind === kind);
const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await collector?.close();
  await replay?.close();
});

describe("one trace per invocation, exported as OTLP/HTTP JSON", () => {
  it("records SERVER, API and CLIENT spans with the incoming trace context and injects traceparent", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test" });
    const incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const incomingSpan = "00f067aa0ba902b7";
    const before = BigInt(Date.now()) * 1_000_000n;
    const response = await w.fetch("/plain?id=7", {
      headers: { traceparent: `00-${incomingTrace}-${incomingSpan}-01`, tracestate: "vendor=abc", "user-agent": "test-agent/1.0" },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(new TextDecoder().decode(fixtureBytes("openai/chat-nonstream.json")));

    const [request] = await collector.waitFor((r) => r.path === "/v1/traces");
    expect(request.headers["content-type"]).toBe("application/json");
    const spans = collector.spans().filter((s) => s.traceId === incomingTrace);
    expect(spans).toHaveLength(3);

    const [server] = byKind(spans, SERVER);
    const [client] = byKind(spans, CLIENT);
    const [app] = byKind(spans, INTERNAL);
    expect(server.name).toBe("GET");
    expect(server.parentSpanId).toBe(incomingSpan);
    expect(app.name).toBe("app.work");
    expect(app.parentSpanId).toBe(server.spanId);
    expect(client.name).toBe("GET");
    expect(client.parentSpanId).toBe(app.spanId);

    expect(server.attributes).toMatchObject({
      "http.request.method": "GET",
      "url.scheme": "http",
      "url.path": "/plain",
      "url.query": "id=7",
      "server.address": "worker.test",
      "user_agent.original": "test-agent/1.0",
      "http.response.status_code": 200,
      "faas.trigger": "http",
    });
    expect(typeof server.attributes["faas.coldstart"]).toBe("boolean");
    const port = Number(new URL(replay.url).port);
    expect(client.attributes).toEqual({
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": port,
      "url.full": `${new URL(replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 })).href}/v1/thing?id=7&key=REDACTED`,
      "http.response.status_code": 200,
    });

    // Timestamps nest: server ⊇ app ⊇ client, all within the test's wall-clock window.
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(server.startTimeUnixNano).toBeGreaterThanOrEqual(before - 1_000_000_000n);
    expect(server.endTimeUnixNano).toBeLessThanOrEqual(after);
    expect(app.startTimeUnixNano).toBeGreaterThanOrEqual(server.startTimeUnixNano);
    expect(client.startTimeUnixNano).toBeGreaterThanOrEqual(app.startTimeUnixNano);
    expect(client.endTimeUnixNano).toBeLessThanOrEqual(app.endTimeUnixNano);
    expect(app.endTimeUnixNano).toBeLessThanOrEqual(server.endTimeUnixNano);

    // The traceparent that went out names the CLIENT span; tracestate is carried along.
    const sent = replay.requests.find((r) => r.subPath.startsWith("/v1/thing?id=7"));
    expect(sent?.headers.traceparent).toBe(`00-${incomingTrace}-${client.spanId}-01`);
    expect(sent?.headers.tracestate).toBe("vendor=abc");

    expect(server.resource).toMatchObject({
      "service.name": "foundation-test",
      "telemetry.sdk.name": "otel-genai-edge",
      "telemetry.sdk.language": "webjs",
      "cloud.provider": "cloudflare",
      "deployment.environment.name": "test",
    });
    expect(server.resource["service.instance.id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.scope.name).toBe("otel-genai-edge");
  });

  it("ends a plain CLIENT span at its response headers and hands the streamed body over untouched, byte for byte", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const response = await w.fetch("/stream");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes).toEqual(fixtureBytes(STREAM_FIXTURE));

    const isStream = (s: DecodedSpan) => s.kind === CLIENT && String(s.attributes["url.full"]).endsWith("/v1/stream");
    const spans = await collector.waitForSpans((all) => all.some(isStream));
    const client = spans.find(isStream)!;
    const server = spans.find((s) => s.spanId === client.parentSpanId)!;
    expect(server.kind).toBe(SERVER);
    // 9 events written 5 ms apart: a plain HTTP span ends with the headers (the HTTP conventions
    // allow it), so its body is never rebuilt; an event-stream response is still watched by the
    // SERVER span, which ends once the stream has been sent.
    expect(client.endTimeUnixNano - client.startTimeUnixNano).toBeLessThan(30_000_000n);
    expect(server.endTimeUnixNano - client.endTimeUnixNano).toBeGreaterThanOrEqual(30_000_000n);
  });

  it("waits for work handed to ctx.waitUntil before flushing", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const response = await w.fetch("/background");
    expect(response.status).toBe(202);
    await response.text();
    const spans = await collector.waitForSpans((all) =>
      all.some((s) => s.kind === CLIENT && String(s.attributes["url.full"]).endsWith("/v1/background")),
    );
    const client = spans.find((s) => String(s.attributes["url.full"]).endsWith("/v1/background"))!;
    const server = spans.find((s) => s.spanId === client.parentSpanId)!;
    expect(server.attributes["http.response.status_code"]).toBe(202);
  });

  it("records a thrown handler error on the SERVER span and rethrows it untouched", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const response = await w.fetch("/throw");
    expect(response.status).toBe(500);
    await response.text();
    const spans = await collector.waitForSpans((all) => all.some((s) => s.attributes["url.path"] === "/throw"));
    const server = spans.find((s) => s.attributes["url.path"] === "/throw")!;
    expect(server.attributes["error.type"]).toBe("TypeError");
    expect(server.status.code).toBe(2);
    expect(server.status.message).toBe("handler failed");
    expect(server.events.map((e) => e.name)).toEqual(["exception"]);
    expect(server.events[0].attributes["exception.type"]).toBe("TypeError");
  });

  it("traces a cron trigger", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const handle = await w.mf.getWorker();
    await handle.scheduled({ cron: "*/5 * * * *", scheduledTime: new Date(1_760_000_000_000) });
    const spans = await collector.waitForSpans((all) => all.some((s) => s.name === "scheduled */5 * * * *"));
    const root = spans.find((s) => s.name === "scheduled */5 * * * *")!;
    expect(root.kind).toBe(INTERNAL);
    expect(root.attributes).toMatchObject({ "faas.trigger": "timer", "faas.cron": "*/5 * * * *", "faas.time": "2025-10-09T08:53:20.000Z" });
    const client = spans.find((s) => s.parentSpanId === root.spanId)!;
    expect(String(client.attributes["url.full"])).toMatch(/\/v1\/cron$/);
  });

  it("traces a queue batch as a CONSUMER span", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const handle = (await w.mf.getWorker()) as unknown as {
      queue(name: string, messages: { id: string; timestamp: Date; body: unknown; attempts: number }[]): Promise<unknown>;
    };
    await handle.queue("jobs", [
      { id: "m1", timestamp: new Date(), body: { n: 1 }, attempts: 1 },
      { id: "m2", timestamp: new Date(), body: { n: 2 }, attempts: 1 },
    ]);
    const spans = await collector.waitForSpans((all) => all.some((s) => s.name === "process jobs"));
    const root = spans.find((s) => s.name === "process jobs")!;
    expect(root.kind).toBe(5);
    expect(root.attributes).toMatchObject({
      "faas.trigger": "pubsub",
      "messaging.system": "cloudflare_queues",
      "messaging.operation.type": "process",
      "messaging.destination.name": "jobs",
      "messaging.batch.message_count": 2,
    });
    const client = spans.find((s) => s.parentSpanId === root.spanId)!;
    expect(String(client.attributes["url.full"])).toMatch(/\/v1\/queue\?n=REDACTED$/);
  });
});

describe("lifecycle", () => {
  it("traces calls made through a fetch captured at module scope (SDK clients built at import)", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "module-fetch" });
    await (await w.fetch("/module-fetch")).text();
    const spans = await collector.waitForSpans((all) => all.some((s) => String(s.attributes["url.full"]).endsWith("/v1/module-scope")));
    const client = spans.find((s) => String(s.attributes["url.full"]).endsWith("/v1/module-scope"))!;
    expect(client.kind).toBe(CLIENT);
    expect(spans.find((s) => s.spanId === client.parentSpanId)?.kind).toBe(SERVER);
  });

  it("a span never ended is ended and marked after the grace period, and the trace is exported exactly once", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "unended" });
    expect(await (await w.fetch("/unended")).text()).toBe("ok");
    const [request] = await collector.waitFor((r) => r.path === "/v1/traces" && r.text.includes('"unended"'), 8000);
    await new Promise((r) => setTimeout(r, 500));
    expect(collector.requests.filter((r) => r.path === "/v1/traces" && r.text.includes('"unended"'))).toHaveLength(1);
    const spans = collector.spans().filter((s) => s.resource["service.name"] === "unended");
    expect(spans.map((s) => s.name).sort()).toEqual(["GET", "never.ended"]);
    const leftover = spans.find((s) => s.name === "never.ended")!;
    expect(leftover.attributes["otel_genai_edge.span.unfinished"]).toBe(true);
    // Ended by the grace flush, about flushGraceMs (2 s) after the response.
    const server = spans.find((s) => s.name === "GET")!;
    expect(Number(leftover.endTimeUnixNano - server.endTimeUnixNano) / 1e6).toBeGreaterThanOrEqual(1900);
    expect(request.receivedAt).toBeGreaterThan(0);
  });

  it("a handler called without a ctx runs plainly", async () => {
    collector.behave();
    const w = await startWorker({ entry: "test/workers/no-ctx.ts", env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
    workers.push(w);
    expect(await (await w.fetch("/")).text()).toBe("inner ok");
  });
});

describe("concurrency", () => {
  it("fifty concurrent requests in one isolate produce fifty separate, correct traces", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "concurrency-als" });
    // Each body read as its response arrives, as a client does (not 49 left unread while one is).
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const r = await w.fetch(`/plain?id=c${i}`);
        await r.text();
        return [r.status, r.headers.get("x-id")];
      }),
    );
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => [200, `c${i}`]));
    const spans = await collector.waitForSpans(
      (all) => all.filter((s) => s.resource["service.name"] === "concurrency-als" && s.kind === SERVER).length >= 50,
      15000,
    );
    const mine = spans.filter((s) => s.resource["service.name"] === "concurrency-als");
    const servers = byKind(mine, SERVER);
    expect(servers).toHaveLength(50);
    expect(new Set(servers.map((s) => s.traceId)).size).toBe(50);
    for (const server of servers) {
      const trace = mine.filter((s) => s.traceId === server.traceId);
      expect(trace).toHaveLength(3);
      const client = trace.find((s) => s.kind === CLIENT)!;
      const id = String(server.attributes["url.query"]).replace("id=", "");
      expect(String(client.attributes["url.full"])).toContain(`id=${id}&`);
    }
  });

  it("without AsyncLocalStorage never attaches a call to the wrong request, says so once, and fetchFor binds explicitly", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "concurrency-no-als" }, "2026-07-01");
    // Alone in the isolate, a call made after an await is still placed (the sole-request rule).
    await (await w.fetch("/after-await?id=solo")).text();
    const solo = await collector.waitForSpans((all) => all.some((s) => String(s.attributes["url.full"]).includes("/v1/after-await?id=solo")));
    const soloClient = solo.find((s) => String(s.attributes["url.full"]).includes("/v1/after-await?id=solo"))!;
    expect(solo.find((s) => s.spanId === soloClient.parentSpanId)?.attributes["url.query"]).toBe("id=solo");
    const plain = await Promise.all(Array.from({ length: 20 }, (_, i) => w.fetch(`/plain?id=p${i}`)));
    for (const r of plain) await r.text();
    const bound = await Promise.all(Array.from({ length: 20 }, (_, i) => w.fetch(`/bound?id=b${i}`)));
    for (const r of bound) await r.text();

    const spans = await collector.waitForSpans(
      (all) => all.filter((s) => s.resource["service.name"] === "concurrency-no-als" && s.kind === SERVER).length >= 41,
      15000,
    );
    const mine = spans.filter((s) => s.resource["service.name"] === "concurrency-no-als");
    const servers = byKind(mine, SERVER).filter((s) => s.attributes["url.path"] !== "/after-await");
    expect(servers).toHaveLength(40);
    for (const server of servers) {
      const id = String(server.attributes["url.query"]).replace("id=", "");
      for (const client of mine.filter((s) => s.traceId === server.traceId && s.kind === CLIENT)) {
        expect(String(client.attributes["url.full"])).toContain(`id=${id}`);
      }
      if (id.startsWith("b")) expect(mine.filter((s) => s.traceId === server.traceId && s.kind === CLIENT)).toHaveLength(1);
    }
    await w.waitForLog(/AsyncLocalStorage is not available/);
    expect(w.logs.filter((l) => l.includes("AsyncLocalStorage is not available"))).toHaveLength(1);
  });
});

describe("sampling and configuration", () => {
  it("leaves a TracerProvider registered by someone else in charge, and still traces fetch", async () => {
    collector.behave();
    const w = await startWorker({
      entry: "test/workers/foreign-provider.ts",
      env: { UPSTREAM: replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 }), OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "foreign" },
    });
    workers.push(w);
    expect(await (await w.fetch("/")).json()).toEqual({ seen: ["user.span"] });
    const spans = await collector.waitForSpans((all) => all.filter((s) => s.resource["service.name"] === "foreign").length >= 2);
    const mine = spans.filter((s) => s.resource["service.name"] === "foreign");
    expect(mine.map((s) => s.name).sort()).toEqual(["GET", "GET"]);
    expect(mine.find((s) => s.kind === CLIENT)?.parentSpanId).toBe(mine.find((s) => s.kind === SERVER)?.spanId);
  });

  it("with no endpoint says so once and makes no network call", async () => {
    const w = await worker({});
    const before = collector.requests.length;
    for (let i = 0; i < 3; i++) expect((await w.fetch("/plain?id=n")).status).toBe(200);
    await w.waitForLog(/no OTLP endpoint configured/);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.logs.filter((l) => l.includes("no OTLP endpoint configured"))).toHaveLength(1);
    expect(collector.requests.length).toBe(before);
  });

  it("honours an unsampled incoming traceparent: nothing exported, the flag is propagated", async () => {
    collector.behave();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "unsampled" });
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const response = await w.fetch("/plain?id=u1", { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-00` } });
    await response.text();
    const sent = replay.requests.find((r) => r.subPath.startsWith("/v1/thing?id=u1"));
    expect(sent?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    await new Promise((r) => setTimeout(r, 300));
    expect(collector.spans().filter((s) => s.traceId === traceId)).toEqual([]);
  });

  it("OTEL_SDK_DISABLED=true leaves the Worker untouched", async () => {
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SDK_DISABLED: "true", OTEL_SERVICE_NAME: "disabled" });
    await (await w.fetch("/plain?id=d1")).text();
    const sent = replay.requests.find((r) => r.subPath.startsWith("/v1/thing?id=d1"));
    expect(sent?.headers.traceparent).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(collector.spans().filter((s) => s.resource["service.name"] === "disabled")).toEqual([]);
  });
});
