import { readdirSync } from "node:fs";
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventStreamFraming } from "../../src/genai/eventstream.js";
import { referenceEventStreamFraming } from "./eventstream-reference.js";
import { splitAt, streamBytes } from "./helpers.js";

/**
 * The framing matches header names as bytes and decodes only the values it uses; the reference
 * decodes every name and value. Both must hand on the same events, at the same times, and count the
 * same drops, for every body: the recorded ones split anywhere, and generated frames with near-miss
 * names (a BOM, one byte off, another case), every header type, bad CRCs and lengths.
 */
type Framing = typeof eventStreamFraming;

function run(framing: Framing, pieces: Uint8Array[], max: number, outcome: "done" | "error" | "cancel" = "done"): unknown[] {
  let clock = 0;
  const log: unknown[] = [];
  const observer = framing(max, () => ++clock, {
    take: (e, at) => log.push(["take", e, at]),
    read: (at) => log.push(["read", at]),
    end: (...args) => log.push(["end", ...args]),
  });
  for (const p of pieces) observer.chunk?.(p);
  observer.end(outcome, undefined);
  return log;
}

function agree(pieces: Uint8Array[], max = 1 << 20, outcome: "done" | "error" | "cancel" = "done"): unknown[] {
  const log = run(eventStreamFraming, pieces, max, outcome);
  const reference = run(referenceEventStreamFraming, pieces, max, outcome);
  // Compared as text first: a deep comparison of every split's log is slow.
  if (JSON.stringify(log) !== JSON.stringify(reference)) expect(log).toStrictEqual(reference);
  return log;
}

const EVENTS = 227;
const enc = new TextEncoder();
const BOM = [0xef, 0xbb, 0xbf];

/** A frame built with Node's zlib CRC-32; `bad` corrupts the prelude or message CRC. */
function frame(headers: Uint8Array[], payload: Uint8Array, bad: "prelude" | "message" | undefined, headersDelta: number): Uint8Array {
  const head = Uint8Array.from(headers.flatMap((h) => [...h]));
  const total = 16 + head.length + payload.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, Math.max(0, head.length + headersDelta));
  view.setUint32(8, zlibCrc32(out.subarray(0, 8)) ^ (bad === "prelude" ? 1 : 0));
  out.set(head, 12);
  out.set(payload, 12 + head.length);
  view.setUint32(total - 4, zlibCrc32(out.subarray(0, total - 4)) ^ (bad === "message" ? 1 : 0));
  return out;
}

const READ = [":message-type", ":event-type", ":exception-type", ":error-code", ":error-message"];
const nameBytes = fc.oneof(
  fc.constantFrom(...READ, ":content-type", ":event-typ", ":Event-type", ":event-type ", "").map((n) => [...enc.encode(n)]),
  fc.constantFrom(...READ).map((n) => [...BOM, ...enc.encode(n)]),
  fc.constantFrom(...READ).map((n) => [...enc.encode(n), 0xef, 0xbb, 0xbf]),
  fc.uint8Array({ maxLength: 16 }).map((b) => [...b]),
);
const valueBytes = fc.oneof(
  fc.constantFrom("event", "exception", "error", "chunk", "contentBlockDelta", "throttlingException", "", "Error").map((v) => [...enc.encode(v)]),
  fc.constantFrom("exception", "error").map((v) => [...BOM, ...enc.encode(v)]),
  fc.uint8Array({ maxLength: 24 }).map((b) => [...b]),
);
/** One header: a string (most), another type with its value size (sometimes wrong), or an unknown type. */
const header = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(nameBytes, valueBytes).map(([n, v]) => Uint8Array.from([n.length, ...n, 7, v.length >> 8, v.length & 0xff, ...v])) },
  { weight: 2, arbitrary: fc.tuple(nameBytes, fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 20 })).map(([n, t, v]) => Uint8Array.from([n.length, ...n, t, ...(t === 6 ? [0, v.length] : []), ...v])) },
  { weight: 1, arbitrary: fc.tuple(nameBytes, fc.integer({ min: 10, max: 255 })).map(([n, t]) => Uint8Array.from([n.length, ...n, t])) },
);
const frames = fc.array(
  fc.tuple(
    fc.array(header, { maxLength: 6 }),
    fc.oneof(fc.string({ maxLength: 40 }).map((s) => enc.encode(s)), fc.uint8Array({ maxLength: 40 })),
    fc.constantFrom(undefined, undefined, undefined, undefined, "prelude" as const, "message" as const),
    fc.constantFrom(0, 0, 0, 0, -1, 1, 3),
  ).map(([h, p, bad, delta]) => frame(h, p, bad, delta)),
  { minLength: 1, maxLength: 6 },
);

describe("eventStreamFraming agrees with the decode-everything reference", () => {
  const fixtures = readdirSync(new URL("../fixtures/bedrock/", import.meta.url)).filter((f) => f.endsWith(".b64"));

  it("on every recorded body, whole and split in two at a thousand points (every byte of the short ones)", () => {
    expect(fixtures.length).toBe(16);
    let events = 0;
    for (const f of fixtures) {
      const bytes = streamBytes(`bedrock/${f}`);
      events += agree([bytes]).filter((x) => (x as unknown[])[0] === "take").length;
      const step = Math.ceil(bytes.length / 1000);
      for (let i = 0; i <= bytes.length; i += step) agree(splitAt(bytes, [i]));
    }
    // Every frame of the recorded streams and test vectors (two of which are dropped or lose the framing).
    expect(events).toBe(EVENTS);
  });

  it("on generated frames (near-miss names, every header type, bad CRCs and lengths), split anywhere", () => {
    fc.assert(
      fc.property(frames, fc.uniqueArray(fc.nat(), { maxLength: 4 }), fc.constantFrom(1 << 20, 64, 40), fc.constantFrom("done" as const, "error" as const), (fs, cuts, max, outcome) => {
        const bytes = Uint8Array.from(fs.flatMap((f) => [...f]));
        agree(splitAt(bytes, [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)), max, outcome);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads a name or an exception/error value after a UTF-8 BOM, as a TextDecoder did", () => {
    const s = (name: number[], value: number[]) => Uint8Array.from([name.length, ...name, 7, 0, value.length, ...value]);
    const bytes = [
      frame([s([...BOM, ...enc.encode(":event-type")], [...enc.encode("chunk")])], enc.encode("{}"), undefined, 0),
      frame([s([...enc.encode(":message-type")], [...BOM, ...enc.encode("exception")]), s([...enc.encode(":exception-type")], [...BOM, ...enc.encode("x")])], enc.encode("{}"), undefined, 0),
    ];
    expect(agree(bytes).filter((x) => (x as unknown[])[0] === "take")).toStrictEqual([
      ["take", { event: "chunk", data: "{}" }, 1],
      ["take", { event: "x", data: "{}" }, 2],
    ]);
  });
});
