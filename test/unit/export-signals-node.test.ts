/**
 * The OTLP exporter's per-signal options as a collector sees them: one LLM call through
 * `withTracing` in Node, its trace and metrics exported to a real OTLP receiver with each
 * signal's own headers and compression, and an endpoint's credentials sent as a Basic header.
 */
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { CHAT_FIXTURE, chatApp } from "../support/beside-app-sdk.js";
import { useServers } from "../support/servers.js";

const servers = useServers();

const ENV = {
  OTEL_EXPORTER_OTLP_HEADERS: "x-team=genai,Authorization=Bearer%20general",
  OTEL_EXPORTER_OTLP_METRICS_HEADERS: "authorization=Bearer%20metrics",
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "gzip",
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
};

async function oneCall(service: string, endpoint: string): Promise<void> {
  const handler = withTracing(chatApp(servers.replay.baseFor(CHAT_FIXTURE, { gapMs: 0 })), { endpoint, serviceName: service });
  await (await handler(new Request("http://app.test/chat"))).text();
  await flush();
}

const of = (service: string, path: string) => servers.collector.requests.filter((r) => r.path === path && r.text.includes(`"${service}"`));

it("each signal goes with its own headers (a signal's variable over the general one), traces gzipped as OTEL_EXPORTER_OTLP_TRACES_COMPRESSION says", async () => {
  Object.assign(process.env, ENV);
  try {
    await oneCall("per-signal", servers.collector.url);
  } finally {
    for (const key of Object.keys(ENV)) delete process.env[key];
  }
  const [traces] = of("per-signal", "/v1/traces");
  const [metrics] = of("per-signal", "/v1/metrics");
  expect([traces.headers.authorization, traces.headers["x-team"], traces.headers["content-encoding"]]).toEqual(["Bearer general", "genai", "gzip"]);
  expect([metrics.headers.authorization, metrics.headers["x-team"], metrics.headers["content-encoding"]]).toEqual(["Bearer metrics", "genai", undefined]);
  // The gzipped body is what the collector decodes: the call's span, its model from the fixture.
  expect(traces.decodeError).toBeUndefined();
  expect(traces.rawBody.byteLength).toBeLessThan(traces.text.length);
  const chat = servers.collector.spans().find((s) => s.resource["service.name"] === "per-signal" && s.attributes["gen_ai.operation.name"] === "chat");
  expect(chat?.attributes["gen_ai.response.model"]).toBe("gpt-3.5-turbo-0125");
});

it("an endpoint with credentials in its URL (which fetch refuses) exports with them as a Basic authorization header", async () => {
  const url = new URL(servers.collector.url);
  url.username = "svc";
  url.password = "p@ss";
  await oneCall("userinfo", url.href);
  const [traces] = of("userinfo", "/v1/traces");
  expect(traces.headers.authorization).toBe(`Basic ${btoa("svc:p@ss")}`);
});
