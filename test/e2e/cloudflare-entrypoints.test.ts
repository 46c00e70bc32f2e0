/**
 * Durable Objects, service bindings, WorkerEntrypoint RPC and the Workers AI binding, end to
 * end in real workerd: three Workers in one workerd (the instrumented caller with its Durable
 * Object, an instrumented callee behind a service binding, and a Workers AI stand-in behind
 * `AI`), one local OTLP receiver, and the replay server for the upstream calls and the
 * hand-made Workers AI results (test/fixtures/workers-ai/).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { type StartedWorkers, startWorkers } from "../support/multi-worker.js";
import { fixtureBytes, type Replay, startReplay } from "../support/replay.js";

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const LLAMA = "@cf/meta/llama-3.1-8b-instruct";
const STREAM_GAP_MS = 10;

let collector: Collector;
let replay: Replay;
let workers: StartedWorkers;

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
  const upstream = replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 });
  const otel = (service: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: service });
  workers = await startWorkers([
    {
      name: "main",
      entry: "test/workers/entrypoints.ts",
      env: { ...otel("cf-main"), UPSTREAM: upstream },
      miniflare: {
        durableObjects: { COUNTER: "Counter" },
        serviceBindings: { SVC: "callee", AI: { name: "ai", entrypoint: "WorkersAiStandIn" } },
      },
    },
    { name: "callee", entry: "test/workers/entrypoints-callee.ts", env: { ...otel("cf-callee"), UPSTREAM: upstream } },
    {
      name: "ai",
      entry: "test/workers/workers-ai-standin.ts",
      env: {
        AI_CHAT: replay.baseFor("workers-ai/chat.json", { gapMs: 0 }),
        AI_STREAM: replay.baseFor("workers-ai/chat-stream.sse", { gapMs: STREAM_GAP_MS }),
        AI_EMBED: replay.baseFor("workers-ai/embeddings.json", { gapMs: 0 }),
      },
    },
  ]);
});

afterAll(async () => {
  await workers?.close();
  await collector?.close();
  await replay?.close();
});

/** The caller Worker's SERVER span for a path. */
const serverFor = (spans: DecodedSpan[], path: string) =>
  spans.find((s) => s.kind === SERVER && s.resource["service.name"] === "cf-main" && s.attributes["url.path"] === path);
const childrenOf = (spans: DecodedSpan[], parent: DecodedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
const named = (spans: DecodedSpan[], name: string) => spans.filter((s) => s.name === name);

/** The caller's trace for `path` once `ready` holds for it, with its SERVER span. */
async function traceOf(path: string, ready: (trace: DecodedSpan[]) => boolean, also: (all: DecodedSpan[]) => boolean = () => true) {
  const spans = await collector.waitForSpans((all) => {
    const server = serverFor(all, path);
    return !!server && ready(all.filter((s) => s.traceId === server.traceId)) && also(all);
  });
  const server = serverFor(spans, path)!;
  return { spans, server, trace: spans.filter((s) => s.traceId === server.traceId) };
}

describe("Durable Objects", () => {
  it("a stub's fetch is a CLIENT span whose traceparent the object's SERVER span continues", async () => {
    const incomingTrace = "0af7651916cd43dd8448eb211c80319c";
    const incomingSpan = "b7ad6b7169203331";
    const response = await workers.fetch("/do-fetch?name=fetch", { headers: { traceparent: `00-${incomingTrace}-${incomingSpan}-01` } });
    const body = (await response.json()) as { count: number; traceparent: string };
    expect(body.count).toBe(2);

    const { server, trace } = await traceOf("/do-fetch", (t) => t.length === 3);
    expect(server.traceId).toBe(incomingTrace);
    expect(server.parentSpanId).toBe(incomingSpan);
    const [client] = childrenOf(trace, server);
    expect(client.kind).toBe(CLIENT);
    expect(client.name).toBe("GET");
    expect(client.attributes).toEqual({
      "http.request.method": "GET",
      "server.address": "counter",
      "server.port": 80,
      "url.full": "http://counter/add?by=REDACTED",
      "http.response.status_code": 200,
    });
    const [object] = childrenOf(trace, client);
    expect(object.kind).toBe(SERVER);
    expect(object.name).toBe("GET");
    expect(object.resource["service.name"]).toBe("cf-main");
    expect(object.attributes).toEqual({
      "http.request.method": "GET",
      "url.scheme": "http",
      "url.path": "/add",
      "url.query": "by=REDACTED",
      "server.address": "counter",
      "server.port": 80,
      "faas.trigger": "http",
      "faas.coldstart": false,
      "http.response.status_code": 200,
    });
    // What the object received names the CLIENT span.
    expect(body.traceparent).toBe(`00-${incomingTrace}-${client.spanId}-01`);
    expect(object.startTimeUnixNano).toBeGreaterThanOrEqual(client.startTimeUnixNano);
    expect(object.endTimeUnixNano).toBeLessThanOrEqual(client.endTimeUnixNano);
    expect(client.endTimeUnixNano).toBeLessThanOrEqual(server.endTimeUnixNano);
  });

  it("an RPC method call is a CLIENT span in the caller's trace and a SERVER span in the object's own trace", async () => {
    const response = await workers.fetch("/do-rpc?name=rpc");
    expect(await response.json()).toBe(3);

    const { spans, server, trace } = await traceOf(
      "/do-rpc",
      (t) => t.length === 2,
      (all) => named(all, "Counter/increment").length === 1,
    );
    const [client] = childrenOf(trace, server);
    expect(client.kind).toBe(CLIENT);
    expect(client.name).toBe("COUNTER/increment");
    expect(client.attributes).toEqual({ "rpc.system.name": "cloudflare_rpc", "rpc.method": "COUNTER/increment" });
    expect(client.status.code).toBe(0);

    const [method] = named(spans, "Counter/increment");
    expect(method.kind).toBe(SERVER);
    expect(method.parentSpanId).toBeUndefined();
    expect(method.traceId).not.toBe(client.traceId);
    expect(method.resource["service.name"]).toBe("cf-main");
    expect(method.attributes).toEqual({
      "rpc.system.name": "cloudflare_rpc",
      "rpc.method": "Counter/increment",
      "faas.trigger": "other",
      "faas.coldstart": false,
    });
    expect(method.status.code).toBe(0);
    // `step`, called by `increment` inside its invocation, gets no span of its own.
    expect(spans.filter((s) => s.name.endsWith("/step"))).toEqual([]);
    expect(spans.filter((s) => s.traceId === method.traceId)).toHaveLength(1);
  });

  it("an RPC method that throws marks both spans as errors and the caller still gets the error", async () => {
    const response = await workers.fetch("/do-rpc-error?name=error");
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("RangeError");

    const { spans, server, trace } = await traceOf(
      "/do-rpc-error",
      (t) => t.length === 2,
      (all) => named(all, "Counter/boom").length === 1,
    );
    const [client] = childrenOf(trace, server);
    const [method] = named(spans, "Counter/boom");
    for (const span of [client, method]) {
      expect(span.status).toEqual({ code: 2, message: "counter exploded" });
      expect(span.attributes["error.type"]).toBe("RangeError");
      expect(span.events.map((e) => e.name)).toEqual(["exception"]);
      expect(span.events[0].attributes["exception.type"]).toBe("RangeError");
    }
    expect(client.name).toBe("COUNTER/boom");
  });

  it("a traced binding passed as an RPC argument arrives as the binding itself", async () => {
    const response = await workers.fetch("/do-relay?name=relay");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("callee saw null");
    const { trace, server } = await traceOf("/do-relay", (t) => t.length === 2);
    expect(childrenOf(trace, server).map((s) => s.name)).toEqual(["COUNTER/relay"]);
  });

  it("an alarm is an INTERNAL root span with the object's outbound fetch under it", async () => {
    const response = await workers.fetch("/do-alarm?name=alarm");
    expect(await response.text()).toBe("scheduled");

    const spans = await collector.waitForSpans((all) => {
      const alarm = named(all, "alarm")[0];
      return !!alarm && childrenOf(all, alarm).length === 1;
    });
    const [alarm] = named(spans, "alarm");
    expect(alarm.kind).toBe(INTERNAL);
    expect(alarm.parentSpanId).toBeUndefined();
    expect(alarm.attributes).toEqual({ "faas.trigger": "timer", "faas.coldstart": false });
    const [fetchSpan] = childrenOf(spans, alarm);
    expect(fetchSpan.kind).toBe(CLIENT);
    expect(String(fetchSpan.attributes["url.full"])).toMatch(/\/v1\/alarm$/);
    expect(fetchSpan.traceId).toBe(alarm.traceId);
    // The call that scheduled it: an RPC method of its own.
    expect(named(spans, "Counter/scheduleAlarm")).toHaveLength(1);
  });
});

describe("service bindings", () => {
  it("a fetch through a service binding carries the trace into the callee Worker", async () => {
    const incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await workers.fetch("/svc-fetch", { headers: { traceparent: `00-${incomingTrace}-00f067aa0ba902b7-01` } });
    const text = await response.text();

    const spans = await collector.waitForSpans((all) => all.filter((s) => s.traceId === incomingTrace).length === 3);
    const trace = spans.filter((s) => s.traceId === incomingTrace);
    const server = serverFor(trace, "/svc-fetch")!;
    const [client] = childrenOf(trace, server);
    expect(client.attributes).toEqual({
      "http.request.method": "GET",
      "server.address": "callee",
      "server.port": 80,
      "url.full": "http://callee/hello",
      "http.response.status_code": 200,
    });
    const [callee] = childrenOf(trace, client);
    expect(callee.kind).toBe(SERVER);
    expect(callee.resource["service.name"]).toBe("cf-callee");
    expect(callee.attributes).toMatchObject({ "url.path": "/hello", "http.response.status_code": 200, "faas.trigger": "http" });
    expect(text).toBe(`callee saw 00-${incomingTrace}-${client.spanId}-01`);
  });

  it("an RPC call to a WorkerEntrypoint: CLIENT span in the caller, SERVER span (with its own fetch) in the callee", async () => {
    const response = await workers.fetch("/svc-rpc");
    expect(await response.text()).toBe("hello Ada");

    const { spans, server, trace } = await traceOf(
      "/svc-rpc",
      (t) => t.length === 2,
      (all) => {
        const greet = named(all, "Callee/greet")[0];
        return !!greet && childrenOf(all, greet).length === 1;
      },
    );
    const [client] = childrenOf(trace, server);
    expect(client.kind).toBe(CLIENT);
    expect(client.name).toBe("SVC/greet");
    expect(client.attributes).toEqual({ "rpc.system.name": "cloudflare_rpc", "rpc.method": "SVC/greet" });

    const [greet] = named(spans, "Callee/greet");
    expect(greet.kind).toBe(SERVER);
    expect(greet.parentSpanId).toBeUndefined();
    expect(greet.resource["service.name"]).toBe("cf-callee");
    expect(greet.attributes).toEqual({
      "rpc.system.name": "cloudflare_rpc",
      "rpc.method": "Callee/greet",
      "faas.trigger": "other",
      "faas.coldstart": expect.any(Boolean),
    });
    const [upstream] = childrenOf(spans, greet);
    expect(upstream.kind).toBe(CLIENT);
    expect(String(upstream.attributes["url.full"])).toMatch(/\/v1\/greet$/);
  });
});

describe("class-based default export", () => {
  it("its scheduled handler gets the same root span as a handler object's", async () => {
    const callee = await workers.mf.getWorker("callee");
    await callee.scheduled({ cron: "15 * * * *", scheduledTime: new Date(1_760_000_000_000) });
    const spans = await collector.waitForSpans((all) => {
      const root = named(all, "scheduled 15 * * * *")[0];
      return !!root && childrenOf(all, root).length === 1;
    });
    const [root] = named(spans, "scheduled 15 * * * *");
    expect(root.kind).toBe(INTERNAL);
    expect(root.resource["service.name"]).toBe("cf-callee");
    expect(root.attributes).toEqual({
      "faas.trigger": "timer",
      "faas.cron": "15 * * * *",
      "faas.time": "2025-10-09T08:53:20.000Z",
      "faas.coldstart": expect.any(Boolean),
    });
    const [upstream] = childrenOf(spans, root);
    expect(String(upstream.attributes["url.full"])).toMatch(/\/v1\/cron\?cron=REDACTED$/);
  });
});

describe("Workers AI binding", () => {
  /** The single gen_ai span of the caller's trace for `path`. */
  async function aiSpan(path: string) {
    const { server, trace } = await traceOf(path, (t) => t.length === 2);
    const [span] = childrenOf(trace, server);
    expect(span.kind).toBe(CLIENT);
    return { span, server };
  }

  it("a chat run: model, parameters and usage", async () => {
    const response = await workers.fetch("/ai-chat");
    expect(await response.json()).toEqual(JSON.parse(new TextDecoder().decode(fixtureBytes("workers-ai/chat.json"))));

    const { span } = await aiSpan("/ai-chat");
    expect(span.name).toBe(`chat ${LLAMA}`);
    expect(span.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "cloudflare.workers_ai",
      "gen_ai.request.model": LLAMA,
      "gen_ai.request.max_tokens": 64,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.seed": 7,
      "gen_ai.usage.input_tokens": 21,
      "gen_ai.usage.output_tokens": 10,
    });
    expect(span.status.code).toBe(0);
  });

  it("a streamed run: passed through byte for byte, with chunk timings and the usage of the last event", async () => {
    const response = await workers.fetch("/ai-stream");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(fixtureBytes("workers-ai/chat-stream.sse"));

    const { span, server } = await aiSpan("/ai-stream");
    expect(span.name).toBe(`chat ${LLAMA}`);
    expect(span.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "cloudflare.workers_ai",
      "gen_ai.request.model": LLAMA,
      "gen_ai.request.stream": true,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.top_k": 40,
      "gen_ai.usage.input_tokens": 21,
      "gen_ai.usage.output_tokens": 6,
      "gen_ai.response.time_to_first_chunk": expect.any(Number),
      // Three events carry text; the usage event and [DONE] do not.
      "otel_genai_edge.stream.chunks": 3,
    });
    expect(span.status.code).toBe(0);
    // Five events written 10 ms apart: the span covers the whole stream, the first chunk comes early.
    const durationS = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;
    const ttfc = span.attributes["gen_ai.response.time_to_first_chunk"] as number;
    expect(durationS).toBeGreaterThanOrEqual((4 * STREAM_GAP_MS) / 1000 - 0.002);
    expect(ttfc).toBeGreaterThan(0);
    expect(ttfc).toBeLessThan(durationS);
    expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(span.endTimeUnixNano);
  });

  it("a stream that ends before `data: [DONE]` is an incomplete one", async () => {
    await (await workers.fetch("/ai-truncated")).arrayBuffer();
    const { span } = await aiSpan("/ai-truncated");
    expect(span.status).toEqual({ code: 2, message: "the stream ended before its end marker" });
    expect(span.attributes["error.type"]).toBe("incomplete_stream");
    expect(span.attributes["otel_genai_edge.stream.chunks"]).toBe(3);
  });

  it("an embeddings run: the dimension count from the result's shape", async () => {
    await (await workers.fetch("/ai-embed")).arrayBuffer();
    const { span } = await aiSpan("/ai-embed");
    expect(span.name).toBe("embeddings @cf/baai/bge-base-en-v1.5");
    expect(span.attributes).toEqual({
      "gen_ai.operation.name": "embeddings",
      "gen_ai.provider.name": "cloudflare.workers_ai",
      "gen_ai.request.model": "@cf/baai/bge-base-en-v1.5",
      "gen_ai.embeddings.dimension.count": 8,
    });
  });

  it("a run that throws: the error on the span, rethrown untouched", async () => {
    const response = await workers.fetch("/ai-error");
    expect(await response.text()).toBe("TypeError");
    const { span } = await aiSpan("/ai-error");
    expect(span.name).toBe("text_completion @cf/test/invalid");
    expect(span.attributes).toEqual({
      "gen_ai.operation.name": "text_completion",
      "gen_ai.provider.name": "cloudflare.workers_ai",
      "gen_ai.request.model": "@cf/test/invalid",
      "error.type": "TypeError",
    });
    expect(span.status).toEqual({ code: 2, message: "invalid input" });
  });

  it("instrumentAI on a raw binding: a prompt is a text completion, recorded once", async () => {
    await (await workers.fetch("/ai-explicit")).arrayBuffer();
    const { span } = await aiSpan("/ai-explicit");
    expect(span.name).toBe(`text_completion ${LLAMA}`);
    expect(span.attributes).toEqual({
      "gen_ai.operation.name": "text_completion",
      "gen_ai.provider.name": "cloudflare.workers_ai",
      "gen_ai.request.model": LLAMA,
      "gen_ai.request.frequency_penalty": 0.5,
      "gen_ai.request.presence_penalty": 0.25,
      "gen_ai.usage.input_tokens": 21,
      "gen_ai.usage.output_tokens": 10,
    });
  });
});
