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
  chunk(bytes: Uint8Array, atMs: number): void;
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
  now: () => number,
  onObserverError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const ends: BodyObserver["end"][] = [observer.end];
  let ended = false;
  let watching = true;

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
        if (watching) {
          try {
            observer.chunk(result.value, now());
          } catch (e) {
            watching = false;
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
