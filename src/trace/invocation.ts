/**
 * One handler invocation: its spans, its GenAI metric samples, and the moment its telemetry
 * is flushed. Everything is bounded and released after the flush.
 *
 * Flush happens once the handler has returned, the response has been sent (its body finished
 * streaming, when it is watched), the work it handed to `waitUntil` has settled and every span
 * has ended. Spans still open `flushGraceMs` after everything else are ended and marked; and
 * whatever is still pending `flushDeadlineMs` after the response was sent (where the platform's
 * own waitUntil budget starts) is flushed then. An LLM stream the app abandoned (never read to
 * its end) is ended then too, marked, and still counts in the metrics. No invocation outlives
 * MAX_LIFETIME_MS, so no state outlives a request that never ends.
 */
import { type Attributes, type Context, createContextKey, type Span, type SpanContext, trace } from "@opentelemetry/api";
import {
  EXCEPTION_EVENT,
  EXCEPTION_MESSAGE,
  EXCEPTION_TYPE,
  GEN_AI_INFERENCE_DETAILS_EVENT,
  GEN_AI_OPERATION_EXCEPTION_EVENT,
  GEN_AI_OPERATION_NAME,
  GEN_AI_RESPONSE_ID,
  OWN_SPAN_UNFINISHED,
} from "../attributes.js";
import type { Limits } from "../config.js";
import { type LogRecordData, SEVERITY_DEBUG, SEVERITY_WARN } from "../exporter/logs.js";
import type { CallRecord } from "../genai/call.js";
import type { MetricSample } from "../metrics/genai-metrics.js";
import { onEvent } from "../genai/content/capture.js";
import { dropContent, gateForeignSpan } from "../genai/content/foreign.js";
import { addIdentity } from "../identify.js";
import type { Pipeline } from "../pipeline.js";
import { nowMs } from "./clock.js";
import type { RuntimeSpan } from "./platform.js";
import { RecordingSpan, type SpanSink } from "./span.js";
import type { ToolCallRef } from "../genai/content.js";

/**
 * Who wants the tool calls each LLM response asked for: `agents.ts` (for `executeTool`'s call
 * id) sets this when it is in the bundle, so this module never imports it.
 */
export const toolCallListener: { notify?: (invocation: Invocation, calls: ToolCallRef[] | undefined, callStartMs: number) => void } = {};

const INVOCATION_KEY = createContextKey("otel-genai-edge.invocation");

/** Invocations in flight in this isolate. */
const active = new Set<Invocation>();
/** Invocations not yet done (in flight, or exporting: the platform keeps their work running meanwhile). */
const settling = new Set<Invocation>();
/** When another invocation was last done: work it left running could have run until then. */
let lastDoneMs = 0;
/** The longest an invocation is kept, whatever is still open (a response that never ends). */
const MAX_LIFETIME_MS = 15 * 60_000;

/** Open work that can be ended on the app's behalf when it is abandoned (an LLM stream never read to its end). */
interface Abandonable {
  abandon(nowMs: number): void;
  /** When the app last pulled from it. */
  activityMs?: number;
}

const NONE: readonly RecordingSpan[] = [];

export class Invocation implements SpanSink {
  readonly spans: RecordingSpan[] = [];
  /** Spans dropped because the buffer was full. */
  droppedSpans = 0;
  readonly startMs = nowMs();
  root: RecordingSpan | undefined;
  /** Finished GenAI calls, for the metrics (recorded whether or not the trace is sampled). */
  readonly calls: CallRecord[] = [];
  droppedCalls = 0;
  /** Other metric samples (agent and tool durations, `agents.ts`), bounded with the calls. */
  readonly samples: MetricSample[] = [];
  /** Events as log records (a call's operation details, evaluations), bounded like the spans. */
  readonly logs: LogRecordData[] = [];
  droppedLogs = 0;
  /** What `identify` said of the request: set on the SERVER span and every GenAI span. */
  identity: Attributes | undefined;
  /** The span of each LLM response of this invocation, by response id: evaluations point at it. */
  private readonly responses = new Map<string, SpanContext>();
  /** Trace context for children of this invocation (the root span's, or the incoming one when unsampled). */
  parentContext: SpanContext | undefined;
  /** Spans and other work (a GenAI stream of an unsampled trace) still under way. */
  private readonly open = new Set<object>();
  private responseEnded = false;
  private readonly pending = new Set<Promise<unknown>>();
  private handlerDone = false;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the response went out and the handler was done (the export's deadline counts from it). */
  outMs: number | undefined;
  private readonly lifetimeTimer: ReturnType<typeof setTimeout>;
  private flushing = false;
  private resolveDone!: () => void;
  flushed = false;
  /** Resolves once this invocation's telemetry has been exported (or dropped). */
  readonly done: Promise<void> = new Promise((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(readonly pipeline: Pipeline) {
    active.add(this);
    settling.add(this);
    this.lifetimeTimer = unref(setTimeout(() => this.flush(), MAX_LIFETIME_MS));
    // Timers die with a request's context on some platforms (workerd): past invocations that
    // outlived the cap are let go here too, so none is kept or blocks the sole-request rule.
    const now = nowMs();
    for (const old of active) if (now - old.startMs > MAX_LIFETIME_MS) old.flush();
    for (const old of settling) if (now - old.startMs > 2 * MAX_LIFETIME_MS) settling.delete(old);
  }

  get limits(): Limits {
    return this.pipeline.config.limits;
  }

  /** Other instrumentations' spans still open in this invocation that `match`, in the order they started (ones ours replaced too). */
  /** GenAI spans the runtime's provider (Deno's) started in this invocation, newest last; bounded, gone at the flush. */
  private runtimeSpans: RuntimeSpan[] | undefined;

  runtimeSpanStarted(span: RuntimeSpan): void {
    if (this.flushed) return;
    const list = (this.runtimeSpans ??= []);
    if (list.length >= 32) list.shift();
    list.push(span);
  }

  /** The runtime's spans open in this invocation that `match`. */
  openRuntimeSpans(match: (span: RuntimeSpan) => boolean): readonly RuntimeSpan[] {
    return this.runtimeSpans?.filter((span) => !span.ended && match(span)) ?? [];
  }

  openForeignSpans(match: (span: RecordingSpan) => boolean): readonly RecordingSpan[] {
    let found: RecordingSpan[] | undefined;
    for (const work of this.open) {
      if (work instanceof RecordingSpan && work.scope !== this.pipeline.scope && match(work)) (found ??= []).push(work);
    }
    return found ?? NONE;
  }

  /** Open work past four span buffers' worth (spans started and never ended): new ones are not recorded. */
  get crowded(): boolean {
    return this.open.size >= 4 * this.limits.maxSpans;
  }

  spanStarted(span: RecordingSpan): void {
    this.open.add(span);
  }

  spanEnded(span: RecordingSpan): void {
    this.open.delete(span);
    if (this.flushed || span.unexported) {
      this.check();
      return;
    }
    // Another instrumentation's span (made through our tracer provider): its content follows our capture setting.
    if (span.scope !== this.pipeline.scope) this.gateContent(span);
    if (GEN_AI_OPERATION_NAME in span.attributes) {
      if (this.identity) addIdentity(span, this.identity);
      const responseId = span.attributes[GEN_AI_RESPONSE_ID];
      if (typeof responseId === "string") this.rememberResponse(responseId, span.spanContext());
    }
    // The root ends last: a slot is kept for it while it is open, so a full buffer drops a child, never it.
    const room = this.root && !this.root.ended ? this.limits.maxSpans - 1 : this.limits.maxSpans;
    if (this.spans.length < room || (span === this.root && this.spans.length < this.limits.maxSpans)) this.spans.push(span);
    else this.droppedSpans++;
    this.check();
  }

  private gateContent(span: RecordingSpan): void {
    const { contentPolicy, config } = this.pipeline;
    try {
      gateForeignSpan(span, contentPolicy, config.limits.maxContentLength);
    } catch {
      dropContent(span);
      contentPolicy.failed();
    }
    span.recountAttributes();
  }

  recordCall(record: CallRecord): void {
    if (this.flushed) return;
    toolCallListener.notify?.(this, record.toolCalls, record.endMs - record.durationS * 1000);
    if (this.calls.length < this.limits.maxSpans) this.calls.push(record);
    else this.droppedCalls++;
    const at = record.spanContext;
    const { exceptionSignal, captureMessageContent } = this.pipeline.config;
    // With GenAI events on logs (EVENT_ONLY, SPAN_AND_EVENT), or exceptions there.
    if (record.errorType && at && (exceptionSignal !== "spans" || onEvent(captureMessageContent))) {
      this.recordLog({
        eventName: GEN_AI_OPERATION_EXCEPTION_EVENT,
        timeMs: record.endMs,
        // Upstream (model/gen-ai/events.yaml): WARN.
        severityNumber: SEVERITY_WARN,
        attributes: { [EXCEPTION_TYPE]: record.errorType, [EXCEPTION_MESSAGE]: record.errorMessage },
        traceId: at.traceId,
        spanId: at.spanId,
        traceFlags: this.traceFlags(at.traceId),
      });
    }
    const event = record.contentEvent;
    if (!event) return;
    const responseId = event.attributes[GEN_AI_RESPONSE_ID];
    // The span may be unsampled (never ended into this buffer): its ids still name the call.
    if (typeof responseId === "string") this.rememberResponse(responseId, { traceId: event.traceId, spanId: event.spanId, traceFlags: this.traceFlags(event.traceId) ?? 0 });
    this.recordLog({
      eventName: GEN_AI_INFERENCE_DETAILS_EVENT,
      timeMs: event.timeMs,
      // Upstream (model/gen-ai/events.yaml): instrumentations SHOULD record this event at DEBUG.
      severityNumber: SEVERITY_DEBUG,
      // The event carries the span's attributes: the identity too, under the call's own ones.
      attributes: this.identity ? { ...this.identity, ...event.attributes } : event.attributes,
      traceId: event.traceId,
      spanId: event.spanId,
      traceFlags: this.traceFlags(event.traceId),
    });
  }

  recordSample(sample: MetricSample): void {
    if (this.flushed) return;
    if (this.samples.length < this.limits.maxSpans) this.samples.push(sample);
    else this.droppedCalls++;
  }

  /**
   * An exception recorded on one of this invocation's spans (`failSpan`): an `exception` log
   * record on it when exceptions go to logs. Whether the span keeps it as an event too.
   */
  exception(span: RecordingSpan, attributes: Attributes): boolean {
    const signal = this.pipeline.config.exceptionSignal;
    if (signal === "spans") return true;
    const { traceId, spanId, traceFlags } = span.spanContext();
    this.recordLog({ eventName: EXCEPTION_EVENT, timeMs: nowMs(), severityNumber: SEVERITY_WARN, attributes, traceId, spanId, traceFlags });
    return signal === "logs/dup";
  }

  /** Keep an event for export with this invocation's batch (when logs go anywhere). */
  recordLog(record: LogRecordData): void {
    if (this.flushed || !this.pipeline.config.logsUrl) return;
    if (this.logs.length < this.limits.maxSpans) this.logs.push(record);
    else this.droppedLogs++;
  }

  /** The span context of the LLM call that gave this response id, if it was one of this invocation's. */
  responseSpan(responseId: string): SpanContext | undefined {
    return this.responses.get(responseId);
  }

  private rememberResponse(responseId: string, spanContext: SpanContext): void {
    if (this.responses.size < this.limits.maxSpans || this.responses.has(responseId)) this.responses.set(responseId, spanContext);
  }

  /** The trace flags of this invocation's trace, when the ids are of it. */
  private traceFlags(traceId: string): number | undefined {
    return this.parentContext?.traceId === traceId ? this.parentContext.traceFlags : undefined;
  }

  /** Keep the flush waiting for work that is not a recorded span. */
  hold(token: object): void {
    if (!this.flushed) this.open.add(token);
  }

  release(token: object): void {
    if (this.open.delete(token)) this.check();
  }

  /** The response has been fully sent (or needs no streaming): from now on open work gets a grace period. */
  responseFinished(): void {
    this.responseEnded = true;
    this.check();
  }

  /** Work the handler handed to `waitUntil`: flush waits for it. */
  track(promise: Promise<unknown>): void {
    if (this.flushed) return;
    this.pending.add(promise);
    const settle = () => {
      this.pending.delete(promise);
      this.check();
    };
    promise.then(settle, settle);
  }

  handlerSettled(): void {
    if (this.handlerDone) return;
    this.handlerDone = true;
    this.check();
  }

  /** A context carrying this invocation and the given span as active (by default its root, or the root's trace context when it is not recorded). */
  context(base: Context, span: Span | undefined = this.root): Context {
    const ctx = base.setValue(INVOCATION_KEY, this);
    return span ? trace.setSpan(ctx, span) : this.parentContext ? trace.setSpanContext(ctx, this.parentContext) : ctx;
  }

  private check(): void {
    // Waiting for: the handler, the response body (even when nothing is recorded: a stream that
    // passes through it may still be an LLM call whose metrics count), and waitUntil work.
    if (this.flushing || !this.handlerDone || !this.responseEnded) return;
    // The response is out: from here the platform's waitUntil budget runs, and so does ours.
    this.outMs ??= nowMs();
    this.deadlineTimer ??= unref(setTimeout(() => this.expire(), this.pipeline.config.flushDeadlineMs));
    if (this.pending.size > 0) return;
    if (this.open.size === 0) this.flush();
    else this.graceTimer ??= unref(setTimeout(() => this.expire(), this.pipeline.config.flushGraceMs));
  }

  /**
   * A timer ran out: flush, unless an LLM stream is still being read while nothing waits in
   * `waitUntil` (a response streaming to the client that we do not watch: the platform keeps the
   * request alive for as long as it streams): then look again once it has been idle for the
   * grace period. Work in `waitUntil` runs on the platform's budget, so then the deadline holds.
   */
  private expire(): void {
    const grace = this.pipeline.config.flushGraceMs;
    const now = nowMs();
    let latest = 0;
    for (const work of this.open) {
      const at = (work as Partial<Abandonable>).activityMs;
      if (typeof at === "number" && Number.isFinite(at)) latest = Math.max(latest, Math.min(at, now));
    }
    const idle = now - latest;
    clearTimeout(this.graceTimer);
    if (idle >= grace || this.pending.size > 0) this.flush();
    else this.graceTimer = unref(setTimeout(() => this.expire(), grace - idle));
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true; // ending the leftovers below re-enters check(): it must not flush again
    clearTimeout(this.graceTimer);
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.lifetimeTimer);
    // Abandoned LLM streams first: they end as calls (marked, with what was seen) and feed the metrics.
    for (const work of [...this.open]) {
      if (typeof (work as Partial<Abandonable>).abandon === "function") (work as Abandonable).abandon(nowMs());
    }
    for (const work of [...this.open]) {
      if (!(work instanceof RecordingSpan)) continue;
      work.setAttribute(OWN_SPAN_UNFINISHED, true);
      work.end();
    }
    this.open.clear();
    this.pending.clear();
    this.runtimeSpans = undefined;
    this.flushed = true;
    active.delete(this);
    this.pipeline
      .export(this)
      .catch(() => this.pipeline.selfError())
      .finally(() => {
        this.spans.length = 0;
        this.calls.length = 0;
        this.samples.length = 0;
        this.logs.length = 0;
        this.responses.clear();
        settling.delete(this);
        lastDoneMs = nowMs();
        this.resolveDone();
      });
  }
}

export function invocationFrom(ctx: Context): Invocation | undefined {
  const inv = ctx.getValue(INVOCATION_KEY) as Invocation | undefined;
  return inv && !inv.flushed ? inv : undefined;
}

/**
 * The sole invocation in flight, when a call cannot belong to any other: no other invocation is
 * in flight or still exporting, and none was since this one started. A finished request may
 * leave work running (a timer, a promise chain) for as long as the platform keeps it alive,
 * which includes our own export in its waitUntil; such work must not land in this trace.
 */
export function soleInvocation(): Invocation | undefined {
  if (active.size !== 1 || settling.size !== 1) return undefined;
  const [only] = active;
  return lastDoneMs < only.startMs ? only : undefined;
}

/** Timers must not keep a Node or Bun process alive on our account. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
