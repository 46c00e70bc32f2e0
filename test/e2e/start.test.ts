/**
 * `npm start` end to end: scripts/start.mjs runs worker-example/ under wrangler dev with the LLM
 * stand-in and the OTLP receiver. One request to the Worker makes five LLM calls; the receiver
 * must get the trace (SERVER span + the gen_ai spans with the recordings' exact token counts),
 * print it as a waterfall, serve it on /api/state, reject bad OTLP with a reason, and everything
 * must stop cleanly on Ctrl-C, and on SIGTERM, SIGHUP and SIGINT sent to npm's pid (process
 * managers, `docker stop`). Runs on free ports so it never collides with a running `npm start`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecodedSpan } from "../support/collector.js";
import { EXPECTED_CALLS, listening, newTraceparent, ROOT, type Stack, startStack } from "./stack.js";

const SERVER = 2;
let stack: Stack;

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

  it("one request to the example Worker makes five LLM calls, traced with the recordings' token counts", async () => {
    const parent = newTraceparent();
    traceId = parent.traceId;
    const response = await fetch(`${stack.workerUrl}/`, { headers: { traceparent: parent.header } });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(text).toContain(`5 LLM calls in trace ${traceId}`);
    expect(text).toContain("multiply({\"a\":6,\"b\":7}) = 42");
    expect(text).toContain("gpt-4o-mini-2024-07-18: South Atlantic Ocean.");

    spans = await stack.waitForTrace(traceId, (s) => s.filter((x) => x.attributes["gen_ai.provider.name"]).length >= 5 && s.some((x) => x.kind === SERVER));
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.name).toBe("GET");
    expect(server.parentSpanId).toBe(parent.spanId);
    expect(server.attributes).toMatchObject({ "url.path": "/", "http.response.status_code": 200 });
    expect(server.resource["service.name"]).toBe("otel-genai-edge-example");

    const llm = spans.filter((s) => s.attributes["gen_ai.provider.name"]);
    expect(llm).toHaveLength(5);
    for (const expected of EXPECTED_CALLS) {
      const span = llm.find(
        (s) =>
          s.attributes["gen_ai.response.model"] === expected.responseModel &&
          s.attributes["gen_ai.usage.input_tokens"] === expected.input &&
          s.attributes["gen_ai.usage.output_tokens"] === expected.output,
      );
      expect(span, `a span for ${JSON.stringify(expected)} among ${llm.map((s) => JSON.stringify(s.attributes)).join("\n")}`).toBeDefined();
      expect(span!.parentSpanId).toBe(server.spanId);
      expect(span!.name).toBe(`chat ${expected.requestModel}`);
      expect(span!.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": expected.provider,
        "gen_ai.request.model": expected.requestModel,
        "gen_ai.response.finish_reasons": expected.reasons,
      });
      if (expected.stream) {
        expect(span!.attributes["gen_ai.request.stream"]).toBe(true);
        // The stand-in sends its first event 200–400 ms after the request.
        const ttfc = span!.attributes["gen_ai.response.time_to_first_chunk"] as number;
        expect(ttfc).toBeGreaterThan(0.15);
        expect(ttfc).toBeLessThan(10);
      } else {
        expect(span!.attributes["gen_ai.response.time_to_first_chunk"]).toBeUndefined();
      }
    }
    const tool = spans.find((s) => s.name === "execute_tool multiply");
    expect(tool?.parentSpanId).toBe(server.spanId);
  }, 60_000);

  it("prints the trace as a waterfall in the terminal, with the GenAI facts beside each LLM span", async () => {
    const header = `trace ${traceId.slice(0, 12)}…`;
    const out = await stack.waitForOutput((o) => o.includes(header) && /Σ 5 LLM calls so far/.test(o), "the waterfall");
    const lines = out.slice(out.indexOf(header)).split("\n");
    expect(lines[0]).toContain("otel-genai-edge-example  GET /");
    expect(lines[0]).toMatch(/7 spans, 5 LLM/);
    // Root at depth 0, LLM spans indented under it, every row with a bar between │ … │.
    const rows = lines.slice(2, 9);
    expect(rows[0]).toMatch(/^GET \/\s+│█+│\s+[\d.]+ (ms|s)$/);
    const expectLine = (fragment: string, prefix: string) => {
      const line = rows.find((l) => l.includes(fragment));
      expect(line, `a row with "${fragment}" in:\n${rows.join("\n")}`).toBeDefined();
      expect(line!.startsWith(prefix)).toBe(true);
      expect(line).toMatch(/│[ ░█]+│/);
      return line!;
    };
    expectLine("anthropic claude-3-opus-20240229 · in 17 · out 137 tokens · end_turn", "  chat claude-haiku-4-5");
    expectLine("openai gpt-3.5-turbo-0125 · in 15 · out 20 tokens · stop", "  chat gpt-4o-mini");
    const stream = expectLine("openai gpt-4o-mini-2024-07-18 · in 22 · out 4 tokens · ttfc ", "  chat gpt-4o-mini");
    expect(stream).toMatch(/ttfc \d+ ms · \d+ chunks · stop$/);
    const claudeStream = expectLine("anthropic claude-3-opus-20240229 · in 17 · out 158 tokens · ttfc ", "  chat claude-haiku-4-5");
    expect(claudeStream).toContain("░"); // waiting for the first chunk, drawn before the streaming part
    expectLine("openai gpt-4o-mini-2024-07-18 · in 59 · out 17 tokens · ttfc", "  chat gpt-4o-mini");
    expectLine("execute_tool multiply", "  execute_tool multiply");
    expect(out).toMatch(/Σ 5 LLM calls so far · in 130 · out 336 tokens · duration p50 [\d.]+ (ms|s) p90/);
  }, 30_000);

  it("serves the same trace and the GenAI figures as JSON for the web page", async () => {
    const page = await fetch(`${stack.receiverUrl}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("/app.js");
    const state = (await (await fetch(`${stack.receiverUrl}/api/state`)).json()) as any;
    const view = state.traces.find((t: any) => t.traceId === traceId);
    expect(view.rows.map((r: any) => r.depth)).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(view.rows.filter((r: any) => r.llm).map((r: any) => r.genai.responseModel).sort()).toEqual(
      EXPECTED_CALLS.map((c) => c.responseModel).sort(),
    );
    expect(state.spanStats).toMatchObject({ calls: 5, inputTokens: 130, outputTokens: 336, errors: 0 });
    expect(state.spanStats.ttfcMs.count).toBe(3);
    // Metrics arrive in the same flush as the trace, and the receiver accepts and shows them.
    for (let i = 0; i < 50 && !stack.records().some((r) => r.path === "/v1/metrics"); i++) await new Promise((r) => setTimeout(r, 100));
    const metricRequests = stack.records().filter((r) => r.path === "/v1/metrics");
    expect(metricRequests.length).toBeGreaterThan(0);
    for (const r of metricRequests) expect(r.status, r.error).toBe(200);
    const after = (await (await fetch(`${stack.receiverUrl}/api/state`)).json()) as any;
    expect(after.metrics.metrics.map((m: any) => m.name)).toContain("gen_ai.client.token.usage");
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

    expect((await fetch(`${stack.receiverUrl}/healthz`)).status).toBe(200);
    await stack.waitForOutput((o) => o.includes("[receiver] 400 POST /v1/metrics"), "the rejection to be logged", 5_000);
    // The JSONL records are appended asynchronously: wait for all four.
    let rejected = stack.records().filter((r) => r.status >= 400);
    for (let i = 0; i < 50 && rejected.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rejected = stack.records().filter((r) => r.status >= 400);
    }
    expect(rejected.map((r) => r.status)).toEqual([400, 400, 400, 415]);
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
