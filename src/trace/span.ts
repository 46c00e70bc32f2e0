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
import { CONTENT_ATTRIBUTES, ERROR_TYPE, EXCEPTION_EVENT, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE } from "../attributes.js";
import type { Limits } from "../config.js";
import { scrubText } from "../fetch/redact.js";
import { nowMs } from "./clock.js";

export interface InstrumentationScope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/** Attributes within a span's limits; what was cut is counted. */
export interface AttributeSet {
  attributes: Attributes;
  attributeCount: number;
  droppedAttributes: number;
}

export interface SpanEvent extends AttributeSet {
  name: string;
  timeMs: number;
}

export interface SpanLink extends AttributeSet {
  context: SpanContext;
}

/** Who collects a span once it ends: the invocation it belongs to. */
export interface SpanSink {
  readonly limits: Limits;
  spanStarted(span: RecordingSpan): void;
  spanEnded(span: RecordingSpan): void;
  /** An exception `failSpan` records: logged where exceptions go to logs; false: no span event. */
  exception?(span: RecordingSpan, attributes: Attributes): boolean;
}

/** An API time input (epoch ms, performance-relative ms, Date or HrTime) as epoch ms; now when absent. */
export function timeToMs(time: TimeInput | undefined): number {
  if (time === undefined) return nowMs();
  if (typeof time === "number") return time < 1e11 ? (globalThis.performance?.timeOrigin ?? 0) + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

/**
 * `value` as an OTLP AnyValue (a string, boolean, finite number, Uint8Array, or an array or plain
 * object of them, null allowed inside), strings and bytes at any depth cut at `max`; undefined when
 * it is not one: a bigint, symbol, function, class instance or cycle anywhere in it.
 */
function anyValue(value: unknown, max: number, within: object[] = [], budget = { nodes: 10_000 }): unknown {
  if (typeof value === "string" || value instanceof Uint8Array) return value.length > max ? value.slice(0, max) : value;
  if (typeof value === "boolean" || Number.isFinite(value)) return value;
  // Bounded: 32 levels and 10,000 values at most (shared references are walked each time they appear).
  if (typeof value !== "object" || !value || within.includes(value) || within.length >= 32 || --budget.nodes < 0) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return undefined;
  const out = (Array.isArray(value) ? [] : {}) as Record<string, unknown>;
  within.push(value);
  try {
    for (const [key, v] of Object.entries(value)) {
      const mapped = v == null ? null : anyValue(v, max, within, budget);
      if (mapped === undefined) return undefined;
      // A map's `__proto__` key is defined, not assigned: assigning would set the prototype and lose the key.
      if (key === "__proto__") Object.defineProperty(out, key, { value: mapped, enumerable: true, writable: true, configurable: true });
      else out[key] = mapped;
    }
  } finally {
    within.pop();
  }
  return out;
}

/**
 * Sets an attribute in `set` under the limits: a non-empty key, room for a new one, a valid value
 * (cut at `maxAttributeLength` unless `uncut`). What is not set is counted; null and undefined are ignored.
 */
function setIn(set: AttributeSet, key: string, value: unknown, limits: Limits, uncut?: boolean): void {
  if (value == null) return;
  const known = Object.hasOwn(set.attributes, key);
  let v: unknown;
  try {
    // `__proto__` would set the attributes object's prototype, not an attribute; a value whose getter throws is dropped.
    if (key && key !== "__proto__" && (known || set.attributeCount < limits.maxAttributes)) v = anyValue(value, uncut ? Infinity : limits.maxAttributeLength);
  } catch {
    v = undefined;
  }
  if (v === undefined) set.droppedAttributes++;
  else {
    set.attributes[key] = v as AttributeValue;
    if (!known) set.attributeCount++;
  }
}

/**
 * A span that records into its invocation's bounded buffer. Implements the OpenTelemetry API
 * `Span`, so code using `@opentelemetry/api` inside a handler lands in the same trace.
 * Attribute count and value length are capped, on the span, its events and links alike; what is
 * cut is counted in the dropped counts. The newest events are kept.
 */
export class RecordingSpan implements Span, AttributeSet {
  readonly attributes: Attributes = {};
  readonly events: SpanEvent[] = [];
  readonly links: SpanLink[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  endMs: number | undefined;
  droppedAttributes = 0;
  droppedEvents = 0;
  droppedLinks = 0;
  /** Never exported: replaced by another span with the same ids, or a span that should not have been. */
  unexported = false;
  attributeCount = 0;

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
    // Content attributes are JSON bounded by `maxContentLength` when made (ours), or as their span
    // ends (another instrumentation's: src/genai/content/foreign.ts): cutting them here would break the JSON.
    setIn(this, key, value, this.sink.limits, CONTENT_ATTRIBUTES.has(key));
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

  /** `attributes` within the span's limits. */
  private bounded(attributes: Attributes = {}): AttributeSet {
    const set = { attributes: {}, attributeCount: 0, droppedAttributes: 0 };
    for (const key of Object.keys(attributes)) setIn(set, key, attributes[key], this.sink.limits);
    return set;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const isTime =
      typeof attributesOrTime === "number" || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    this.events.push({
      name,
      timeMs: timeToMs(isTime ? (attributesOrTime as TimeInput) : time),
      ...this.bounded(isTime ? {} : (attributesOrTime as Attributes)),
    });
    // At the limit the oldest goes, as in the SDK: the last events (a final exception) tell most.
    if (this.events.length > this.sink.limits.maxEvents) {
      this.events.shift();
      this.droppedEvents++;
    }
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= this.sink.limits.maxLinks) this.droppedLinks++;
    else this.links.push({ context: link.context, ...this.bounded(link.attributes) });
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

  /** An exception event when there is a type (the value's `name`, else its `code`) or a message (a string is one). */
  recordException(exception: Exception, time?: TimeInput): void {
    const e = (typeof exception === "string" ? { message: exception } : (exception ?? {})) as Thrown;
    const attributes = exceptionAttributes(e.name || e.code, e);
    if (attributes[EXCEPTION_TYPE] || attributes[EXCEPTION_MESSAGE]) this.addEvent(EXCEPTION_EVENT, attributes, time);
  }
}

type Thrown = { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };

/** An exception event's attributes; message and stack pass the text scrubber: runtimes put URLs (with their credentials) in them. */
function exceptionAttributes(type: unknown, e: Thrown): Attributes {
  const attributes: Attributes = {};
  if (type) attributes[EXCEPTION_TYPE] = String(type);
  const message = e.message == null ? "" : scrubText(String(e.message));
  if (message) attributes[EXCEPTION_MESSAGE] = message;
  if (typeof e.stack === "string") attributes[EXCEPTION_STACKTRACE] = scrubText(e.stack, undefined, 4096);
  return attributes;
}

/**
 * Record a failure on a span: the exception (an event, or a log record: OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN),
 * `error.type` (its name) and ERROR status.
 */
export function failSpan(span: Span, error: unknown): void {
  const e = (error ?? {}) as Thrown;
  const name = typeof e.name === "string" && e.name ? e.name : "_OTHER";
  const attributes = exceptionAttributes(name, e);
  if (!(span instanceof RecordingSpan) || span.sink.exception?.(span, attributes) !== false) span.addEvent(EXCEPTION_EVENT, attributes);
  span.setAttribute(ERROR_TYPE, name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: attributes[EXCEPTION_MESSAGE] as string | undefined });
}

export { SpanKind, SpanStatusCode };
