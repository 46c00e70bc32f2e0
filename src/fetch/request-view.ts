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
  /** A body only readable asynchronously, read (bounded) before the send by `readDeferred`. */
  deferred?: Deferred;
  /** Sent in place of the app's body: its stream, which we read, replayed whole. */
  resend?: BodyInit;
}

/**
 * A Request's body is read from a clone and the Request itself is sent: a clone keeps the
 * body's known length on every runtime (Content-Length stays Content-Length, chunked stays
 * chunked), where sending bytes we read would turn a streamed body into a sized one and a
 * replayed stream a sized body into a chunked one. A stream given in an init has no length to
 * keep: it is read and replayed. A Blob is read without being disturbed and sent itself.
 */
type Deferred = { clone: Request } | { stream: ReadableStream<unknown> } | { blob: Blob };

/**
 * A body the runtime will refuse before sending anything: already read, or (a plain init's
 * stream) locked by a reader. A Request's `body` is not looked at here: reading that getter turns
 * a string body into a stream in Deno, which then sends it chunked.
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
    } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
      if (body.byteLength <= maxBytes) view.bodyText = decoded(body);
    } else if (body instanceof Blob) {
      if (body.size <= maxBytes) view.deferred = { blob: body };
    } else if (body instanceof ReadableStream) {
      if (sendable(init!)) view.deferred = { stream: body };
    } else if (source && !(Number(source.headers.get("content-length")) > maxBytes)) {
      const clone = cloned(source);
      if (clone) view.deferred = { clone };
    }
    // FormData and URLSearchParams are never a JSON prompt.
  }
  return view;
}

const decoded = (bytes: AllowSharedBufferSource) => new TextDecoder().decode(bytes);

/** A clone of a Request with a body; none when its body is locked (the send then fails as bare). */
function cloned(request: Request): Request | undefined {
  try {
    // Typed as the plain Request: workers-types' clone() narrows the cf generics.
    const clone: Request = request.clone() as unknown as Request;
    return clone.body ? clone : undefined;
  } catch {
    return undefined;
  }
}

let duplexRequired: boolean | undefined;

/**
 * Whether the runtime will take this init's stream. Undici (Node, edge-runtime) refuses one
 * without `duplex: "half"` before reading it: then it is left for the runtime to refuse, unread.
 */
function sendable(init: RequestInit): boolean {
  const duplex = (init as { duplex?: unknown }).duplex;
  if (duplex !== undefined) return duplex === "half";
  duplexRequired ??= (() => {
    try {
      new Request("http://localhost/", { method: "POST", body: new ReadableStream() });
      return false;
    } catch {
      return true;
    }
  })();
  return !duplexRequired;
}

/**
 * Reads the deferred body (once), up to `maxBytes`, into `bodyText`; a stream read is replayed whole
 * into `resend`. Never rejects: what cannot be read is not read.
 */
export async function readDeferred(view: RequestView, maxBytes: number): Promise<void> {
  const deferred = view.deferred;
  if (!deferred) return;
  view.deferred = undefined; // read once
  if ("blob" in deferred) {
    view.bodyText = await deferred.blob.text().catch(() => undefined);
    return;
  }
  const stream = "clone" in deferred ? deferred.clone.body! : deferred.stream;
  let reader: ReadableStreamDefaultReader<unknown>;
  try {
    reader = stream.getReader();
  } catch {
    return;
  }
  const read = await prefix(reader, maxBytes);
  if ("stream" in deferred) view.resend = replay(read);
  // The clone's cancel settles only once the Request's own branch has been read: not awaited.
  else if (!read.done) reader.cancel().catch(() => {});
  if (read.done && !read.failed && !read.opaque) view.bodyText = await new Blob(read.chunks as Uint8Array<ArrayBuffer>[]).text();
}

interface Prefix {
  reader: ReadableStreamDefaultReader<unknown>;
  chunks: unknown[];
  done: boolean;
  /** A chunk that is not bytes: the runtime will refuse it, we do not read on. */
  opaque?: boolean;
  failed?: { error: unknown };
}

async function prefix(reader: ReadableStreamDefaultReader<unknown>, maxBytes: number): Promise<Prefix> {
  const read: Prefix = { reader, chunks: [], done: false };
  let total = 0;
  try {
    while (total <= maxBytes) {
      const { done, value } = await reader.read();
      if (done) {
        read.done = true;
        break;
      }
      read.chunks.push(value);
      if (!(value instanceof Uint8Array)) {
        read.opaque = true;
        break;
      }
      total += value.byteLength;
    }
  } catch (error) {
    read.failed = { error };
  }
  return read;
}

/** The chunks read, then the rest of the stream, pulled only as the runtime sends them. */
function replay(read: Prefix): ReadableStream<unknown> {
  const queue = [...read.chunks];
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        if (queue.length > 0) return controller.enqueue(queue.shift());
        if (read.failed) return controller.error(read.failed.error);
        if (read.done) return controller.close();
        const { done, value } = await read.reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => read.reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** A JSON object or array body (the AI Gateway's universal endpoint takes an array of steps), else undefined. */
export function parseJsonBody(text: string | undefined): unknown {
  const first = text?.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(text!);
  } catch {
    return undefined;
  }
}
