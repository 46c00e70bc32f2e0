/**
 * `npm start` end to end: scripts/start.mjs runs worker-example/ under wrangler dev with the LLM
 * stand-in and the OTLP receiver. One request to the Worker runs an agent that makes seven LLM
 * calls (one cut at its max_tokens, one rate limited once and resent by the SDK) and one tool, with
 * content capture on (the demo's config); the receiver must get the trace (SERVER span, the
 * invoke_agent span, the gen_ai spans with the recordings' exact token counts, the example's
 * prices and the exact prompts and answers, the tool span with its call), the log records (one
 * operation-details event per call, the evaluation recorded after the response), print it as a
 * waterfall with the cost, finish-reason, retry and error views, serve it all on /api/state with
 * the content and evaluation on the right span, reject bad OTLP with a reason, and everything
 * must stop cleanly on Ctrl-C, and on SIGTERM, SIGHUP and SIGINT sent to npm's pid (process
 * managers, `docker stop`). Runs on free ports so it never collides with a running `npm start`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DecodedLogRecord, type DecodedSpan, decodeLogs } from "../support/collector.js";
import { EXPECTED_CALLS, expectedCostByModel, listening, newTraceparent, ROOT, type Stack, startStack } from "./stack.js";

const SERVER = 2;
const INTERNAL = 1;
let stack: Stack;

/** What the demo asks and what the stand-in's recordings answer (worker-example/index.ts, test/fixtures). */
const JOKE = "Tell me a joke about OpenTelemetry.";
const SYSTEM = "You are a friendly assistant who explains observability with humour.";
const OCEAN = "Answer in up to 3 words: Which ocean contains Bouvet Island?";
const OCEAN_ANSWER = "South Atlantic Ocean.";
const OCEAN_RESPONSE_ID = "chatcmpl-BuDrRRWybY6JHzabaUyR2OtaEGp79";
const SUM = "What is 6 times 7? Use the multiply tool.";
const TOOL_CALL_ID = "call_6KQlxELWhphiY7wr0DV9WW5S";
const user = (text: string) => [{ role: "user", parts: [{ type: "text", content: text }] }];
const EVALUATION = {
  "gen_ai.evaluation.name": "correctness",
  "gen_ai.evaluation.score.value": 1,
  "gen_ai.evaluation.score.label": "pass",
  "gen_ai.evaluation.explanation": "Bouvet Island lies in the South Atlantic Ocean.",
  "gen_ai.response.id": OCEAN_RESPONSE_ID,
};

/** The views of the example's calls (dev/receiver/views.mjs), from its spans or its metrics. */
function expectViews(v: any, requests: number) {
  expect(v.cost.totalUsd).toBeCloseTo(EXPECTED_CALLS.reduce((sum, c) => sum + c.usd, 0), 12);
  const priced = v.cost.byModel.filter((m: any) => m.usd > 0);
  expect(priced.map((m: any) => m.model)).toEqual(expectedCostByModel().map(([model]) => model));
  for (const [i, [, usd]] of expectedCostByModel().entries()) expect(priced[i].usd).toBeCloseTo(usd, 12);
  expect(v.finishReasons).toMatchObject({ total: 7, truncated: 1, warning: true });
  expect(v.finishReasons.truncatedShare).toBeCloseTo(1 / 7, 12);
  expect(v.finishReasons.byReason.map((r: any) => [r.reason, r.count, r.truncation])).toEqual([
    ["stop", 3, false],
    ["end_turn", 2, false],
    ["max_tokens", 1, true],
    ["tool_calls", 1, false],
  ]);
  expect(v.retries).toMatchObject({ resends: 1, rate: 1 / requests, byModel: [{ model: "gpt-3.5-turbo-0125", resends: 1 }] });
  expect(v.errors).toMatchObject({ failed: 1, rate: 1 / requests });
  expect(v.errors.byType).toMatchObject([{ type: "rate_limit_exceeded", count: 1 }]);
}

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  if (stack && stack.child.exitCode === null) await stack.stop();
});

describe("npm start", () => {
  it("prints where to send requests and what runs where", () => {
    const out = stack.output();
    expect(out).toContain(`curl ${stack.workerUrl}/`);
    expect(out).toContain(`OpenAI: local stand-in http://127.0.0.1:${stack.ports.standin}/v1`);
    expect(out).toContain(`OTLP receiver ${stack.receiverUrl}; waterfalls print below and at ${stack.receiverUrl}/`);
    expect(out).toContain(stack.file);
  });

  let traceId = "";
  let spans: DecodedSpan[] = [];

  it("one request to the example Worker makes seven LLM calls, traced with the recordings' token counts and the example's prices", async () => {
    const parent = newTraceparent();
    traceId = parent.traceId;
    const response = await fetch(`${stack.workerUrl}/`, { headers: { traceparent: parent.header } });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(text).toContain(`7 LLM calls in trace ${traceId}`);
    expect(text).toContain("multiply({\"a\":6,\"b\":7}) = 42");
    expect(text).toContain("gpt-4o-mini-2024-07-18: South Atlantic Ocean.");
    expect(text).toContain("claude-3-opus-20240229 (max_tokens): Sure! Here's a joke about OpenTelemetry:");

    const isLlm = (s: DecodedSpan) => s.attributes["gen_ai.provider.name"] !== undefined;
    spans = await stack.waitForTrace(traceId, (s) => s.filter(isLlm).length >= 8 && s.some((x) => x.kind === SERVER));
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.name).toBe("GET");
    expect(server.parentSpanId).toBe(parent.spanId);
    expect(server.attributes).toMatchObject({ "url.path": "/", "http.response.status_code": 200 });
    expect(server.resource["service.name"]).toBe("otel-genai-edge-example");

    const agent = spans.find((s) => s.name === "invoke_agent example-agent")!;
    expect(agent.kind).toBe(INTERNAL);
    expect(agent.parentSpanId).toBe(server.spanId);
    expect(agent.attributes).toEqual({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "example-agent",
      "gen_ai.agent.description": "Answers the example's seven questions",
    });
    const llm = spans.filter(isLlm);
    expect(llm).toHaveLength(8); // seven calls, one of them sent twice
    for (const s of llm) expect(s.parentSpanId).toBe(agent.spanId);
    const failures = llm.filter((s) => s.attributes["error.type"] !== undefined);
    expect(failures).toHaveLength(1);
    const [failed] = failures;
    expect(failed.name).toBe("chat gpt-4o-mini");
    expect(failed.attributes).toMatchObject({ "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini", "error.type": "rate_limit_exceeded", "http.response.status_code": 429 });
    expect(failed.status.code).toBe(2);
    for (const key of ["gen_ai.usage.input_tokens", "gen_ai.response.finish_reasons", "otel_genai_edge.usage.cost_usd", "http.request.resend_count"]) {
      expect(failed.attributes[key], key).toBeUndefined();
    }
    const unmatched = llm.filter((s) => s !== failed);
    for (const expected of EXPECTED_CALLS) {
      const resend = "resend" in expected ? expected.resend : undefined;
      const i = unmatched.findIndex(
        (s) =>
          s.attributes["gen_ai.response.model"] === expected.responseModel &&
          s.attributes["gen_ai.usage.input_tokens"] === expected.input &&
          s.attributes["gen_ai.usage.output_tokens"] === expected.output &&
          s.attributes["http.request.resend_count"] === resend,
      );
      expect(i, `a span for ${JSON.stringify(expected)} among ${unmatched.map((s) => JSON.stringify(s.attributes)).join("\n")}`).toBeGreaterThanOrEqual(0);
      const [span] = unmatched.splice(i, 1);
      expect(span.name).toBe(`chat ${expected.requestModel}`);
      expect(span.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": expected.provider,
        "gen_ai.request.model": expected.requestModel,
        "gen_ai.response.finish_reasons": expected.reasons,
      });
      expect(span.attributes["error.type"]).toBeUndefined();
      expect(span.attributes["otel_genai_edge.usage.cost_usd"]).toBeCloseTo(expected.usd, 12);
      if ("maxTokens" in expected) expect(span.attributes["gen_ai.request.max_tokens"]).toBe(expected.maxTokens);
      if (expected.stream) {
        expect(span.attributes["gen_ai.request.stream"]).toBe(true);
        // The stand-in sends its first event 200–400 ms after the request.
        const ttfc = span.attributes["gen_ai.response.time_to_first_chunk"] as number;
        expect(ttfc).toBeGreaterThan(0.15);
        expect(ttfc).toBeLessThan(10);
      } else {
        expect(span.attributes["gen_ai.response.time_to_first_chunk"]).toBeUndefined();
      }
    }
    expect(unmatched).toEqual([]);
    const tool = spans.find((s) => s.name === "execute_tool multiply")!;
    expect(tool.parentSpanId).toBe(agent.spanId);
    expect(tool.kind).toBe(INTERNAL);
    expect(tool.attributes).toEqual({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "multiply",
      "gen_ai.tool.type": "function",
      "gen_ai.tool.call.id": TOOL_CALL_ID,
      "gen_ai.tool.call.arguments": '{"a":6,"b":7}',
      "gen_ai.tool.call.result": "42",
    });
    expect(spans).toHaveLength(11);
  }, 60_000);

  it("records the demo's prompts and answers on the spans (content capture on for the demo), one details event per call and the evaluation on /v1/logs", () => {
    const content = (s: DecodedSpan) => {
      const out: Record<string, unknown> = {};
      for (const key of ["gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.definitions"]) {
        if (s.attributes[key] !== undefined) out[key] = JSON.parse(s.attributes[key] as string);
      }
      return out;
    };
    const llm = spans.filter((s) => s.attributes["gen_ai.provider.name"] !== undefined);
    const ocean = llm.find((s) => s.attributes["gen_ai.response.id"] === OCEAN_RESPONSE_ID)!;
    expect(content(ocean)).toEqual({
      "gen_ai.input.messages": user(OCEAN),
      "gen_ai.output.messages": [{ role: "assistant", parts: [{ type: "text", content: OCEAN_ANSWER }], finish_reason: "stop" }],
    });
    const toolCall = llm.find((s) => (s.attributes["gen_ai.response.finish_reasons"] as string[])[0] === "tool_calls")!;
    expect(content(toolCall)).toEqual({
      "gen_ai.input.messages": user(SUM),
      "gen_ai.output.messages": [{ role: "assistant", parts: [{ type: "tool_call", id: TOOL_CALL_ID, name: "multiply", arguments: { a: 6, b: 7 } }], finish_reason: "tool_calls" }],
      "gen_ai.tool.definitions": [
        {
          type: "function",
          name: "multiply",
          description: "Multiply two numbers.",
          parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
        },
      ],
    });
    const withSystem = llm.filter((s) => s.attributes["gen_ai.system_instructions"] !== undefined);
    expect(withSystem).toHaveLength(1);
    expect(withSystem[0].attributes["gen_ai.request.max_tokens"]).toBe(300);
    expect(content(withSystem[0])["gen_ai.system_instructions"]).toEqual([{ type: "text", content: SYSTEM }]);
    const cut = llm.find((s) => s.attributes["gen_ai.request.max_tokens"] === 24)!;
    expect(content(cut)["gen_ai.output.messages"]).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "Sure! Here's a joke about OpenTelemetry:\n\nWhy did the developer choose OpenTelemetry for their" }], finish_reason: "max_tokens" },
    ]);
    // The 429: what was asked, no answer.
    const failed = llm.find((s) => s.attributes["error.type"] !== undefined)!;
    expect(content(failed)).toEqual({ "gen_ai.input.messages": user(JOKE) });
  });

  let logs: DecodedLogRecord[] = [];
  it("exports one operation-details log record per LLM call and the evaluation on the graded call's span", async () => {
    const ofTrace = () =>
      stack
        .records()
        .filter((r) => r.path === "/v1/logs" && r.status === 200)
        .flatMap((r) => decodeLogs(r.body))
        .filter((r) => r.traceId === traceId);
    for (let i = 0; i < 100 && ofTrace().length < 10; i++) await new Promise((r) => setTimeout(r, 100));
    logs = ofTrace();
    expect(logs).toHaveLength(10);
    const llm = spans.filter((s) => s.attributes["gen_ai.provider.name"] !== undefined);
    const details = logs.filter((r) => r.eventName === "gen_ai.client.inference.operation.details");
    expect(details.map((r) => r.spanId).sort()).toEqual(llm.map((s) => s.spanId).sort());
    for (const r of details) {
      const span = llm.find((s) => s.spanId === r.spanId)!;
      expect(r.severityText).toBe("DEBUG");
      expect(r.attributes["gen_ai.input.messages"]).toEqual(JSON.parse(span.attributes["gen_ai.input.messages"] as string));
      if (span.attributes["gen_ai.output.messages"] !== undefined) {
        expect(r.attributes["gen_ai.output.messages"]).toEqual(JSON.parse(span.attributes["gen_ai.output.messages"] as string));
      }
    }
    // The rate-limited attempt's exception record (GenAI events go to logs here), on its span, WARN.
    const failed = llm.filter((s) => s.attributes["error.type"] !== undefined);
    const exceptions = logs.filter((r) => r.eventName === "gen_ai.client.operation.exception");
    expect(exceptions.map((r) => [r.spanId, r.severityText, r.attributes["exception.type"]])).toEqual(failed.map((s) => [s.spanId, "WARN", s.attributes["error.type"]]));
    const [evaluation, ...more] = logs.filter((r) => r.eventName === "gen_ai.evaluation.result");
    expect(more).toEqual([]);
    expect(evaluation.spanId).toBe(llm.find((s) => s.attributes["gen_ai.response.id"] === OCEAN_RESPONSE_ID)!.spanId);
    expect(evaluation.attributes).toEqual(EVALUATION);
  }, 30_000);

  it("prints the trace as a waterfall in the terminal, with the GenAI facts beside each LLM span and the views below", async () => {
    const header = `trace ${traceId.slice(0, 12)}…`;
    const out = await stack.waitForOutput((o) => o.includes(header) && /errors {3}1 of 8/.test(o.slice(o.indexOf(header))), "the waterfall");
    const lines = out.slice(out.indexOf(header)).split("\n");
    expect(lines[0]).toContain("otel-genai-edge-example  GET /");
    expect(lines[0]).toMatch(/11 spans, 8 LLM/);
    // Root at depth 0, the agent under it, LLM spans under the agent, every row with a bar between │ … │.
    const rows = lines.slice(2, 13);
    expect(rows[0]).toMatch(/^GET \/\s+│█+│\s+[\d.]+ (ms|s)$/);
    const expectLine = (fragment: string, prefix: string) => {
      const line = rows.find((l) => l.includes(fragment));
      expect(line, `a row with "${fragment}" in:\n${rows.join("\n")}`).toBeDefined();
      expect(line!.startsWith(prefix)).toBe(true);
      expect(line).toMatch(/│[ ░█]+│/);
      return line!;
    };
    expectLine("anthropic claude-3-opus-20240229 · in 17 · out 137 tokens · $0.0105 · end_turn", "    chat claude-haiku-4-5");
    expectLine("openai gpt-3.5-turbo-0125 · in 15 · out 20 tokens · $0.0000375 · stop", "    chat gpt-4o-mini");
    expectLine("openai gpt-3.5-turbo-0125 · in 15 · out 20 tokens · $0.0000375 · stop · retry 1", "    chat gpt-4o-mini");
    const stream = expectLine("openai gpt-4o-mini-2024-07-18 · in 22 · out 4 tokens · $0.0000057 · ttfc ", "    chat gpt-4o-mini");
    expect(stream).toMatch(/ttfc \d+ ms · \d+ chunks · stop$/);
    const claudeStream = expectLine("anthropic claude-3-opus-20240229 · in 17 · out 158 tokens · $0.0121 · ttfc ", "    chat claude-haiku-4-5");
    expect(claudeStream).toContain("░"); // waiting for the first chunk, drawn before the streaming part
    expectLine("openai gpt-4o-mini-2024-07-18 · in 59 · out 17 tokens · $0.000019 · ttfc", "    chat gpt-4o-mini");
    expectLine("anthropic claude-3-opus-20240229 · in 17 · out 24 tokens · $0.00205 · max_tokens", "    chat claude-haiku-4-5");
    expectLine("openai gpt-4o-mini · no usage reported · error rate_limit_exceeded", "    chat gpt-4o-mini");
    expectLine("execute_tool multiply", "    execute_tool multiply");
    expectLine("invoke_agent example-agent", "  invoke_agent example-agent");
    const totals = lines.slice(lines.findIndex((l) => l.startsWith("Σ ")));
    expect(totals[0]).toMatch(/^Σ 8 LLM calls so far · in 162 · out 380 tokens · duration p50 [\d.]+ (ms|s) p90 .* · 1 failed/);
    expect(totals.slice(1, 6)).toEqual([
      "  cost     $0.0248: claude-3-opus-20240229 $0.0247 · gpt-3.5-turbo-0125 $0.000075 · gpt-4o-mini-2024-07-18 $0.0000247",
      "  finish   stop 3 (42.9 %) · end_turn 2 (28.6 %) · max_tokens 1 (14.3 %) · tool_calls 1 (14.3 %)",
      "  ⚠ 1 of 7 answers truncated (14.3 %, finish reason length/max_tokens): over 5 %",
      "  retries  1 of 8 requests (12.5 %): gpt-3.5-turbo-0125 1",
      "  errors   1 of 8 requests (12.5 %): rate_limit_exceeded ×1",
    ]);
    // The log records, and the evaluation with the span it is about.
    const ocean = spans.find((s) => s.attributes["gen_ai.response.id"] === OCEAN_RESPONSE_ID)!;
    const logged = await stack.waitForOutput((o) => o.includes("evaluation correctness"), "the evaluation to be printed", 10_000);
    expect(logged).toContain("[receiver] /v1/logs: 10 log records (gen_ai.client.inference.operation.details ×8, gen_ai.evaluation.result ×1, gen_ai.client.operation.exception ×1)");
    expect(logged).toContain(`evaluation correctness 1 (pass): Bouvet Island lies in the South Atlantic Ocean.  (span ${ocean.spanId})`);
  }, 30_000);

  it("serves the same trace, the GenAI figures and the views (from spans and metrics) as JSON for the web page", async () => {
    const page = await fetch(`${stack.receiverUrl}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("/app.js");
    for (const script of ["/app.js", "/views.js", "/format.js", "/content.js"]) {
      const js = await fetch(`${stack.receiverUrl}${script}`);
      expect(js.headers.get("content-type"), script).toContain("text/javascript");
    }
    const state = (await (await fetch(`${stack.receiverUrl}/api/state`)).json()) as any;
    const view = state.traces.find((t: any) => t.traceId === traceId);
    expect(view.rows.map((r: any) => r.depth)).toEqual([0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // Each row carries its captured content, a tool row its call, the graded row its evaluation.
    const ocean = view.rows.find((r: any) => r.attributes["gen_ai.response.id"] === OCEAN_RESPONSE_ID);
    expect(ocean.content).toEqual({
      inputMessages: user(OCEAN),
      outputMessages: [{ role: "assistant", parts: [{ type: "text", content: OCEAN_ANSWER }], finish_reason: "stop" }],
      from: "span",
    });
    expect(ocean.evaluations).toEqual([
      { name: "correctness", scoreValue: 1, scoreLabel: "pass", explanation: "Bouvet Island lies in the South Atlantic Ocean.", responseId: OCEAN_RESPONSE_ID },
    ]);
    expect(view.rows.filter((r: any) => r.evaluations).map((r: any) => r.spanId)).toEqual([ocean.spanId]);
    expect(view.rows.find((r: any) => r.name === "execute_tool multiply").tool).toEqual({ callId: TOOL_CALL_ID, arguments: { a: 6, b: 7 }, result: 42 });
    expect(view.rows.find((r: any) => r.attributes["gen_ai.system_instructions"]).content.systemInstructions).toEqual([{ type: "text", content: SYSTEM }]);
    expect(state.counts).toMatchObject({ logRequests: 1, logRecords: 10 });
    expect(view.rows.filter((r: any) => r.llm && !r.errorType).map((r: any) => r.genai.responseModel).sort()).toEqual(
      EXPECTED_CALLS.map((c) => c.responseModel).sort(),
    );
    expect(state.spanStats).toMatchObject({ calls: 8, inputTokens: 162, outputTokens: 380, errors: 1 });
    expect(state.spanStats.ttfcMs.count).toBe(3);
    expectViews(state.views.spans, 8);
    // Metrics arrive in the same flush as the trace, and the receiver accepts and shows them.
    for (let i = 0; i < 50 && !stack.records().some((r) => r.path === "/v1/metrics"); i++) await new Promise((r) => setTimeout(r, 100));
    const metricRequests = stack.records().filter((r) => r.path === "/v1/metrics");
    expect(metricRequests.length).toBeGreaterThan(0);
    for (const r of metricRequests) expect(r.status, r.error).toBe(200);
    const after = (await (await fetch(`${stack.receiverUrl}/api/state`)).json()) as any;
    expect(after.metrics.metrics.map((m: any) => m.name)).toEqual(
      expect.arrayContaining(["gen_ai.client.token.usage", "otel_genai_edge.client.cost", "otel_genai_edge.client.finish_reasons", "otel_genai_edge.client.retries"]),
    );
    expectViews(after.views.metrics, 8);
    expect(after.views.metrics.calls).toBe(8);
  });

  it("answers bad OTLP with 400 and a reason, records it, and keeps running", async () => {
    const post = (body: string, type = "application/json") =>
      fetch(`${stack.receiverUrl}/v1/traces`, { method: "POST", headers: { "content-type": type }, body });
    const notJson = await post("{oops");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).message).toMatch(/not valid JSON/);
    const badId = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz", spanId: "0102030405060708" }] }] }] }));
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as any).message).toBe('invalid OTLP traces: resourceSpans[0].scopeSpans[0].spans[0].traceId: must be 32 hex characters, got "xyz"');
    const badMetrics = await fetch(`${stack.receiverUrl}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" });
    expect(badMetrics.status).toBe(400);
    const protobuf = await post("\x0a\x00", "application/x-protobuf");
    expect(protobuf.status).toBe(415);
    expect(((await protobuf.json()) as any).message).toMatch(/JSON only/);
    const badLogs = await fetch(`${stack.receiverUrl}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: "xyz" }] }] }] }),
    });
    expect(badLogs.status).toBe(400);
    expect(((await badLogs.json()) as any).message).toBe('invalid OTLP logs: resourceLogs[0].scopeLogs[0].logRecords[0].traceId: must be 32 hex characters, got "xyz"');

    expect((await fetch(`${stack.receiverUrl}/healthz`)).status).toBe(200);
    await stack.waitForOutput((o) => o.includes("[receiver] 400 POST /v1/logs"), "the rejection to be logged", 5_000);
    // The JSONL records are appended asynchronously: wait for all five.
    let rejected = stack.records().filter((r) => r.status >= 400);
    for (let i = 0; i < 50 && rejected.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rejected = stack.records().filter((r) => r.status >= 400);
    }
    expect(rejected.map((r) => r.status)).toEqual([400, 400, 400, 415, 400]);
    expect(rejected[1].error).toContain("traceId: must be 32 hex characters");
  });

  it("says clearly when a port is taken", async () => {
    const receiverTaken = await startStack({ waitReady: false, ports: { receiver: stack.ports.receiver } });
    expect((await receiverTaken.exited).code).toBe(1);
    await receiverTaken.stop();
    expect(receiverTaken.output()).toContain(`Port ${stack.ports.receiver} (the OTLP receiver) is already in use on 127.0.0.1`);
    expect(receiverTaken.output()).toContain("OTEL_GENAI_EDGE_RECEIVER_PORT=<port> npm start");

    const workerTaken = await startStack({ waitReady: false, ports: { worker: stack.ports.worker } });
    expect((await workerTaken.exited).code).toBe(1);
    await workerTaken.stop();
    expect(workerTaken.output()).toContain(`Port ${stack.ports.worker} (the example Worker, wrangler dev) is already in use on 127.0.0.1`);
  }, 60_000);

  it("stops everything on Ctrl-C (SIGINT): exit code 0, every port released", async () => {
    const { code, ms } = await stack.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(15_000);
    expect(stack.output()).toContain("Stopped: wrangler, LLM stand-in and OTLP receiver are down.");
    await expectReleased(stack.ports);
  }, 40_000);
});

/** Every port free, allowing a moment for processes killed last (workerd) to be reaped. */
async function expectReleased(ports: Record<string, number>) {
  for (const [name, port] of Object.entries(ports)) {
    let taken = await listening(port);
    for (let i = 0; i < 30 && taken; i++) {
      await new Promise((r) => setTimeout(r, 100));
      taken = await listening(port);
    }
    expect(taken, `port ${port} (${name}) still in use`).toBe(false);
  }
}

describe("npm start stopped by a signal to npm's pid", () => {
  // npm forwards SIGINT and SIGTERM to its child. When that child is a `sh -c` running start.mjs,
  // the shell ignores SIGINT while it waits and dies of SIGTERM (start.mjs then notices it was
  // re-parented); npm dies of SIGHUP without forwarding it (start.mjs notices npm is gone). SIGINT
  // reaches start.mjs only when the script runs it with `exec` (no shell in between).
  const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
    const reachable = signal !== "SIGINT" || script.startsWith("exec ");
    (reachable ? it : it.fails)(`${signal}: everything stops and every port is released`, async () => {
      const npm = await startStack({ npm: true });
      const started = Date.now();
      npm.child.kill(signal);
      const stopped = await Promise.race([npm.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 15_000))]);
      if (!stopped) {
        npm.child.kill("SIGTERM"); // clean up what the signal left running
        await npm.exited;
      }
      expect(stopped, `npm start still running 15 s after ${signal}:\n${npm.output()}`).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(npm.output()).toContain("Stopped: wrangler, LLM stand-in and OTLP receiver are down.");
      await expectReleased(npm.ports);
    }, 150_000);
  }
});
