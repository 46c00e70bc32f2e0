/**
 * One LLM call as it happens: the span's GenAI attributes at start, the response folded as it
 * streams (through the format's pure parser), the chunk timings, and the end.
 *
 * Chunk timings: a chunk is a server-sent event the format says carries model output. Its time
 * is the moment the network read that completed it arrived. Time to first chunk is measured
 * from the request being issued; each later chunk gives one gap sample (previous chunk → this
 * one), kept in a fixed-bucket histogram so memory stays flat however long the stream runs.
 */
import { type Attributes, type Span, type SpanContext, SpanStatusCode } from "@opentelemetry/api";
import * as A from "../attributes.js";
import type { SemconvProfile } from "../attributes.js";
import type { Limits, ResolvedConfig } from "../config.js";
import type { BodyObserver, BodyOutcome } from "../fetch/observe-body.js";
import { costOf } from "../metrics/cost.js";
import { DURATION_BOUNDS, Histogram } from "../metrics/histogram.js";
import { scrubText } from "../fetch/redact.js";
import type { ToolCallRef } from "./content.js";
import { CallContent, type ContentOptions, contentEvent } from "./content/record.js";
import { framingOf, jsonDocument, STREAM_FRAMINGS } from "./framing.js";
import { lookup } from "./json.js";
import { errorCode, finishReasons } from "./outcome.js";
import { newResponseFacts, type ProviderFormat, type RequestFacts, type ResponseFacts } from "./types.js";

/** Who is called and in which format: detected from an HTTP request, or known (a binding). */
export interface CallTarget {
  provider: string;
  format: ProviderFormat;
  /** The request body the format reads, and the URL when it is not the request's (a gateway step's). */
  body?: Record<string, unknown>;
  url?: URL;
  /** The AI Gateway universal endpoint's steps, by index: the response's `cf-aig-step` says which answered. */
  steps?: (CallTarget | undefined)[];
}

/** What the metrics need from a finished call; the tool calls and, when capture asks for it, the content event. */
export interface CallRecord {
  operation: string;
  provider: string;
  requestModel?: string;
  responseModel?: string;
  serverAddress: string;
  serverPort: number;
  errorType?: string;
  /** The span status's description of a failure (never the provider's text): the exception event's message. */
  errorMessage?: string;
  /** The call's span (recorded or not): its events point at it. */
  spanContext?: SpanContext;
  durationS: number;
  streaming: boolean;
  ttfcS?: number;
  gaps: Histogram;
  usage: ResponseFacts["usage"];
  /** The format's provider-specific response attributes (`openai.response.service_tier`...). */
  attributes?: Attributes;
  /** From the configured price table; undefined when the model is not in it. */
  costUsd?: number;
  /** As on the span (`gen_ai.response.finish_reasons`), one per choice. */
  finishReasons?: string[];
  /** How many times this request was sent before (an official SDK's `x-stainless-retry-count`; 0 on the first attempt). */
  resendCount: number;
  endMs: number;
  /** The output's tool calls (id, name), whatever the capture mode, and their arguments when capture is on: `executeTool` takes its call id (and arguments) from them. */
  toolCalls?: ToolCallRef[];
  /**
   * Capture mode EVENT_ONLY or SPAN_AND_EVENT: the `gen_ai.client.inference.operation.details`
   * event's attributes (the span's GenAI, server and error attributes, and the content as
   * structured values), with the ids of the call's span.
   */
  contentEvent?: { attributes: Record<string, unknown>; traceId: string; spanId: string; timeMs: number };
}

export function spanName(request: RequestFacts): string {
  return request.model ? `${request.operation} ${request.model}` : request.operation;
}

/** Attributes known before the call is sent (the sampling-relevant ones first). */
export function requestAttributes(detected: CallTarget, request: RequestFacts, profile: SemconvProfile): Attributes {
  const a: Attributes = {
    [A.GEN_AI_OPERATION_NAME]: request.operation,
    [A.GEN_AI_PROVIDER_NAME]: detected.provider,
  };
  const set = (key: string, value: Attributes[string]) => {
    if (value !== undefined) a[key] = value;
  };
  set(A.GEN_AI_REQUEST_MODEL, request.model);
  if (request.stream) a[A.GEN_AI_REQUEST_STREAM] = true;
  set(A.GEN_AI_REQUEST_MAX_TOKENS, request.maxTokens);
  set(A.GEN_AI_REQUEST_TEMPERATURE, request.temperature);
  set(A.GEN_AI_REQUEST_TOP_P, request.topP);
  set(A.GEN_AI_REQUEST_TOP_K, request.topK);
  set(A.GEN_AI_REQUEST_FREQUENCY_PENALTY, request.frequencyPenalty);
  set(A.GEN_AI_REQUEST_PRESENCE_PENALTY, request.presencePenalty);
  set(A.GEN_AI_REQUEST_STOP_SEQUENCES, request.stopSequences);
  set(A.GEN_AI_REQUEST_SEED, request.seed);
  // Only a count other than 1: the readers leave out `n: 1` (openai-chat.ts, gemini.ts).
  set(A.GEN_AI_REQUEST_CHOICE_COUNT, request.choiceCount);
  set(A.GEN_AI_OUTPUT_TYPE, request.outputType);
  if (profile.laterRequestAttributes) {
    set(A.GEN_AI_REQUEST_REASONING_LEVEL, request.reasoningLevel);
    set(A.GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID, request.previousResponseId);
  }
  set(A.GEN_AI_REQUEST_ENCODING_FORMATS, request.encodingFormats);
  set(A.GEN_AI_CONVERSATION_ID, request.conversationId);
  return Object.assign(a, lookup(PROVIDER_ATTRIBUTES, detected.provider), request.attributes, detected.format.requestAttributes?.(detected.provider, request));
}

/**
 * Attributes a provider's conventions fix to one value, whatever the wire format (Azure AI
 * Inference speaks the OpenAI chat format): `azure.resource_provider.namespace` MUST be
 * `Microsoft.CognitiveServices` when set.
 */
const PROVIDER_ATTRIBUTES: Record<string, Attributes> = {
  "azure.ai.inference": { [A.AZURE_RESOURCE_PROVIDER_NAMESPACE]: "Microsoft.CognitiveServices" },
};

/**
 * What a call needs to know: the settings it reads, not the pipeline they come from (so the
 * genai layer never imports the exporting one). The provider-specific attribute hooks come with
 * the format, in `detected`.
 */
export interface CallOptions {
  span: Span;
  detected: CallTarget;
  request: RequestFacts;
  startMs: number;
  /** Empty (and port 0) for a binding call, which has no network address. */
  serverAddress: string;
  serverPort: number;
  limits: Limits;
  profile: SemconvProfile;
  prices: ResolvedConfig["prices"];
  /** How many times this request was sent before (an official SDK's `x-stainless-retry-count`). */
  resendCount?: number;
  /** Content capture (off when absent). */
  content?: ContentOptions;
  onEnd: (record: CallRecord) => void;
}

export class GenAICall {
  readonly facts: ResponseFacts = newResponseFacts();
  readonly gaps = new Histogram(DURATION_BOUNDS);
  private status = 0;
  private headerError: string | undefined;
  private firstChunkMs: number | undefined;
  private lastChunkMs = 0;
  /** When the response headers arrived. */
  private responseMs = 0;
  /** When the app last pulled a chunk of the stream (the invocation keeps a stream in use). */
  activityMs = 0;
  /** Ended: answered and read, failed, or abandoned at its invocation's flush. */
  ended = false;
  private parseDropped = 0;
  /** The output read for content (or only for tool call ids), made with the observer. */
  private content: CallContent | undefined;

  readonly span: Span;
  /** Who answers, and what was asked: a gateway's fallback step replaces them when it answered. */
  detected: CallTarget;
  request: RequestFacts;
  readonly startMs: number;

  constructor(private readonly options: CallOptions) {
    ({ span: this.span, detected: this.detected, request: this.request, startMs: this.startMs } = options);
  }

  /** Whether the response is read as a stream of events (set by `observer`), not as one document. */
  streaming = false;

  /** An observer for the response body: its stream framing, or one JSON document. */
  observer(response: Response, now: () => number): BodyObserver {
    this.responded(response);
    this.responseMs = now();
    const { format } = this.detected;
    const { limits } = this.options;
    const end = (outcome: BodyOutcome, error: unknown, dropped: number, atMs: number) => {
      this.parseDropped = dropped;
      this.end(outcome, error, atMs);
    };
    const framing = framingOf(response, format, this.request);
    this.streaming = framing !== undefined;
    const content = this.newContent();
    if (!framing) {
      return jsonDocument(limits.maxJsonBodyBytes, now, {
        take: (body) => {
          format.json(body, this.facts);
          content.json(body);
        },
        end,
      });
    }
    return STREAM_FRAMINGS[framing](limits.maxEventBytes, now, {
      take: (event, atMs) => {
        if (format.event(event, this.facts)) this.chunk(atMs);
        content.event(event);
      },
      read: (atMs) => {
        this.activityMs = atMs;
      },
      end,
    });
  }

  private newContent(): CallContent {
    return (this.content = new CallContent(this.detected.format.id, this.request, this.options.content, this.options.limits));
  }

  private chunk(atMs: number): void {
    if (this.firstChunkMs === undefined) this.firstChunkMs = atMs;
    else this.gaps.record(Math.max(0, atMs - this.lastChunkMs) / 1000);
    this.lastChunkMs = atMs;
    this.facts.chunks = (this.facts.chunks ?? 0) + 1;
  }

  /** The call failed before a response arrived (network error, abort). */
  fail(error: unknown, atMs: number): void {
    this.end("error", error, atMs);
  }

  /**
   * The app never read the response to its end, and its invocation is being flushed (at `nowMs`):
   * end the call with what was seen, at the last moment anything arrived, marked as abandoned; a
   * call still waiting for its answer ends now, the time it was seen to take.
   */
  abandon(nowMs: number): void {
    this.end("abandon", undefined, this.responseMs ? Math.max(this.lastChunkMs, this.responseMs) : nowMs);
  }

  /** A whole answer that is no HTTP body (a binding's result): read as the format's one JSON document, content too. */
  endWithDocument(response: Response, body: unknown, atMs: number): void {
    this.responded(response);
    this.detected.format.json(body, this.facts);
    this.newContent().json(body);
    this.end("done", undefined, atMs);
  }

  /** A response that has no body to watch. */
  endWithoutBody(response: Response, atMs: number): void {
    this.responded(response);
    this.end("done", undefined, atMs);
  }

  /** The status, and an error code the provider sends in a header rather than in the body. */
  private responded(response: Response): void {
    this.status = response.status;
    // A gateway fallback answered: the call is that step's (a parameter only the first step set stays on the span).
    const step = this.detected.steps?.[Number(response.headers.get("cf-aig-step"))];
    if (step && step !== this.detected.steps?.[0]) {
      this.detected = step;
      this.request = step.format.request(step.body, step.url!, new Headers());
      this.span.updateName(spanName(this.request));
      this.span.setAttributes(requestAttributes(step, this.request, this.options.profile));
    }
    if (response.status >= 400) this.headerError = this.detected.format.errorOfHeaders?.(response.headers);
  }

  private end(outcome: BodyOutcome | "abandon", error: unknown, atMs: number): void {
    if (this.ended) return;
    this.ended = true;
    const { span, facts, request } = this;
    // A consumer that cancels once the stream has signalled its end (the OpenAI SDK cancels the
    // body right after `[DONE]`), or stops reading there (ollama-js after its `done: true` line),
    // has received the whole response: that is a completed call.
    if ((outcome === "cancel" || outcome === "abandon") && facts.complete) outcome = "done";
    const { profile, prices } = this.options;
    const a: Attributes = {};
    const set = (key: string, value: Attributes[string]) => {
      if (value !== undefined) a[key] = value;
    };
    set(A.GEN_AI_RESPONSE_ID, facts.id);
    set(A.GEN_AI_RESPONSE_MODEL, facts.model);
    const u = facts.usage;
    set(A.GEN_AI_USAGE_INPUT_TOKENS, u.input);
    set(A.GEN_AI_USAGE_OUTPUT_TOKENS, u.output);
    set(A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.cacheRead);
    set(profile.cacheWriteInputTokens, u.cacheWrite);
    set(A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning);
    if (profile.modalityUsage) {
      for (const [direction, counts] of [["input", u.inputModalities], ["output", u.outputModalities], ["cache_read.input", u.cacheReadModalities]] as const) {
        for (const [modality, n] of Object.entries(counts ?? {})) {
          const name = n > 0 ? A.usageOfModality(modality, direction) : undefined;
          if (name) a[name] = n;
        }
      }
    }
    set(A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT, facts.embeddingDimensions);
    // The conversation the response names (a Responses call that created one), when the request named none.
    if (request.conversationId === undefined) set(A.GEN_AI_CONVERSATION_ID, facts.conversationId);
    const provided = this.detected.format.responseAttributes?.(this.detected.provider, facts);
    Object.assign(a, provided);
    const ttfcS = this.firstChunkMs !== undefined ? (this.firstChunkMs - this.startMs) / 1000 : undefined;
    if (request.stream) {
      set(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ttfcS);
      a[A.OWN_STREAM_CHUNKS] = facts.chunks ?? 0;
    }
    if (this.parseDropped > 0) a[A.OWN_STREAM_PARSE_DROPPED] = this.parseDropped;
    const costUsd = costOf(prices, [facts.model, request.model], facts.usage);
    set(A.OWN_COST_USD, costUsd);

    // What went wrong, if anything: HTTP status, a failure reported inside a 200, the transport.
    // Provider error texts are never recorded: they echo key fragments and prompt text. Only a
    // provider's error code is, when it looks like one.
    let errorType: string | undefined;
    let message: string | undefined;
    if (this.status >= 400) {
      // The provider's code when its error body has one (`invalid_api_key`, `overloaded_error`):
      // it says more than the status, which then goes in the description instead.
      const code = errorCode(facts.error?.type) ?? errorCode(this.headerError);
      errorType = code ?? String(this.status);
      message = code && `HTTP ${this.status}`;
    } else if (facts.error) {
      errorType = errorCode(facts.error.type) ?? "_OTHER";
      message = errorCode(facts.error.type);
    } else if (outcome === "cancel") {
      errorType = "cancelled";
      message = "the response stream was cancelled by its consumer";
    } else if (outcome === "error") {
      errorType = (error as Error)?.name || "_OTHER";
      message = scrubText(String((error as Error)?.message ?? ""));
    } else if (request.stream && outcome === "done" && !facts.complete && (this.status === 0 || facts.finishReasons.length === 0)) {
      // No end of its own (`[DONE]`, `message_stop`...) and no finish reason: the stream was cut.
      // A binding's stream (status 0: Workers AI's native one has no finish reasons) by its end alone.
      errorType = "incomplete_stream";
      message = this.status === 0 ? "the stream ended before its end marker" : "the stream ended without a finish reason";
    }
    if (outcome === "abandon") a[A.OWN_STREAM_OUTCOME] = "abandoned";
    else if (request.stream && outcome !== "done") a[A.OWN_STREAM_OUTCOME] = outcome === "cancel" ? "cancelled" : "error";

    const reasons = finishReasons(facts, request, profile.padFinishReasonsWithError, errorType !== undefined);
    if (reasons) a[A.GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
    if (errorType) {
      a[A.ERROR_TYPE] = errorType;
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
    // A call that failed before any response still records what it was asked.
    const content = this.content ?? this.newContent();
    const recorded = content.finish(this.detected.provider, this.detected.body, this.detected.url);
    span.setAttributes(recorded ? { ...a, ...recorded.span } : a);
    span.end(atMs);

    this.options.onEnd({
      spanContext: span.spanContext(),
      errorMessage: message,
      operation: request.operation,
      provider: this.detected.provider,
      requestModel: request.model,
      responseModel: facts.model,
      serverAddress: this.options.serverAddress,
      serverPort: this.options.serverPort,
      errorType,
      durationS: Math.max(0, atMs - this.startMs) / 1000,
      streaming: request.stream === true,
      ttfcS,
      gaps: this.gaps,
      usage: facts.usage,
      attributes: provided,
      costUsd,
      finishReasons: reasons,
      resendCount: this.options.resendCount ?? 0,
      endMs: atMs,
      toolCalls: content.toolCalls(),
      contentEvent:
        recorded?.event &&
        contentEvent({ ...requestAttributes(this.detected, request, profile), ...a }, this.options, recorded.event, this.span.spanContext(), atMs),
    });
  }
}
