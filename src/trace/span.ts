import {
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
} from "@opentelemetry/api";
import { CONTENT_ATTRIBUTES, ERROR_TYPE, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE } from "../attributes.js";
import type { Limits } from "../config.js";
import { scrubText } from "../fetch/redact.js";
import { nowMs } from "./clock.js";

export interface InstrumentationScope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

export interface SpanEvent {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

/** Who collects a span once it ends: the invocation it belongs to. */
export interface SpanSink {
  readonly limits: Limits;
  spanStarted(span: RecordingSpan): void;
  spanEnded(span: RecordingSpan): void;
}

/** An API time input (epoch ms, performance-relative ms, Date or HrTime) as epoch ms; now when absent. */
export function timeToMs(time: TimeInput | undefined): number {
  if (time === undefined) return nowMs();
  if (typeof time === "number") return time < 1e11 ? (globalThis.performance?.timeOrigin ?? 0) + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

/**
 * A span that records into its invocation's bounded buffer. Implements the OpenTelemetry API
 * `Span`, so code using `@opentelemetry/api` inside a handler lands in the same trace.
 * Attribute count and value length are capped; what is cut is counted in the dropped counts.
 */
export class RecordingSpan implements Span {
  readonly attributes: Attributes = {};
  readonly events: SpanEvent[] = [];
  readonly links: Link[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  endMs: number | undefined;
  droppedAttributes = 0;
  droppedEvents = 0;
  droppedLinks = 0;
  /** Never exported: replaced by another span with the same ids, or a span that should not have been. */
  unexported = false;
  private attributeCount = 0;

  constructor(
    public name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parent: SpanContext | undefined,
    readonly startMs: number,
    readonly sink: SpanSink,
    readonly scope: InstrumentationScope,
    attributes?: Attributes,
    links?: Link[],
  ) {
    if (attributes) this.setAttributes(attributes);
    if (links) this.addLinks(links);
    sink.spanStarted(this);
  }

  get ended(): boolean {
    return this.endMs !== undefined;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    return this.ended ? this : this.setLateAttribute(key, value);
  }

  /**
   * Set an attribute whatever the span's state, under setAttribute's limits: for our own values
   * that arrive after the span ended but before it is exported (it is still in its invocation's
   * buffer), such as the request's identity on a GenAI span, or a tool call id that came with an
   * LLM response read after the tool ran. setAttribute stays closed after the end, as the API
   * asks of what users call.
   */
  setLateAttribute(key: string, value: AttributeValue | undefined): this {
    if (value === undefined || value === null) return this;
    if (typeof value === "number" && !Number.isFinite(value)) return this;
    if (!(key in this.attributes)) {
      if (this.attributeCount >= this.sink.limits.maxAttributes) {
        this.droppedAttributes++;
        return this;
      }
      this.attributeCount++;
    }
    // Content attributes are JSON bounded by `maxContentLength` when made (ours), or as their span
    // ends (another instrumentation's: src/genai/content/foreign.ts): cutting them here would break the JSON.
    this.attributes[key] = CONTENT_ATTRIBUTES.has(key) ? value : this.truncate(value);
    return this;
  }

  /** After attributes were removed in place (content of another instrumentation's span): they no longer count against the limit. */
  recountAttributes(): void {
    this.attributeCount = Object.keys(this.attributes).length;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  private truncate(value: AttributeValue): AttributeValue {
    const max = this.sink.limits.maxAttributeLength;
    if (typeof value === "string") return value.length > max ? value.slice(0, max) : value;
    if (Array.isArray(value)) {
      return value.map((v) => (typeof v === "string" && v.length > max ? v.slice(0, max) : v)) as AttributeValue;
    }
    return value;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= this.sink.limits.maxEvents) {
      this.droppedEvents++;
      return this;
    }
    const isTime =
      typeof attributesOrTime === "number" || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    const attributes = (isTime ? {} : (attributesOrTime ?? {})) as Attributes;
    const bounded: Attributes = {};
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      if (value !== undefined) bounded[key] = this.truncate(value);
    }
    this.events.push({ name, timeMs: timeToMs(isTime ? (attributesOrTime as TimeInput) : time), attributes: bounded });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= this.sink.limits.maxLinks) this.droppedLinks++;
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /**
   * The API's rules: UNSET is ignored, OK is final (it may replace ERROR, nothing replaces it) and
   * only ERROR has a description. An ERROR without one (ours, for a 5xx response or a failed
   * call) keeps the description an earlier ERROR gave, such as the handler's own.
   */
  setStatus(status: SpanStatus): this {
    if (this.ended || this.status.code === SpanStatusCode.OK) return this;
    if (status.code === SpanStatusCode.OK) {
      this.status = { code: SpanStatusCode.OK };
      return this;
    }
    if (status.code !== SpanStatusCode.ERROR) return this;
    const message = status.message == null ? "" : String(status.message);
    if (message) this.status = { code: SpanStatusCode.ERROR, message: message.slice(0, 1024) };
    else if (this.status.code !== SpanStatusCode.ERROR) this.status = { code: SpanStatusCode.ERROR };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endMs = Math.max(this.startMs, timeToMs(endTime));
    this.sink.spanEnded(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === "string") attributes[EXCEPTION_MESSAGE] = exception;
    else if (exception) {
      const e = exception as { name?: string; message?: string; stack?: string; code?: string | number };
      attributes[EXCEPTION_TYPE] = String(e.name ?? e.code ?? "Error");
      if (e.message) attributes[EXCEPTION_MESSAGE] = String(e.message);
      if (e.stack) attributes[EXCEPTION_STACKTRACE] = String(e.stack);
    }
    this.addEvent("exception", attributes, time);
  }
}

/**
 * Record a failure on a span: the exception event, `error.type` (its name) and ERROR status.
 * Message and stack pass the text scrubber: runtimes put URLs (with their credentials) in them.
 */
export function failSpan(span: Span, error: unknown): void {
  const e = error as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
  const name = typeof e?.name === "string" && e.name ? e.name : "_OTHER";
  const message = e?.message == null ? undefined : scrubText(String(e.message));
  const attributes: Attributes = { [EXCEPTION_TYPE]: name };
  if (message) attributes[EXCEPTION_MESSAGE] = message;
  if (typeof e?.stack === "string") attributes[EXCEPTION_STACKTRACE] = scrubText(e.stack, undefined, 4096);
  span.addEvent("exception", attributes);
  span.setAttribute(ERROR_TYPE, name);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

export { SpanKind, SpanStatusCode };
