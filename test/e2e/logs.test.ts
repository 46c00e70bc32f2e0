/**
 * Logs end to end in workerd (test/workers/logs.ts): an evaluation recorded in `ctx.waitUntil`
 * after the response arrives at the real collector's `/v1/logs` as a `gen_ai.evaluation.result`
 * record on the evaluated call's span (OpenAI SDK against the replay server), or on the SERVER
 * span when its response id is not one of the invocation's calls; `identify`'s attributes are on
 * the SERVER span and the GenAI span, and a throwing `identify` leaves the app unaffected; at
 * most one logs request per invocation, and none without records.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedLogRecord, type DecodedSpan, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

const SERVER = 2;
const CLIENT = 3;
const FIXTURE = "openai/chat-nonstream.json";
const RESPONSE_ID = "chatcmpl-C4TUZMARo4XM8eqL685o7Un8pCHDX";

let collector: Collector;
let replay: Replay;
let worker: StartedWorker;
/** The same Worker with content capture on events only. */
let events: StartedWorker;
/** The same Worker with only OTEL_EXPORTER_OTLP_LOGS_ENDPOINT set: no traces, no metrics. */
let logsOnly: StartedWorker;

beforeAll(async () => {
  [collector, replay] = await Promise.all([startCollector(), startReplay()]);
  const env = { API_KEY: "sk-logs-e2e", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "logs-e2e" };
  [worker, events, logsOnly] = await Promise.all([
    startWorker({ entry: "test/workers/logs.ts", compatibilityFlags: ["nodejs_compat"], env }),
    startWorker({ entry: "test/workers/logs.ts", compatibilityFlags: ["nodejs_compat"], env: { ...env, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "event_only" } }),
    startWorker({
      entry: "test/workers/logs.ts",
      compatibilityFlags: ["nodejs_compat"],
      env: { API_KEY: "sk-logs-e2e", OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.url}/v1/logs`, OTEL_SERVICE_NAME: "logs-only" },
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([worker?.close(), events?.close(), logsOnly?.close()]);
  await Promise.all([collector?.close(), replay?.close()]);
});

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

interface Run {
  traceId: string;
  status: number;
  body: string;
  server: DecodedSpan;
  genai?: DecodedSpan;
}

/** One request under a fresh trace id; resolves once its trace has been exported. */
async function run(path: string, init: { body?: unknown; headers?: Record<string, string> } = {}, target = worker): Promise<Run> {
  const traceId = hex(16);
  const response = await target.fetch(path, {
    method: init.body ? "POST" : "GET",
    headers: { traceparent: `00-${traceId}-${hex(8)}-01`, "content-type": "application/json", ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const body = await response.text();
  const spans = (await collector.waitForSpans((all) => all.some((s) => s.traceId === traceId && s.kind === SERVER), 10_000)).filter((s) => s.traceId === traceId);
  return {
    traceId,
    status: response.status,
    body,
    server: spans.find((s) => s.kind === SERVER)!,
    genai: spans.find((s) => s.kind === CLIENT && "gen_ai.operation.name" in s.attributes),
  };
}

const logRequests = (traceId?: string) => collector.requests.filter((r) => r.path === "/v1/logs" && (!traceId || r.text.includes(traceId)));

/** The trace's log records, once `count` have arrived. */
async function logsOf(traceId: string, count = 1): Promise<DecodedLogRecord[]> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    const records = collector.logs().filter((l) => l.traceId === traceId);
    if (records.length >= count) return records;
  }
  throw new Error(`no ${count} log records for trace ${traceId}; logs requests: ${logRequests().length}`);
}

const chat = (evaluate: string) => ({ body: { base: replay.baseFor(FIXTURE), evaluate } });
const stats = async () => (await (await worker.fetch("/stats")).json()) as { instrumentationErrors: number };

describe("logs in workerd", () => {
  it("an evaluation recorded in waitUntil after the response is exported on the evaluated call's span; identity on SERVER and GenAI spans", async () => {
    const r = await run("/chat", { ...chat("match"), headers: { "x-user": "user-7", "x-conversation": "conv-42", "x-tier": "2" } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ id: RESPONSE_ID });
    const identity = { "user.id": "user-7", "gen_ai.conversation.id": "conv-42", "app.tier": 2 };
    expect(r.server.attributes).toMatchObject(identity);
    expect(r.genai, "the GenAI span").toBeDefined();
    expect(r.genai!.attributes).toMatchObject({ ...identity, "gen_ai.operation.name": "chat", "gen_ai.response.id": RESPONSE_ID });

    const [record] = await logsOf(r.traceId);
    expect(record.eventName).toBe("gen_ai.evaluation.result");
    expect(record.severityNumber).toBe(9);
    expect(record.severityText).toBe("INFO");
    expect(record.traceId).toBe(r.traceId);
    expect(record.spanId).toBe(r.genai!.spanId);
    expect(record.flags).toBe(1);
    expect(record.attributes).toEqual({
      "gen_ai.evaluation.name": "relevance",
      "gen_ai.evaluation.score.value": 1,
      "gen_ai.evaluation.score.label": "relevant",
      "gen_ai.evaluation.explanation": "answers the question",
      "gen_ai.response.id": RESPONSE_ID,
    });
    // A double even when whole, and no body on an event.
    expect(JSON.stringify(record.raw.attributes)).toContain('{"key":"gen_ai.evaluation.score.value","value":{"doubleValue":1}}');
    expect(record.raw.body).toBeUndefined();
    expect(record.resource["service.name"]).toBe("logs-e2e");
    expect(record.scope.name).toBe("otel-genai-edge");
    // Recorded after the response was sent (the SERVER span's end), 100 ms into waitUntil.
    expect(record.timeUnixNano! > r.server.endTimeUnixNano).toBe(true);
    // One logs request for the invocation, and it holds only this record.
    expect(logRequests(r.traceId)).toHaveLength(1);
    expect(collector.logs().filter((l) => l.traceId === r.traceId)).toHaveLength(1);
  });

  it("a response id that is no call of the invocation: the record carries the SERVER span's ids", async () => {
    const r = await run("/chat", chat("other"));
    const [record] = await logsOf(r.traceId);
    expect(record.traceId).toBe(r.traceId);
    expect(record.spanId).toBe(r.server.spanId);
    expect(record.attributes["gen_ai.response.id"]).toBe("chatcmpl-not-from-here");
    // No identify headers: identify returned nothing, so no identity attributes.
    expect(r.server.attributes["user.id"]).toBeUndefined();
  });

  it("a throwing identify: no identity attributes, the app answers as usual, the error is counted", async () => {
    const before = (await stats()).instrumentationErrors;
    const r = await run("/chat", { ...chat("match"), headers: { "x-identify": "throw", "x-user": "user-8" } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ id: RESPONSE_ID });
    for (const span of [r.server, r.genai!]) {
      expect(span.attributes["user.id"]).toBeUndefined();
      expect(span.attributes["gen_ai.conversation.id"]).toBeUndefined();
    }
    // The evaluation is still recorded.
    expect((await logsOf(r.traceId))[0].spanId).toBe(r.genai!.spanId);
    expect((await stats()).instrumentationErrors).toBe(before + 1);
  });

  it("identify's non-primitive values are left out, the rest kept", async () => {
    const r = await run("/chat", { ...chat("none"), headers: { "x-identify": "object", "x-user": "user-9" } });
    expect(r.server.attributes).toMatchObject({ "user.id": "user-9", "app.tier": 0 });
    expect(r.server.attributes["app.nested"]).toBeUndefined();
    expect(r.genai!.attributes["app.nested"]).toBeUndefined();
    expect(r.genai!.attributes["user.id"]).toBe("user-9");
  });

  it("no records, no logs request", async () => {
    const before = logRequests().length;
    const plain = await run("/plain");
    const call = await run("/chat", chat("none"));
    expect(plain.body).toBe("plain");
    // Traces and logs of an invocation are posted together: give a stray logs request time to land.
    await new Promise((r) => setTimeout(r, 300));
    expect(logRequests().length).toBe(before);
    expect(logRequests(plain.traceId)).toHaveLength(0);
    expect(logRequests(call.traceId)).toHaveLength(0);
  });

  it("content capture EVENT_ONLY: the call's operation-details event and the evaluation, in one logs request", async () => {
    const r = await run("/chat", { ...chat("match"), headers: { "x-user": "user-10" } }, events);
    const records = await logsOf(r.traceId, 2);
    expect(records.map((l) => l.eventName)).toEqual(["gen_ai.client.inference.operation.details", "gen_ai.evaluation.result"]);
    const [details, evaluation] = records;
    expect(details).toMatchObject({ severityNumber: 5, severityText: "DEBUG", traceId: r.traceId, spanId: r.genai!.spanId, flags: 1 });
    expect(details.attributes).toMatchObject({
      "user.id": "user-10",
      "gen_ai.operation.name": "chat",
      "gen_ai.response.id": RESPONSE_ID,
      // Structured, not JSON strings.
      "gen_ai.input.messages": [{ role: "user", parts: [{ type: "text", content: "hi" }] }],
    });
    expect(Array.isArray(details.attributes["gen_ai.output.messages"])).toBe(true);
    // EVENT_ONLY: no content on the span.
    expect(r.genai!.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(evaluation.spanId).toBe(r.genai!.spanId);
    expect(logRequests(r.traceId)).toHaveLength(1);
  });

  it("only OTEL_EXPORTER_OTLP_LOGS_ENDPOINT set: telemetry is on for logs alone (the evaluation arrives), nothing else is sent", async () => {
    const traceId = hex(16);
    const response = await logsOnly.fetch("/chat", {
      method: "POST",
      headers: { traceparent: `00-${traceId}-${hex(8)}-01`, "content-type": "application/json", "x-user": "user-11" },
      body: JSON.stringify(chat("other").body),
    });
    expect(response.status).toBe(200);
    const [record] = await logsOf(traceId);
    expect(record).toMatchObject({ eventName: "gen_ai.evaluation.result", traceId });
    expect(record.resource["service.name"]).toBe("logs-only");
    expect(logRequests(traceId)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    // Every OTLP request names its resource: this Worker's went to /v1/logs only.
    expect(collector.requests.filter((r) => r.text.includes('"logs-only"')).map((r) => r.path)).toEqual(["/v1/logs"]);
  });
});
