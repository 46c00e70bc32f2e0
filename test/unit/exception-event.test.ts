/**
 * A failed LLM call's `gen_ai.client.operation.exception` log record (model/gen-ai/events.yaml,
 * v1.41 and the genai repository: Recommended, severity WARN): recorded once GenAI events go to
 * logs (capture EVENT_ONLY or SPAN_AND_EVENT) or OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN says `logs`
 * or `logs/dup`; by default not (it would add a /v1/logs request to each request with a failed
 * call, to backends that may take no logs). The variable moves the exceptions our other spans
 * record (a failed fetch) as the semantic conventions define it: `logs` an `exception` log record
 * only, `logs/dup` both, unset the span event only. Received by a real OTLP servers.collector.
 */
import { beforeAll, expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { listenLoopback } from "../support/collector.js";
import { useCollectorAnd } from "../support/servers.js";

// OpenAI's answer to a rate-limited request (its documented error object).
const LIMITED = JSON.stringify({ error: { message: "Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199999, Requested 57.", type: "tokens", param: null, code: "rate_limit_exceeded" } });

const servers = useCollectorAnd((_req, res) => res.writeHead(429, { "content-type": "application/json" }).end(LIMITED));
let refused = "";
beforeAll(async () => {
  // A port nothing listens on: a fetch there fails.
  const probe = await listenLoopback(() => {});
  refused = probe.url;
  await probe.close();
});

async function failedCall(service: string, config: { captureMessageContent?: "EVENT_ONLY" | "SPAN_ONLY" } = {}) {
  const handler = withTracing(
    async () => {
      const r = await fetch(`${servers.upstream.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      return new Response(await r.text(), { status: r.status });
    },
    { endpoint: servers.collector.url, serviceName: service, metrics: false, ...config },
  );
  expect((await handler(new Request("http://app.test/"))).status).toBe(429);
  await flush();
  const spans = await servers.collector.waitForSpans((s) => s.some((x) => x.resource["service.name"] === service && x.kind === 3));
  const chat = spans.find((x) => x.resource["service.name"] === service && x.kind === 3)!;
  const logs = servers.collector.logs().filter((l) => l.resource["service.name"] === service);
  const posts = servers.collector.requests.filter((r) => r.path === "/v1/logs" && r.text.includes(`"${service}"`));
  return { chat, logs, posts };
}

const EXPECTED = { "exception.type": "rate_limit_exceeded", "exception.message": "HTTP 429" };

it("by default: none, and no /v1/logs request", async () => {
  const { chat, posts } = await failedCall("exception-default");
  expect(chat.attributes["error.type"]).toBe("rate_limit_exceeded");
  expect(posts).toEqual([]);
});

it("capture SPAN_ONLY (no events): none", async () => {
  const { posts } = await failedCall("exception-span-only", { captureMessageContent: "SPAN_ONLY" });
  expect(posts).toEqual([]);
});

it("capture EVENT_ONLY: one WARN record on the call's span, the error's type and our description, never the provider's text", async () => {
  const { chat, logs } = await failedCall("exception-events", { captureMessageContent: "EVENT_ONLY" });
  const exceptions = logs.filter((l) => l.eventName === "gen_ai.client.operation.exception");
  expect(exceptions).toHaveLength(1);
  expect(exceptions[0]).toMatchObject({ severityNumber: 13, severityText: "WARN", traceId: chat.traceId, spanId: chat.spanId, attributes: EXPECTED });
  const posted = servers.collector.requests.filter((r) => r.path === "/v1/logs").map((r) => r.text).join("\n");
  expect(posted).toContain("gen_ai.client.operation.exception");
  expect(posted).not.toContain("Rate limit reached");
});

it.each(["logs", "logs/dup", " LOGS "])("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=%j: the record, content capture off", async (value) => {
  process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = value;
  try {
    const service = `exception-opt-in-${value.trim().replace("/", "-")}`;
    const { chat, logs } = await failedCall(service);
    expect(logs.map((l) => [l.eventName, l.spanId, l.attributes])).toEqual([["gen_ai.client.operation.exception", chat.spanId, EXPECTED]]);
  } finally {
    delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  }
});

it.each([
  [undefined, [["exception", "TypeError"]], []],
  ["logs", [], [["exception", "TypeError"]]],
  ["logs/dup", [["exception", "TypeError"]], [["exception", "TypeError"]]],
])("a failed plain fetch with OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=%j: its exception where the variable says", async (value, spanEvents, logRecords) => {
  if (value) process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = value;
  const service = `exception-fetch-${value ?? "unset"}`.replace("/", "-");
  try {
    const handler = withTracing(
      async () => {
        const outcome = await fetch(`${refused}/status`).then(
          () => "answered",
          (error: Error) => error.name,
        );
        return new Response(outcome);
      },
      { endpoint: servers.collector.url, serviceName: service, metrics: false },
    );
    expect(await (await handler(new Request("http://app.test/"))).text()).toBe("TypeError");
    await flush();
  } finally {
    delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  }
  const spans = await servers.collector.waitForSpans((s) => s.some((x) => x.resource["service.name"] === service && x.kind === 3));
  const get = spans.find((x) => x.resource["service.name"] === service && x.kind === 3)!;
  expect(get.attributes["error.type"]).toBe("TypeError");
  expect(get.events.map((e) => [e.name, e.attributes["exception.type"]])).toEqual(spanEvents);
  const logs = servers.collector.logs().filter((l) => l.resource["service.name"] === service);
  expect(logs.map((l) => [l.eventName, l.attributes["exception.type"]])).toEqual(logRecords);
  for (const l of logs) expect([l.spanId, l.severityText, typeof l.attributes["exception.message"]]).toEqual([get.spanId, "WARN", "string"]);
});
