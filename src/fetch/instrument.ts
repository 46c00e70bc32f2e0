/**
 * The outbound fetch wrapper: every call made while handling an invocation becomes a CLIENT
 * span (an HTTP span, or a GenAI span when the request is an LLM call), `traceparent` is
 * injected where allowed, and the span ends when the response body has been fully read,
 * cancelled or has failed, not when the headers arrive.
 *
 * Whatever goes wrong in here is contained: the user's request is then sent exactly as given.
 */
import { type Context, context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { OWN_REQUEST_INCLUDE_USAGE_ADDED } from "../attributes.js";
import { type CallRecord, GenAICall, requestAttributes, spanName } from "../genai/call.js";
import { type Detected, detect, mayBeLLMCall, modelFromPath } from "../genai/detect.js";
import type { RequestFacts } from "../genai/types.js";
import { nowMs } from "../trace/clock.js";
import { injectTraceContext } from "../trace/propagation.js";
import type { Invocation } from "../trace/invocation.js";
import { failSpan } from "../trace/span.js";
import { resolveScope, startSpanIn } from "../trace/tracer.js";
import { clientAttributes, defaultPort, hostMatches, normalizeMethod, recordClientStatus } from "./http.js";
import { type BodyObserver, watchableBody, watchedResponse } from "./observe-body.js";
import { originalFetch } from "./original.js";


type FetchArgs = [input: RequestInfo | URL, init?: RequestInit];

/** What we could read of the request without disturbing it. */
interface RequestView {
  url: URL;
  method: string;
  headers: Headers;
  bodyText?: string;
}

async function viewRequest(input: RequestInfo | URL, init: RequestInit | undefined, maxBytes: number): Promise<RequestView | undefined> {
  const isRequest = typeof Request !== "undefined" && input instanceof Request;
  const url = new URL(isRequest ? input.url : String(input));
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const method = (init?.method ?? (isRequest ? input.method : "GET")).toUpperCase();
  const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
  let bodyText: string | undefined;
  // Only a request that could be an LLM call is read, and only a bounded body.
  if (mayBeLLMCall(method, url)) {
    const body = init?.body;
    if (typeof body === "string") {
      if (body.length <= maxBytes) bodyText = body;
    } else if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
      if (body.byteLength <= maxBytes) bodyText = new TextDecoder().decode(body);
    } else if (body === undefined && isRequest && input.body) {
      // A Request carrying its body: read a clone only when its declared size is small enough
      // to be a prompt (a streamed upload of unknown size is never buffered).
      const length = Number(input.headers.get("content-length"));
      if (length > 0 && length <= maxBytes) bodyText = await input.clone().text();
    }
  }
  return { url, method, headers, bodyText };
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const first = text.trimStart()[0];
  if (first !== "{") return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

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

/** The arguments to send: the originals, with headers and (opt-in) body changed where we must. */
function rewrite(input: RequestInfo | URL, init: RequestInit | undefined, headers: Headers | undefined, body: string | undefined): FetchArgs {
  if (!headers && body === undefined) return [input, init];
  const changes: RequestInit = { ...init };
  if (headers) changes.headers = headers;
  if (body !== undefined) changes.body = body;
  if (typeof Request !== "undefined" && input instanceof Request) {
    return [new Request(input, changes)];
  }
  return [input, changes];
}

/** `stream_options.include_usage` for OpenAI-format streams that lack it (opt-in; changes the request). */
function withStreamUsage(detected: Detected, request: RequestFacts, body: Record<string, unknown> | undefined): string | undefined {
  if (!body || !request.stream || detected.format.id !== "openai.chat_completions") return undefined;
  const options = body.stream_options as Record<string, unknown> | undefined;
  if (options && options.include_usage !== undefined) return undefined;
  return JSON.stringify({ ...body, stream_options: { ...options, include_usage: true } });
}

export interface TracedFetchOptions {
  /** Bind every call to this invocation instead of looking it up in the active context. */
  invocation?: Invocation;
}

export async function tracedFetch(args: FetchArgs, options: TracedFetchOptions = {}): Promise<Response> {
  const [input, init] = args;
  const ctx = context.active();
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    if (isTracingSuppressed(ctx)) return originalFetch(input, init);
    prepared = await prepare(input, init, ctx, options.invocation);
  } catch {
    options.invocation?.pipeline.selfError();
    return originalFetch(input, init);
  }
  if (!prepared) return originalFetch(input, init);
  const { span, call, invocation, send, token } = prepared;
  const pipeline = invocation.pipeline;

  let response: Response;
  try {
    response = await context.with(trace.setSpan(ctx, span), () => originalFetch(...send));
  } catch (error) {
    try {
      if (call) call.fail(error, nowMs());
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
    recordClientStatus(span, response.status, !call);
    const body = watchableBody(response);
    // Nothing to watch (no body, or a plain call that is not recorded): hand the response over.
    if (!body || (!call && !span.isRecording())) {
      if (call) call.endWithoutBody(response, nowMs());
      else span.end();
      invocation.release(token);
      return response;
    }
    const observer: BodyObserver = call
      ? call.observer(response, nowMs)
      : {
          end(outcome, error) {
            if (outcome === "error") failSpan(span, error);
            span.end();
          },
        };
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
    invocation.release(token);
    return response;
  }
}

async function prepare(input: RequestInfo | URL, init: RequestInit | undefined, ctx: Context, bound: Invocation | undefined) {
  const scope = bound ? { invocation: bound, parent: bound.parentContext } : resolveScope(ctx);
  const invocation = scope.invocation;
  if (!invocation || invocation.flushed) return undefined;
  const pipeline = invocation.pipeline;
  const view = await viewRequest(input, init, pipeline.config.limits.maxJsonBodyBytes);
  if (!view) return undefined;
  const { url, method, headers } = view;
  const startMs = nowMs();

  const body = parseJsonObject(view.bodyText);
  const detected = detect(method, url, headers, body, pipeline.config.providers);
  let call: GenAICall | undefined;
  let span: Span;
  let newBody: string | undefined;
  const httpAttributes = clientAttributes(method, url);
  if (detected) {
    const request = detected.format.request(body, url);
    request.model ??= modelFromPath(url);
    if (pipeline.config.addStreamUsage) newBody = withStreamUsage(detected, request, body);
    const attributes = { ...requestAttributes(detected, request), ...httpAttributes };
    if (newBody !== undefined) attributes[OWN_REQUEST_INCLUDE_USAGE_ADDED] = true;
    span = startSpanIn(pipeline.scope, spanName(request), { kind: SpanKind.CLIENT, attributes, startTime: startMs }, ctx, scope);
    call = new GenAICall(span, detected, request, pipeline, startMs, url.hostname, defaultPort(url), (record: CallRecord) =>
      invocation.recordCall(record),
    );
  } else {
    span = startSpanIn(pipeline.scope, normalizeMethod(method), { kind: SpanKind.CLIENT, attributes: httpAttributes, startTime: startMs }, ctx, scope);
  }

  let outHeaders: Headers | undefined;
  if (shouldPropagate(invocation, url)) {
    outHeaders = headers;
    injectTraceContext(outHeaders, span.spanContext());
  }
  let send: FetchArgs;
  try {
    send = rewrite(input, init, outHeaders, newBody);
  } catch {
    // The request cannot be rebuilt with our header: send the original, untraced.
    span.end();
    return undefined;
  }
  const token = {};
  invocation.hold(token);
  return { span, call, invocation, token, send };
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
  const wrapper = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    return tracedFetch([input, init]);
  };
  for (const key of Object.getOwnPropertyNames(underlying)) {
    if (key in wrapper) continue;
    try {
      Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(underlying, key)!);
    } catch {
      // a non-configurable oddity: leave it out
    }
  }
  g.fetch = wrapper as typeof fetch;
}

installGlobalFetch();
