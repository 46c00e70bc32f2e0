/**
 * Config `identify(request, env)`: who a request is for (`user.id`, `gen_ai.conversation.id`...),
 * set on the SERVER span and on every GenAI span of the invocation.
 *
 * Synchronous on purpose: it runs before the handler, and awaiting it would delay every
 * response (and tempt reading the body the handler needs). What it returns must be a plain
 * object of primitive values; anything else is left out. If it throws, the request simply has
 * no identity attributes (counted as an instrumentation error, warned about once).
 */
import type { Attributes } from "@opentelemetry/api";
import { warnOnce } from "./diag.js";
import type { RecordingSpan } from "./trace/span.js";

/** Attributes for this request, or nothing. Values must be strings, finite numbers or booleans. */
export type IdentifyHook<E = any> = (request: Request, env: E) => Record<string, unknown> | null | undefined;

/**
 * What `identify` says of this request, as attributes (strings cut to `maxLength`), or undefined
 * when it says nothing usable. Never throws: `onError` is told instead.
 */
export function identityOf(hook: IdentifyHook, request: Request, env: unknown, maxLength: number, onError: () => void): Attributes | undefined {
  let result: unknown;
  try {
    result = hook(request, env);
  } catch (error) {
    onError();
    warnOnce("identify-threw", `config.identify threw (${(error as Error)?.name ?? "error"}): the request has no identity attributes`);
    return undefined;
  }
  if (result === undefined || result === null) return undefined;
  if (typeof result !== "object" || Array.isArray(result) || typeof (result as { then?: unknown }).then === "function") {
    warnOnce("identify-shape", "config.identify must return a plain object of attributes, synchronously: ignored");
    return undefined;
  }
  const attributes: Attributes = {};
  for (const key of Object.keys(result)) {
    const value = (result as Record<string, unknown>)[key];
    if (typeof value === "string") attributes[key] = value.slice(0, maxLength);
    else if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) attributes[key] = value;
  }
  return Object.keys(attributes).length > 0 ? attributes : undefined;
}

/**
 * Add the identity to an ended span (its setAttribute is closed by then), within its attribute
 * limits; a value the span already has (a conversation id read from the request) is kept.
 */
export function addIdentity(span: RecordingSpan, identity: Attributes): void {
  for (const key of Object.keys(identity)) if (!Object.hasOwn(span.attributes, key)) span.setLateAttribute(key, identity[key]);
}
