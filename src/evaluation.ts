/**
 * `recordEvaluation`: how good an LLM answer was, as a `gen_ai.evaluation.result` event (an OTLP
 * log record exported with the invocation's batch). Upstream (model/gen-ai/events.yaml): the event
 * SHOULD be parented to the evaluated GenAI span when possible, else carry `gen_ai.response.id`.
 *
 * Callable anywhere in a handler, including `ctx.waitUntil` work after the response (the
 * invocation waits for that work before it flushes). Outside any invocation, or once it has
 * flushed, it does nothing (said at DEBUG). Never throws.
 */
import { context } from "@opentelemetry/api";
import {
  ERROR_TYPE,
  GEN_AI_EVALUATION_EXPLANATION,
  GEN_AI_EVALUATION_NAME,
  GEN_AI_EVALUATION_RESULT,
  GEN_AI_EVALUATION_SCORE_LABEL,
  GEN_AI_EVALUATION_SCORE_VALUE,
  GEN_AI_RESPONSE_ID,
} from "./attributes.js";
import { debug, warnOnce } from "./diag.js";
import { SEVERITY_INFO } from "./exporter/logs.js";
import { num } from "./genai/json.js";
import { nowMs } from "./trace/clock.js";
import { type Invocation, invocationFrom, soleInvocation } from "./trace/invocation.js";


export interface Evaluation {
  /** What was evaluated for (`relevance`, `hallucination`...). Required. */
  name: string;
  /** The score, a number (recorded as a double). */
  scoreValue?: number;
  /** A low-cardinality label for the score (`pass`, `fail`, `relevant`...). */
  scoreLabel?: string;
  /** Why: free text. */
  explanation?: string;
  /** The evaluated response's id (`gen_ai.response.id`): when it is a call of this invocation, the event points at that call's span. */
  responseId?: string;
  /**
   * The evaluation itself failed (the judge timed out, its answer would not parse): a
   * low-cardinality type (`timeout`, a provider's code, an exception's name), as `error.type`.
   * Such a result usually has no score.
   */
  errorType?: string;
}

export function recordEvaluation(evaluation: Evaluation): void {
  let invocation: Invocation | undefined;
  try {
    invocation = invocationFrom(context.active()) ?? soleInvocation();
    if (!invocation) {
      debug(`recordEvaluation(${JSON.stringify(String(evaluation?.name))}) outside an instrumented invocation (or after its export): not recorded`);
      return;
    }
    const { name, scoreValue, scoreLabel, explanation, responseId, errorType } = evaluation ?? ({} as Evaluation);
    if (typeof name !== "string" || name === "") {
      warnOnce("evaluation-name", "recordEvaluation needs a non-empty `name`: not recorded");
      return;
    }
    const max = invocation.limits.maxAttributeLength;
    const text = (value: unknown) => (typeof value === "string" && value ? value.slice(0, max) : undefined);
    const score = num(scoreValue);
    if (scoreValue !== undefined && score === undefined) {
      warnOnce("evaluation-score", "recordEvaluation: `scoreValue` must be a finite number: left out");
    }
    const attributes: Record<string, unknown> = {
      [GEN_AI_EVALUATION_NAME]: text(name),
      [GEN_AI_EVALUATION_SCORE_VALUE]: score,
      [GEN_AI_EVALUATION_SCORE_LABEL]: text(scoreLabel),
      [GEN_AI_EVALUATION_EXPLANATION]: text(explanation),
      [GEN_AI_RESPONSE_ID]: text(responseId),
      [ERROR_TYPE]: text(errorType),
    };
    // The evaluated call's span when it is one of ours, else the invocation's own (its SERVER span's).
    const target = (typeof responseId === "string" && invocation.responseSpan(responseId)) || invocation.parentContext;
    invocation.recordLog({
      eventName: GEN_AI_EVALUATION_RESULT,
      timeMs: nowMs(),
      // Upstream sets no severity for this event: INFO, the events default.
      severityNumber: SEVERITY_INFO,
      attributes,
      traceId: target?.traceId,
      spanId: target?.spanId,
      traceFlags: target?.traceFlags,
    });
  } catch {
    // Never into the app; nothing to count against without an invocation.
    try {
      invocation?.pipeline.selfError();
    } catch {}
  }
}
