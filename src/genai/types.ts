/**
 * The contract between the fetch plumbing and the provider wire formats.
 *
 * A provider format is a small set of pure functions: it reads the request body once
 * (model and parameters, known before the call) and then folds response data into
 * `ResponseFacts`, either a whole JSON body or one server-sent event at a time. It never
 * sees streams, clocks or spans; the plumbing in `src/fetch/` does that.
 */
import type { Attributes } from "@opentelemetry/api";

export type OperationName = "chat" | "generate_content" | "text_completion" | "embeddings";

/** What the request says, read before the call is sent (sampling-relevant values). */
export interface RequestFacts {
  operation: OperationName;
  model?: string;
  stream?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  stopSequences?: string[];
  seed?: number;
  /** OpenAI `n` (Gemini `candidateCount`); set only when not 1, so recorded only then. */
  choiceCount?: number;
  /** `text` | `json` | `image` | `speech` when the request asks for an output format. */
  outputType?: string;
  reasoningLevel?: string;
  previousResponseId?: string;
  encodingFormats?: string[];
  /** Embeddings: requested output dimensions (OpenAI `dimensions`), when sent. */
  embeddingDimensions?: number;
  /** OpenAI `service_tier` as sent. */
  serviceTier?: string;
  /** `gen_ai.conversation.id` when the request names one (Responses `conversation`). */
  conversationId?: string;
  /** Provider-specific attributes known from the request (`aws.bedrock.guardrail.id`...), set on the span as they are. */
  attributes?: Attributes;
}

export interface Usage {
  /** Total input, including cache reads and writes (Anthropic's counts are summed up to this). */
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
  /**
   * Token counts by modality when the provider reports them (OpenAI `audio_tokens`, Gemini
   * `promptTokensDetails`), keyed by `gen_ai.token.modality` value (`text`, `audio`, `image`, `video`).
   */
  inputModalities?: Record<string, number>;
  outputModalities?: Record<string, number>;
  /** The cached part of the input by modality (Gemini `cacheTokensDetails`). */
  cacheReadModalities?: Record<string, number>;
}

/** What the response says; filled incrementally by a format's parser. */
export interface ResponseFacts {
  id?: string;
  model?: string;
  /** Raw provider finish reasons by choice index; a hole means that choice never got one. */
  finishReasons: (string | undefined)[];
  usage: Usage;
  /**
   * The failure the body reports: an HTTP error body, or a failure inside a 200 (an `error`
   * event, `response.failed`...). `type` is the provider's error code when it has one
   * (`invalid_api_key`, `rate_limit_exceeded`, `overloaded_error`, `ThrottlingException`).
   * The provider's error text is not kept: it is never recorded (it echoes key fragments and
   * prompt text), so no parser reads it.
   */
  error?: { type: string };
  /** `gen_ai.conversation.id` when the response names one. */
  conversationId?: string;
  serviceTier?: string;
  systemFingerprint?: string;
  embeddingDimensions?: number;
  /** Number of output chunks seen (set by the plumbing, not by parsers). */
  chunks?: number;
  /**
   * The stream signalled its own end (OpenAI `[DONE]`, a terminal Responses event, Anthropic
   * `message_stop`): a consumer that cancels after this has read the whole response.
   */
  complete?: boolean;
}

export interface SseEvent {
  /** The `event:` field, or undefined when the stream has none. */
  event?: string;
  data: string;
  /** `data` parsed, kept by `eventJson` (json.ts) so the format and the content reader parse it once between them. */
  json?: unknown;
}

/**
 * How a streamed response is cut into events (`framing.ts`); a response that is not streamed is
 * one JSON document. Named here, implemented by the plumbing, so a format never sees bytes: every
 * framing hands on `SseEvent`s (NDJSON: one per line; a JSON array: one per element; the AWS
 * event-stream: one per frame, `event` being its `:event-type` or, for an exception frame,
 * `:exception-type`, and `data` its payload as text).
 */
export type Framing = "sse" | "ndjson" | "json-array" | "eventstream";

/** The parsing contract: what every format provides, the Workers AI binding's too. */
export interface ProviderFormat {
  /** Stable id, e.g. `openai.chat_completions`, `anthropic.messages`. */
  id: string;
  /**
   * The framing of its streamed responses. The response's content type decides when it names
   * one (`text/event-stream`, `application/x-ndjson`, `application/vnd.amazon.eventstream`); a
   * `json-array` format's streamed request answered with JSON is read element by element.
   */
  framing: Framing;
  /**
   * Read the parsed JSON request body (or undefined when it could not be read), with the URL
   * (a model or a method in the path, `alt=sse`) and the headers (Bedrock's guardrail headers).
   */
  request(body: Record<string, unknown> | undefined, url: URL, headers: Headers): RequestFacts;
  /** Fold a complete non-streaming JSON response body. */
  json(body: unknown, facts: ResponseFacts): void;
  /**
   * Fold one server-sent event. Returns true when the event carries model output
   * (a content, tool-call or reasoning delta): those are the "chunks" whose timing is measured.
   */
  event(event: SseEvent, facts: ResponseFacts): boolean;
  /** Provider-specific span attributes known before the call (`openai.api.type`...). */
  requestAttributes?(provider: string, request: RequestFacts): Attributes | undefined;
  /** Provider-specific attributes of the response, on the span and on the metrics. */
  responseAttributes?(provider: string, facts: ResponseFacts): Attributes | undefined;
  /** The error code of an HTTP error when the provider sends it in a header (Bedrock's `x-amzn-ErrorType`), not in the body. */
  errorOfHeaders?(headers: Headers): string | undefined;
}

/**
 * A format reached over HTTP: how the fetch plumbing recognises it and what it adds beyond the
 * common attributes. `registry.ts` lists them; detection and metrics only iterate that list.
 */
export interface WireFormat extends ProviderFormat {
  /**
   * Its endpoint, matched against the path without trailing slashes: a suffix
   * (`/chat/completions`) or, where the path holds a model or a method (`/models/m:generateContent`,
   * `/model/{id}/converse`), a pattern.
   */
  path: string | RegExp;
  /** The provider of an unknown host that speaks it (a proxy, a custom baseURL). */
  home: string;
  /** Whether a body looks like its request (for unknown hosts: a proxy, a custom baseURL). */
  fits(body: Record<string, unknown>): boolean;
  /** A further test on a path match, when the suffix is ambiguous (`/messages`). */
  accepts?(headers: Headers, body: Record<string, unknown> | undefined): boolean;
  /** The body to send instead, when the format rewrites requests (opt-in `addStreamUsage`). */
  rewrite?(request: RequestFacts, body: Record<string, unknown> | undefined): string | undefined;
}

export function newResponseFacts(): ResponseFacts {
  return { finishReasons: [], usage: {} };
}
