/**
 * Fuzzing the stream framers with arbitrary text, arbitrary splits and small size bounds,
 * against a reference written from the WHATWG event-stream rules (plus our documented
 * deviations: a last event without a closing blank line is dispatched, and an event or line
 * larger than `maxSize` characters is dropped and counted).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NdjsonParser, SseParser } from "../../src/genai/sse.js";
import type { SseEvent } from "../../src/genai/types.js";
import { cutsOf, piecesOf, streamText, utf16 } from "./arbitraries.js";

interface Parsed {
  events: SseEvent[];
  dropped: number;
}

/** Feed `pieces`; after every push the parser holds at most `maxSize` characters. */
function parse(parser: SseParser | NdjsonParser, pieces: string[], maxSize: number): Parsed {
  const events: SseEvent[] = [];
  const on = (e: SseEvent) => events.push(e);
  for (const piece of pieces) {
    parser.push(piece, on);
    if (parser.buffered > maxSize) throw new Error(`holds ${parser.buffered} characters, more than maxSize ${maxSize}`);
  }
  parser.end(on);
  if (parser.buffered !== 0) throw new Error(`holds ${parser.buffered} characters after end()`);
  return { events, dropped: parser.dropped };
}

/** Lines as the standard splits them (CRLF, LF or CR), and the unterminated rest. */
function lines(text: string): { complete: string[]; rest: string } {
  const all = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\r|\n/);
  return { complete: all.slice(0, -1), rest: all[all.length - 1] };
}

function referenceSse(text: string, maxSize: number): Parsed {
  const out: Parsed = { events: [], dropped: 0 };
  let data: string[] = [];
  let type: string | undefined;
  let size = 0;
  let skipping = false;
  const reset = () => {
    data = [];
    type = undefined;
    size = 0;
  };
  const dispatch = () => {
    if (!skipping && data.length > 0) out.events.push(type ? { event: type, data: data.join("\n") } : { data: data.join("\n") });
    skipping = false;
    reset();
  };
  const line = (l: string) => {
    if (l === "") return dispatch();
    if (skipping) return;
    // The whole line counts against what the event may still hold, whatever its field.
    if (l.length > maxSize - size) {
      out.dropped++;
      skipping = true;
      return reset();
    }
    if (l.startsWith(":")) return;
    const colon = l.indexOf(":");
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      data.push(value);
      size += value.length + 1;
    } else if (field === "event") {
      size += value.length - (type?.length ?? 0);
      type = value;
    }
  };
  const { complete, rest } = lines(text);
  complete.forEach(line);
  if (rest !== "") line(rest);
  dispatch();
  return out;
}

function referenceNdjson(text: string, maxSize: number): Parsed {
  const out: Parsed = { events: [], dropped: 0 };
  const { complete, rest } = lines(text);
  for (const l of rest === "" ? complete : [...complete, rest]) {
    if (l.length > maxSize) out.dropped++;
    else if (l.trim() !== "") out.events.push({ data: l });
  }
  return out;
}

const maxSizes = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(1024 * 1024));

describe.each([
  ["SseParser", (maxSize: number) => new SseParser({ maxSize }), referenceSse],
  ["NdjsonParser", (maxSize: number) => new NdjsonParser({ maxSize }), referenceNdjson],
] as const)("%s", (_, make, reference) => {
  it("matches the reference on any text under any split, holding at most maxSize characters", () => {
    fc.assert(
      fc.property(streamText(), maxSizes, cutsOf(), (text, maxSize, cuts) => {
        const expected = reference(text, maxSize);
        expect(parse(make(maxSize), [text], maxSize)).toEqual(expected);
        expect(parse(make(maxSize), piecesOf(text, cuts), maxSize)).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it("never throws on arbitrary UTF-16 (lone surrogates, NUL, BOMs) split anywhere", () => {
    fc.assert(
      fc.property(utf16(300), maxSizes, cutsOf(), (text, maxSize, cuts) => {
        expect(parse(make(maxSize), piecesOf(text, cuts), maxSize)).toEqual(reference(text, maxSize));
      }),
      { numRuns: 500 },
    );
  });

  it("drops lines past maxSize one character at a time and recovers after them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 120 }), (maxSize, over) => {
        const huge = `data: ${"x".repeat(maxSize + over)}`;
        const text = `data: a\n\n${huge}\n\ndata: b\n\n`;
        const got = parse(make(maxSize + 8), [...text], maxSize + 8);
        expect(got).toEqual(reference(text, maxSize + 8));
        expect(got.dropped).toBe(over > 2 ? 1 : 0);
        expect(got.events.at(-1)?.data).toMatch(/b$/);
      }),
      { numRuns: 200 },
    );
  });
});

describe("SseParser, whole events per read (its fast path)", () => {
  // Events of every shape, fed one per piece (how LLM streams usually arrive) and several per
  // piece (a fast stream read in large pieces), so the path for whole `data: …\n\n` events
  // meets its near-misses: CR endings, two data
  // lines, `event:` lines, comments, a missing space, a BOM, a value at and past the bound.
  const part = fc.oneof(
    fc.string({ maxLength: 12 }).map((v) => `data: ${v.replace(/[\r\n]/g, "")}\n\n`),
    fc.string({ maxLength: 12 }).map((v) => `data:${v.replace(/[\r\n]/g, "")}\n\n`),
    fc.constantFrom("data: a\r\n\r\n", "data: a\r\r", "data: a\ndata: b\n\n", "event: x\ndata: y\n\n", ": c\n\n", "data: a\n", "\n", "data: a\n\ndata: b\n\n", "\ufeffdata: a\n\n", "data: 12345678901234567890\n\n", "data: a\n\n\n", "data: a\rb\n\n", "data: a\n\r"),
  );
  it("matches the reference whatever mix of pieces arrives, one piece per read", () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), fc.integer({ min: 4, max: 24 }), (pieces, maxSize) => {
        expect(parse(new SseParser({ maxSize }), pieces, maxSize)).toEqual(referenceSse(pieces.join(""), maxSize));
      }),
      { numRuns: 2000 },
    );
  });
  it("matches the reference whatever mix of events shares a read", () => {
    fc.assert(
      fc.property(fc.array(fc.array(part, { maxLength: 6 }), { maxLength: 8 }), fc.integer({ min: 4, max: 24 }), (groups, maxSize) => {
        const pieces = groups.map((group) => group.join(""));
        expect(parse(new SseParser({ maxSize }), pieces, maxSize)).toEqual(referenceSse(pieces.join(""), maxSize));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("SseParser at the default bound", () => {
  it("drops a 3 MiB event line fed in 64 KiB pieces and keeps the events around it", () => {
    const text = `data: first\n\ndata: ${"y".repeat(3 * 1024 * 1024)}\n\ndata: last\n\n`;
    const pieces = piecesOf(text, Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) => i * 65536));
    const got = parse(new SseParser(), pieces, 1024 * 1024);
    expect(got).toEqual({ events: [{ data: "first" }, { data: "last" }], dropped: 1 });
  });
});
