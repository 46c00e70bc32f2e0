/**
 * The event-stream framing as it was before header names were matched as bytes (src/genai/eventstream.ts
 * at 82d1da5: every header name and string value decoded), frozen as the reference the byte-matching
 * framing must agree with (eventstream-reference.test.ts) and as the "before" of
 * bench/formats-micro.ts. Not part of the package.
 */
/**
 * The AWS event-stream binary framing (`application/vnd.amazon.eventstream`), as Bedrock's
 * streaming APIs send it. A frame is: a 12-byte prelude (total length u32 BE, headers length
 * u32 BE, CRC-32 of those 8 bytes), the headers, the payload, and a CRC-32 of everything before
 * it. Bytes arrive split anywhere; a frame is gathered in a buffer of its own announced size.
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
import type { BodyObserver } from "../../src/fetch/observe-body.js";
import type { FrameSink } from "../../src/genai/framing.js";
import type { SseEvent } from "../../src/genai/types.js";

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

function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

/** Value sizes by header type of the fixed-size ones (0/1 booleans, byte, short, int, long; 6/7 bytes and string are not; timestamp, uuid). */
const FIXED_SIZE: (number | undefined)[] = [0, 0, 1, 2, 4, 8, undefined, undefined, 8, 16];

/** The string headers of a frame (others are skipped), or undefined when the block is malformed. */
function readHeaders(frame: Uint8Array, from: number, to: number, decoder: TextDecoder): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  let at = from;
  while (at < to) {
    const nameEnd = at + 1 + frame[at];
    if (nameEnd + 1 > to) return undefined;
    const name = decoder.decode(frame.subarray(at + 1, nameEnd));
    const type = frame[nameEnd];
    at = nameEnd + 1;
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined) {
      at += fixed;
    } else if (type === 6 || type === 7) {
      if (at + 2 > to) return undefined;
      const end = at + 2 + u16(frame, at);
      if (end > to) return undefined;
      if (type === 7) headers[name] = decoder.decode(frame.subarray(at + 2, end));
      at = end;
    } else {
      return undefined;
    }
  }
  return at === to ? headers : undefined;
}

/** The event a well-formed frame stands for (see the header). */
function frameEvent(headers: Record<string, string>, payload: string): SseEvent {
  switch (headers[":message-type"]) {
    case "exception":
      return { event: headers[":exception-type"] ?? "exception", data: payload };
    case "error":
      return { event: ":error", data: JSON.stringify({ code: headers[":error-code"], message: headers[":error-message"] }) };
    default: {
      const event = headers[":event-type"];
      return event === undefined ? { data: payload } : { event, data: payload };
    }
  }
}

export function referenceEventStreamFraming(maxEventBytes: number, now: () => number, sink: FrameSink<SseEvent>): BodyObserver {
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

  const finishFrame = (f: Uint8Array) => {
    const total = f.length;
    const headersEnd = PRELUDE + u32(f, 4);
    const headers = crc32(f, 0, total - 4) === u32(f, total - 4) ? readHeaders(f, PRELUDE, headersEnd, decoder) : undefined;
    if (!headers) {
      dropped++;
      return;
    }
    sink.take(frameEvent(headers, decoder.decode(f.subarray(headersEnd, total - 4))), chunkAt);
  };

  /** A complete prelude: verify it and decide what to do with the frame it announces. */
  const startFrame = () => {
    preludeFill = 0;
    const total = u32(prelude, 0);
    const headersLength = u32(prelude, 4);
    if (crc32(prelude, 0, 8) !== u32(prelude, 8) || total < MIN_FRAME) {
      dropped++;
      lost = true;
    } else if (total > maxEventBytes || headersLength > total - MIN_FRAME) {
      dropped++;
      skip = total - PRELUDE;
    } else {
      frame = new Uint8Array(total);
      frame.set(prelude);
      frameFill = PRELUDE;
    }
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
      } else {
        const n = Math.min(PRELUDE - preludeFill, bytes.length - at);
        prelude.set(bytes.subarray(at, at + n), preludeFill);
        preludeFill += n;
        at += n;
        if (preludeFill === PRELUDE) startFrame();
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
