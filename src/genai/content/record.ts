/**
 * One call's content, from the response's first byte to the call's end: the format's output
 * assembler fed alongside the format's own fold, then, at the end, the request read, the hook
 * applied once, and the bounded attributes. With capture off only the tool calls' ids and names
 * are kept, for `executeTool` when the app uses it, from the events that can carry one;
 * capturing, their arguments too.
 */
import type { Attributes, SpanContext } from "@opentelemetry/api";
import * as A from "../../attributes.js";
import type { Limits } from "../../config.js";
import type { Content, OutputAssembler, OutputMessage, ToolCallRef } from "../content.js";
import type { RequestFacts, SseEvent } from "../types.js";
import { bounded, type ContentPolicy, MESSAGE_ATTRIBUTES, onEvent, onSpan, redact, TOOL_CALL_MARKERS, toolDefinitionsFor } from "./capture.js";
import { dropEmpty } from "./parts.js";
import { CONTENT_READERS } from "./readers.js";
import { toolCallListener } from "../../trace/invocation.js";

export interface ContentOptions extends ContentPolicy {
  /** The request's URL (the readers' second argument when the target names none). */
  url: URL;
}

/**
 * How much output text a reader holds: more than an attribute can take, so anything the reader
 * leaves out is also cut (and marked) when serialized, and a tool call's arguments after a long
 * text are still there to keep; bounded all the same.
 */
const heldChars = (maxContentLength: number) => Math.max(2 * maxContentLength, 65_536);

/** What the end of a call records of its content. */
export interface RecordedContent {
  /** JSON strings for the span (SPAN modes). */
  span: Attributes;
  /** Structured values for the operation-details event (EVENT modes), or undefined. */
  event?: Record<string, unknown>;
}

export class CallContent {
  private readonly assembler: OutputAssembler | undefined;
  /** Capture off: only events this matches reach the assembler. */
  private readonly marker: RegExp | undefined;
  private readonly capturing: boolean;

  constructor(
    private readonly formatId: string,
    private readonly request: RequestFacts,
    private readonly options: ContentOptions | undefined,
    private readonly limits: Limits,
  ) {
    const reader = CONTENT_READERS[formatId];
    this.capturing = options !== undefined && options.mode !== "NO_CONTENT" && request.operation !== "embeddings";
    // Capture off, tool calls are read only for `executeTool`: not at all (not even the marker
    // test on each event) when the app never loaded it.
    this.marker = this.capturing || !toolCallListener.notify ? undefined : TOOL_CALL_MARKERS[formatId];
    try {
      if (reader && (this.capturing || this.marker)) this.assembler = reader.output(this.capturing ? heldChars(limits.maxContentLength) : 0, request.maxTokens);
    } catch {
      options?.failed();
    }
  }

  json(body: unknown): void {
    try {
      this.assembler?.json(body);
    } catch {
      this.options?.failed();
    }
  }

  event(event: SseEvent): void {
    if (!this.assembler || (this.marker && !this.marker.test(event.data))) return;
    try {
      this.assembler.event(event);
    } catch {
      this.options?.failed();
    }
  }

  /**
   * The output's tool calls, whatever the capture mode (undefined when none). Capturing, each
   * also carries its arguments as the output message's tool_call part has them (for
   * `executeTool`); capture off, the assembler holds no text and none are kept.
   */
  toolCalls(): ToolCallRef[] | undefined {
    try {
      const calls = this.assembler?.toolCalls();
      if (!calls || calls.length === 0) return undefined;
      const refs: ToolCallRef[] = calls.map(({ id, name }) => dropEmpty({ id, name }));
      if (this.capturing) withArguments(refs, this.assembler!.messages());
      return refs;
    } catch {
      return undefined;
    }
  }

  /** At the call's end: the request read, the hook applied once, each list bounded. Undefined when nothing is recorded. */
  finish(provider: string, body: Record<string, unknown> | undefined, url: URL | undefined): RecordedContent | undefined {
    const { options, request } = this;
    const reader = CONTENT_READERS[this.formatId];
    if (!this.capturing || !options || !reader) return undefined;
    let content: Content;
    try {
      content = { ...reader.request(body, url ?? options.url), outputMessages: this.assembler?.messages() };
      toolDefinitionsFor(content, options);
    } catch {
      options.failed();
      return undefined;
    }
    const kept = redact(content, { provider, operation: request.operation, requestModel: request.model }, options.redact, options.failed);
    if (!kept) return undefined;
    const out: RecordedContent = { span: {}, event: onEvent(options.mode) ? {} : undefined };
    for (const [key, name] of MESSAGE_ATTRIBUTES) {
      const list = kept[key];
      if (!list) continue;
      // Serialized once, for the span and the event alike (capturing, at least one of them takes it).
      const json = bounded(list, this.limits.maxContentLength);
      if (json === undefined) {
        // Not serializable (a hook's cycle or BigInt): none of this call's content.
        options.failed();
        return undefined;
      }
      if (onSpan(options.mode)) out.span[name] = json;
      // Plain data for the event (what the JSON says), whatever the hook returned.
      if (out.event) out.event[name] = JSON.parse(json);
    }
    return out;
  }
}

/**
 * Each call's arguments from its tool_call part: the part with its id, or, without an id, the
 * next part of its name without one (the order the model made them).
 */
function withArguments(refs: ToolCallRef[], messages: readonly OutputMessage[]): void {
  const parts: { id?: unknown; name?: unknown; arguments?: unknown }[] = [];
  for (const m of messages) for (const p of m?.parts ?? []) if (p?.type === "tool_call") parts.push(p as (typeof parts)[number]);
  const used = new Set<number>();
  for (const ref of refs) {
    const i = parts.findIndex((p, k) => !used.has(k) && p.name === ref.name && (ref.id === undefined ? p.id === undefined : p.id === ref.id));
    if (i < 0) continue;
    used.add(i);
    if (parts[i]!.arguments !== undefined) ref.arguments = parts[i]!.arguments;
  }
}

/**
 * The operation-details event (`CallRecord.contentEvent`): the span's attributes but our own
 * (`otel_genai_edge.*`), the server's address, the content as structured values, and the ids of
 * the call's span.
 */
export function contentEvent(
  spanAttributes: Attributes,
  server: { serverAddress: string; serverPort: number },
  content: Record<string, unknown>,
  { traceId, spanId }: SpanContext,
  timeMs: number,
): { attributes: Record<string, unknown>; traceId: string; spanId: string; timeMs: number } {
  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(spanAttributes)) if (!key.startsWith("otel_genai_edge.")) attributes[key] = spanAttributes[key];
  if (server.serverAddress) {
    attributes[A.SERVER_ADDRESS] = server.serverAddress;
    attributes[A.SERVER_PORT] = server.serverPort;
  }
  return { attributes: Object.assign(attributes, content), traceId, spanId, timeMs };
}
