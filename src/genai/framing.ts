/**
 * Framing: how a response's bytes become what a format folds. A streamed response is cut into
 * events by the framing its format names (today server-sent events, `sse.ts`); any other response
 * is one JSON document, read whole up to a limit. Formats never see bytes, and this layer never
 * sees a format: it hands on events and documents, and says how many it could not parse.
 */
import type { BodyObserver, BodyOutcome } from "../fetch/observe-body.js";
import { SseParser } from "./sse.js";
import type { Framing, SseEvent } from "./types.js";

/** Where framed data goes. */
export interface FrameSink<T> {
  /** One event (or the whole document), at the time of the network read that completed it. */
  take(value: T, atMs: number): void;
  /** The body ended; `dropped` counts what could not be parsed (over a limit, not JSON). */
  end(outcome: BodyOutcome, error: unknown, dropped: number, atMs: number): void;
  /** A read arrived (streams only: the app pulling a stream keeps its invocation in use). */
  read?(atMs: number): void;
}

/** Shared decode options: the per-chunk path allocates nothing it can avoid. */
const STREAMING = { stream: true };

function sse(maxEventBytes: number, now: () => number, sink: FrameSink<SseEvent>): BodyObserver {
  const decoder = new TextDecoder();
  const parser = new SseParser({ maxSize: maxEventBytes });
  let chunkAt = 0;
  const onEvent = (event: SseEvent) => sink.take(event, chunkAt);
  return {
    chunk: (bytes) => {
      chunkAt = now();
      sink.read?.(chunkAt);
      parser.push(decoder.decode(bytes, STREAMING), onEvent);
    },
    end: (outcome, error) => {
      if (outcome === "done") {
        chunkAt = now();
        parser.push(decoder.decode(), onEvent);
        parser.end(onEvent);
      }
      sink.end(outcome, error, parser.dropped, now());
    },
  };
}

/** The stream framings by the name a format gives (`ProviderFormat.framing`). */
export const STREAM_FRAMINGS: Record<Framing, (maxEventBytes: number, now: () => number, sink: FrameSink<SseEvent>) => BodyObserver> = { sse };

/** A whole JSON document, kept only up to `limit` bytes. */
export function jsonDocument(limit: number, now: () => number, sink: FrameSink<unknown>): BodyObserver {
  // Decoded as it passes: a chunk's bytes are handed on (and may be detached) right after.
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  return {
    chunk: (bytes) => {
      if (size > limit) return;
      size += bytes.byteLength;
      text = size > limit ? "" : text + decoder.decode(bytes, STREAMING);
    },
    end: (outcome, error) => {
      let dropped = size > limit ? 1 : 0;
      if (outcome === "done" && size > 0 && !dropped) {
        try {
          sink.take(JSON.parse(text + decoder.decode()), 0);
        } catch {
          dropped = 1;
        }
      }
      text = "";
      sink.end(outcome, error, dropped, now());
    },
  };
}
