import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, eventStreamFraming } from "../../src/genai/eventstream.js";
import type { SseEvent } from "../../src/genai/types.js";
import { splitAt, streamBytes } from "./helpers.js";

/** A frame built independently of the code under test (Node's zlib CRC-32). */
function frame(headers: [string, number, Uint8Array][], payload: string | Uint8Array, opts: { badPrelude?: boolean; badMessage?: boolean; headersLength?: number } = {}): Uint8Array {
  const enc = new TextEncoder();
  const parts = headers.map(([name, type, value]) => {
    const n = enc.encode(name);
    return Uint8Array.from([n.length, ...n, type, ...value]);
  });
  const head = Uint8Array.from(parts.flatMap((p) => [...p]));
  const body = typeof payload === "string" ? enc.encode(payload) : payload;
  const total = 16 + head.length + body.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, opts.headersLength ?? head.length);
  view.setUint32(8, zlibCrc32(out.subarray(0, 8)) ^ (opts.badPrelude ? 1 : 0));
  out.set(head, 12);
  out.set(body, 12 + head.length);
  view.setUint32(total - 4, zlibCrc32(out.subarray(0, total - 4)) ^ (opts.badMessage ? 1 : 0));
  return out;
}
const str = (s: string) => {
  const b = new TextEncoder().encode(s);
  return Uint8Array.from([b.length >> 8, b.length & 0xff, ...b]);
};
const event = (type: string, payload: string, more: [string, number, Uint8Array][] = []) =>
  frame([[":event-type", 7, str(type)], [":content-type", 7, str("application/json")], [":message-type", 7, str("event")], ...more], payload);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

interface Run {
  events: SseEvent[];
  at: number[];
  reads: number[];
  ended: unknown[];
}
function run(pieces: Uint8Array[], max = 1 << 20, outcome: "done" | "error" | "cancel" = "done"): Run {
  let clock = 0;
  const r: Run = { events: [], at: [], reads: [], ended: [] };
  const observer = eventStreamFraming(max, () => ++clock, {
    take: (e, at) => {
      r.events.push(e);
      r.at.push(at);
    },
    read: (at) => r.reads.push(at),
    end: (...args) => r.ended.push(args),
  });
  for (const p of pieces) observer.chunk?.(p);
  observer.end(outcome, undefined);
  return r;
}

describe("crc32", () => {
  it("is CRC-32/IEEE (agrees with zlib, and the check value of '123456789')", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => crc32(b) === zlibCrc32(b)));
  });
});

describe("eventStreamFraming on real bodies", () => {
  it("converse-stream-titan.b64: five events, named by :event-type, payloads as sent", () => {
    const r = run([streamBytes("bedrock/converse-stream-titan.b64")]);
    expect(r.events.map((e) => e.event)).toEqual(["messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]);
    expect(r.events[3].data).toBe('{"p":"abcdefghijklmnopqrst","stopReason":"max_tokens"}');
    expect(r.ended).toEqual([["done", undefined, 0, 2]]);
    expect(r.reads).toEqual([1]);
    expect(r.at).toEqual([1, 1, 1, 1, 1]);
  });

  it("converse-stream-claude-tool-use.b64 split at every byte: 25 events (the MANIFEST count), the same at every cut", () => {
    const bytes = streamBytes("bedrock/converse-stream-claude-tool-use.b64");
    const whole = run([bytes]).events;
    expect(whole).toHaveLength(25);
    for (let i = 0; i <= bytes.length; i++) {
      const r = run(splitAt(bytes, [i]));
      if (JSON.stringify(r.events) !== JSON.stringify(whole)) expect({ i, events: r.events }).toEqual({ i, events: whole });
      expect(r.ended[0]).toEqual(["done", undefined, 0, 3]);
    }
  });

  it("an event is taken at the time of the read that completed it", () => {
    const bytes = streamBytes("bedrock/converse-stream-titan.b64");
    // The first frame is 0x81 = 129 bytes: cut inside it, then after it.
    const r = run(splitAt(bytes, [100, 200]));
    expect(r.reads).toEqual([1, 2, 3]);
    expect(r.at).toEqual([2, 3, 3, 3, 3]);
  });
});

describe("eventStreamFraming on the smithy codec test vectors", () => {
  it("all_headers: every header type (bool, byte, short, int, long, bytes, string, timestamp, uuid) is walked", () => {
    const r = run([streamBytes("bedrock/vector-all-headers.b64")]);
    // No `:event-type` (its `event-type` is an integer header): the payload alone.
    expect(r.events).toEqual([{ data: "{'foo':'bar'}" }]);
    expect(r.ended).toEqual([["done", undefined, 0, 2]]);
  });

  it("empty_message: a 16-byte frame is an empty event", () => {
    expect(run([streamBytes("bedrock/vector-empty-message.b64")]).events).toEqual([{ data: "" }]);
  });

  it("corrupted_payload: dropped for its message CRC, and the next frame is still read", () => {
    const good = event("chunk", "{}");
    const r = run([concat(streamBytes("bedrock/vector-corrupted-payload.b64"), good)]);
    expect(r.events).toEqual([{ event: "chunk", data: "{}" }]);
    expect(r.ended).toEqual([["done", undefined, 1, 2]]);
  });

  it.each(["vector-corrupted-length.b64", "vector-corrupted-header-len.b64"])("%s: a prelude failing its CRC stops the parse (counted once)", (name) => {
    const r = run([concat(event("a", "1"), streamBytes(`bedrock/${name}`), event("b", "2"), event("c", "3"))]);
    expect(r.events).toEqual([{ event: "a", data: "1" }]);
    expect(r.ended).toEqual([["done", undefined, 1, 2]]);
  });
});

describe("eventStreamFraming on broken or unusual frames", () => {
  it("exception and error frames", () => {
    const exception = frame(
      [
        [":exception-type", 7, str("throttlingException")],
        [":content-type", 7, str("application/json")],
        [":message-type", 7, str("exception")],
      ],
      '{"message":"Too many requests, please wait before trying again."}',
    );
    const bare = frame([[":message-type", 7, str("exception")]], "{}");
    const error = frame(
      [
        [":message-type", 7, str("error")],
        [":error-code", 7, str("InternalFailure")],
        [":error-message", 7, str("boom")],
      ],
      "",
    );
    expect(run([concat(exception, bare, error)]).events).toEqual([
      { event: "throttlingException", data: '{"message":"Too many requests, please wait before trying again."}' },
      { event: "exception", data: "{}" },
      { event: ":error", data: '{"code":"InternalFailure","message":"boom"}' },
    ]);
  });

  it("an unknown header type (10) or headers running past their block drop the frame only", () => {
    const unknown = frame([["x", 10, Uint8Array.from([0, 0])]], "{}");
    const overrun = frame([[":event-type", 7, Uint8Array.from([0, 200, 65])]], "{}");
    const r = run([concat(unknown, overrun, event("ok", "1"))]);
    expect(r.events).toEqual([{ event: "ok", data: "1" }]);
    expect(r.ended).toEqual([["done", undefined, 2, 2]]);
  });

  it("a headers length beyond the frame (prelude CRC intact) skips that frame by its total length", () => {
    const r = run([concat(frame([], "abc", { headersLength: 100 }), event("ok", "1"))]);
    expect(r.events).toEqual([{ event: "ok", data: "1" }]);
    expect(r.ended).toEqual([["done", undefined, 1, 2]]);
  });

  it("a total length under 16 (prelude CRC intact) loses the framing", () => {
    const tiny = new Uint8Array(12);
    new DataView(tiny.buffer).setUint32(0, 15);
    new DataView(tiny.buffer).setUint32(8, zlibCrc32(tiny.subarray(0, 8)));
    const r = run([concat(tiny, event("b", "2"))]);
    expect(r.events).toEqual([]);
    expect(r.ended).toEqual([["done", undefined, 1, 2]]);
  });

  it("a frame over maxEventBytes is skipped, however split, and the next one read", () => {
    const big = event("big", "x".repeat(500));
    const bytes = concat(event("a", "1"), big, event("b", "2"));
    for (let i = 0; i <= bytes.length; i += 7) {
      const r = run(splitAt(bytes, [i]), 200);
      expect(r.events).toEqual([
        { event: "a", data: "1" },
        { event: "b", data: "2" },
      ]);
      expect(r.ended[0]).toEqual(["done", undefined, 1, 3]);
    }
  });

  it("a body cut inside a prelude or a frame counts the cut frame when it ends done, not when cancelled", () => {
    const bytes = streamBytes("bedrock/converse-stream-titan.b64");
    for (const cut of [bytes.length - 1, bytes.length - 300]) {
      const r = run([bytes.subarray(0, cut)]);
      expect(r.events.length).toBeLessThan(5);
      expect(r.ended[0]).toEqual(["done", undefined, 1, 2]);
    }
    expect(run([bytes.subarray(0, 5)]).ended[0]).toEqual(["done", undefined, 1, 2]);
    expect(run([bytes.subarray(0, 200)], 1 << 20, "cancel").ended[0]).toEqual(["cancel", undefined, 0, 2]);
  });

  it("a payload's multi-byte UTF-8 characters survive any split", () => {
    const bytes = concat(event("t", '{"text":"é😀中"}'), event("u", "ü"));
    for (let i = 0; i <= bytes.length; i++) {
      expect(run(splitAt(bytes, [i])).events).toEqual([
        { event: "t", data: '{"text":"é😀中"}' },
        { event: "u", data: "ü" },
      ]);
    }
  });
});
