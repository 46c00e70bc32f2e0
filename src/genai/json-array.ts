/**
 * The JSON-array framing: a streamed body that is one JSON array whose elements arrive over
 * time (Gemini's `streamGenerateContent` without `alt=sse`: `[{...}\r\n,\r\n{...}]`, content type
 * application/json). Each top-level element is handed on as `{data: <its JSON text>}` as soon as
 * its closing bracket arrives, so its chunks are timed like SSE events.
 *
 * Every character is scanned once, tracking only string/escape state and nesting depth; an
 * element spanning many pieces is kept as a list of slices joined once at its end (the same
 * reasons as in `sse.ts`). Memory is bounded: an element over `maxEventBytes` characters is
 * dropped (counted in `dropped`) and scanning resumes after it. Nothing here parses JSON or
 * throws: text that is not an array of objects is skipped, and a bare object (an error body not
 * wrapped in an array) is handed on like an element; the format rejects what is not JSON.
 */
import { compact, textFraming } from "./sse.js";
import type { SseEvent } from "./types.js";

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** Cuts elements out of decoded text pieces of any size. */
export class JsonArrayParser {
  /** Elements dropped: over the size bound, or cut off by the end of the body. */
  dropped = 0;
  private readonly maxSize: number;
  /** Nesting depth inside the current element (0: between elements). */
  private depth = 0;
  /** The outer array's `[` was seen: a `[` at depth 0 opens an element, not the array. */
  private inArray = false;
  private inString = false;
  private escaped = false;
  /** The current element overflowed: scan it to its end without keeping it. */
  private discarding = false;
  private readonly parts: string[] = [];
  private partsLength = 0;

  constructor(maxSize: number) {
    this.maxSize = maxSize > 0 ? maxSize : 1024 * 1024;
  }

  push(text: string, onEvent: (e: SseEvent) => void): void {
    const n = text.length;
    // Start of the current element within this piece, or -1 when none is open here.
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) {
        // A string between elements (a stray scalar) is skipped whole, so its brackets are not counted.
        this.inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (this.depth === 0) {
          if (c === OPEN_BRACKET && !this.inArray) {
            this.inArray = true;
            continue;
          }
          start = i;
          this.discarding = false;
        }
        this.depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.depth === 0) {
          // The outer array closed (a later `[` may open another: concatenated arrays are read alike).
          if (c === CLOSE_BRACKET) this.inArray = false;
          continue;
        }
        if (--this.depth === 0) {
          this.keep(text, start, i + 1);
          start = -1;
          this.finish(onEvent);
        }
      }
    }
    if (start !== -1) this.keep(text, start, n);
  }

  /** The body ended: an element still open was cut off. */
  end(): void {
    if (this.depth > 0 && !this.discarding) this.dropped++;
    this.reset();
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private keep(text: string, from: number, to: number): void {
    if (this.discarding || from === to) return;
    if (this.partsLength + (to - from) > this.maxSize) {
      this.dropped++;
      this.discarding = true;
      this.reset();
      return;
    }
    this.parts.push(from === 0 && to === text.length ? text : text.slice(from, to));
    this.partsLength += to - from;
    // An element trickling in a few characters per piece: its slices are joined as a line's are.
    compact(this.parts, this.partsLength);
  }

  private finish(onEvent: (e: SseEvent) => void): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const data = this.parts.length === 1 ? this.parts[0] : this.parts.join("");
    this.reset();
    onEvent({ data });
  }

  private reset(): void {
    this.parts.length = 0;
    this.partsLength = 0;
  }
}

/** The framing (see `STREAM_FRAMINGS` in framing.ts): bytes decoded as they pass, elements cut. */
export const jsonArrayFraming = textFraming((maxSize) => new JsonArrayParser(maxSize));
