/**
 * An SDK's own span for an LLM call (the Anthropic SDK's `anthropic.messages.create`, the AI SDK's
 * call spans), which ours takes the place of so that a call gives one GenAI span: the one a call
 * runs under, or, for the AI SDK's calls made outside their span's context, the one open in the
 * invocation. Used by the fetch tracer and the Workers AI binding alike.
 */
import { type Context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { AI_OPERATION_ID, AI_SDK_CALL_OPERATIONS, GEN_AI_OPERATION_NAME, GEN_AI_REQUEST_MODEL } from "../attributes.js";
import type { RequestFacts } from "../genai/types.js";
import type { Pipeline } from "../pipeline.js";
import type { Invocation } from "./invocation.js";
import { type RuntimeSpan, startedWith } from "./platform.js";
import { RecordingSpan } from "./span.js";

/** What a call takes the place of, once its request is read: an SDK span (see `sdkSpanFor`). */
export type SdkSpanOf = SdkSpan | ((request: RequestFacts) => SdkSpan | undefined);

/**
 * The SDK span a call made in `ctx` may take the place of: the one it runs under
 * (`sdkGenAISpan`), else a choice among those open in the invocation, made once the request is
 * read (`sdkSiblingSpan`); undefined when there is none.
 */
export function sdkSpanFor(ctx: Context, invocation: Invocation): SdkSpanOf | undefined {
  const { pipeline } = invocation;
  const active = sdkGenAISpan(ctx, pipeline);
  if (active) return active;
  const open = invocation.openForeignSpans(isSdkCallSpan);
  const runtime = invocation.openRuntimeSpans((span) => isSdkCallSpan(span.facts));
  if (open.length + runtime.length === 0) return undefined;
  return sdkSiblingSpan(() => [...open.map((span) => ofRecording(span, pipeline)), ...runtime.map((span) => ofRuntime(span, pipeline))]);
}

/** `sdkSpanFor`'s answer for a request that has been read. */
export const sdkSpanForRequest = (of: SdkSpanOf | undefined, request: RequestFacts): SdkSpan | undefined => (typeof of === "function" ? of(request) : of);

/**
 * A GenAI span an SDK made itself (the Anthropic SDK's `anthropic.messages.create`) that this
 * call runs under. One LLM call must give one GenAI span: ours (full attributes, the active
 * semconv profile, ends with the stream) replaces it in place, taking its span id so anything
 * parented to it stays connected, unless the user keeps SDK spans; a span from another tracer
 * provider cannot be replaced, so ours then stays a plain HTTP span.
 */
function sdkGenAISpan(ctx: Context, pipeline: Pipeline): SdkSpan | undefined {
  const span = trace.getSpan(ctx) as (Span & Facts) | undefined;
  if (!span) return undefined;
  // A span of Deno's provider shows nothing of itself: what it was started with, when seen.
  const facts = span.attributes === undefined ? (startedWith(span) ?? span) : span;
  return isSdkCallSpan(facts) ? sdkSpanOf(span, pipeline, facts) : undefined;
}

type Facts = { kind?: SpanKind; attributes?: Record<string, unknown> };

export type SdkSpan = { replace?: RecordingSpan };

function sdkSpanOf(span: Span, pipeline: Pipeline, facts: Facts = span as Facts): SdkSpan | undefined {
  const replaceable = span instanceof RecordingSpan && span.scope !== pipeline.scope;
  // The AI SDK's older call span (no gen_ai.operation.name) is not a GenAI span of the
  // conventions: where it stays, ours stays the call's GenAI span beside it.
  if (legacyCall(facts) && (!replaceable || pipeline.config.sdkSpans === "keep")) return undefined;
  if (span instanceof RecordingSpan) return replaceable ? { replace: span } : undefined;
  return {};
}

/**
 * An SDK's own LLM call span: a CLIENT span of an inference operation (an agent's or a tool's
 * span above the call, invoke_agent or execute_tool, is the call's parent, never replaced), or
 * the call span of the AI SDK's older telemetry (`LegacyOpenTelemetry`), marked by `ai.operationId`.
 */
function isSdkCallSpan(span: Facts): boolean {
  const operation = span.attributes?.[GEN_AI_OPERATION_NAME];
  return (span.kind === SpanKind.CLIENT && typeof operation === "string" && INFERENCE.has(operation)) || legacyCall(span);
}

const legacyCall = (span: { attributes?: Record<string, unknown> }) => {
  const id = span.attributes?.[AI_OPERATION_ID];
  return typeof id === "string" && AI_SDK_CALL_OPERATIONS.has(id);
};

/** An SDK span open in the invocation, as the choice among them reads it (at the time of choosing). */
interface Candidate {
  id: string;
  parentId: string | undefined;
  ended: boolean;
  model: unknown;
  operation: unknown;
  /** Replaced by an earlier call already. */
  taken: boolean;
  take(): SdkSpan | undefined;
}

const ofRecording = (span: RecordingSpan, pipeline: Pipeline): Candidate => ({
  id: span.spanContext().spanId,
  parentId: span.parent?.spanId,
  ended: span.ended,
  model: span.attributes[GEN_AI_REQUEST_MODEL],
  operation: span.attributes[GEN_AI_OPERATION_NAME],
  taken: span.unexported,
  take: () => sdkSpanOf(span, pipeline),
});

/** One of Deno's: what it was started with (it never is taken: it cannot be replaced). */
const ofRuntime = (span: RuntimeSpan, pipeline: Pipeline): Candidate => ({
  id: span.id,
  parentId: span.parentId,
  ended: span.ended,
  model: span.facts.attributes[GEN_AI_REQUEST_MODEL],
  operation: span.facts.attributes[GEN_AI_OPERATION_NAME],
  taken: false,
  take: () => sdkSpanOf(span.span, pipeline, span.facts),
});

/**
 * The AI SDK runs some calls (embed, generateObject) outside its call span's context: the span is
 * open in this invocation but not the active one (ours, or Deno's provider's). This call's is the earliest started such span
 * of the same model (`gen_ai.request.model`, the old shapes too) and the same kind of operation
 * (embeddings or not: the AI SDK names an object call `chat` where a format may say
 * `generate_content`) that no other such span lies under (the AI SDK's embed operation span is
 * a CLIENT `embeddings` span too, with its call span under it) and that no call has taken yet;
 * when every one was taken, the latest taken (a retry, a sibling of the first attempt). None:
 * undefined. Chosen once the request is read (`prepare`).
 */
function sdkSiblingSpan(candidates: () => Candidate[]): (request: RequestFacts) => SdkSpan | undefined {
  return (request) => {
    if (request.model === undefined) return undefined;
    const open = candidates();
    const embeddings = request.operation === "embeddings";
    const parents = new Set(open.map((span) => span.parentId));
    let taken: Candidate | undefined;
    for (const span of open) {
      if (span.ended || parents.has(span.id) || span.model !== request.model) continue;
      if (span.operation !== undefined && (span.operation === "embeddings") !== embeddings) continue;
      if (!span.taken) return span.take();
      taken = span;
    }
    return taken?.take();
  };
}

const INFERENCE = new Set(["chat", "text_completion", "generate_content", "embeddings"]);
