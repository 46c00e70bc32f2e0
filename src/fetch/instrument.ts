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
import { isTracingSuppressed, suppressTracing } from "@opentelemetry/core";
import { ERROR_TYPE, HTTP_REQUEST_RESEND_COUNT, OWN_REQUEST_INCLUDE_USAGE_ADDED } from "../attributes.js";
import { type CallRecord, GenAICall, requestAttributes, spanName } from "../genai/call.js";
import { detect, modelFromPath } from "../genai/detect.js";
import { nowMs } from "../trace/clock.js";
import { observeRuntimeTracer, runtimeInjectsTraceContext } from "../trace/platform.js";
import { traceHeaders } from "../trace/propagation.js";
import type { Invocation } from "../trace/invocation.js";
import { type SdkSpanOf, sdkSpanFor, sdkSpanForRequest } from "../trace/sdk-spans.js";
import { failSpan, RecordingSpan } from "../trace/span.js";
import { replaceSpan, reserveSpanContext, resolveScope, startSpanIn } from "../trace/tracer.js";
import { clientAttributes, defaultPort, hostMatches, normalizeMethod, recordClientStatus } from "./http.js";
import { type BodyObserver, readWhole, watchableBody, watchedResponse } from "./observe-body.js";
import { originalFetch } from "./original.js";
import { neverSent, parseJsonBody, type RequestView, readDeferred, tap, untilRead, viewRequest } from "./request-view.js";
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
 * What must be fixed before the send happens synchronously, in the app's own fetch call: the
 * request that leaves is the one the app made at that moment, even if it reuses and changes its
 * URL, init or Headers right after. A call parsed before its send (`parsedFirst`) has its body
 * read first (bounded, and not past an upload that stalls), with the call fixed as it was (its
 * headers copied) before anything else runs.
 */
export function tracedFetch(args: FetchArgs, options: TracedFetchOptions = {}): Promise<Response> {
  const input = args[0];
  let init = args[1];
  const send = options.send ?? originalFetch;
  const ctx = context.active();
  let scope: ReturnType<typeof scopeOf>;
  let view: RequestView | undefined;
  try {
    if (!isTracingSuppressed(ctx)) {
      scope = scopeOf(ctx, options.invocation);
      const invocation = scope?.invocation;
      // Headers given as a one-shot iterator (a generator) are read once, here: their pairs stand
      // in for it. One that throws fails the call as the runtime would, unsent.
      const headers = init?.headers as unknown as Iterator<unknown> | undefined;
      if (invocation && typeof headers?.next === "function" && !(headers instanceof Headers)) {
        let pairs: [string, string][];
        try {
          pairs = [...(headers as unknown as Iterable<[string, string]>)];
        } catch (error) {
          return Promise.reject(error);
        }
        init = overlay(init!, { headers: pairs });
      }
      view = invocation && viewRequest(input, init, invocation.pipeline.config.limits.maxJsonBodyBytes);
    }
  } catch {
    options.invocation?.pipeline.selfError();
    view = undefined;
  }
  // Outside the try: a fetch that throws at once is never called a second time.
  if (!scope || !view) return send(input, init);
  const readFirst = view.deferred && parsedFirst(ctx, scope.invocation) !== undefined;
  if (!readFirst) {
    // A stream goes out as the app makes it, its bytes kept as they pass.
    tap(view, scope.invocation.pipeline.config.limits.maxJsonBodyBytes);
    return traced(send, input, init, ctx, scope, view);
  }
  const fixedInput = input instanceof URL ? String(input) : input;
  // The app's own list of pairs stays a list (a repeated name stays repeated on every runtime).
  const headers = Array.isArray(init?.headers) ? init.headers.map((pair) => [...pair] as [string, string]) : view.headers;
  const fixedInit = init === undefined ? { headers } : overlay(init, { headers });
  const { invocation } = scope;
  return untilRead(view, readDeferred(view, invocation.pipeline.config.limits.maxJsonBodyBytes))
    .catch(() => invocation.pipeline.selfError())
    .then(() => traced(send, fixedInput, fixedInit, ctx, scope, view));
}

/**
 * Where the call belongs, if anywhere: never a flushed invocation (`resolveScope` finds none, and
 * `fetchFor` binds a call only to one not yet flushed, checked as the call is made).
 */
function scopeOf(ctx: Context, bound: Invocation | undefined) {
  const scope = bound ? { invocation: bound, parent: bound.parentContext } : resolveScope(ctx);
  return scope.invocation ? (scope as Scope) : undefined;
}

type Scope = { invocation: Invocation; parent?: SpanContext };

/**
 * A call parsed before its send, and the SDK span it may take the place of: we change its body
 * (opt-in `addStreamUsage`), or ours may take the ids of an SDK's GenAI span. Undefined: the call
 * is parsed while the provider thinks.
 */
function parsedFirst(ctx: Context, invocation: Invocation): { sdk?: SdkSpanOf } | undefined {
  const sdk = sdkSpanFor(ctx, invocation);
  return sdk || invocation.pipeline.config.addStreamUsage ? { sdk } : undefined;
}
type Prepared = ReturnType<typeof prepare>;

/**
 * Nothing that can wait for the network runs before the send: the span's ids are reserved and
 * its `traceparent` sent, and the request is read and parsed (detection, attributes, the span
 * itself) while the provider thinks (the next turn of the event loop, or when the answer comes if
 * that is sooner), except for a call `parsedFirst`. While the request is handed over, the active
 * span is the reserved context (non-recording: a fetch patched beneath ours sees the right ids,
 * but cannot set attributes on a span that does not exist yet).
 */
async function traced(send: Send, input: RequestInfo | URL, init: RequestInit | undefined, ctx: Context, scope: Scope, view: RequestView): Promise<Response> {
  const { invocation } = scope;
  const pipeline = invocation.pipeline;
  const maxBytes = pipeline.config.limits.maxJsonBodyBytes;
  const startMs = nowMs();
  let prepared: Prepared | undefined;
  let token: object = {};
  let active: Context;
  let extra: [string, string][];
  let parsed: Promise<void> | undefined;
  let parse = () => parsed;
  try {
    const first = parsedFirst(ctx, invocation);
    if (first) {
      prepared = prepare(ctx, scope, view, startMs, first.sdk);
      token = prepared.call ?? token;
      ({ extra, active } = propagated(invocation, view.url, prepared.span.spanContext(), trace.setSpan(ctx, prepared.span), send));
    } else {
      const reserved = reserveSpanContext(scope);
      ({ extra, active } = propagated(invocation, view.url, reserved, trace.setSpanContext(ctx, reserved), send));
      const early = token;
      // While the provider thinks (the next turn, or when the answer comes if sooner): read a
      // deferred body (a Request's clone, a Blob), then parse.
      parse = () =>
        (parsed ??= readDeferred(view, maxBytes)
          .then(() => {
            if (invocation.flushed) return;
            prepared = prepare(ctx, scope, view, startMs, undefined, reserved);
            if (prepared.call) {
              invocation.hold(prepared.call);
              invocation.release(early);
              token = prepared.call;
            }
          })
          .catch(() => {
            pipeline.selfError();
            // Its traceparent has left with the reserved ids: a span carries them, a plain one if nothing else could be made.
            if (!prepared) prepared = { span: startSpanIn(pipeline.scope, normalizeMethod(view.method), { kind: SpanKind.CLIENT, startTime: startMs }, ctx, scope, reserved), call: undefined, body: undefined };
          }));
    }
    invocation.hold(token);
  } catch {
    pipeline.selfError();
    // Untraced: as the app made it (its stream replayed, if we read it).
    return view.resend ? sendWith(send, input, init, [], view.resend) : send(input, init);
  }

  let response: Response;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const sending = context.with(active, () => sendWith(send, input, init, extra, prepared?.body ?? view.resend));
    // The runtime locked the stream we sent in the call itself (Node): the app's is locked now too, as bare.
    if ((view.resend as ReadableStream | undefined)?.locked) view.reading?.lock?.();
    if (!prepared) timer = setTimeout(parse, 0);
    response = await sending;
  } catch (error) {
    clearTimeout(timer);
    await untilRead(view, parse(), true);
    try {
      if (prepared) {
        const { span, call } = prepared;
        if (neverSent(input, init, error)) {
          // Not a call that happened: no span, no metrics.
          if (span instanceof RecordingSpan) span.unexported = true;
          span.end();
        } else if (call) call.fail(error, nowMs());
        else {
          failSpan(span, error);
          span.end();
        }
      }
    } catch {
      pipeline.selfError();
    }
    invocation.release(token);
    throw error;
  }
  clearTimeout(timer);
  // What the app's upload has not given by now (it goes on after the answer) is not waited for.
  await untilRead(view, parse(), true);
  if (!prepared) {
    invocation.release(token);
    return response;
  }
  const { span, call } = prepared;
  // Ended before its answer came (abandoned at its invocation's flush): the answer is not ours to watch.
  if (call?.ended) {
    invocation.release(token);
    return response;
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
 * The call's span (and GenAI call, when it is one), started at `startMs` with the `reserved` ids
 * when given; `sdkOf` is the SDK span it may take the place of (`sdkSpanFor`, looked up by the caller).
 */
function prepare(ctx: Context, scope: Scope, view: RequestView, startMs: number, sdkOf: SdkSpanOf | undefined, reserved?: SpanContext) {
  const { invocation } = scope;
  const pipeline = invocation.pipeline;
  const { url, method, headers } = view;

  const detected = detect(method, url, headers, parseJsonBody(view.bodyText), pipeline.config.providers);
  const httpAttributes = clientAttributes(method, url, pipeline.config.urlPolicy);
  // The `openai` and `@anthropic-ai/sdk` clients number their attempts ("0" first); only a resend is recorded.
  const attempt = Number(headers.get("x-stainless-retry-count"));
  const resends = attempt > 0 && Number.isSafeInteger(attempt) ? attempt : 0;
  if (resends) httpAttributes[HTTP_REQUEST_RESEND_COUNT] = resends;
  const httpSpan = (resolved: Scope = scope) =>
    startSpanIn(pipeline.scope, normalizeMethod(method), { kind: SpanKind.CLIENT, attributes: httpAttributes, startTime: startMs }, ctx, resolved, reserved);
  if (!detected) return { span: httpSpan(), call: undefined, body: view.resend };

  // What the format reads: the request's own body and URL, or those of a gateway step.
  const { body, url: target = url } = detected;
  const request = detected.format.request(body, target, headers);
  request.model ??= modelFromPath(target);
  const sdk = sdkSpanForRequest(sdkOf, request);
  const { limits, prices } = pipeline.config;
  const content = pipeline.contentPolicy.mode === "NO_CONTENT" ? undefined : { ...pipeline.contentPolicy, url: target };
  const newCall = (span: Span, onEnd: (record: CallRecord) => void) =>
    new GenAICall({ span, detected, request, startMs, serverAddress: url.hostname, serverPort: defaultPort(url), limits, profile: pipeline.profile, prices, resendCount: resends, content, onEnd });
  if (sdk && (!sdk.replace || pipeline.config.sdkSpans === "keep")) {
    // Under an SDK's GenAI span that stays: ours is its HTTP attempt (under it, also when it is
    // not the active span), and the call still feeds the metrics, once.
    const attempt = httpSpan(sdk.replace ? { invocation, parent: sdk.replace.spanContext() } : scope);
    const call = newCall(trace.wrapSpanContext(attempt.spanContext()), (record) => {
      invocation.recordCall(record);
      if (record.errorType) {
        attempt.setAttribute(ERROR_TYPE, record.errorType);
        attempt.setStatus({ code: SpanStatusCode.ERROR });
      }
      attempt.end(record.endMs);
    });
    return { span: attempt, call, body: view.resend };
  }
  const newBody = pipeline.config.addStreamUsage && target === url ? detected.format.rewrite?.(request, body) : undefined;
  const attributes = { ...requestAttributes(detected, request, pipeline.profile), ...httpAttributes };
  if (newBody !== undefined) attributes[OWN_REQUEST_INCLUDE_USAGE_ADDED] = true;
  const options = { kind: SpanKind.CLIENT, attributes, startTime: startMs };
  const span = sdk?.replace
    ? replaceSpan(sdk.replace, pipeline.scope, spanName(request), options)
    : startSpanIn(pipeline.scope, spanName(request), options, ctx, scope, reserved);
  const call = newCall(span, (record) => invocation.recordCall(record));
  return { span, call, body: newBody ?? view.resend };
}

/**
 * The trace-context headers we add, and the context the request is sent in. Where the runtime's
 * fetch sends it and adds its own (`runtimeInjectsTraceContext`) we add none: its span, a child
 * of ours, is the request's parent; where the config keeps trace context from this URL, it is
 * sent with tracing suppressed, which the runtime's propagators respect.
 */
function propagated(invocation: Invocation, url: URL, spanContext: SpanContext, active: Context, send: Send): { extra: [string, string][]; active: Context } {
  const allowed = shouldPropagate(invocation, url);
  if (send !== originalFetch || !runtimeInjectsTraceContext()) return { extra: allowed ? traceHeaders(spanContext) : [], active };
  return { extra: [], active: allowed ? active : suppressTracing(active) };
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
      // No argument: the runtime's own refusal, as bare.
      // biome-ignore lint/complexity/noArguments: the count of arguments given is what tells
      return arguments.length === 0 ? (underlying as () => Promise<Response>)() : tracedFetch([input, init]);
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
observeRuntimeTracer();
