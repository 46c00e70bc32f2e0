/**
 * Pass a body stream through untouched while watching it, and the one rule for handing a
 * watched response back to the app.
 *
 * The returned stream pulls from the original only when its consumer pulls (high-water mark
 * 0), so backpressure passes through and nothing is buffered; a consumer's cancel is forwarded
 * to the source. It is a byte stream, so BYOB readers work as they do on the original. The
 * observer is told exactly once how the stream ended. Observer errors are contained: they
 * switch the observer off, never the stream.
 *
 * A stream this module made can take more end listeners (`alsoOnEnd`): when a handler returns
 * an LLM stream as its response, the SERVER span ends with that same stream instead of a second
 * wrapper, which would double the per-chunk cost and the added time to first byte.
 */

export type BodyOutcome = "done" | "error" | "cancel";

export interface BodyObserver {
  /** Each chunk as it passes (optional: an observer that only needs the end costs nothing per chunk). */
  chunk?(bytes: Uint8Array): void;
  end(outcome: BodyOutcome, error?: unknown): void;
}

/** End listeners of the streams this module made and that are still running. */
const listeners = new WeakMap<ReadableStream<Uint8Array>, BodyObserver["end"][]>();

/** When `stream` was made by `observeBody` and has not ended, tell `end` too; else false. */
export function alsoOnEnd(stream: ReadableStream<Uint8Array>, end: BodyObserver["end"]): boolean {
  const list = listeners.get(stream);
  if (!list) return false;
  list.push(end);
  return true;
}

export function observeBody(
  body: ReadableStream<Uint8Array>,
  observer: BodyObserver,
  onObserverError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  // A byte stream (BYOB readers work) exactly when the original is one: some runtimes' fetch
  // bodies are, some are not, and the app must find the same.
  let bytes = false;
  try {
    body.getReader({ mode: "byob" }).releaseLock();
    bytes = true;
  } catch {
    // not a byte stream
  }
  const reader = body.getReader();
  const ends: BodyObserver["end"][] = [observer.end];
  let ended = false;
  let onChunk = observer.chunk;

  const finish = (outcome: BodyOutcome, error?: unknown) => {
    if (ended) return;
    ended = true;
    listeners.delete(stream);
    for (const end of ends) {
      try {
        end(outcome, error);
      } catch (e) {
        onObserverError(e);
      }
    }
  };

  const source: UnderlyingByteSource = {
    type: bytes ? "bytes" : (undefined as unknown as "bytes"),
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      for (;;) {
        try {
          result = await reader.read();
        } catch (error) {
          finish("error", error);
          controller.error(error);
          return;
        }
        // A byte stream refuses empty chunks: read on instead (a consumer cannot tell them apart).
        if (result.done || !bytes || result.value.byteLength > 0) break;
      }
      if (result.done) {
        // The consumer hears of the end first; our parsing and any flush it triggers come after.
        controller.close();
        // A pending BYOB read is answered with zero bytes once the stream is closed.
        if (bytes) controller.byobRequest?.respond(0);
        queueMicrotask(() => finish("done"));
        return;
      }
      const chunk = result.value as Uint8Array<ArrayBuffer>;
      if (onChunk) {
        try {
          onChunk(chunk);
        } catch (e) {
          onChunk = undefined;
          onObserverError(e);
        }
      }
      try {
        controller.enqueue(chunk);
      } catch {
        // A chunk whose buffer cannot be transferred (shared, or a view of a pool): pass a copy.
        controller.enqueue(chunk.slice());
      }
    },
    cancel(reason) {
      finish("cancel", reason);
      return reader.cancel(reason);
    },
  };
  const stream = new ReadableStream(source, { highWaterMark: 0 }) as ReadableStream<Uint8Array>;
  listeners.set(stream, ends);
  return stream;
}

/** The body of a response worth watching: there is one, and it is not a WebSocket upgrade. */
export function watchableBody(response: Response): ReadableStream<Uint8Array> | null {
  if (response.status === 101 || (response as { webSocket?: unknown }).webSocket) return null;
  return response.body;
}

/** Responses this module made: their body is ours to look at (touching another's body can change how the runtime sends it). */
const made = new WeakSet<Response>();

export function isWatchedResponse(response: Response): boolean {
  return made.has(response);
}

const IDENTITY = ["url", "redirected", "type", "headers"] as const;

/**
 * Give `copy` the fields of `original` a Response built from a stream would lose. `headers` too:
 * a fetched response's headers are immutable, a new Response's are not. For a clone, only what
 * the runtime's own clone would carry: a field a runtime set on the instance (edge-runtime's
 * `url`) is not.
 */
function keepIdentity(copy: Response, original: Response, forClone = false): Response {
  for (const key of IDENTITY) {
    if (forClone && Object.hasOwn(original, key)) continue;
    try {
      Object.defineProperty(copy, key, { value: original[key], configurable: true });
    } catch {
      // read-only in some runtime: keep the fresh value
    }
  }
  return copy;
}

/**
 * The same response with its body passed through `observer`: status, headers (and their
 * immutability), `url`, `redirected` and `type` are the original's, and so are a clone's.
 */
export function watchedResponse(
  response: Response,
  body: ReadableStream<Uint8Array>,
  observer: BodyObserver,
  onObserverError: (error: unknown) => void,
): Response {
  const wrapped = new Response(observeBody(body, observer, onObserverError), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  const clone = wrapped.clone;
  try {
    Object.defineProperty(wrapped, "clone", {
      value: () => keepIdentity(clone.call(wrapped), response, true),
      configurable: true,
      writable: true,
    });
  } catch {
    // keep the native clone
  }
  made.add(wrapped);
  return keepIdentity(wrapped, response);
}

/**
 * Read a body to its end (or `maxBytes`, then let go of it) into `observer`, off the app's path.
 * `done` runs last, whatever happens.
 */
export function readWhole(
  body: ReadableStream<Uint8Array>,
  observer: BodyObserver,
  maxBytes: number,
  done: () => void,
  onError: (error: unknown) => void,
): void {
  const reader = body.getReader();
  let size = 0;
  const end = (outcome: BodyOutcome, error?: unknown) => {
    try {
      observer.end(outcome, error);
    } finally {
      done();
    }
  };
  const next = (): void => {
    reader
      .read()
      .then(
        (result) => {
          if (result.done) return end("done");
          size += result.value.byteLength;
          observer.chunk?.(result.value);
          if (size <= maxBytes) return next();
          // Past the limit the observer keeps nothing: stop pulling (the app's branch is unaffected).
          reader.cancel().catch(() => {});
          end("done");
        },
        (error) => end("error", error),
      )
      .catch(onError);
  };
  next();
}
