/**
 * Cloudflare Workers RPC (method calls on a service binding or a Durable Object stub) as RPC
 * spans: `rpc.system.name` = `cloudflare_rpc`, `rpc.method` = `Service/method`, also the span
 * name. The caller's CLIENT span names the service after the binding (`env.COUNTER` →
 * `COUNTER/increment`); the callee's SERVER span after its class (`Counter/increment`).
 *
 * No trace context crosses an RPC call: its arguments are the user's, and the platform offers
 * no side channel for metadata. The callee's SERVER span starts its own trace. (A `fetch`
 * through the same binding does carry `traceparent`.)
 */
import { type Attributes, context, SpanKind, trace } from "@opentelemetry/api";
import { RPC_METHOD, RPC_SYSTEM_CLOUDFLARE, RPC_SYSTEM_NAME } from "../attributes.js";
import { failSpan } from "../trace/span.js";
import { resolveScope, startSpanIn } from "../trace/tracer.js";
import { settle } from "./settle.js";

export function rpcAttributes(method: string): Attributes {
  return { [RPC_SYSTEM_NAME]: RPC_SYSTEM_CLOUDFLARE, [RPC_METHOD]: method };
}

/**
 * An RPC method of a stub (`stub.increment`), whose calls become CLIENT spans. Everything else
 * about it (awaiting it as a property, `then`) is left to the original. `mapArg` maps each
 * argument before it is sent.
 */
export function tracedRpcMethod(method: object, stub: object, name: string, mapArg: (arg: unknown) => unknown): object {
  return new Proxy(method, {
    apply(target, _this, args) {
      const ctx = context.active();
      const scope = resolveScope(ctx);
      const call = () => Reflect.apply(target as (...a: unknown[]) => unknown, stub, args.map(mapArg));
      if (!scope.invocation) return call();
      const span = startSpanIn(scope.invocation.pipeline.scope, name, { kind: SpanKind.CLIENT, attributes: rpcAttributes(name) }, ctx, scope);
      return settle(
        () => context.with(trace.setSpan(ctx, span), call),
        (error, failed) => {
          if (failed) failSpan(span, error);
          span.end();
        },
      );
    },
    // `then`/`catch`/`finally` check their receiver: call them on the original.
    get: (target, key) => own(target, Reflect.get(target, key)),
  });
}

/** A native method of a runtime object, called on the object itself (never on a Proxy of it). */
export function own(target: object, value: unknown): unknown {
  return typeof value === "function" && Object.getPrototypeOf(value) === Function.prototype ? value.bind(target) : value;
}
