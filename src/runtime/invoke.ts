/**
 * The runtime-independent part of wrapping a handler: build (and cache) the pipeline for a
 * configuration, start an invocation with its root span, run the handler inside its context,
 * and end the root span when the response body has finished streaming.
 * Runtime adapters (`cloudflare.ts`, `edge.ts`) only add how to find env and waitUntil.
 */
import { type Attributes, context, ROOT_CONTEXT, type Span, type SpanContext, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ERROR_TYPE, FAAS_COLDSTART, FAAS_TRIGGER, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE } from "../attributes.js";
import { type Config, type EnvSource, type ResolvedConfig, resolveConfig } from "../config.js";
import { installGlobalFetch } from "../fetch/instrument.js";
import { serverAttributes } from "../fetch/http.js";
import { alsoOnEnd, type BodyOutcome, isWatchedResponse, watchableBody, watchedResponse } from "../fetch/observe-body.js";
import { warnOnce } from "../diag.js";
import { isOwnExport } from "../exporter/otlp-http.js";
import { identityOf } from "../identify.js";
import { Pipeline } from "../pipeline.js";
import { setupContext } from "../trace/context.js";
import { Invocation } from "../trace/invocation.js";
import { failSpan } from "../trace/span.js";
import { observeRuntimeTracer } from "../trace/platform.js";
import { extractTraceContext } from "../trace/propagation.js";
import { outerSpanContext, registerGlobalTracerProvider, startRoot } from "../trace/tracer.js";


export type ConfigInput<E = unknown> = Config<E> | ((env: E) => Config<E>);

/** Per env object (a Worker's env, a runtime's variables) and config input: one pipeline each. */
const pipelines = new WeakMap<object, Map<unknown, Pipeline | undefined>>();
const NO_ENV = {};
const MAX_CONFIGS = 64;

/**
 * The pipeline for this env and config, or undefined when telemetry is off (disabled, or no
 * endpoint configured: then a one-time message and no network calls).
 */
export function pipelineFor<E>(env: E, input: ConfigInput<E> | undefined, runtimeResource: Record<string, string>): Pipeline | undefined {
  const envKey = env && typeof env === "object" ? (env as object) : NO_ENV;
  let byConfig = pipelines.get(envKey);
  if (!byConfig) pipelines.set(envKey, (byConfig = new Map()));
  if (byConfig.has(input)) return byConfig.get(input);
  const pipeline = createPipeline(env, input, runtimeResource);
  // A config object made anew for each request would add a pipeline per request: the oldest go.
  if (byConfig.size >= MAX_CONFIGS) {
    byConfig.delete(byConfig.keys().next().value);
    warnOnce("configs", `more than ${MAX_CONFIGS} configurations for one environment: pass one config object (or function) made once, not one per request`);
  }
  byConfig.set(input, pipeline);
  return pipeline;
}

function createPipeline<E>(env: E, input: ConfigInput<E> | undefined, runtimeResource: Record<string, string>): Pipeline | undefined {
  let config: ResolvedConfig;
  try {
    const explicit = typeof input === "function" ? input(env) : (input ?? {});
    config = resolveConfig(env as EnvSource, explicit as Config);
  } catch (error) {
    // A config function that throws turns telemetry off, never the handler.
    // Its name only: the message may quote part of the config's text (a JSON.parse of a header list), secrets and all.
    warnOnce("bad-config", `configuration failed (the config function threw ${String((error as Error)?.name ?? typeof error)}): telemetry is off.`);
    return undefined;
  }
  if (config.disabled) return undefined;
  if (!config.tracesUrl && !config.metricsUrl && !config.logsUrl) {
    warnOnce(
      "no-endpoint",
      "no OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT unset or unreadable, e.g. Deno without --allow-env, and no config.endpoint): telemetry is off",
    );
    return undefined;
  }
  return new Pipeline(config, runtimeResource);
}

let coldStart = true;

export interface Started {
  invocation: Invocation;
  root: Span;
  /** Run the handler inside the invocation's context. */
  run<T>(fn: () => T): T;
}

/** Start an invocation and its root span. Call once per handler call. */
export function startInvocation(
  pipeline: Pipeline,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  remote: SpanContext | undefined,
): Started {
  installGlobalFetch();
  observeRuntimeTracer();
  registerGlobalTracerProvider();
  const { asyncPropagation } = setupContext();
  if (!asyncPropagation) {
    warnOnce(
      "no-als",
      "AsyncLocalStorage is not available (Workers: nodejs_compat, or useAsyncLocalStorage()): a fetch is traced only when its request is the only one in flight; fetchFor(ctx) binds calls under concurrency",
    );
  }
  const invocation = new Invocation(pipeline);
  attributes[FAAS_COLDSTART] = coldStart;
  coldStart = false;
  // Under a span the runtime (Deno's built-in OpenTelemetry) or an app's SDK records around the
  // handler, ours is its child, in its trace: that span already continued any incoming
  // traceparent, and as the request's SERVER span it leaves ours INTERNAL (one SERVER span per
  // request). Not where incoming trace context is refused: that span may carry it.
  const active = context.active();
  const outer = pipeline.config.acceptTraceContext ? outerSpanContext(active) : undefined;
  const parent = outer ?? remote;
  const root = startRoot(invocation, pipeline.scope, name, outer && kind === SpanKind.SERVER ? SpanKind.INTERNAL : kind, attributes, parent);
  const base = outer ? active : remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
  // `startRoot` made the invocation's root the span when it is recorded.
  const ctx = invocation.context(base);
  return { invocation, root, run: (fn) => context.with(ctx, fn) };
}

/** The W3C trace context of an incoming request, when there is a valid one and we accept it. */
export function remoteParent(pipeline: Pipeline, headers: Headers): SpanContext | undefined {
  // Not when refused (acceptTraceContext: false), nor where OTEL_PROPAGATORS leaves W3C trace context out.
  if (!pipeline.config.continueTraceContext) return undefined;
  return extractTraceContext(headers);
}

/**
 * Handle one HTTP request: root SERVER span, handler inside its context, span ended when the
 * returned body has finished streaming. Errors thrown by the handler are rethrown untouched.
 */
export async function handleRequest(
  pipeline: Pipeline,
  request: Request,
  extraAttributes: Attributes,
  handler: (started: Started | undefined) => Response | Promise<Response>,
  env?: unknown,
): Promise<Response> {
  let started: Started | undefined;
  let url: URL;
  try {
    // Telemetry exported to this very app (isOwnExport) is not traced: it would be exported again, without end.
    if (!isOwnExport(request.headers)) {
      url = new URL(request.url);
      const route = pipeline.config.routeFor?.(request);
      const attributes: Attributes = { ...serverAttributes(request, url, pipeline.config.urlPolicy), ...extraAttributes, [FAAS_TRIGGER]: "http" };
      if (route) attributes[HTTP_ROUTE] = route;
      const name = route ? `${request.method} ${route}` : request.method;
      started = startInvocation(pipeline, name, SpanKind.SERVER, attributes, remoteParent(pipeline, request.headers));
      const { identify } = pipeline.config;
      if (identify) {
        const identity = identityOf(identify, request, env, pipeline.config.limits.maxAttributeLength, () => pipeline.selfError());
        started.invocation.identity = identity;
        if (identity) started.root.setAttributes(identity);
      }
    }
  } catch {
    pipeline.selfError();
  }
  // Outside the try: a handler that throws is never called a second time.
  if (!started) return handler(undefined);
  const { invocation, root } = started;
  const finish = () => {
    root.end();
    invocation.responseFinished();
  };
  let response: Response;
  try {
    response = await started.run(() => handler(started));
  } catch (error) {
    try {
      failSpan(root, error);
    } catch {
      pipeline.selfError();
    }
    finish();
    invocation.handlerSettled();
    throw error;
  }
  invocation.handlerSettled();
  // No Response at all (Bun answers a WebSocket upgrade with undefined): nothing to watch.
  if (response === undefined || response === null) {
    finish();
    return response;
  }
  try {
    return endWithResponse(invocation, root, response, finish);
  } catch {
    // Could not watch the body (e.g. it is locked): end now rather than never.
    pipeline.selfError();
    finish();
    return response;
  }
}

/**
 * End the SERVER span with the response, touching the response only when it must be watched.
 * A response is handed back as is (same object: Content-Length, encoding mode, body speed
 * untouched) and the span ends now, unless it streams LLM output: an LLM stream we already
 * watch (passed through: the span ends with it, no second wrapper), or an event stream, NDJSON
 * or an AI SDK stream of unknown length, which is watched to its end. Nothing else is even
 * looked at: reading `response.body` alone makes some runtimes send a string body chunked.
 */
function endWithResponse(invocation: Invocation, root: Span, response: Response, finish: () => void): Response {
  root.setAttribute(HTTP_RESPONSE_STATUS_CODE, response.status);
  if (response.status >= 500) {
    // The handler's own error.type, if it set one, says more than the status.
    if ((root as { attributes?: Record<string, unknown> }).attributes?.[ERROR_TYPE] === undefined) root.setAttribute(ERROR_TYPE, String(response.status));
    root.setStatus({ code: SpanStatusCode.ERROR });
  }
  const end = (outcome: BodyOutcome, error?: unknown) => {
    if (outcome === "error") {
      root.setAttribute(ERROR_TYPE, (error as Error)?.name || "_OTHER");
      root.setStatus({ code: SpanStatusCode.ERROR, message: "response body failed while streaming" });
    }
    finish();
  };
  const watched = isWatchedResponse(response);
  const body = watched || streamsLLMOutput(response.headers) ? watchableBody(response) : null;
  if (body && alsoOnEnd(body, end)) return response;
  if (!body || watched || response.bodyUsed || body.locked) {
    finish();
    return response;
  }
  return watchedResponse(response, body, { end }, () => invocation.pipeline.selfError());
}

const STREAMING_TYPES = /^\s*(text\/event-stream|application\/(x-)?ndjson|application\/jsonl)/i;

function streamsLLMOutput(headers: Headers): boolean {
  if (headers.has("content-length") || headers.has("content-encoding")) return false;
  return (
    STREAMING_TYPES.test(headers.get("content-type") ?? "") ||
    // The AI SDK's stream protocols, whatever their content type.
    headers.has("x-vercel-ai-ui-message-stream") ||
    headers.has("x-vercel-ai-data-stream")
  );
}
