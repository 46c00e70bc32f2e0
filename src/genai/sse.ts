/**
 * Incremental, bounded parsers for streamed response bodies: server-sent events
 * (WHATWG HTML "event stream" parsing) and newline-delimited JSON.
 *
 * Both are fed already-decoded text pieces of any size (decode the bytes with
 * `TextDecoder` in `stream: true` mode so multi-byte characters split across network
 * chunks survive). Each piece is scanned once: a line that spans many pieces is kept as
 * a list of parts and joined once when its terminator arrives, so neither rescanning nor
 * repeated string concatenation makes a long stream of tiny pieces quadratic.
 *
 * Memory is bounded: a line (or, for SSE, an event) larger than `maxSize` characters
 * (UTF-16 code units) is dropped and counted in `dropped`, and parsing resumes after it.
 */

import type { BodyObserver } from "../fetch/observe-body.js";
import type { FrameSink } from "./framing.js";
import type { SseEvent } from "./types.js";

export interface StreamParserOptions {
  /** Largest pending line / event kept, in characters. Default 1 MiB. */
  maxSize?: number;
}

const DEFAULT_MAX_SIZE = 1024 * 1024;

const LF = "\n";
const CR = "\r";

/**
 * The parts of a line (or, in `json-array.ts`, an element) after one was added, `length` characters
 * in all. A line trickling in a character or two per piece would cost a string and a slot per piece
 * (~10 bytes per character): the parts are joined once they average under 16 characters. A join
 * waits until the line has grown by a sixteenth, so the copying stays linear.
 */
export function compact(parts: string[], length: number): void {
  if (parts.length > 32 && parts.length * 16 > length) {
    const joined = parts.join("");
    parts.length = 0;
    parts.push(joined);
  }
}

/**
 * Splits text pieces into lines ended by CRLF, LF or CR, with a per-line size budget, and turns
 * lines into events: SSE fields (`SseParser`), or one event per line (`NdjsonParser`). One class
 * with a flag rather than a hierarchy: this ships in every Worker.
 */
class EventParser {
  /** Number of lines/events dropped because they exceeded the size bound. */
  dropped = 0;
  private readonly maxSize: number;
  /** Parts of the current unterminated line, joined once when it ends. */
  private readonly parts: string[] = [];
  private partsLength = 0;
  /** The rest of the current line is being discarded (it overflowed its budget). */
  private discarding = false;
  /** The previous piece ended with CR: a LF starting the next piece belongs to that CR. */
  private afterCR = false;
  private started = false;
  private eventType: string | undefined = undefined;
  private readonly data: string[] = [];
  /** Characters held by the current SSE event: its data values (plus one per joining newline) and type. */
  private eventSize = 0;
  /** An SSE event overflowed: ignore lines until the next blank line. */
  private skipping = false;

  constructor(
    options: StreamParserOptions = {},
    private readonly ndjson = false,
  ) {
    const max = options.maxSize;
    this.maxSize = max !== undefined && max > 0 ? max : DEFAULT_MAX_SIZE;
  }

  /** Characters held between pushes (the pending line and, for SSE, the pending event): at most `maxSize`. */
  get buffered(): number {
    return this.partsLength + this.eventSize;
  }

  /** Feed the next decoded piece; complete events are passed to `onEvent` synchronously. */
  push(text: string, onEvent: (e: SseEvent) => void): void {
    let pos = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      // A leading byte-order mark is not part of the first line (WHATWG; TextDecoder
      // usually strips it already).
      if (text.charCodeAt(0) === 0xfeff) pos = 1;
    }
    if (this.afterCR && pos < text.length) {
      this.afterCR = false;
      if (text.charCodeAt(pos) === 10) pos++;
    }
    const n = text.length;
    // Next LF / CR positions, searched natively and only re-searched once passed.
    let lf = text.indexOf(LF, pos);
    let cr = text.indexOf(CR, pos);
    while (pos < n) {
      if (lf !== -1 && lf < pos) lf = text.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf(CR, pos);
      const next = this.events(text, pos, lf, cr, onEvent);
      if (next !== pos) {
        // Whole events went by: look again from where they stopped.
        pos = next;
        continue;
      }
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        this.append(text, pos, n);
        return;
      }
      this.append(text, pos, end);
      this.finishLine(onEvent);
      pos = end + 1;
      if (end === cr) {
        if (pos === n) this.afterCR = true;
        else if (text.charCodeAt(pos) === 10) pos++;
      }
    }
  }

  /**
   * The common case: from `pos`, with nothing pending, whole events that are one `data:` line and
   * its blank line (`data: …\n\n`, LF only, within the size bound) are dispatched as the line
   * machinery below would, without it (one slice per event). Returns where it stopped: at the
   * first thing that is not such an event. `lf` and `cr` are the next LF and CR at or after `pos`
   * (-1: none), so a stream with CR line ends costs no search here.
   */
  private events(text: string, pos: number, lf: number, cr: number, onEvent: (e: SseEvent) => void): number {
    if (this.ndjson || this.partsLength > 0 || this.discarding || this.skipping || this.data.length > 0 || this.eventType !== undefined) return pos;
    // Past an event's LF pair the next CR, if any, is still ahead: `cr` stays current.
    while (lf !== -1 && (cr === -1 || cr > lf) && text.charCodeAt(lf + 1) === 10 && lf - pos <= this.maxSize && text.startsWith("data:", pos)) {
      onEvent({ data: text.slice(text.charCodeAt(pos + 5) === 32 ? pos + 6 : pos + 5, lf) });
      pos = lf + 2;
      lf = text.indexOf(LF, pos);
    }
    return pos;
  }

  /** The body ended: process an unterminated last line and a pending event. */
  end(onEvent: (e: SseEvent) => void): void {
    if (this.discarding || this.partsLength > 0) this.finishLine(onEvent);
    // An SSE event without its closing blank line is dispatched all the same (see SseParser).
    if (!this.skipping) this.dispatch(onEvent);
    this.skipping = false;
    this.reset();
    this.afterCR = false;
  }

  private append(text: string, from: number, to: number): void {
    // Nothing to keep: the line is being discarded, or the segment is empty (an empty
    // segment never overflows, which is how blank lines get through while SSE skips).
    if (this.discarding || from === to) return;
    const length = to - from;
    // While an SSE event is skipped, any non-empty line "overflows" so it is never stored.
    if (this.partsLength + length > (this.skipping ? 0 : this.maxSize - this.eventSize)) {
      this.parts.length = 0;
      this.partsLength = 0;
      this.discarding = true;
      if (!this.skipping) {
        this.dropped++;
        // SSE drops the whole event the line belongs to; NDJSON only the line.
        if (!this.ndjson) {
          this.skipping = true;
          this.reset();
        }
      }
      return;
    }
    this.parts.push(text.slice(from, to));
    this.partsLength += length;
    compact(this.parts, this.partsLength);
  }

  private finishLine(onEvent: (e: SseEvent) => void): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const parts = this.parts;
    const line = parts.length === 0 ? "" : parts.length === 1 ? parts[0] : parts.join("");
    parts.length = 0;
    this.partsLength = 0;
    if (this.ndjson) {
      // JSON text never contains raw CR/LF, so treating every terminator alike is safe.
      if (line.trim().length > 0) onEvent({ data: line });
      return;
    }
    if (line.length === 0) {
      if (!this.skipping) this.dispatch(onEvent);
      this.skipping = false;
      this.reset();
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    // The field name is compared in place and only a kept value is sliced (once): this runs per line.
    const colon = line.indexOf(":");
    const nameLength = colon === -1 ? line.length : colon;
    const isData = nameLength === 4 && line.startsWith("data");
    if (!isData && !(nameLength === 5 && line.startsWith("event"))) return;
    let from = colon === -1 ? line.length : colon + 1;
    if (line.charCodeAt(from) === 32 /* one optional space */) from++;
    const value = line.slice(from);
    // What is kept counts against the event's budget: a value is shorter than its line, so the
    // event never holds more than maxSize characters.
    if (isData) {
      this.data.push(value);
      this.eventSize += value.length + 1;
    } else {
      this.eventSize += value.length - (this.eventType?.length ?? 0);
      this.eventType = value;
    }
  }

  private dispatch(onEvent: (e: SseEvent) => void): void {
    if (this.data.length === 0) return;
    const data = this.data.length === 1 ? this.data[0] : this.data.join("\n");
    // An empty `event:` value means the default type, same as no field.
    const event = this.eventType ? this.eventType : undefined;
    this.reset();
    onEvent(event === undefined ? { data } : { event, data });
  }

  private reset(): void {
    this.eventType = undefined;
    this.data.length = 0;
    this.eventSize = 0;
  }
}

/**
 * Server-sent events parser. Dispatches `{event, data}` on a blank line when the event has
 * at least one `data:` line; `id:`, `retry:` and unknown fields are ignored (nothing here
 * reconnects), comment lines (`:`) are ignored.
 *
 * Deviation from WHATWG, on purpose: `end()` dispatches a final event that has data but no
 * closing blank line. A browser discards it; for telemetry the last event of a body is often
 * the one with usage, and a cut-off JSON payload is rejected by the format anyway.
 */
export class SseParser extends EventParser {}

/**
 * Newline-delimited JSON parser (`application/x-ndjson`, `application/jsonl`): every
 * non-blank line is one event `{data: line}`, so formats can fold it like an SSE event.
 */
export class NdjsonParser extends EventParser {
  constructor(options?: StreamParserOptions) {
    super(options, true);
  }
}

/** Shared decode options: the per-chunk path allocates nothing it can avoid. */
export const STREAMING = { stream: true };

/** What a text framing's parser does (`SseParser`, `NdjsonParser`, `JsonArrayParser`). */
interface TextParser {
  dropped: number;
  push(text: string, onEvent: (event: SseEvent) => void): void;
  end(onEvent: (event: SseEvent) => void): void;
}

/** A framing over decoded text: the bytes are decoded as they pass and the parser cuts events. */
export const textFraming =
  (parserFor: (maxSize: number) => TextParser) =>
  (maxEventBytes: number, now: () => number, sink: FrameSink<SseEvent>): BodyObserver => {
    const decoder = new TextDecoder();
    const parser = parserFor(maxEventBytes);
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
  };
