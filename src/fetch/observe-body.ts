/**
 * Pass a body stream through untouched while watching it.
 *
 * The returned stream pulls from the original only when its consumer pulls (high-water mark
 * 0), so backpressure passes through and nothing is buffered; a consumer's cancel is forwarded
 * to the source. Every chunk is the very same Uint8Array the source produced. The observer is
 * told exactly once how the stream ended. Observer errors are contained: they switch the
 * observer off, never the stream.
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

  const stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          finish("error", error);
          controller.error(error);
          return;
        }
        if (result.done) {
          // The consumer hears of the end first; our parsing and any flush it triggers come after.
          controller.close();
          queueMicrotask(() => finish("done"));
          return;
        }
        if (onChunk) {
          try {
            onChunk(result.value);
          } catch (e) {
            onChunk = undefined;
            onObserverError(e);
          }
        }
        controller.enqueue(result.value);
      },
      cancel(reason) {
        finish("cancel", reason);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  listeners.set(stream, ends);
  return stream;
}

/** The body of a response worth watching: there is one, and it is not a WebSocket upgrade. */
export function watchableBody(response: Response): ReadableStream<Uint8Array> | null {
  if (response.status === 101 || (response as { webSocket?: unknown }).webSocket) return null;
  return response.body;
}

/**
 * The same response with its body passed through `observer`. A Response built from a stream
 * loses `url`, `redirected` and `type`; SDKs read `url` for errors and logs, so they are kept.
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
  for (const key of ["url", "redirected", "type"] as const) {
    try {
      Object.defineProperty(wrapped, key, { value: response[key], configurable: true });
    } catch {
      // read-only in some runtimes: keep the fresh value
    }
  }
  return wrapped;
}
