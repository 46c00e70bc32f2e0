import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BodyOutcome } from "../../src/fetch/observe-body.js";
import { jsonArrayFraming } from "../../src/genai/json-array.js";
import type { SseEvent } from "../../src/genai/types.js";
import { bytePiecesOf, cutsOf } from "../fuzz/arbitraries.js";
import { fixtureBytes, fixtureText, splitAt } from "./helpers.js";

interface Run {
  events: string[];
  takenAt: number[];
  reads: number[];
  end?: { outcome: BodyOutcome; error: unknown; dropped: number; at: number };
}

/** Feed byte pieces through the framing, with a clock that ticks once per call. */
function frame(pieces: Iterable<Uint8Array>, max = 1024 * 1024, outcome: BodyOutcome = "done"): Run {
  let clock = 0;
  const run: Run = { events: [], takenAt: [], reads: [] };
  const observer = jsonArrayFraming(max, () => ++clock, {
    take: (e: SseEvent, at) => {
      expect(Object.keys(e)).toEqual(["data"]);
      run.events.push(e.data);
      run.takenAt.push(at);
    },
    read: (at) => run.reads.push(at),
    end: (o, error, dropped, at) => {
      run.end = { outcome: o, error, dropped, at };
    },
  });
  for (const piece of pieces) observer.chunk?.(piece);
  observer.end(outcome, outcome === "error" ? "boom" : undefined);
  return run;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const elementsOf = (s: string) => frame([utf8(s)]).events;

// The converted fixture is laid out as the REST API sends it: `[{...}\n,\r\n{...}\n]`, each element
// pretty-printed; cutting at the separators gives the expected element texts independently of the parser.
const FIXTURE = "google/gemini-stream-text-array.json";
const fixture = fixtureText(FIXTURE);
const expected = fixture.slice(1, -2).split("\n,\r\n");

describe("jsonArrayFraming", () => {
  it("cuts the recorded-layout array into its 12 elements, byte for byte", () => {
    expect(fixture.startsWith("[{\n") && fixture.endsWith("}\n]")).toBe(true);
    expect(expected).toHaveLength(12);
    const run = frame([fixtureBytes(FIXTURE)]);
    expect(run.events).toEqual(expected);
    expect(run.end).toEqual({ outcome: "done", error: undefined, dropped: 0, at: 3 });
  });

  it("emits the same elements when split in two at every byte", () => {
    const bytes = fixtureBytes(FIXTURE);
    for (let i = 0; i <= bytes.length; i++) {
      const run = frame(splitAt(bytes, [i]));
      if (run.events.join("\u0000") !== expected.join("\u0000")) expect({ split: i, events: run.events }).toEqual({ split: i, events: expected });
      expect(run.end?.dropped).toBe(0);
    }
  });

  it("emits an element at the read that completes it, and tells the sink of every read", () => {
    const body = '[{"a":1}\r\n,\r\n{"b":2}]';
    const cut = body.indexOf("}") + 1;
    const run = frame([utf8(body.slice(0, cut - 1)), utf8(body.slice(cut - 1, cut + 3)), utf8(body.slice(cut + 3))]);
    // Clock: read 1 → 1, read 2 → 2, read 3 → 3, end: decoder flush → 4, sink.end → 5.
    expect(run.reads).toEqual([1, 2, 3]);
    expect(run.events).toEqual(['{"a":1}', '{"b":2}']);
    expect(run.takenAt).toEqual([2, 3]);
    expect(run.end).toEqual({ outcome: "done", error: undefined, dropped: 0, at: 5 });
  });

  it("keeps brackets, braces and escaped quotes inside strings out of the nesting count", () => {
    const a = String.raw`{"text":"}]{[\"\\","n":{"x":["]",{"y":"\"}"}]}}`;
    const b = String.raw`{"text":"\\\\"}`;
    expect(elementsOf(`[${a},\n${b}]`)).toEqual([a, b]);
    // Strings and scalars between elements are skipped, their brackets too.
    expect(elementsOf(`["]}{[", 1, true, null, ${a}]`)).toEqual([a]);
  });

  it("handles multi-byte characters split at every byte", () => {
    const a = '{"text":"é€😀 — ’"}';
    const b = '{"text":"\\u00e9"}';
    const bytes = utf8(`[${a}\r\n,\r\n${b}\r\n]`);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= Math.min(bytes.length, i + 4); j++) expect(frame(splitAt(bytes, [i, j])).events).toEqual([a, b]);
    }
  });

  it("takes any whitespace and separators around elements, nested arrays as elements, and a bare object", () => {
    expect(elementsOf(' \r\n[ \t{"a":1} ,\r\n\r\n {"b":[1,[2]]}\n,[3,{"c":4}]\r\n]\r\n')).toEqual(['{"a":1}', '{"b":[1,[2]]}', '[3,{"c":4}]']);
    // An error body that is a single object, not wrapped in an array.
    expect(elementsOf('{\n  "error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}\n}\n')).toEqual(['{\n  "error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}\n}']);
    expect(elementsOf("[]")).toEqual([]);
    expect(elementsOf("")).toEqual([]);
  });

  it("drops an element over the limit, counts it, and goes on with the next", () => {
    const big = `{"text":"${"x".repeat(100)}","o":{"a":"]}"}}`;
    const small = '{"a":1}';
    const bytes = utf8(`[${small},${big},${small}]`);
    for (const pieces of [[bytes], [...bytes].map((b) => new Uint8Array([b]))]) {
      const run = frame(pieces, 50);
      expect(run.events).toEqual([small, small]);
      expect(run.end?.dropped).toBe(1);
    }
    // Exactly at the limit is kept.
    expect(frame([utf8(`[${small}]`)], small.length).events).toEqual([small]);
  });

  it("counts an element cut off by the end of the body as dropped, and passes a failed end on", () => {
    const run = frame([utf8('[{"a":1},{"b":"unfinished')]);
    expect(run.events).toEqual(['{"a":1}']);
    expect(run.end?.dropped).toBe(1);
    const failed = frame([utf8('[{"a":1},{"b"')], 1024, "error");
    expect(failed.events).toEqual(['{"a":1}']);
    expect(failed.end).toMatchObject({ outcome: "error", error: "boom", dropped: 0 });
  });

  it("reads an element arriving one byte at a time in linear time", () => {
    const element = `{"text":"${"abcdefgh".repeat(32 * 1024)}"}`;
    const bytes = utf8(`[${element}]`);
    const pieces = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const started = performance.now();
    expect(frame(pieces).events).toEqual([element]);
    // ~260 000 one-byte reads: a quadratic rescan or concatenation would take minutes.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("cuts any array of JSON values, framed with any whitespace, the same however it is split", () => {
    const ws = fc.constantFrom("", " ", "\n", "\r\n", "\t", "\r\n\r\n");
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.object(), fc.array(fc.jsonValue())), ws, ws), { maxLength: 8 }), cutsOf(2000), (items, cuts) => {
        const texts = items.map(([v]) => JSON.stringify(v));
        const body = `[${items.map(([, a, b], i) => `${a}${texts[i]}${b}`).join(",")}]`;
        const run = frame(bytePiecesOf(utf8(body), cuts));
        expect(run.events).toEqual(texts);
        expect(run.end?.dropped).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on garbage, and hands on only text it saw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cutsOf(300), fc.integer({ min: 0, max: 64 }), (bytes, cuts, max) => {
        const text = new TextDecoder().decode(bytes);
        const run = frame(bytePiecesOf(bytes, cuts), max);
        for (const e of run.events) {
          expect(text.includes(e)).toBe(true);
          expect(e.length).toBeLessThanOrEqual(max > 0 ? max : 1024 * 1024);
        }
        expect(Number.isSafeInteger(run.end?.dropped)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
