/**
 * Shared by test/e2e/content-providers-*.test.ts: one workerd per SDK family running
 * test/workers/providers-content.ts (the provider handler behind one `instrument` per capture
 * setting), the providers' real hosts answered from fixtures, and a suite that runs one call
 * per capture setting and checks the whole export against what the request and the fixture say.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Collector, type DecodedLogRecord, type DecodedSpan, startCollector } from "../support/collector.js";
import { createOutbound, type Outbound, type Serving } from "../support/outbound.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";
import type { ProviderRun } from "../workers/providers-app.js";
import { REDACTED, redactAll, SMALL_CONTENT_LIMIT } from "../workers/providers/redact.js";
import { expectTruncatedOf } from "./content-truncation.js";
import { KEYS, PROMPT, prebundle, SCOPE, SERVER, SYSTEM } from "./providers-helpers.js";

export { PROMPT, SYSTEM };
/** Marker strings of the request's tool description, tool-call argument and tool result. */
export const TOOL_DESC = "zq-tooldesc-5521 the current weather of a place";
export const TOOL_ARG = "zq-toolarg-3390 Paris";
export const TOOL_RESULT = "zq-toolres-7714 sunny, 21 C";
export const MARKERS = [PROMPT, SYSTEM, TOOL_DESC, TOOL_ARG, TOOL_RESULT];
export const CALL_ID = "callzq001";
export const TOOL_NAME = "get_weather";
export const PARAMS = { type: "object", properties: { location: { type: "string" } }, required: ["location"] };

export const text = (content: string) => ({ type: "text", content });
export const toolCall = (id: string | undefined, name: string, args: unknown) => ({ type: "tool_call", ...(id && { id }), name, arguments: args });
/** What every reader records of the request's one tool (its detail is cut to type and name by the suite). */
export const TOOLS = [{ type: "function", name: TOOL_NAME, description: TOOL_DESC, parameters: PARAMS }];
/** The request's history as recorded: the prompt, the assistant's call of the tool, and its result in a `resultRole` message. */
export const toolHistory = (resultRole: "user" | "tool", response: unknown = TOOL_RESULT) => [
  { role: "user", parts: [text(PROMPT)] },
  { role: "assistant", parts: [toolCall(CALL_ID, TOOL_NAME, { location: TOOL_ARG })] },
  { role: resultRole, parts: [{ type: "tool_call_response", id: CALL_ID, response }] },
];
const TRUNCATED = "…[truncated]";

export const CONTENT_KEYS = ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions"] as const;
export const OPERATION_DETAILS = "gen_ai.client.inference.operation.details";

export interface ContentHarness {
  collector: Collector;
  outbound: Outbound;
  worker: StartedWorker;
  close(): Promise<void>;
}

export async function startContent(family: "google" | "bedrock" | "more" | "openai"): Promise<ContentHarness> {
  const collector = await startCollector();
  const outbound = createOutbound({ passThrough: [collector.url] });
  const entry = await prebundle("test/workers/providers-content.ts", family);
  const worker = await startWorker({
    entry,
    compatibilityFlags: ["nodejs_compat"],
    // Each call's metrics are awaited: every flush exports them.
    env: { ...KEYS, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: `content-e2e-${family}`, OTEL_METRIC_EXPORT_INTERVAL: "0" },
    miniflare: { outboundService: outbound.handler("traced") },
  });
  return {
    collector,
    outbound,
    worker,
    async close() {
      await worker.close();
      await collector.close();
    },
  };
}

export type Capture = "off" | "span" | "event" | "both" | "redact" | "throw" | "truncate";

export interface ContentRun {
  traceId: string;
  result: any;
  spans: DecodedSpan[];
  server: DecodedSpan;
  /** The spans of the trace with a gen_ai.operation.name. */
  genai: DecodedSpan[];
  /** This trace's log records. */
  logs: DecodedLogRecord[];
  /** Every OTLP request (traces, metrics, logs) the collector received for this run, as text. */
  exported: string;
}

/** One call with the given capture setting; resolves once its traces, metrics (and logs, when `logs`) arrived. */
export async function runContent(h: ContentHarness, capture: Capture, run: ProviderRun, serving: Serving, opts: { agent?: string; logs?: boolean } = {}): Promise<ContentRun> {
  const traceId = randomBytes(16).toString("hex");
  h.outbound.serve(serving);
  const before = h.collector.requests.length;
  const query = new URLSearchParams({ capture, ...(opts.agent ? { agent: opts.agent } : {}) });
  const response = await h.worker.fetch(`/run?${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    body: JSON.stringify(run),
  });
  const result = await response.json();
  expect((result as any).ok, JSON.stringify((result as any).error)).toBe(true);
  const all = await h.collector.waitForSpans((spans) => spans.some((s) => s.traceId === traceId && s.kind === SERVER), 10_000);
  await h.collector.waitFor((q) => q.index >= before && q.path.endsWith("/v1/metrics"), 10_000);
  if (opts.logs) await h.collector.waitFor((q) => q.path.endsWith("/v1/logs") && q.text.includes(traceId), 10_000);
  const spans = all.filter((s) => s.traceId === traceId);
  return {
    traceId,
    result,
    spans,
    server: spans.find((s) => s.kind === SERVER)!,
    genai: spans.filter((s) => s.attributes["gen_ai.operation.name"] !== undefined && s.scope.name === SCOPE),
    logs: h.collector.logs().filter((l) => l.traceId === traceId),
    exported: h.collector.requests
      .slice(before)
      .map((q) => q.text)
      .join("\n"),
  };
}

export interface Content {
  input: unknown[];
  output: unknown[];
  system?: unknown[];
  tools?: unknown[];
}

export interface ContentCase {
  title: string;
  run: ProviderRun;
  fixture: string;
  operation: string;
  expected: Content;
  /** What the fixture answers (completion text, tool arguments): never exported with capture off. */
  answers: string[];
  /** Settings whose check fails today because of a reader defect (the reason): run as `it.fails`, so a fix shows. */
  knownIssues?: Partial<Record<Capture, string>>;
}

/** Tool definitions at the conventions' default detail level: the required fields only (type and name). */
const defaultDetail = (tools: unknown[]) => tools.map((t) => ({ type: (t as { type: string }).type, name: (t as { name: string }).name }));

const asAttributes = (c: Content) => ({
  "gen_ai.input.messages": c.input,
  "gen_ai.output.messages": c.output,
  ...(c.system && { "gen_ai.system_instructions": c.system }),
  ...(c.tools && { "gen_ai.tool.definitions": defaultDetail(c.tools) }),
});

function spanContent(span: DecodedSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONTENT_KEYS) if (span.attributes[key] !== undefined) out[key] = JSON.parse(span.attributes[key] as string);
  return out;
}

function eventContent(record: DecodedLogRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONTENT_KEYS) if (record.attributes[key] !== undefined) out[key] = record.attributes[key];
  return out;
}

/** Each text as it would sit in an OTLP JSON string (quotes and newlines escaped). */
const escaped = (s: string) => JSON.stringify(s).slice(1, -1);

function expectNone(exported: string, texts: string[]): void {
  for (const text of texts) {
    expect(exported, text).not.toContain(text);
    expect(exported, text).not.toContain(escaped(text));
    expect(exported, text).not.toContain(escaped(escaped(text)));
  }
}

function theCall(r: ContentRun, operation: string): DecodedSpan {
  expect(r.genai, "one GenAI span").toHaveLength(1);
  const [span] = r.genai;
  expect(span!.attributes["gen_ai.operation.name"]).toBe(operation);
  expect(span!.parentSpanId).toBe(r.server.spanId);
  return span!;
}

function theEvent(r: ContentRun, span: DecodedSpan): DecodedLogRecord {
  const records = r.logs.filter((l) => l.eventName === OPERATION_DETAILS);
  expect(records).toHaveLength(1);
  const [record] = records;
  expect(record!.spanId).toBe(span.spanId);
  expect(record!.attributes["gen_ai.operation.name"]).toBe(span.attributes["gen_ai.operation.name"]);
  expect(record!.attributes["gen_ai.request.model"]).toBe(span.attributes["gen_ai.request.model"]);
  return record!;
}

/** The seven capture settings for one call of one format. */
export function contentSuite(harness: () => ContentHarness, c: ContentCase): void {
  // A 1 ms gap between stream chunks: the chunking is kept, the timing is not what is tested here.
  const call = (capture: Capture, logs = false) => runContent(harness(), capture, c.run, { fixture: c.fixture, gapMs: 1 }, { logs });
  const known = (capture: Capture, title: string, fn: () => Promise<void>) =>
    c.knownIssues?.[capture] ? it.fails(`${title} [known defect: ${c.knownIssues[capture]}]`, fn) : it(title, fn);
  const secrets = [...MARKERS, ...c.answers.filter((a) => a.length >= 4)];
  describe(c.title, () => {
    it("capture off (default): no marker, completion or tool argument in any signal", async () => {
      const r = await call("off");
      expect(r.exported).toContain(r.traceId);
      expect(r.exported).not.toContain("zq-");
      expectNone(r.exported, secrets);
      const span = theCall(r, c.operation);
      for (const key of CONTENT_KEYS) expect(span.attributes).not.toHaveProperty(key);
      expect(r.logs).toEqual([]);
    });

    it("SPAN_ONLY: the four attributes, parsed, equal the request's and the fixture's content; no event", async () => {
      const r = await call("span");
      expect(spanContent(theCall(r, c.operation))).toEqual(asAttributes(c.expected));
      expect(r.logs).toEqual([]);
    });

    it("EVENT_ONLY: one operation-details record with the structured content on the call's span; none on the span", async () => {
      const r = await call("event", true);
      const span = theCall(r, c.operation);
      expect(spanContent(span)).toEqual({});
      expect(eventContent(theEvent(r, span))).toEqual(asAttributes(c.expected));
      // Nothing of the content in the traces request.
      expectNone(r.exported.split("\n").filter((t) => t.includes('"resourceSpans"')).join("\n"), MARKERS);
    });

    it("SPAN_AND_EVENT: both, equal", async () => {
      const r = await call("both", true);
      const span = theCall(r, c.operation);
      expect(spanContent(span)).toEqual(asAttributes(c.expected));
      expect(eventContent(theEvent(r, span))).toEqual(asAttributes(c.expected));
    });

    it("redactContent replacing every text: the replacement on span and event, the originals nowhere", async () => {
      const r = await call("redact", true);
      const span = theCall(r, c.operation);
      const redacted = redactAll({ inputMessages: c.expected.input, outputMessages: c.expected.output, systemInstructions: c.expected.system, toolDefinitions: c.expected.tools });
      const want = asAttributes({ input: redacted.inputMessages, output: redacted.outputMessages, system: redacted.systemInstructions, tools: redacted.toolDefinitions });
      expect(spanContent(span)).toEqual(want);
      expect(eventContent(theEvent(r, span))).toEqual(want);
      expect(r.exported).toContain(REDACTED);
      expectNone(r.exported, secrets);
    });

    it("a throwing redactContent: no content in any signal, the span still exported", async () => {
      const r = await call("throw");
      const span = theCall(r, c.operation);
      expect(span.attributes["gen_ai.request.model"]).toBe(c.run.model);
      for (const key of CONTENT_KEYS) expect(span.attributes).not.toHaveProperty(key);
      expect(r.logs.filter((l) => l.eventName === OPERATION_DETAILS)).toEqual([]);
      expectNone(r.exported, secrets);
    });

    known("truncate", `limits.maxContentLength=${SMALL_CONTENT_LIMIT}: each attribute valid JSON within the limit, texts cut and marked`, async () => {
      const r = await call("truncate", true);
      const span = theCall(r, c.operation);
      const want = asAttributes(c.expected) as Record<string, unknown>;
      let cut = false;
      for (const key of CONTENT_KEYS) {
        const text = span.attributes[key] as string | undefined;
        expect(text === undefined, key).toBe(want[key] === undefined);
        if (text === undefined) continue;
        expect(text.length, key).toBeLessThanOrEqual(SMALL_CONTENT_LIMIT);
        const parsed = JSON.parse(text);
        expectTruncatedOf(parsed, want[key], key);
        // Cut: texts marked, or (when even empty texts do not fit) whole items dropped from the end.
        if (text.includes(TRUNCATED) || parsed.length < (want[key] as unknown[]).length) cut = true;
        else if (JSON.stringify(want[key]).length <= SMALL_CONTENT_LIMIT) expect(parsed, key).toEqual(want[key]);
      }
      // Something is cut exactly when something is over the limit (the fixture's answer may be short).
      const over = CONTENT_KEYS.some((key) => want[key] !== undefined && JSON.stringify(want[key]).length > SMALL_CONTENT_LIMIT);
      expect(cut, "something was cut").toBe(over);
    });
  });
}
