/**
 * An agent flow in workerd (test/workers/agents.ts): invokeAgent → LLM call answering with two
 * get_weather tool calls (test/fixtures/openai/chat-nonstream-tool-calls.json) → one executeTool
 * per call → second LLM call, exported as one trace with the right parentage, the model's tool
 * call ids on the tool spans, tool content only when capture is on, errors recorded. Without
 * AsyncLocalStorage (an older compatibility date) only the synchronous start of the agent sees its span.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { fixtureText, type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";
import type { RunAgent } from "../workers/agents.js";

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const TOOL_FIXTURE = "openai/chat-nonstream-tool-calls.json";
const TEXT_FIXTURE = "openai/chat-nonstream.json";
/** The fixture's two tool calls, in the order the model made them. */
const CALL_IDS = ["call_PXP2udMH0QECumyxuh4lpn3y", "call_TKk9c7b7gvDqCQzv80Loc7fT"];

let collector: Collector;
let replay: Replay;
const workers: Record<string, StartedWorker> = {};

beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
  // Compatibility date 2026-11-01 (the default) gives workerd `process.getBuiltinModule`, so AsyncLocalStorage; 2026-07-01 does not.
  const start = (name: string, compatibilityDate: string, env: Record<string, string> = {}) =>
    startWorker({
      entry: "test/workers/agents.ts",
      compatibilityDate,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: `agents-e2e-${name}`, ...env },
    }).then((w) => {
      workers[name] = w;
    });
  await Promise.all([
    start("als", "2026-11-01"),
    start("capture", "2026-11-01", { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "SPAN_ONLY" }),
    start("no-als", "2026-07-01"),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(workers).map((w) => w.close()));
  await collector?.close();
  await replay?.close();
});

interface Flow {
  status: number;
  json: any;
  spans: DecodedSpan[];
  server: DecodedSpan;
  agent: DecodedSpan;
  chats: DecodedSpan[];
  tools: DecodedSpan[];
}

/** One agent run through `worker` under a fresh trace; resolves when its trace has been exported. */
async function runAgent(worker: string, options: Partial<RunAgent> = {}): Promise<Flow> {
  const traceId = randomBytes(16).toString("hex");
  const run: RunAgent = { first: replay.baseFor(TOOL_FIXTURE, { gapMs: 0 }), second: replay.baseFor(TEXT_FIXTURE, { gapMs: 0 }), ...options };
  const response = await workers[worker]!.fetch("/run", {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    body: JSON.stringify(run),
  });
  const json = await response.json();
  const all = await collector.waitForSpans((spans) => spans.some((s) => s.traceId === traceId && s.kind === SERVER), 15_000);
  const spans = all.filter((s) => s.traceId === traceId);
  const byName = (name: string) => spans.filter((s) => s.name === name).sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
  const [agent, ...moreAgents] = byName("invoke_agent weather-agent");
  expect(moreAgents).toHaveLength(0);
  return {
    status: response.status,
    json,
    spans,
    server: spans.find((s) => s.kind === SERVER)!,
    agent: agent!,
    chats: byName("chat gpt-4o-mini"),
    tools: byName("execute_tool get_weather"),
  };
}

const TOOL_ATTRIBUTES = {
  "gen_ai.operation.name": "execute_tool",
  "gen_ai.tool.name": "get_weather",
  "gen_ai.tool.type": "function",
  "gen_ai.tool.description": "Current weather",
};

describe("agent flow in workerd", () => {
  it("one trace: SERVER → invoke_agent → chat (tool calls) → two execute_tool → chat, in order", async () => {
    const f = await runAgent("als", { giveIds: true });
    expect(f.status).toBe(200);
    // The app got the second call's answer from the fixture, unchanged through the traced fetch.
    expect(f.json.answer).toBe(JSON.parse(fixtureText(TEXT_FIXTURE)).choices[0].message.content);
    expect(f.spans).toHaveLength(6);
    expect(f.agent.kind).toBe(INTERNAL);
    expect(f.agent.parentSpanId).toBe(f.server.spanId);
    expect(f.agent.attributes).toEqual({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "weather-agent",
      "gen_ai.agent.id": "asst_e2e",
      "gen_ai.agent.description": "Answers weather questions",
      "gen_ai.provider.name": "openai",
    });
    expect(f.agent.status.code).toBe(0);

    expect(f.chats).toHaveLength(2);
    for (const chat of f.chats) {
      expect(chat.kind).toBe(CLIENT);
      expect(chat.parentSpanId).toBe(f.agent.spanId);
      expect(chat.attributes["gen_ai.provider.name"]).toBe("openai");
    }
    expect(f.chats.map((c) => c.attributes["gen_ai.response.finish_reasons"])).toEqual([["tool_calls"], ["stop"]]);
    expect(f.chats[0]!.attributes["gen_ai.response.id"]).toBe("chatcmpl-BuC0QNgPhzfHw7tSwGnvSOIL636JK");

    expect(f.tools.map((t) => [t.kind, t.parentSpanId, t.attributes])).toEqual(
      CALL_IDS.map((id) => [INTERNAL, f.agent.spanId, { ...TOOL_ATTRIBUTES, "gen_ai.tool.call.id": id }]),
    );
    // Sequence: chat, tool, tool, chat, started inside the agent. A whole-body LLM span ends when
    // our read of its clone does, which may be after the app parsed it (and after the agent ended).
    const [c1, c2] = f.chats;
    const [t1, t2] = f.tools;
    expect(f.agent.startTimeUnixNano).toBeLessThanOrEqual(c1!.startTimeUnixNano);
    expect(c1!.startTimeUnixNano).toBeLessThanOrEqual(t1!.startTimeUnixNano);
    expect(t1!.endTimeUnixNano).toBeLessThanOrEqual(t2!.startTimeUnixNano);
    expect(t2!.endTimeUnixNano).toBeLessThanOrEqual(c2!.startTimeUnixNano);
    expect(c2!.startTimeUnixNano).toBeLessThanOrEqual(f.agent.endTimeUnixNano);
  });

  it("without a given id, each tool span carries the id of the model's tool call it answers, in order", async () => {
    const f = await runAgent("als");
    expect(f.tools.map((t) => t.attributes["gen_ai.tool.call.id"])).toEqual(CALL_IDS);
  });

  it("capture SPAN_ONLY: the tool's arguments and result as JSON on its span; off: none anywhere", async () => {
    const on = await runAgent("capture", { giveIds: true });
    expect(on.tools.map((t) => [t.attributes["gen_ai.tool.call.arguments"], t.attributes["gen_ai.tool.call.result"]])).toEqual([
      ['{"location":"New York City"}', '{"location":"New York City","temperature_c":22}'],
      ['{"location":"London"}', '{"location":"London","temperature_c":14}'],
    ]);
    const off = await runAgent("als", { giveIds: true });
    for (const s of off.spans) {
      expect(Object.keys(s.attributes).filter((k) => k.startsWith("gen_ai.tool.call.") && k !== "gen_ai.tool.call.id")).toEqual([]);
    }
    const exported = collector.requests.filter((r) => r.path.endsWith("/v1/traces") && r.text.includes(off.server.traceId));
    expect(exported.map((r) => r.text).join("\n")).not.toContain("temperature_c");
  });

  it("capture SPAN_ONLY without `arguments` or ids: each tool span records its model tool call's arguments; off: none", async () => {
    const on = await runAgent("capture", { omitArguments: true });
    expect(on.tools.map((t) => [t.attributes["gen_ai.tool.call.id"], t.attributes["gen_ai.tool.call.arguments"]])).toEqual([
      [CALL_IDS[0], '{"location":"New York City"}'],
      [CALL_IDS[1], '{"location":"London"}'],
    ]);
    const off = await runAgent("als", { omitArguments: true });
    expect(off.tools.map((t) => t.attributes["gen_ai.tool.call.id"])).toEqual(CALL_IDS);
    const exported = collector.requests.filter((r) => r.path.endsWith("/v1/traces") && r.text.includes(off.server.traceId));
    expect(exported.map((r) => r.text).join("\n")).not.toContain("New York City");
  });

  it("a tool that throws: ERROR with error.type on the tool and on the agent it fails, one exception event each", async () => {
    const f = await runAgent("als", { giveIds: true, failTool: true });
    expect(f.status).toBe(500);
    expect(f.json).toEqual({ error: "ToolError", message: "weather service down" });
    expect(f.tools).toHaveLength(1);
    expect(f.chats).toHaveLength(1);
    for (const s of [f.tools[0]!, f.agent]) {
      expect(s.status).toEqual({ code: ERROR, message: "weather service down" });
      expect(s.attributes["error.type"]).toBe("ToolError");
      expect(s.events.map((e) => [e.name, e.attributes["exception.type"], e.attributes["exception.message"]])).toEqual([
        ["exception", "ToolError", "weather service down"],
      ]);
    }
    expect(f.tools[0]!.parentSpanId).toBe(f.agent.spanId);
  });

  it("without AsyncLocalStorage: the call made before the agent's first await is its child; later ones attach to the SERVER span", async () => {
    const f = await runAgent("no-als", { giveIds: true });
    expect(f.status).toBe(200);
    expect(f.agent.parentSpanId).toBe(f.server.spanId);
    expect(f.chats.map((c) => c.parentSpanId)).toEqual([f.agent.spanId, f.server.spanId]);
    expect(f.tools.map((t) => [t.parentSpanId, t.attributes["gen_ai.tool.call.id"]])).toEqual(CALL_IDS.map((id) => [f.server.spanId, id]));
  });
});
