/**
 * The outbound fetch wrapper: every call made while handling an invocation becomes a CLIENT
 * span (an HTTP span, or a GenAI span when the request is an LLM call), `traceparent` is
 * injected where allowed (send.ts). A plain HTTP span ends at the response headers and the
 * response is handed back untouched; an LLM call's span ends when its body has been read,
 * cancelled or has failed (observe-body.ts), never at the headers.
 *
 * Whatever goes wrong in here is contained: the user's request is then sent exactly as given.
 */
import { type Context, context, type Span, type SpanContext, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { ERROR_TYPE, GEN_AI_OPERATION_NAME, HTTP_REQUEST_RESEND_COUNT, OWN_REQUEST_INCLUDE_USAGE_ADDED } from "../attributes.js";
import { type CallRecord, GenAICall, requestAttributes, spanName } from "../genai/call.js";
import { detect, modelFromPath } from "../genai/detect.js";
import { nowMs } from "../trace/clock.js";
import { traceHeaders } from "../trace/propagation.js";
import type { Invocation } from "../trace/invocation.js";
import { failSpan, type InstrumentationScope, RecordingSpan } from "../trace/span.js";
import { replaceSpan, resolveScope, startSpanIn } from "../trace/tracer.js";
import { clientAttributes, defaultPort, hostMatches, normalizeMethod, recordClientStatus } from "./http.js";
import { type BodyObserver, readWhole, watchableBody, watchedResponse } from "./observe-body.js";
import { originalFetch } from "./original.js";
import { neverSent, parseJsonBody, type RequestView, readDeferred, viewRequest } from "./request-view.js";
import { overlay, sendWith } from "./send.js";

type FetchArgs = [input: RequestInfo | URL, init?: RequestInit];

/** Whether `traceparent` may go to this URL (config: propagateTraceContext, excludePropagationHosts). */
export function shouldPropagate(invocation: Invocation, url: URL): boolean {
  const { propagateTraceContext, excludePropagationHosts } = invocation.pipeline.config;
  if (excludePropagationHosts.some((pattern) => hostMatches(pattern, url))) return false;
  if (typeof propagateTraceContext === "function") {
    try {
      return propagateTraceContext(url) === true;
    } catch {
      return false;
    }
  }
  return propagateTraceContext;
}

type Send = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface TracedFetchOptions {
  /** Bind every call to this invocation instead of looking it up in the active context. */
  invocation?: Invocation;
  /** What sends the request (default: the fetch that was global before ours); a service binding's own `fetch`. */
  send?: Send;
}

/**
 * Everything up to the send happens synchronously, in the app's own fetch call: the request that
 * leaves is the one the app made at that moment, even if it reuses and changes its URL, init or
 * Headers right after. The one exception, a prompt only readable asynchronously (a Request's
 * body, a stream, a Blob), is read first, with the call fixed as it was (its headers copied)
 * before anything else runs.
 */
export function tracedFetch(args: FetchArgs, options: TracedFetchOptions = {}): Promise<Response> {
  const [input, init] = args;
  const send = options.send ?? originalFetch;
  const ctx = context.active();
  let scope: ReturnType<typeof scopeOf>;
  let view: RequestView | undefined;
  try {
    if (!isTracingSuppressed(ctx)) {
      scope = scopeOf(ctx, options.invocation);
      const invocation = scope?.invocation;
      view = invocation && viewRequest(input, init, invocation.pipeline.config.limits.maxJsonBodyBytes);
    }
  } catch {
    options.invocation?.pipeline.selfError();
    view = undefined;
  }
  // Outside the try: a fetch that throws at once is never called a second time.
  if (!scope || !view) return send(input, init);
  if (!view.deferred) return traced(send, input, init, ctx, scope, view);
  const fixedInput = input instanceof URL ? String(input) : input;
  const fixedInit = init === undefined ? { headers: view.headers } : overlay(init, { headers: view.headers });
  const { invocation } = scope;
  return readDeferred(view, invocation.pipeline.config.limits.maxJsonBodyBytes)
    .catch(() => invocation.pipeline.selfError())
    .then(() => traced(send, fixedInput, fixedInit, ctx, scope, view));
}

function scopeOf(ctx: Context, bound: Invocation | undefined) {
  const scope = bound ? { invocation: bound, parent: bound.parentContext } : resolveScope(ctx);
  return scope.invocation && !scope.invocation.flushed ? (scope as { invocation: Invocation; parent?: SpanContext }) : undefined;
}

async function traced(
  send: Send,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  ctx: Context,
  scope: { invocation: Invocation; parent?: SpanContext },
  view: RequestView,
): Promise<Response> {
  let prepared: ReturnType<typeof prepare>;
  try {
    prepared = prepare(ctx, scope, view);
  } catch {
    scope.invocation.pipeline.selfError();
    // Untraced: as the app made it (its stream replayed, if we read it).
    return view.resend ? sendWith(send, input, init, [], view.resend) : send(input, init);
  }
  const { span, call, invocation, extra, newBody, token } = prepared;
  const pipeline = invocation.pipeline;

  let response: Response;
  try {
    response = await context.with(trace.setSpan(ctx, span), () => sendWith(send, input, init, extra, newBody));
  } catch (error) {
    try {
      if (neverSent(input, init, error)) {
        // Not a call that happened: no span, no metrics.
        if (span instanceof RecordingSpan) span.unexported = true;
        span.end();
      } else if (call) call.fail(error, nowMs());
      else {
        failSpan(span, error);
        span.end();
      }
      invocation.release(token);
    } catch {
      pipeline.selfError();
    }
    throw error;
  }

  try {
    if (!call) {
      // A plain HTTP call ends at its response headers (the HTTP conventions allow it): its
      // response is handed over untouched, so reading it costs exactly what it costs bare.
      recordClientStatus(span, response.status);
      span.end();
      invocation.release(token);
      return response;
    }
    recordClientStatus(span, response.status, false);
    const body = watchableBody(response);
    // Nothing to parse: no body, or bytes still encoded (`encodeResponseBody: "manual"`).
    if (!body || (init as { encodeResponseBody?: string } | undefined)?.encodeResponseBody === "manual") {
      call.endWithoutBody(response, nowMs());
      invocation.release(token);
      return response;
    }
    const observer = call.observer(response, nowMs);
    if (!call.streaming) {
      // A whole document: read from a clone meanwhile; the app gets the response itself, untouched.
      readWhole(
        response.clone().body!,
        observer,
        pipeline.config.limits.maxJsonBodyBytes,
        () => invocation.release(token),
        () => pipeline.selfError(),
      );
      return response;
    }
    const released: BodyObserver = {
      chunk: observer.chunk,
      end(outcome, error) {
        try {
          observer.end(outcome, error);
        } finally {
          invocation.release(token);
        }
      },
    };
    return watchedResponse(response, body, released, () => pipeline.selfError());
  } catch {
    pipeline.selfError();
    try {
      call?.endWithoutBody(response, nowMs());
    } catch {
      // already counted
    }
    invocation.release(token);
    return response;
  }
}

/**
 * A GenAI span an SDK made itself (the Anthropic SDK's `anthropic.messages.create`) that this
 * call runs under. One LLM call must give one GenAI span: ours (full attributes, the active
 * semconv profile, ends with the stream) replaces it in place, taking its span id so anything
 * parented to it stays connected, unless the user keeps SDK spans; a span from another tracer
 * provider cannot be replaced, so ours then stays a plain HTTP span.
 */
function sdkGenAISpan(ctx: Context, scope: InstrumentationScope): { replace?: RecordingSpan } | undefined {
  const span = trace.getSpan(ctx) as (Span & { attributes?: Record<string, unknown>; kind?: SpanKind }) | undefined;
  // Only an SDK's own call span: a CLIENT span of an inference operation. An agent's or a tool's
  // span above the call (invoke_agent, execute_tool) is the call's parent, never replaced.
  const operation = span?.attributes?.[GEN_AI_OPERATION_NAME];
  if (!span || span.kind !== SpanKind.CLIENT || typeof operation !== "string" || !INFERENCE.has(operation)) return undefined;
  if (span instanceof RecordingSpan) return span.scope === scope ? undefined : { replace: span };
  return {};
}

const INFERENCE = new Set(["chat", "text_completion", "generate_content", "embeddings"]);

function prepare(ctx: Context, scope: { invocation: Invocation; parent?: SpanContext }, view: RequestView) {
  const { invocation } = scope;
  const pipeline = invocation.pipeline;
  const { url, method, headers } = view;
  const startMs = nowMs();

  const detected = detect(method, url, headers, parseJsonBody(view.bodyText), pipeline.config.providers);
  const httpAttributes = clientAttributes(method, url, pipeline.config.urlPolicy);
  // The `openai` and `@anthropic-ai/sdk` clients number their attempts ("0" first); only a resend is recorded.
  const attempt = Number(headers.get("x-stainless-retry-count"));
  const resends = attempt > 0 && Number.isSafeInteger(attempt) ? attempt : 0;
  if (resends) httpAttributes[HTTP_REQUEST_RESEND_COUNT] = resends;
  const httpSpan = () =>
    startSpanIn(pipeline.scope, normalizeMethod(method), { kind: SpanKind.CLIENT, attributes: httpAttributes, startTime: startMs }, ctx, scope);
  if (!detected) return held(invocation, view.url, httpSpan(), undefined, view.resend);

  // What the format reads: the request's own body and URL, or those of a gateway step.
  const { body, url: target = url } = detected;
  const request = detected.format.request(body, target, headers);
  request.model ??= modelFromPath(target);
  const { limits, prices, captureMessageContent: mode, redactContent: redact } = pipeline.config;
  const content = mode === "NO_CONTENT" ? undefined : { mode, redact, url: target, failed: () => pipeline.selfError(), fullToolDefinitions: pipeline.config.toolDefinitions === "full" };
  const newCall = (span: Span, onEnd: (record: CallRecord) => void) =>
    new GenAICall({ span, detected, request, startMs, serverAddress: url.hostname, serverPort: defaultPort(url), limits, profile: pipeline.profile, prices, resendCount: resends, content, onEnd });
  const sdk = sdkGenAISpan(ctx, pipeline.scope);
  if (sdk && (!sdk.replace || pipeline.config.sdkSpans === "keep")) {
    // Under an SDK's GenAI span that stays: ours is its HTTP attempt, and the call still feeds the metrics, once.
    const attempt = httpSpan();
    const call = newCall(trace.wrapSpanContext(attempt.spanContext()), (record) => {
      invocation.recordCall(record);
      if (record.errorType) {
        attempt.setAttribute(ERROR_TYPE, record.errorType);
        attempt.setStatus({ code: SpanStatusCode.ERROR });
      }
      attempt.end(record.endMs);
    });
    return held(invocation, view.url, attempt, call, view.resend);
  }
  const newBody = pipeline.config.addStreamUsage && target === url ? detected.format.rewrite?.(request, body) : undefined;
  const attributes = { ...requestAttributes(detected, request, pipeline.profile), ...httpAttributes };
  if (newBody !== undefined) attributes[OWN_REQUEST_INCLUDE_USAGE_ADDED] = true;
  const options = { kind: SpanKind.CLIENT, attributes, startTime: startMs };
  const span = sdk?.replace
    ? replaceSpan(sdk.replace, pipeline.scope, spanName(request), options)
    : startSpanIn(pipeline.scope, spanName(request), options, ctx, scope);
  const call = newCall(span, (record) => invocation.recordCall(record));
  return held(invocation, view.url, span, call, newBody ?? view.resend);
}

/** The trace-context headers to send (where allowed), with the invocation held open for this call. */
function held(invocation: Invocation, url: URL, span: Span, call: GenAICall | undefined, newBody: BodyInit | undefined) {
  const extra = shouldPropagate(invocation, url) ? traceHeaders(span.spanContext()) : [];
  const token = call ?? {};
  invocation.hold(token);
  return { span, call, invocation, token, extra, newBody };
}

const INSTALLED = Symbol.for("otel-genai-edge.fetch");

/**
 * Replace the global fetch once per isolate, when the package is imported: SDK clients built at
 * module scope read `globalThis.fetch` when they are constructed. The wrapper chains to the
 * fetch that was there (a platform's or framework's own patch keeps working), keeps its own
 * properties (Bun's `fetch.preconnect`...), and passes calls made outside any invocation
 * straight through.
 */
export function installGlobalFetch(): void {
  const g = globalThis as { fetch?: typeof fetch; [INSTALLED]?: boolean };
  if (g[INSTALLED] || typeof g.fetch !== "function") return;
  g[INSTALLED] = true;
  const underlying = g.fetch;
  // A method, not a function declaration: it has no `prototype` of its own (the native fetch of
  // most runtimes has none), and its name survives bundlers (which rename a declared `function fetch`).
  const wrapper = {
    fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      return tracedFetch([input, init]);
    },
  }.fetch;
  // Same shape as the fetch it replaces: its name, length, `prototype` where it has one (Node), and
  // its own properties (Bun's `fetch.preconnect`...).
  for (const key of Object.getOwnPropertyNames(underlying)) {
    try {
      Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(underlying, key)!);
    } catch {
      // a non-configurable oddity: leave it out
    }
  }
  g.fetch = wrapper as typeof fetch;
}

installGlobalFetch();
