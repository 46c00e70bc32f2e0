/**
 * Calls through Cloudflare bindings on `env`, which never reach the global fetch:
 *
 * - a service binding's or a Durable Object stub's `fetch`: traced by the global fetch's tracer
 *   (a CLIENT span, a GenAI one for an LLM call, `traceparent` injected so an instrumented callee
 *   continues the trace);
 * - their RPC methods (`env.SERVICE.method()`, `stub.method()`): a CLIENT span (see rpc.ts);
 * - Workers AI `run`: a `gen_ai.*` span (`instrumentAI`).
 *
 * `env` is wrapped in a Proxy that recognises a binding by its runtime class when the handler
 * reads it (`Fetcher`, `DurableObjectNamespace`; Workers AI by its `run` method and either the
 * name `AI` or a `gateway` method). Everything else on `env` is returned untouched.
 */
import { context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { PROVIDER_WORKERS_AI } from "../attributes.js";
import { tracedFetch } from "../fetch/instrument.js";
import { type BodyObserver, observeBody, watchedResponse } from "../fetch/observe-body.js";
import { type CallRecord, GenAICall, requestAttributes, spanName } from "../genai/call.js";
import { workersAi, workersAiRequest } from "../genai/workers-ai.js";
import { nowMs } from "../trace/clock.js";
import type { Invocation } from "../trace/invocation.js";
import { sdkSpanFor, sdkSpanForRequest } from "../trace/sdk-spans.js";
import { replaceSpan, reserveSpanContext, resolveScope, startSpanIn } from "../trace/tracer.js";
import { own, tracedRpcMethod } from "./rpc.js";

const wrappers = new WeakMap<object, object>();
/** Wrapper → the binding it wraps. */
const targets = new WeakMap<object, object>();

function once<T extends object>(target: T, wrap: (target: T) => object): T {
  if (targets.has(target)) return target;
  let out = wrappers.get(target);
  if (!out) {
    out = wrap(target);
    wrappers.set(target, out);
    targets.set(out, target);
  }
  return out as T;
}

/** A Proxy cannot cross RPC: a traced binding passed as an argument goes as the binding itself. */
const unwrap = (value: unknown) => (value && typeof value === "object" && targets.get(value)) || value;

/**
 * `env`, with its bindings traced as they are read: service bindings and Durable Object stubs
 * (`fetch` and RPC methods) and Workers AI. Calls outside an invocation pass straight through.
 */
export function traceBindings<E>(env: E): E {
  if (!env || typeof env !== "object") return env;
  return once(env as object, (target) =>
    new Proxy(target, {
      get(t, key) {
        const value = Reflect.get(t, key);
        if (typeof key !== "string" || !value || typeof value !== "object") return value;
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        if (d && !d.configurable && !d.writable) return value; // a Proxy must return it unchanged
        try {
          return traceBinding(value, key);
        } catch {
          return value;
        }
      },
    }),
  ) as E;
}

function traceBinding(value: object, name: string): object {
  const type = Object.getPrototypeOf(value)?.constructor?.name;
  const b = value as { run?: unknown; gateway?: unknown };
  // A service binding answers every property name with an RPC method: check the name first.
  if (typeof b.run === "function" && (name === "AI" || (type !== "Fetcher" && typeof b.gateway === "function"))) return instrumentAI(value);
  if (type === "Fetcher" || type === "DurableObject") return traceStub(value, name);
  if (type === "DurableObjectNamespace") return traceNamespace(value, name);
  return value;
}

/** A Durable Object namespace: the stubs it hands out are traced. */
function traceNamespace(ns: object, name: string): object {
  return once(ns, (target) =>
    new Proxy(target, {
      get(t, key) {
        const value = Reflect.get(t, key);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => object).apply(t, args);
          if (key === "get" || key === "getByName") return traceStub(out, name);
          return key === "jurisdiction" ? traceNamespace(out, name) : out;
        };
      },
    }),
  );
}

interface Fetcher {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

/**
 * A service binding or Durable Object stub: `fetch` is traced as any fetch is (a binding fronting
 * an LLM API gives a GenAI span; server.address is its URL's host), RPC methods become CLIENT spans.
 */
function traceStub(stub: object, name: string): object {
  return once(stub, (target) =>
    new Proxy(target, {
      get(t, key) {
        if (key === "fetch") {
          // The one fetch tracer (request view, GenAI detection, span), sending through the binding.
          const send = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => (t as Fetcher).fetch(input, init);
          return (input: RequestInfo | URL, init?: RequestInit) => tracedFetch([input, init], { send });
        }
        const value = Reflect.get(t, key);
        if (typeof key === "string" && typeof value === "function" && Object.getPrototypeOf(value) !== Function.prototype) {
          return tracedRpcMethod(value, t, `${name}/${key}`, unwrap);
        }
        return own(t, value);
      },
    }),
  );
}

/** The Workers AI binding (`env.AI`) with each `run` recorded as a `gen_ai.*` span. Idempotent. */
export function instrumentAI<T extends object>(ai: T): T {
  return once(ai, (target) =>
    new Proxy(target, {
      get(t, key) {
        const value = Reflect.get(t, key);
        if (key === "run" && typeof value === "function") {
          return (model: unknown, inputs: unknown, options?: unknown) => runAI(t as AiLike, model, inputs, options);
        }
        return own(t, value);
      },
    }),
  );
}

/** What a content reader is given as the URL of a binding call, which has none. */
const BINDING_URL = new URL("https://workers-ai.binding/run");

interface AiLike {
  run(model: unknown, inputs: unknown, options?: unknown): Promise<unknown>;
}

async function runAI(ai: AiLike, model: unknown, inputs: unknown, options: unknown): Promise<unknown> {
  const ctx = context.active();
  const scope = resolveScope(ctx);
  const invocation = scope.invocation;
  const request = invocation && workersAiRequest(model, inputs);
  if (!invocation || !request) return ai.run(model, inputs, options);
  const { pipeline } = invocation;
  // The content reader reads the binding's inputs as the request body.
  const body = inputs && typeof inputs === "object" ? (inputs as Record<string, unknown>) : undefined;
  const detected = { provider: PROVIDER_WORKERS_AI, format: workersAi, body };
  const startMs = nowMs();
  const spanOptions = { kind: SpanKind.CLIENT, attributes: requestAttributes(detected, request, pipeline.profile), startTime: startMs };
  // An SDK's own span for this call (the AI SDK over the binding): ours takes its place, or, kept
  // (`sdkSpans: "keep"`), it stays the call's one GenAI span and ours records the metrics only.
  const sdk = sdkSpanForRequest(sdkSpanFor(ctx, invocation), request);
  const kept = sdk !== undefined && (!sdk.replace || pipeline.config.sdkSpans === "keep");
  const span: Span = kept
    ? trace.wrapSpanContext(reserveSpanContext(scope))
    : sdk?.replace
      ? replaceSpan(sdk.replace, pipeline.scope, spanName(request), spanOptions)
      : startSpanIn(pipeline.scope, spanName(request), spanOptions, ctx, scope);
  // A binding call has no network address (so the metrics get an empty one).
  const { limits, prices } = pipeline.config;
  const content = pipeline.contentPolicy.mode === "NO_CONTENT" ? undefined : { ...pipeline.contentPolicy, url: BINDING_URL };
  const onEnd = (record: CallRecord) => invocation.recordCall(record);
  const call = new GenAICall({ span, detected, request, startMs, serverAddress: "", serverPort: 0, limits, profile: pipeline.profile, prices, content, onEnd });
  // The call itself holds the invocation: a stream the app abandons is ended as a call at the flush (metrics too).
  const token = call;
  invocation.hold(token);
  let result: unknown;
  try {
    result = await context.with(trace.setSpan(ctx, span), () => ai.run(model, inputs, options));
  } catch (error) {
    call.fail(error, nowMs());
    invocation.release(token);
    throw error;
  }
  if (result instanceof Response && result.body) {
    // `returnRawResponse`: an HTTP response after all.
    const observer = released(call.observer(result, nowMs), token, invocation);
    return watchedResponse(result, result.body, observer, () => pipeline.selfError());
  }
  if (result instanceof ReadableStream) {
    const observer = call.observer(notHttp(), nowMs);
    return observeBody(result, released(observer, token, invocation), () => pipeline.selfError());
  }
  call.endWithDocument(notHttp(), result, nowMs());
  invocation.release(token);
  return result;
}

/**
 * A binding's result is not an HTTP response: status 0 (no status-based error, and no finish
 * reason required: native Workers AI streams have none) and the stream's content type.
 */
const notHttp = () => ({ status: 0, headers: new Headers({ "content-type": "text/event-stream" }) }) as unknown as Response;

/** The call's observer, releasing the invocation's hold at the end. */
function released(observer: BodyObserver, token: object, invocation: Invocation): BodyObserver {
  return {
    chunk: observer.chunk,
    end(outcome, error) {
      observer.end(outcome, error);
      invocation.release(token);
    },
  };
}
