/**
 * The AWS event-stream binary framing (`application/vnd.amazon.eventstream`), as Bedrock's
 * streaming APIs send it. A frame is: a 12-byte prelude (total length u32 BE, headers length
 * u32 BE, CRC-32 of those 8 bytes), the headers, the payload, and a CRC-32 of everything before
 * it. Bytes arrive split anywhere; a frame is read where it lies when a chunk holds all of it, else
 * gathered in a buffer of its own announced size.
 *
 * What each frame becomes (an `SseEvent`, like every framing):
 * - `:message-type` `event` (or none): `{ event: :event-type, data: payload as UTF-8 }`;
 * - `exception`: `{ event: :exception-type ?? "exception", data }` (the payload is the
 *   exception's JSON, `{"message": ...}`), so a format sees e.g. `throttlingException`;
 * - `error`: `{ event: ":error", data: {"code": :error-code, "message": :error-message} }` as
 *   JSON (those frames carry their facts in headers and have no payload).
 *
 * Dropped (counted): a frame failing its message CRC or with malformed headers (the next frame
 * is still found from the prelude's length); a frame over `maxEventBytes`, skipped unbuffered;
 * a frame cut off by the end of the body. A prelude failing its CRC, or announcing a frame too
 * short to be one, loses the framing: it is counted once and the rest of the body is ignored,
 * since resynchronising on arbitrary bytes could invent frames.
 */
import type { BodyObserver } from "../fetch/observe-body.js";
import type { FrameSink } from "./framing.js";
import type { SseEvent } from "./types.js";

const PRELUDE = 12;
/** Prelude and message CRC: the smallest frame, with no headers and no payload. */
const MIN_FRAME = PRELUDE + 4;

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), the one event-stream uses. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

/** Value sizes by header type of the fixed-size ones (0/1 booleans, byte, short, int, long; 6/7 bytes and string are not; timestamp, uuid). */
const FIXED_SIZE: (number | undefined)[] = [0, 0, 1, 2, 4, 8, undefined, undefined, 8, 16];

/** What a frame's event is made of: the few string headers read (see the file header). */
interface FrameHeaders {
  /** `:message-type`: `exception`, `error`, or anything else (an event). */
  kind: "event" | "exception" | "error";
  eventType?: string;
  exceptionType?: string;
  errorCode?: string;
  errorMessage?: string;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
// The header names read, as bytes: every other header is skipped without being decoded.
const MESSAGE_TYPE = ascii(":message-type");
const EVENT_TYPE = ascii(":event-type");
const EXCEPTION_TYPE = ascii(":exception-type");
const ERROR_CODE = ascii(":error-code");
const ERROR_MESSAGE = ascii(":error-message");
const EXCEPTION = ascii("exception");
const ERROR = ascii("error");

/**
 * Whether bytes `from..to` decode to the ASCII `name`: its bytes, after an optional UTF-8 BOM (a
 * TextDecoder drops a leading one, so the names were matched that way when they were decoded).
 */
function is(frame: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  if (to - from === name.length + 3 && frame[from] === 0xef && frame[from + 1] === 0xbb && frame[from + 2] === 0xbf) from += 3;
  if (to - from !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (frame[from + i] !== name[i]) return false;
  return true;
}

/** Bytes `from..to` of a frame as a string (UTF-8). */
type Decode = (frame: Uint8Array, from: number, to: number) => string;

/**
 * Reads the string headers an event is made of (the last of a name wins; others are skipped), or
 * undefined when the block is malformed. `decode` turns value bytes into a string.
 */
function readHeaders(frame: Uint8Array, from: number, to: number, decode: Decode): FrameHeaders | undefined {
  const headers: FrameHeaders = { kind: "event" };
  let at = from;
  while (at < to) {
    const nameEnd = at + 1 + frame[at];
    if (nameEnd + 1 > to) return undefined;
    const nameStart = at + 1;
    const type = frame[nameEnd];
    at = nameEnd + 1;
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined) {
      at += fixed;
    } else if (type === 6 || type === 7) {
      if (at + 2 > to) return undefined;
      const end = at + 2 + u16(frame, at);
      if (end > to) return undefined;
      if (type === 7) readString(headers, frame, nameStart, nameEnd, at + 2, end, decode);
      at = end;
    } else {
      return undefined;
    }
  }
  return at === to ? headers : undefined;
}

/** One string header into `headers`, when it is one that is read. */
function readString(headers: FrameHeaders, frame: Uint8Array, name: number, nameEnd: number, value: number, end: number, decode: Decode): void {
  if (is(frame, name, nameEnd, MESSAGE_TYPE)) {
    headers.kind = is(frame, value, end, EXCEPTION) ? "exception" : is(frame, value, end, ERROR) ? "error" : "event";
  } else if (is(frame, name, nameEnd, EVENT_TYPE)) {
    headers.eventType = decode(frame, value, end);
  } else if (is(frame, name, nameEnd, EXCEPTION_TYPE)) {
    headers.exceptionType = decode(frame, value, end);
  } else if (is(frame, name, nameEnd, ERROR_CODE)) {
    headers.errorCode = decode(frame, value, end);
  } else if (is(frame, name, nameEnd, ERROR_MESSAGE)) {
    headers.errorMessage = decode(frame, value, end);
  }
}

/** The event a well-formed frame stands for (see the header). */
function frameEvent(headers: FrameHeaders, payload: string): SseEvent {
  switch (headers.kind) {
    case "exception":
      return { event: headers.exceptionType ?? "exception", data: payload };
    case "error":
      return { event: ":error", data: JSON.stringify({ code: headers.errorCode, message: headers.errorMessage }) };
    default: {
      const event = headers.eventType;
      return event === undefined ? { data: payload } : { event, data: payload };
    }
  }
}

export function eventStreamFraming(maxEventBytes: number, now: () => number, sink: FrameSink<SseEvent>): BodyObserver {
  const decoder = new TextDecoder();
  const prelude = new Uint8Array(PRELUDE);
  let preludeFill = 0;
  /** The frame being gathered (prelude included), or undefined while reading a prelude. */
  let frame: Uint8Array | undefined;
  let frameFill = 0;
  /** Bytes still to pass of a frame skipped for its size. */
  let skip = 0;
  let lost = false;
  let dropped = 0;
  let chunkAt = 0;

  // The event type repeats from frame to frame (`chunk`, `contentBlockDelta`): the last one's
  // string is reused while its bytes are the same.
  let last = new Uint8Array(0);
  let lastString = "";
  const decode: Decode = (f, from, to) => {
    const n = to - from;
    if (n === last.length) {
      let i = 0;
      while (i < n && f[from + i] === last[i]) i++;
      if (i === n) return lastString;
    }
    last = f.slice(from, to);
    lastString = decoder.decode(last);
    return lastString;
  };

  const finishFrame = (f: Uint8Array) => {
    const total = f.length;
    const headersEnd = PRELUDE + u32(f, 4);
    const headers = crc32(f, 0, total - 4) === u32(f, total - 4) ? readHeaders(f, PRELUDE, headersEnd, decode) : undefined;
    if (!headers) {
      dropped++;
      return;
    }
    sink.take(frameEvent(headers, decoder.decode(f.subarray(headersEnd, total - 4))), chunkAt);
  };

  /**
   * A complete prelude at `from` in `src`: verify it and decide what to do with the frame it
   * announces; returns how many bytes of `src` it used. A frame all inside `src` (a chunk, not the
   * prelude buffer) is read in place, the rest is gathered in a buffer of its size.
   */
  const startFrame = (src: Uint8Array, from: number): number => {
    preludeFill = 0;
    const total = u32(src, from);
    const headersLength = u32(src, from + 4);
    if (crc32(src, from, from + 8) !== u32(src, from + 8) || total < MIN_FRAME) {
      dropped++;
      lost = true;
    } else if (total > maxEventBytes || headersLength > total - MIN_FRAME) {
      dropped++;
      skip = total - PRELUDE;
    } else if (src !== prelude && src.length - from >= total) {
      finishFrame(src.subarray(from, from + total));
      return total;
    } else {
      frame = new Uint8Array(total);
      frame.set(src.subarray(from, from + PRELUDE));
      frameFill = PRELUDE;
    }
    return PRELUDE;
  };

  const push = (bytes: Uint8Array) => {
    let at = 0;
    while (at < bytes.length && !lost) {
      if (skip > 0) {
        const n = Math.min(skip, bytes.length - at);
        skip -= n;
        at += n;
      } else if (frame) {
        const n = Math.min(frame.length - frameFill, bytes.length - at);
        frame.set(bytes.subarray(at, at + n), frameFill);
        frameFill += n;
        at += n;
        if (frameFill === frame.length) {
          const done = frame;
          frame = undefined;
          finishFrame(done);
        }
      } else if (preludeFill === 0 && bytes.length - at >= PRELUDE) {
        at += startFrame(bytes, at);
      } else {
        const n = Math.min(PRELUDE - preludeFill, bytes.length - at);
        prelude.set(bytes.subarray(at, at + n), preludeFill);
        preludeFill += n;
        at += n;
        if (preludeFill === PRELUDE) startFrame(prelude, 0);
      }
    }
  };

  return {
    chunk: (bytes) => {
      chunkAt = now();
      sink.read?.(chunkAt);
      push(bytes);
    },
    end: (outcome, error) => {
      // A frame cut off by the end of a complete body could not be read (a skipped one is counted).
      if (outcome === "done" && !lost && (frame || preludeFill > 0)) dropped++;
      frame = undefined;
      sink.end(outcome, error, dropped, now());
    },
  };
}
