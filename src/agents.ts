/**
 * Agent and tool spans the app opens around its own code (`invokeAgent`, `executeTool`): INTERNAL
 * spans of the GenAI conventions, active while the wrapped function runs, so the LLM calls and
 * tools inside are their descendants. Where the runtime has AsyncLocalStorage (see
 * trace/context.ts) that holds across awaits; without it only the synchronous part of the
 * function sees the span, and later calls attach to the invocation's root as usual.
 *
 * Tracing never changes what the function does: it is called exactly once, its result or error
 * passes through untouched, and outside any invocation it simply runs.
 */
import { type Attributes, type Context, context, createContextKey, type Span, SpanKind, trace } from "@opentelemetry/api";
import {
  ERROR_TYPE,
  GEN_AI_AGENT_DESCRIPTION,
  GEN_AI_AGENT_ID,
  GEN_AI_AGENT_NAME,
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_CALL_RESULT,
  GEN_AI_TOOL_DESCRIPTION,
  GEN_AI_TOOL_NAME,
  GEN_AI_TOOL_TYPE,
} from "./attributes.js";
import { str } from "./genai/json.js";
import { bounded, onSpan, redact } from "./genai/content/capture.js";
import { METRICS, type MetricDescriptor, short } from "./metrics/genai-metrics.js";
import { givenCall, type Match, matchOf, nextCallId, setAttributeLate, trackToolSpan, whenMatchedLate } from "./tool-calls.js";
import { nowMs } from "./trace/clock.js";
import type { Invocation } from "./trace/invocation.js";
import { failSpan, RecordingSpan } from "./trace/span.js";
import { resolveScope, startSpanIn } from "./trace/tracer.js";

export interface AgentOptions {
  name: string;
  /** A stable id of a hosted agent (v1.41 profile only: latest defines none on in-process agents). */
  id?: string;
  description?: string;
}

export interface ToolOptions {
  name: string;
  /** The model's id for this call; else taken from the latest LLM response in this invocation that asked for `name`. */
  callId?: string;
  /** `function` (default: run by the app), `extension`, `datastore`, or another kind. */
  type?: string;
  description?: string;
  /**
   * What the tool was called with, recorded only when content capture puts content on spans (JSON
   * text is parsed). Absent: the arguments of the model's tool call whose id the span carries.
   */
  arguments?: unknown;
}

/** The agent a tool runs under (latest puts its name on execute_tool). */
const AGENT_KEY = createContextKey("otel-genai-edge.agent");

/**
 * The latest profile's agent and tool duration (genai docs/gen-ai/gen-ai-metrics.md), recorded
 * whether or not the trace is sampled, with the span's duration and error.type: what the sample
 * carries of the span, names cut as a metric series keeps them.
 */
function sampled(invocation: Invocation, descriptor: MetricDescriptor, span: Attributes, keys: string[]): Started["sample"] {
  if (invocation.pipeline.profile.name !== "latest") return undefined;
  const attributes: Attributes = {};
  for (const key of keys) if (typeof span[key] === "string" && span[key]) attributes[key] = short(span[key] as string);
  return { invocation, descriptor, attributes, startMs: nowMs() };
}

/** Runs `fn` inside an INTERNAL `invoke_agent {name}` span; returns its result, rethrows its error. */
export function invokeAgent<T>(options: AgentOptions, fn: () => T): T {
  return traced(fn, (ctx, invocation) => {
    const latest = invocation.pipeline.profile.name === "latest";
    const name = str(options?.name);
    const attributes: Attributes = { [GEN_AI_OPERATION_NAME]: "invoke_agent" };
    if (name) attributes[GEN_AI_AGENT_NAME] = name;
    if (!latest && str(options.id)) attributes[GEN_AI_AGENT_ID] = str(options.id);
    if (str(options.description)) attributes[GEN_AI_AGENT_DESCRIPTION] = str(options.description);
    const span = startSpanIn(invocation.pipeline.scope, name ? `invoke_agent ${name}` : "invoke_agent", { kind: SpanKind.INTERNAL, attributes }, ctx);
    return {
      span,
      sample: sampled(invocation, METRICS.invokeAgentDuration, attributes, [GEN_AI_AGENT_NAME]),
      context: name ? trace.setSpan(ctx, span).setValue(AGENT_KEY, name) : trace.setSpan(ctx, span),
      // v1.41 requires the provider on the span: the one its LLM calls went to, when they agree.
      end: latest ? undefined : () => setProvider(span, invocation),
    };
  });
}

/** Runs `fn` inside an INTERNAL `execute_tool {name}` span; returns its result, rethrows its error. */
export function executeTool<T>(options: ToolOptions, fn: () => T): T {
  return traced(fn, (ctx, invocation) => {
    const name = str(options?.name) ?? "";
    const given = str(options.callId);
    const known = given ? givenCall(invocation, name, given) : nextCallId(invocation, name);
    const callId = known.match?.call.id ?? given;
    const attributes: Attributes = {
      [GEN_AI_OPERATION_NAME]: "execute_tool",
      [GEN_AI_TOOL_NAME]: name,
      [GEN_AI_TOOL_TYPE]: str(options.type) ?? "function",
    };
    if (str(options.description)) attributes[GEN_AI_TOOL_DESCRIPTION] = str(options.description);
    if (callId) attributes[GEN_AI_TOOL_CALL_ID] = callId;
    const agent = ctx.getValue(AGENT_KEY);
    if (invocation.pipeline.profile.name === "latest" && typeof agent === "string") attributes[GEN_AI_AGENT_NAME] = agent;
    const span = startSpanIn(invocation.pipeline.scope, name ? `execute_tool ${name}` : "execute_tool", { kind: SpanKind.INTERNAL, attributes }, ctx);
    trackToolSpan(invocation, name, span, known);
    const capture = span.isRecording() && onSpan(invocation.pipeline.config.captureMessageContent);
    const own = options.arguments;
    return {
      span,
      sample: sampled(invocation, METRICS.executeToolDuration, attributes, [GEN_AI_TOOL_NAME, GEN_AI_TOOL_TYPE, GEN_AI_AGENT_NAME]),
      context: trace.setSpan(ctx, span),
      end: capture
        ? (result, failed) => {
            const match = matchOf(span);
            recordToolContent(span, invocation, name, match?.call.id ?? callId, own ?? match?.call.arguments, result, failed, match);
            // Ended before the model's response was recorded: its arguments are written when it is.
            if (own === undefined && !match) whenMatchedLate(span, (m) => recordToolContent(span, invocation, name, m.call.id, m.call.arguments, undefined, false, m));
          }
        : undefined,
    };
  });
}

interface Started {
  span: Span;
  context: Context;
  /** The duration metric's sample (latest profile). */
  sample?: { invocation: Invocation; descriptor: MetricDescriptor; attributes: Attributes; startMs: number };
  /** Last words before the span ends: the result, or `failed` when fn threw. */
  end?: (result: unknown, failed: boolean) => void;
}

/**
 * Runs `fn` once inside the span `start` opens (none outside an invocation, or when starting
 * fails): a promise-like result ends the span when it settles, anything else at once. The
 * result returned is fn's own object, whatever it is.
 */
function traced<T>(fn: () => T, start: (ctx: Context, invocation: Invocation) => Started): T {
  let started: Started | undefined;
  try {
    const ctx = context.active();
    const { invocation } = resolveScope(ctx);
    if (invocation) started = start(ctx, invocation);
  } catch {
    started = undefined;
  }
  if (!started) return fn();
  const s = started;
  let result: T;
  try {
    result = context.with(s.context, fn);
  } catch (error) {
    finish(s, undefined, error);
    throw error;
  }
  if (!isPromiseLike(result)) {
    finish(s, result);
    return result;
  }
  // The original goes back, so a thenable's own methods stay (OpenAI's APIPromise.withResponse()).
  // Its settlement is watched on the side: that calls its `then` once, which starts a lazy
  // thenable (a query builder) now rather than when awaited; the app awaits it anyway, and
  // a well-formed thenable runs once however many `then`s it is given. The watcher's own chain
  // settles quietly: the app, not us, sees the rejection.
  try {
    Promise.resolve(result)
      .then(
        (value) => finish(s, value),
        (error: unknown) => finish(s, undefined, error),
      )
      .catch(() => undefined);
  } catch {
    // a hostile `constructor` getter on a promise: the app meets it itself; the span ends now
    finish(s, result);
  }
  return result;
}

const NO_ERROR = Symbol("no error");

function finish(s: Started, result: unknown, error: unknown = NO_ERROR): void {
  const failed = error !== NO_ERROR;
  // Each step apart: whatever fails in one, the span still ends. Never into the app.
  try {
    s.end?.(result, failed);
  } catch {
    // content or provider left out
  }
  try {
    if (failed) {
      failSpan(s.span, error);
      s.span.setAttribute(ERROR_TYPE, errorType(error));
    }
  } catch {
    // status left out
  }
  try {
    const m = s.sample;
    if (m) {
      const attributes = failed ? { ...m.attributes, [ERROR_TYPE]: short(errorType(error)) } : m.attributes;
      m.invocation.recordSample({ descriptor: m.descriptor, attributes, value: Math.max(0, nowMs() - m.startMs) / 1000 });
    }
  } catch {
    // the sample left out
  }
  try {
    s.span.end();
  } catch {
    // nothing more to do
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  try {
    return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
  } catch {
    return false; // a `then` getter that throws: not ours to call
  }
}

/** The error's type name: its `name`, or its class when the name is the generic "Error" (a subclass that kept it). */
function errorType(error: unknown): string {
  const e = error as { name?: unknown; constructor?: { name?: unknown } } | null | undefined;
  if (typeof e !== "object" && typeof e !== "function") return "_OTHER";
  const name = typeof e?.name === "string" && e.name ? e.name : undefined;
  const ctor = typeof e?.constructor?.name === "string" && e.constructor.name !== "Object" ? e.constructor.name : undefined;
  return (name === "Error" && ctor ? ctor : (name ?? ctor)) || "_OTHER";
}

// Tool content (opt-in) and the agent's provider (v1.41). Tool call ids: tool-calls.ts.

/**
 * `gen_ai.tool.call.arguments` and `.result` as JSON text, after the `redactContent` hook: it
 * sees them as a tool call (input) and its response (output), and what it returns is recorded.
 * Its info names the LLM call that asked for the tool, when that call's record is found.
 */
function recordToolContent(
  span: Span,
  invocation: Invocation,
  name: string,
  id: string | undefined,
  args: unknown,
  result: unknown,
  failed: boolean,
  match: Match | undefined,
): void {
  const { config } = invocation.pipeline;
  const parsed = typeof args === "string" ? parseOr(args) : args;
  const call = { type: "tool_call", ...(id ? { id } : {}), name, ...(parsed === undefined ? {} : { arguments: parsed }) };
  const response = { type: "tool_call_response", ...(id ? { id } : {}), response: result };
  const hasResult = !failed && result !== undefined;
  if (parsed === undefined && !hasResult) return;
  const content = redact(
    {
      ...(parsed === undefined ? {} : { inputMessages: [{ role: "assistant", parts: [call] }] }),
      ...(hasResult ? { outputMessages: [{ role: "tool", parts: [response] }] } : {}),
    },
    { ...askedBy(invocation, match), operation: "execute_tool" },
    config.redactContent,
    () => invocation.pipeline.selfError(),
  );
  const max = Math.min(config.limits.maxContentLength, config.limits.maxAttributeLength);
  const argsOut = firstPart(content?.inputMessages, "tool_call", "arguments");
  const resultOut = firstPart(content?.outputMessages, "tool_call_response", "response");
  if (argsOut.found) setJson(span, GEN_AI_TOOL_CALL_ARGUMENTS, argsOut.value, max);
  if (resultOut.found) setJson(span, GEN_AI_TOOL_CALL_RESULT, resultOut.value, max);
}

/**
 * The provider and request model of the LLM call whose response held the match (its record
 * holds the very list the listener was given). Not found (no match, or a tool span that ended
 * before that record was stored, written late): provider "".
 */
function askedBy(invocation: Invocation, match: Match | undefined): { provider: string; requestModel?: string } {
  const record = match && invocation.calls.find((r) => r.toolCalls === match.from);
  if (!record) return { provider: "" };
  return record.requestModel === undefined ? { provider: record.provider } : { provider: record.provider, requestModel: record.requestModel };
}

function parseOr(text: string): unknown {
  try {
    return text.trim() === "" ? text : JSON.parse(text);
  } catch {
    return text;
  }
}

/** A field of the first part of type `type` in the messages (the hook may have changed or removed it). */
function firstPart(messages: unknown, type: string, field: string): { found: boolean; value?: unknown } {
  if (!Array.isArray(messages)) return { found: false };
  for (const m of messages) {
    const parts = (m as { parts?: unknown })?.parts;
    if (!Array.isArray(parts)) continue;
    for (const p of parts) {
      if ((p as { type?: unknown })?.type === type && field in p && (p as Record<string, unknown>)[field] !== undefined) {
        return { found: true, value: (p as Record<string, unknown>)[field] };
      }
    }
  }
  return { found: false };
}

/** One value as JSON text of at most `max` characters, still valid JSON (long strings shortened and marked). */
function setJson(span: Span, key: string, value: unknown, max: number): void {
  // bounded() bounds a list: the value is its only item, unwrapped again.
  const json = bounded([value], max + 2);
  if (json && json !== "[]") setAttributeLate(span, key, json.slice(1, -1));
}

/** The provider the agent's GenAI descendants called, when there is exactly one. */
function setProvider(span: Span, invocation: Invocation): void {
  if (!(span instanceof RecordingSpan)) return;
  const agentId = span.spanContext().spanId;
  const parentOf = new Map<string, string | undefined>();
  for (const s of invocation.spans) parentOf.set(s.spanContext().spanId, s.parent?.spanId);
  const providers = new Set<string>();
  for (const s of invocation.spans) {
    const provider = s.attributes[GEN_AI_PROVIDER_NAME];
    if (typeof provider !== "string") continue;
    let up = s.parent?.spanId;
    for (let depth = 0; up && up !== agentId && depth < parentOf.size; depth++) up = parentOf.get(up);
    if (up === agentId) providers.add(provider);
  }
  if (providers.size === 1) span.setAttribute(GEN_AI_PROVIDER_NAME, [...providers][0]!);
}
