/**
 * What an outbound request is, read without disturbing it: URL, method, headers and, for a
 * request that could be an LLM call, a bounded copy of its body.
 */
import { mayBeLLMCall } from "../genai/detect.js";
import { isRequest } from "./send.js";

/** What we could read of the request without disturbing it. */
export interface RequestView {
  url: URL;
  method: string;
  headers: Headers;
  bodyText?: string;
  /** A Request whose body holds the prompt: read before sending, then its bytes are what is sent. */
  pending?: Request;
  bytes?: Uint8Array<ArrayBuffer>;
}


/**
 * A body the runtime will refuse before sending anything: already read, or (a plain init's
 * stream) locked by a reader. A Request's `body` is not looked at here: reading that getter turns
 * a string body into a stream in some runtimes, which then send it chunked.
 */
function unusable(value: unknown): boolean {
  if (isRequest(value)) return value.bodyUsed;
  const body = (value as { body?: unknown } | undefined)?.body;
  return body instanceof ReadableStream && body.locked;
}

/**
 * After a failed call: a Request body the app had locked, so nothing was sent (bare fails the same
 * way). The runtime's refusal says so; a network failure of a streamed body that the runtime
 * itself had locked (undici pipes it before reading) is a call that happened.
 */
export function neverSent(input: unknown, init: unknown, error: unknown): boolean {
  if (!(error instanceof TypeError) || !/lock|disturb|unusable|used/i.test(error.message)) return false;
  return [input, init].some((r) => isRequest(r) && !r.bodyUsed && r.body?.locked === true);
}

/** What the request is, read synchronously (the app may change its objects once fetch returns). */
export function viewRequest(input: RequestInfo | URL, init: RequestInit | undefined, maxBytes: number): RequestView | undefined {
  // `init` may itself be a Request (the proxy idiom `fetch(newUrl, request)`): its fields are getters.
  const source = isRequest(init) ? init : isRequest(input) && init?.body === undefined ? input : undefined;
  if (unusable(source) || unusable(init)) return undefined;
  const url = new URL(isRequest(input) ? input.url : String(input));
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const method = (init?.method ?? (isRequest(input) ? input.method : "GET")).toUpperCase();
  const headers = new Headers(init?.headers ?? (isRequest(input) ? input.headers : undefined));
  const view: RequestView = { url, method, headers };
  // Only a request that could be an LLM call is read, and only a bounded body.
  if (mayBeLLMCall(method, url)) {
    const body = source ? undefined : init?.body;
    if (typeof body === "string") {
      if (body.length <= maxBytes) view.bodyText = body;
    } else if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
      if (body.byteLength <= maxBytes) view.bodyText = new TextDecoder().decode(body);
    } else if (source) {
      // A Request carrying its body: read only when its declared size is small enough to be a
      // prompt (a streamed upload of unknown size is never buffered). It is read itself, not a
      // clone (a clone tees the body, which Deno then sends chunked), and the same bytes are sent.
      const length = Number(source.headers.get("content-length"));
      if (length > 0 && length <= maxBytes && source.body && !source.body.locked) view.pending = source;
    }
  }
  return view;
}

export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
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
