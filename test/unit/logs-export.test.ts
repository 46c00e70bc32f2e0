/**
 * Log records (GenAI events) from serializer to export: the exact OTLP JSON, how an invocation
 * turns a call's operation-details event and `recordEvaluation` into records with the right span
 * ids, and `identify`'s attributes. (The logs URL is resolved with the others: config.test.ts.)
 */
import { context, ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { recordEvaluation } from "../../src/evaluation.js";
import { type LogRecordData, serializeLogs } from "../../src/exporter/logs.js";
import type { CallRecord } from "../../src/genai/call.js";
import { identityOf } from "../../src/identify.js";
import { Pipeline } from "../../src/pipeline.js";
import { setupContext } from "../../src/trace/context.js";
import { Invocation } from "../../src/trace/invocation.js";
import { RecordingSpan } from "../../src/trace/span.js";

// AsyncLocalStorage: recordEvaluation finds its invocation in the active context.
setupContext();

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const ROOT_SPAN = "b7ad6b7169203331";
const CALL_SPAN = "00f067aa0ba902b7";
const resource = { attributes: { "service.name": "svc" } };
const scope = { name: "otel-genai-edge", version: "1.2.3", schemaUrl: "https://opentelemetry.io/schemas/1.41.0" };

describe("serializeLogs", () => {
  it("writes OTLP JSON logs: event name, severity, hex ids, ns timestamps as strings, structured attributes, no body", () => {
    const records: LogRecordData[] = [
      {
        eventName: "gen_ai.evaluation.result",
        timeMs: 1760000000123.5,
        severityNumber: 9,
        attributes: {
          "gen_ai.evaluation.name": "relevance",
          "gen_ai.evaluation.score.value": 1,
          "gen_ai.evaluation.score.label": "relevant",
          "gen_ai.response.id": "chatcmpl-1",
          dropped: undefined,
          nan: Number.NaN,
        },
        traceId: TRACE,
        spanId: CALL_SPAN,
        traceFlags: 1,
      },
      {
        eventName: "gen_ai.client.inference.operation.details",
        timeMs: 1760000000000,
        severityNumber: 5,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.temperature": 0,
          "gen_ai.usage.input_tokens": 22,
          "gen_ai.input.messages": [{ role: "user", parts: [{ type: "text", content: "hi" }] }],
        },
      },
    ];
    const json = new TextDecoder().decode(serializeLogs(records, resource, scope, ["gen_ai.request.temperature", "gen_ai.evaluation.score.value"]));
    expect(JSON.parse(json)).toEqual({
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }], droppedAttributesCount: 0 },
          scopeLogs: [
            {
              scope: { name: "otel-genai-edge", version: "1.2.3" },
              schemaUrl: "https://opentelemetry.io/schemas/1.41.0",
              logRecords: [
                {
                  timeUnixNano: "1760000000123500000",
                  observedTimeUnixNano: "1760000000123500000",
                  severityNumber: 9,
                  severityText: "INFO",
                  eventName: "gen_ai.evaluation.result",
                  attributes: [
                    { key: "gen_ai.evaluation.name", value: { stringValue: "relevance" } },
                    { key: "gen_ai.evaluation.score.value", value: { doubleValue: 1 } },
                    { key: "gen_ai.evaluation.score.label", value: { stringValue: "relevant" } },
                    { key: "gen_ai.response.id", value: { stringValue: "chatcmpl-1" } },
                  ],
                  droppedAttributesCount: 0,
                  flags: 1,
                  traceId: TRACE,
                  spanId: CALL_SPAN,
                },
                {
                  timeUnixNano: "1760000000000000000",
                  observedTimeUnixNano: "1760000000000000000",
                  severityNumber: 5,
                  severityText: "DEBUG",
                  eventName: "gen_ai.client.inference.operation.details",
                  attributes: [
                    { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
                    { key: "gen_ai.request.temperature", value: { doubleValue: 0 } },
                    { key: "gen_ai.usage.input_tokens", value: { intValue: 22 } },
                    {
                      key: "gen_ai.input.messages",
                      value: {
                        arrayValue: {
                          values: [
                            {
                              kvlistValue: {
                                values: [
                                  { key: "role", value: { stringValue: "user" } },
                                  {
                                    key: "parts",
                                    value: {
                                      arrayValue: {
                                        values: [
                                          {
                                            kvlistValue: {
                                              values: [
                                                { key: "type", value: { stringValue: "text" } },
                                                { key: "content", value: { stringValue: "hi" } },
                                              ],
                                            },
                                          },
                                        ],
                                      },
                                    },
                                  },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    },
                  ],
                  droppedAttributesCount: 0,
                },
              ],
            },
          ],
        },
      ],
    });
    expect(json).not.toContain('"body"');
    expect(json).toContain('{"doubleValue":1}');
  });
});

/** A pipeline exporting to a fake collector that keeps what it was sent. */
function setup(logsUrl: string | null = "http://collector/v1/logs") {
  const posts: { url: string; body: any }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    posts.push({ url, body: JSON.parse(new TextDecoder().decode(init.body as Uint8Array)) });
    return new Response("{}", { status: 200 });
  };
  const config = resolveConfig(logsUrl === null ? { OTEL_LOGS_EXPORTER: "none" } : {}, { endpoint: "http://collector", metrics: false, logsEndpoint: logsUrl ?? undefined });
  const pipeline = new Pipeline(config, {}, fetch);
  const invocation = new Invocation(pipeline);
  invocation.parentContext = { traceId: TRACE, spanId: ROOT_SPAN, traceFlags: 1 };
  const logPosts = () => posts.filter((p) => p.url.endsWith("/v1/logs"));
  const records = () => logPosts().flatMap((p) => p.body.resourceLogs[0].scopeLogs[0].logRecords);
  return { pipeline, invocation, posts, logPosts, records };
}

function callRecord(extra: Partial<CallRecord>): CallRecord {
  return { operation: "chat", provider: "openai", serverAddress: "api.openai.com", serverPort: 443, durationS: 1, streaming: false, resendCount: 0, endMs: 0, ...extra } as CallRecord;
}

const attr = (record: any, key: string) => record.attributes.find((a: any) => a.key === key)?.value;

describe("an invocation's log records", () => {
  it("a call's operation-details event becomes a DEBUG record on the call's span, with the identity, exported in one request", async () => {
    const { pipeline, invocation, logPosts, records } = setup();
    invocation.identity = { "user.id": "u-1", "gen_ai.conversation.id": "from-identify" };
    invocation.recordCall(
      callRecord({
        contentEvent: {
          attributes: { "gen_ai.operation.name": "chat", "gen_ai.response.id": "chatcmpl-9", "gen_ai.conversation.id": "from-request", "gen_ai.output.messages": [{ role: "assistant" }] },
          traceId: TRACE,
          spanId: CALL_SPAN,
          timeMs: 1760000000000,
        },
      }),
    );
    context.with(invocation.context(ROOT_CONTEXT), () => recordEvaluation({ name: "relevance", scoreValue: 0.5, responseId: "chatcmpl-9" }));
    await pipeline.export(invocation);
    expect(logPosts()).toHaveLength(1);
    const [details, evaluation] = records();
    expect(details).toMatchObject({ eventName: "gen_ai.client.inference.operation.details", severityNumber: 5, traceId: TRACE, spanId: CALL_SPAN, flags: 1 });
    expect(details.attributes.map((a: any) => a.key)).toEqual(["user.id", "gen_ai.conversation.id", "gen_ai.operation.name", "gen_ai.response.id", "gen_ai.output.messages"]);
    // The call's own conversation id wins over identify's.
    expect(attr(details, "gen_ai.conversation.id")).toEqual({ stringValue: "from-request" });
    expect(attr(details, "gen_ai.output.messages")).toEqual({ arrayValue: { values: [{ kvlistValue: { values: [{ key: "role", value: { stringValue: "assistant" } }] } }] } });
    // The evaluation names the call it evaluates, found by its response id.
    expect(evaluation).toMatchObject({ eventName: "gen_ai.evaluation.result", severityNumber: 9, traceId: TRACE, spanId: CALL_SPAN });
  });

  it("an evaluation points at the ended GenAI span with its response id, else at the invocation's root", async () => {
    const { pipeline, invocation, records } = setup();
    invocation.identity = { "user.id": "u-2", nested: undefined as never };
    const span = new RecordingSpan("chat m", SpanKind.CLIENT, { traceId: TRACE, spanId: CALL_SPAN, traceFlags: 1 }, undefined, Date.now(), invocation, pipeline.scope, {
      "gen_ai.operation.name": "chat",
    });
    span.setAttribute("gen_ai.response.id", "resp_1");
    span.end();
    // identify's attributes are on the GenAI span once it has ended.
    expect(span.attributes["user.id"]).toBe("u-2");
    const inside = (fn: () => void) => context.with(invocation.context(ROOT_CONTEXT), fn);
    inside(() => recordEvaluation({ name: "accuracy", scoreLabel: "pass", explanation: "matches", responseId: "resp_1" }));
    inside(() => recordEvaluation({ name: "tone", scoreValue: 3, responseId: "elsewhere" }));
    inside(() => recordEvaluation({ name: "" }));
    inside(() => recordEvaluation(null as never));
    // An evaluation that failed: no score, its error.type (conditionally required by events.yaml).
    inside(() => recordEvaluation({ name: "faithfulness", responseId: "resp_1", errorType: "timeout" }));
    await pipeline.export(invocation);
    const [matched, unmatched, failed, ...rest] = records();
    expect(rest).toEqual([]);
    expect(matched).toMatchObject({ traceId: TRACE, spanId: CALL_SPAN, flags: 1 });
    expect(matched.attributes).toEqual([
      { key: "gen_ai.evaluation.name", value: { stringValue: "accuracy" } },
      { key: "gen_ai.evaluation.score.label", value: { stringValue: "pass" } },
      { key: "gen_ai.evaluation.explanation", value: { stringValue: "matches" } },
      { key: "gen_ai.response.id", value: { stringValue: "resp_1" } },
    ]);
    expect(unmatched).toMatchObject({ traceId: TRACE, spanId: ROOT_SPAN });
    expect(attr(unmatched, "gen_ai.evaluation.score.value")).toEqual({ doubleValue: 3 });
    expect(failed).toMatchObject({ traceId: TRACE, spanId: CALL_SPAN });
    expect(failed.attributes).toEqual([
      { key: "gen_ai.evaluation.name", value: { stringValue: "faithfulness" } },
      { key: "gen_ai.response.id", value: { stringValue: "resp_1" } },
      { key: "error.type", value: { stringValue: "timeout" } },
    ]);
  });

  it("identity on an ended GenAI span: within its limits, the overflow dropped and counted, its own values kept", () => {
    const config = resolveConfig({}, { endpoint: "http://collector", metrics: false, limits: { maxAttributes: 3, maxAttributeLength: 4 } });
    const invocation = new Invocation(new Pipeline(config, {}));
    invocation.identity = { "gen_ai.conversation.id": "from-identify", "user.id": "alice-long", tenant: "t1", tier: 2 };
    const span = new RecordingSpan("chat m", SpanKind.CLIENT, { traceId: TRACE, spanId: CALL_SPAN, traceFlags: 1 }, undefined, Date.now(), invocation, invocation.pipeline.scope, {
      "gen_ai.operation.name": "chat",
      "gen_ai.conversation.id": "own",
    });
    span.end();
    // One slot left: user.id takes it (cut to maxAttributeLength); tenant and tier are dropped and counted.
    expect(span.attributes).toEqual({ "gen_ai.operation.name": "chat", "gen_ai.conversation.id": "own", "user.id": "alic" });
    expect(span.droppedAttributes).toBe(2);
    // The API's setAttribute stays closed once the span ended.
    span.setAttribute("late", "x");
    expect(span.attributes.late).toBeUndefined();
    expect(span.droppedAttributes).toBe(2);
  });

  it("after its invocation has flushed, recordEvaluation does nothing and never throws", async () => {
    const { invocation, posts, logPosts } = setup();
    invocation.handlerSettled();
    invocation.responseFinished();
    await invocation.done;
    expect(() => context.with(invocation.context(ROOT_CONTEXT), () => recordEvaluation({ name: "late" }))).not.toThrow();
    expect(invocation.logs).toHaveLength(0);
    // Nothing recorded: no POST at all (no spans either), none to /v1/logs.
    expect(posts).toHaveLength(0);
    expect(logPosts()).toHaveLength(0);
  });

  it("no logs URL: nothing kept, nothing sent", async () => {
    const { pipeline, invocation, posts } = setup(null);
    context.with(invocation.context(ROOT_CONTEXT), () => recordEvaluation({ name: "kept?" }));
    expect(invocation.logs).toHaveLength(0);
    await pipeline.export(invocation);
    expect(posts.map((p) => p.url)).toEqual([]);
  });

  it("records beyond the buffer are dropped and counted", () => {
    const config = resolveConfig({}, { endpoint: "http://collector", limits: { maxSpans: 2 } });
    const invocation = new Invocation(new Pipeline(config, {}));
    invocation.parentContext = { traceId: TRACE, spanId: ROOT_SPAN, traceFlags: 1 };
    for (let i = 0; i < 5; i++) context.with(invocation.context(ROOT_CONTEXT), () => recordEvaluation({ name: `e${i}` }));
    expect(invocation.logs.map((l) => l.attributes["gen_ai.evaluation.name"])).toEqual(["e0", "e1"]);
    expect(invocation.droppedLogs).toBe(3);
  });
});

describe("identityOf", () => {
  const request = new Request("https://app.example/chat", { headers: { "x-user": "alice" } });
  it("keeps strings, finite numbers and booleans; leaves the rest out; cuts long strings", () => {
    const identity = identityOf(
      (req: Request, env: { TENANT: string }) => ({ "user.id": req.headers.get("x-user"), tenant: env.TENANT, n: 2, ok: true, obj: { a: 1 }, arr: ["x"], inf: Infinity, long: "x".repeat(20) }),
      request,
      { TENANT: "t1" },
      8,
      () => {},
    );
    expect(identity).toEqual({ "user.id": "alice", tenant: "t1", n: 2, ok: true, long: "xxxxxxxx" });
  });
  it("a throw, a promise or a non-object gives no attributes; a throw is counted", () => {
    let errors = 0;
    const onError = () => errors++;
    expect(
      identityOf(
        () => {
          throw new Error("boom");
        },
        request,
        {},
        100,
        onError,
      ),
    ).toBeUndefined();
    expect(errors).toBe(1);
    expect(identityOf((async () => ({ "user.id": "x" })) as never, request, {}, 100, onError)).toBeUndefined();
    expect(identityOf((() => "user") as never, request, {}, 100, onError)).toBeUndefined();
    expect(identityOf(() => ({ a: null }), request, {}, 100, onError)).toBeUndefined();
    expect(errors).toBe(1);
  });
});
