/**
 * One fetch tracer for the global fetch and the service-binding fetch, in real workerd: a Worker
 * calls an OpenAI-compatible proxy through a service binding, and its export holds a GenAI span
 * (not a plain HTTP one) with the recorded stream's model and usage, the request's parameters,
 * the binding URL's host as server.address, and the trace context the proxy received. Both the
 * URL+init form and a Request alone without Content-Length (the Mistral SDK's way).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { type StartedWorkers, startWorkers } from "../support/multi-worker.js";
import { fixtureBytes, type Replay, startReplay } from "../support/replay.js";
import { FIXTURE, fixtureFacts } from "../runtimes/scenario.js";
import { PROMPT } from "../workers/binding-llm.js";

const SERVER = 2;
const CLIENT = 3;

let collector: Collector;
let replay: Replay;
let workers: StartedWorkers;

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
  workers = await startWorkers([
    {
      name: "caller",
      entry: "test/workers/binding-llm.ts",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "binding-llm" },
      miniflare: { serviceBindings: { LLM: "proxy" } },
    },
    { name: "proxy", entry: "test/workers/binding-llm-standin.ts", env: { UPSTREAM: replay.baseFor(FIXTURE, { gapMs: 2 }) } },
  ]);
});

afterAll(async () => {
  await workers?.close();
  await collector?.close();
  await replay?.close();
});

describe("a service binding fronting an LLM API", () => {
  for (const path of ["/url-init", "/request-alone"]) {
    it(`${path}: the caller's export holds a chat span with the stream's usage, and the call is unchanged`, async () => {
      const before = replay.requests.length;
      const response = await workers.fetch(path);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(fixtureBytes(FIXTURE));

      const spans = await collector.waitForSpans((all) =>
        all.some((s) => s.kind === SERVER && s.attributes["url.path"] === path && all.some((c) => c.traceId === s.traceId && c.kind === CLIENT)),
      );
      const server = spans.find((s) => s.kind === SERVER && s.attributes["url.path"] === path)!;
      const clients = spans.filter((s: DecodedSpan) => s.traceId === server.traceId && s.kind === CLIENT);
      expect(clients.map((s) => s.name)).toEqual(["chat gpt-4o-mini"]);
      const [chat] = clients;
      const facts = fixtureFacts();
      expect(chat.parentSpanId).toBe(server.spanId);
      expect(chat.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.3,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.response.model": facts.responseModel,
        "gen_ai.usage.input_tokens": facts.inputTokens,
        "gen_ai.usage.output_tokens": facts.outputTokens,
        "server.address": "llm-proxy.internal",
        "http.request.method": "POST",
        "http.response.status_code": 200,
      });

      // What the proxy received: the app's body as sent, and our span as its parent.
      const [received] = replay.requests.slice(before);
      expect(received.json).toEqual(PROMPT);
      // (a trace the Worker started: sampled and random, -03)
      expect(received.headers["x-received-traceparent"]).toBe(`00-${chat.traceId}-${chat.spanId}-03`);
      expect(received.headers["x-received-length"]).toBe(String(JSON.stringify(PROMPT).length));
    });
  }
});
