/**
 * What we say in the logs (diag, console) holds no credential: an endpoint given with userinfo,
 * or a runtime's network error that quotes the URL, is scrubbed before it is said.
 */
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { Pipeline } from "../../src/pipeline.js";
import { Invocation } from "../../src/trace/invocation.js";
import { RecordingSpan } from "../../src/trace/span.js";

const lines: string[] = [];
diag.setLogger(
  { error: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.ALL,
);

describe("no secret in what we log", () => {
  it("an endpoint with credentials, warned about, is said without them", () => {
    lines.length = 0;
    // Each of these is warned about (a signal path given twice, and credentials fetch refuses; not an http(s) URL).
    resolveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://user:S3CRETPASS@collector.example/v1/traces" });
    resolveConfig({}, { endpoint: "ftp://user:S3CRETPASS@collector.example/?token=T0KEN123" });
    resolveConfig({}, { tracesEndpoint: "user:S3CRETPASS@collector.example" });
    expect(lines).toHaveLength(4);
    expect(lines.join("\n")).not.toMatch(/S3CRETPASS|T0KEN123/);
  });

  it("a network error that quotes the export URL with its credentials is said without them", async () => {
    lines.length = 0;
    const config = resolveConfig({}, { tracesEndpoint: "http://user:S3CRETPASS@127.0.0.1:9/v1/traces", metrics: false, timeoutMs: 2000 });
    const failing = async () => {
      throw new TypeError("Request cannot be constructed from a URL that includes credentials: http://user:S3CRETPASS@127.0.0.1:9/v1/traces");
    };
    const pipeline = new Pipeline(config, {}, failing);
    const invocation = new Invocation(pipeline);
    new RecordingSpan("GET", 2, { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 }, undefined, Date.now(), invocation, pipeline.scope).end();
    await pipeline.export(invocation);
    expect(lines.some((l) => l.includes("traces export"))).toBe(true);
    expect(lines.join("\n")).not.toContain("S3CRETPASS");
  });

  it("headers given in another form (a list of pairs, a string), a whole config that is not an object, a secret in a wrong field: said without the secret", async () => {
    lines.length = 0;
    const HONEYCOMB = "hcaik_01hq8xq0d3k5m2n7p9r4s6t8v0w2y4z6a8c0e2g4i6k8";
    const HEX = "0123456789abcdef0123456789abcdef";
    resolveConfig({}, { endpoint: "http://c.test", headers: [["x-honeycomb-team", HONEYCOMB]] as never });
    resolveConfig({}, { endpoint: "http://c.test", headers: `api-key=${HEX}` as never });
    resolveConfig({}, `x-honeycomb-team=${HONEYCOMB}` as never);
    resolveConfig({}, { endpoint: "http://c.test", samplerRatio: "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm" as never });
    expect(lines).toEqual([
      "otel-genai-edge: config.headers (an array) is not an object: ignored",
      "otel-genai-edge: config.headers (string) is not an object: ignored",
      "otel-genai-edge: config (string) is not an object: ignored",
      'otel-genai-edge: config.samplerRatio="REDACTED" is not a number in [0, 1]; using 1',
    ]);
    // A config function that throws with the config's text in its message.
    const { withTracing } = await import("../../src/index.js");
    const handler = withTracing(async () => new Response("ok"), () => ({ headers: JSON.parse(`{"x-honeycomb-team": ${HONEYCOMB}}`) }));
    await (await handler(new Request("http://app.test/"))).text();
    expect(lines.join("\n")).not.toMatch(/hcaik_01hq|0123456789abcdef|Zx9Qw8/);
    expect(lines.at(-1)).toBe("otel-genai-edge: configuration failed (the config function threw SyntaxError): telemetry is off.");
  });
});
