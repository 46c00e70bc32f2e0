/**
 * Framing: how a response's bytes become what a format folds. A streamed response is cut into
 * events by the framing its format names (today server-sent events, `sse.ts`); any other response
 * is one JSON document, read whole up to a limit. Formats never see bytes, and this layer never
 * sees a format: it hands on events and documents, and says how many it could not parse.
 */
import type { BodyObserver, BodyOutcome } from "../fetch/observe-body.js";
import { eventStreamFraming } from "./eventstream.js";
import { jsonArrayFraming } from "./json-array.js";
import { NdjsonParser, SseParser, STREAMING, textFraming } from "./sse.js";
import type { Framing, ProviderFormat, RequestFacts, SseEvent } from "./types.js";

/** Where framed data goes. */
export interface FrameSink<T> {
  /** One event (or the whole document), at the time of the network read that completed it. */
  take(value: T, atMs: number): void;
  /** The body ended; `dropped` counts what could not be parsed (over a limit, not JSON). */
  end(outcome: BodyOutcome, error: unknown, dropped: number, atMs: number): void;
  /** A read arrived (streams only: the app pulling a stream keeps its invocation in use). */
  read?(atMs: number): void;
}

type StreamFraming = (maxEventBytes: number, now: () => number, sink: FrameSink<SseEvent>) => BodyObserver;

/** The stream framings by name: every `Framing` has one. */
export const STREAM_FRAMINGS: Record<Framing, StreamFraming> = {
  sse: textFraming((maxSize) => new SseParser({ maxSize })),
  ndjson: textFraming((maxSize) => new NdjsonParser({ maxSize })),
  "json-array": jsonArrayFraming,
  eventstream: eventStreamFraming,
};

/** Content types that name their framing. */
const STREAM_TYPES: [string, Framing][] = [
  ["text/event-stream", "sse"],
  ["application/x-ndjson", "ndjson"],
  ["application/jsonl", "ndjson"],
  ["application/vnd.amazon.eventstream", "eventstream"],
];

/**
 * The framing a response is read with, or undefined for one JSON document: the one its content
 * type names; else, for a streamed request of a format whose stream is a JSON array (Gemini
 * without `alt=sse`), element by element, so its chunks are timed as they arrive.
 */
export function framingOf(response: Response, format: ProviderFormat, request: RequestFacts): Framing | undefined {
  const type = (response.headers.get("content-type") ?? "").toLowerCase();
  let framing: Framing | undefined;
  for (const [prefix, name] of STREAM_TYPES) if (type.includes(prefix)) framing = name;
  if (!framing && request.stream && format.framing === "json-array" && type.includes("json")) framing = "json-array";
  return framing;
}

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
