/**
 * What an outbound request is, read without disturbing it: URL, method, headers and, for a
 * request that could be an LLM call, a bounded copy of its body.
 */
import { mayBeLLMCall } from "../genai/detect.js";
import { onWorkerd } from "../runtime/env.js";
import { isRequest } from "./send.js";

/** What we could read of the request without disturbing it. */
export interface RequestView {
  url: URL;
  method: string;
  headers: Headers;
  bodyText?: string;
  /** A body only readable asynchronously, read (bounded) by `readDeferred`. */
  deferred?: Deferred;
  /** Sent in place of the app's body: its stream, passing through `tap`, or read first and replayed. */
  resend?: BodyInit;
  /**
   * While a stream is being read: chunks so far, how to stop reading it (`untilRead`), whether its
   * bytes are kept as they pass to the runtime, and how to lock the app's stream as the runtime does.
   */
  reading?: { chunks: number; stop(): void; passing?: boolean; lock?(): void };
}

/**
 * A Request's body is read from a clone (its body is the `copy`) and the Request itself is sent:
 * a clone keeps the body's known length on every runtime (Content-Length stays Content-Length,
 * chunked stays chunked), where sending bytes we read would turn a streamed body into a sized one
 * and a replayed stream a sized body into a chunked one. A stream given in an init is sent
 * through `tap`, its bytes kept as the runtime pulls them (workerd: a tee, whose other branch is
 * the `copy`; a call parsed before its send: read first and replayed). A Blob is read without
 * being disturbed and sent itself.
 */
type Deferred =
  | { stream: ReadableStream<unknown> }
  | { copy: ReadableStream<unknown> }
  | { blob: Blob }
  | { tapped: Promise<Uint8Array[] | undefined> };

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
      const copy = clonedBody(source);
      if (copy) view.deferred = { copy };
    }
    // FormData and URLSearchParams are never a JSON prompt.
  }
  return view;
}

const decoded = (bytes: AllowSharedBufferSource) => new TextDecoder().decode(bytes);

/** The body of a clone of a Request; none when its body is locked (the send then fails as bare). */
function clonedBody(request: Request): ReadableStream<unknown> | undefined {
  try {
    // Typed as the plain Request: workers-types' clone() narrows the cf generics.
    return (request.clone() as unknown as Request).body ?? undefined;
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
 * The app's stream (the init's, a `stream` deferred) sent as the runtime pulls it, nothing read
 * ahead: each chunk passes on as it is read, and the bytes (up to `maxBytes`) are kept for
 * `readDeferred`. The app's stream is locked when the runtime locks ours (Node: inside the fetch
 * call; Deno and Bun: when they first read it, so a call refused before that leaves it free for
 * a retry, as bare), and a cancel reaches it with the runtime's own reason. On workerd a tee
 * instead: its branch of a native stream keeps the stream's known length (`Content-Length`),
 * which a JS stream would turn into chunked.
 */
export function tap(view: RequestView, maxBytes: number): void {
  const deferred = view.deferred;
  if (!deferred || !("stream" in deferred)) return;
  const source = deferred.stream;
  if (onWorkerd()) {
    try {
      const [sent, copy] = source.tee();
      view.resend = sent;
      view.deferred = { copy };
    } catch {
      view.deferred = undefined; // sent as given, unread
    }
    return;
  }
  let reader: ReadableStreamDefaultReader<unknown> | undefined;
  let kept: Uint8Array[] | undefined = [];
  let total = 0;
  let settle!: (chunks: Uint8Array[] | undefined) => void;
  const end = (whole: boolean) => {
    if (kept) settle(whole ? kept : undefined);
    kept = undefined;
  };
  view.deferred = { tapped: new Promise((resolve) => (settle = resolve)) };
  const lock = () => {
    try {
      reader ??= source.getReader();
    } catch {
      // the app took it meanwhile: the runtime's first read says so
    }
  };
  const reading = { chunks: 0, passing: true, stop: () => end(false), lock };
  view.reading = reading;
  view.resend = new ReadableStream<unknown>(
    {
      async pull(controller) {
        let next: ReadableStreamReadResult<unknown>;
        try {
          reader ??= source.getReader();
          next = await reader.read();
        } catch (error) {
          end(false);
          throw error;
        }
        if (next.done) {
          end(true);
          return controller.close();
        }
        reading.chunks++;
        const value = next.value;
        if (value instanceof Uint8Array && (total += value.byteLength) <= maxBytes) kept?.push(value);
        else end(false);
        controller.enqueue(value);
      },
      cancel(reason) {
        end(false);
        return reader ? reader.cancel(reason) : source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Reads the deferred body (once), up to `maxBytes`, into `bodyText`; a stream read first is
 * replayed whole into `resend`. Never rejects: what cannot be read is not read.
 */
export async function readDeferred(view: RequestView, maxBytes: number): Promise<void> {
  const deferred = view.deferred;
  if (!deferred) return;
  view.deferred = undefined; // read once
  if ("blob" in deferred) {
    view.bodyText = await deferred.blob.text().catch(() => undefined);
    return;
  }
  if ("tapped" in deferred) {
    const chunks = await deferred.tapped;
    view.reading = undefined;
    if (chunks) view.bodyText = await new Blob(chunks as Uint8Array<ArrayBuffer>[]).text();
    return;
  }
  const stream = "copy" in deferred ? deferred.copy : deferred.stream;
  let reader: ReadableStreamDefaultReader<unknown>;
  try {
    reader = stream.getReader();
  } catch {
    return;
  }
  let stopped = false;
  let stopNow!: () => void;
  const stop = new Promise<typeof STOPPED>((resolve) => (stopNow = () => resolve(STOPPED)));
  view.reading = {
    chunks: 0,
    stop() {
      stopped = true;
      stopNow();
    },
  };
  // A stream read first is replayed whole (its pending read too): stopping loses nothing of it.
  const read = await prefix(reader, maxBytes, view.reading, stop);
  view.reading = undefined;
  if ("stream" in deferred) view.resend = replay(read);
  // A copy's cancel settles only once the other branch has been read: not awaited.
  else if (!read.done) reader.cancel().catch(() => {});
  if (read.done && !stopped && !read.failed && !read.opaque) view.bodyText = await new Blob(read.chunks as Uint8Array<ArrayBuffer>[]).text();
}

/** How long a stream may go without a chunk before it is no longer waited for. */
const IDLE_MS = 10;

/**
 * Waits for `read` (a `readDeferred` of `view`), not for an upload the app ends later (after the
 * answer, or never): before the send, a stream idle for IDLE_MS stops being read; once the call
 * is `answered` (or failed) a body still passing to the runtime did not end before it and is read
 * no further, and a copy (a clone) still being read gets IDLE_MS in all. The call then goes on
 * without its body. Anything else (a Blob, the text of what was read) is waited for.
 */
export async function untilRead(view: RequestView, read: Promise<void> | undefined, answered = false): Promise<void> {
  // Nothing being read (no body to read, or its text being made): no timer, the read itself.
  if (!read || !view.reading) return read;
  let done = false;
  const settled = () => {
    done = true;
  };
  read.then(settled, settled);
  while (!done) {
    if (answered && view.reading?.passing) view.reading.stop();
    const chunks = view.reading?.chunks;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([read, new Promise((resolve) => (timer = setTimeout(resolve, IDLE_MS)))]);
    clearTimeout(timer);
    if (!done && view.reading && (answered || view.reading.chunks === chunks)) view.reading.stop();
  }
}

interface Prefix {
  reader: ReadableStreamDefaultReader<unknown>;
  chunks: unknown[];
  done: boolean;
  /** A chunk that is not bytes: the runtime will refuse it, we do not read on. */
  opaque?: boolean;
  failed?: { error: unknown };
  /** The read under way when reading was stopped (the replay takes it first). */
  pending?: Promise<ReadableStreamReadResult<unknown>>;
}

const STOPPED = Symbol();

async function prefix(reader: ReadableStreamDefaultReader<unknown>, maxBytes: number, progress: { chunks: number }, stop: Promise<typeof STOPPED>): Promise<Prefix> {
  const read: Prefix = { reader, chunks: [], done: false };
  let total = 0;
  try {
    while (total <= maxBytes) {
      const pending = reader.read();
      const next = await Promise.race([pending, stop]);
      if (next === STOPPED) {
        read.pending = pending;
        break;
      }
      const { done, value } = next;
      if (done) {
        read.done = true;
        break;
      }
      progress.chunks++;
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
        const pending = read.pending;
        read.pending = undefined;
        const { done, value } = await (pending ?? read.reader.read());
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
