import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NdjsonParser, SseParser } from "../../src/genai/sse.js";
import type { SseEvent } from "../../src/genai/types.js";
import { fixtureBytes, fixtureText } from "./helpers.js";

/** Run a parser over text pieces and collect what it dispatches. */
function run(pieces: string[], parser: SseParser | NdjsonParser = new SseParser()): SseEvent[] {
  const events: SseEvent[] = [];
  const on = (e: SseEvent) => events.push(e);
  for (const p of pieces) parser.push(p, on);
  parser.end(on);
  return events;
}

describe("SseParser", () => {
  it("accepts LF, CRLF and CR line endings alike", () => {
    const body = ["event: a", "data: 1", "", "data: 2", "data: 3", "", ""];
    const expected = [{ event: "a", data: "1" }, { data: "2\n3" }];
    expect(run([body.join("\n")])).toEqual(expected);
    expect(run([body.join("\r\n")])).toEqual(expected);
    expect(run([body.join("\r")])).toEqual(expected);
    // Mixed in one stream.
    expect(run(["event: a\r\ndata: 1\r\rdata: 2\ndata: 3\r\n\n"])).toEqual(expected);
  });

  it("counts a CR at the end of one piece and a LF at the start of the next once", () => {
    // If the LF were a second terminator there would be a blank line and two events.
    expect(run(["data: a\r", "\ndata: b\r\n\r\n"])).toEqual([{ data: "a\nb" }]);
    expect(run(["data: a\r", "\n", "\r", "\n"])).toEqual([{ data: "a" }]);
    // CR then CR across pieces is a line end followed by a blank line.
    expect(run(["data: a\r", "\rdata: b\n\n"])).toEqual([{ data: "a" }, { data: "b" }]);
    // The pending CR survives an empty piece in between.
    expect(run(["data: a\r", "", "\ndata: b\n\n"])).toEqual([{ data: "a\nb" }]);
  });

  it("holds at most maxSize characters: data values, their joins and the event type all count", () => {
    const events: SseEvent[] = [];
    const on = (e: SseEvent) => events.push(e);
    // A data line that just fits: its value and join were counted as line + 1 = 5 > 4.
    const exact = new SseParser({ maxSize: 4 });
    exact.push("data\r\n", on);
    expect(exact.buffered).toBe(1);
    // A long `event:` type was not counted: with it, this event holds 13 + 15 > 20 characters.
    const typed = new SseParser({ maxSize: 20 });
    typed.push("event: 0123456789abc\n", on);
    expect(typed.buffered).toBe(13);
    typed.push("data: 0123456789abcd\n\ndata: ok\n\n", on);
    typed.end(on);
    expect({ events, dropped: typed.dropped, buffered: typed.buffered }).toEqual({ events: [{ data: "ok" }], dropped: 1, buffered: 0 });
  });

  it("ignores comments, id, retry and unknown fields", () => {
    const text = ": keep-alive\n\n:comment\ndata: x\nid: 7\nretry: 100\nfoo: bar\n: more\n\n";
    expect(run([text])).toEqual([{ data: "x" }]);
  });

  it("strips exactly one space after the colon and handles fields without a colon", () => {
    expect(run(["data:x\n\n"])).toEqual([{ data: "x" }]);
    expect(run(["data:  x \n\n"])).toEqual([{ data: " x " }]);
    expect(run(["data\n\n"])).toEqual([{ data: "" }]);
    expect(run(["data:\ndata:\n\n"])).toEqual([{ data: "\n" }]);
    expect(run(["data: a:b: c\n\n"])).toEqual([{ data: "a:b: c" }]);
  });

  it("dispatches only events with data and resets the event type after each", () => {
    expect(run(["event: x\n\nevent: y\ndata: 1\n\ndata: 2\n\n"])).toEqual([
      { event: "y", data: "1" },
      { data: "2" },
    ]);
    // An empty event name is the default type.
    expect(run(["event:\ndata: 1\n\n"])).toEqual([{ data: "1" }]);
    // The last `event:` line wins.
    expect(run(["event: a\nevent: b\ndata: 1\n\n"])).toEqual([{ event: "b", data: "1" }]);
  });

  it("strips a leading byte-order mark only at the start of the stream", () => {
    expect(run(["\ufeffdata: 1\n\n"])).toEqual([{ data: "1" }]);
    expect(run(["", "\ufeffdata: 1\n\n"])).toEqual([{ data: "1" }]);
    expect(run(["data: 1\n\n\ufeffdata: 2\n\n"])).toEqual([{ data: "1" }]);
  });

  it("flushes a final event without its blank line at end()", () => {
    expect(run(["data: 1\n\ndata: 2"])).toEqual([{ data: "1" }, { data: "2" }]);
    expect(run(["data: 1\n\ndata: 2\n"])).toEqual([{ data: "1" }, { data: "2" }]);
    expect(run(["data: 1\n\nevent: x\n"])).toEqual([{ data: "1" }]);
  });

  it("splits lines that span many pieces, one character at a time", () => {
    const text = "event: message_delta\r\ndata: {\"a\":1}\r\n\r\ndata: 2\r\rdata: é😀\n\n";
    const whole = run([text]);
    expect(whole).toEqual([{ event: "message_delta", data: '{"a":1}' }, { data: "2" }, { data: "é😀" }]);
    expect(run(Array.from(text))).toEqual(whole);
  });

  it("handles a long line made of many tiny pieces in linear time", () => {
    const n = 200_000;
    const pieces = ["data: "];
    for (let i = 0; i < n; i++) pieces.push("x");
    pieces.push("\n\n");
    const started = Date.now();
    const events = run(pieces);
    expect(events).toHaveLength(1);
    expect(events[0].data.length).toBe(n);
    // Quadratic joining/rescanning of 200k pieces would take far longer than this.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("reads a large piece of CR-terminated events in linear time", () => {
    // Valid WHATWG line ends: the whole-event path must not search for a LF at every event.
    const n = 250_000;
    const text = "data: ab\r\r".repeat(n);
    const started = Date.now();
    const events = run([text]);
    expect(events).toHaveLength(n);
    expect(events[n - 1]).toEqual({ data: "ab" });
    // A search to the end of the 2.5 MB piece per event would take far longer than this.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("keeps a line trickling in one character at a time in few strings", () => {
    const parser = new SseParser();
    const events: SseEvent[] = [];
    parser.push("data: ", (e) => events.push(e));
    for (let i = 0; i < 100_000; i++) parser.push(String.fromCharCode(97 + (i % 26)), (e) => events.push(e));
    // White-box on purpose: one string per piece cost ~10 bytes of heap per buffered character.
    expect((parser as unknown as { parts: string[] }).parts.length).toBeLessThanOrEqual(100_000 / 16 + 33);
    expect(parser.buffered).toBe(100_006);
    parser.push("\n\n", (e) => events.push(e));
    expect(events).toEqual([{ data: Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("") }]);
  });

  describe("size bound", () => {
    it("drops an over-long line, counts it, and resumes at the next event", () => {
      const parser = new SseParser({ maxSize: 64 });
      const events = run([`data: ${"x".repeat(100)}\n\ndata: ok\n\n`], parser);
      expect(events).toEqual([{ data: "ok" }]);
      expect(parser.dropped).toBe(1);
    });

    it("drops an event whose data lines add up past the bound, skipping to the blank line", () => {
      const parser = new SseParser({ maxSize: 64 });
      const line = `data: ${"y".repeat(20)}\n`;
      const text = `event: big\n${line.repeat(5)}data: tail\n: comment\n\nevent: next\ndata: ok\n\n`;
      expect(run([text], parser)).toEqual([{ event: "next", data: "ok" }]);
      expect(parser.dropped).toBe(1);
    });

    it("bounds a line that arrives in many small pieces, and counts each dropped event once", () => {
      const parser = new SseParser({ maxSize: 50 });
      const big = `data: ${"z".repeat(500)}\ndata: ${"z".repeat(500)}\n\n`;
      const text = `data: a\n\n${big}data: b\n\n${big}data: c\n\n`;
      const events = run(Array.from(text), parser);
      expect(events).toEqual([{ data: "a" }, { data: "b" }, { data: "c" }]);
      expect(parser.dropped).toBe(2);
    });

    it("accepts an event right at the bound", () => {
      const parser = new SseParser({ maxSize: 16 });
      // "data: 0123456789" is 16 characters.
      expect(run(["data: 0123456789\n\n"], parser)).toEqual([{ data: "0123456789" }]);
      expect(parser.dropped).toBe(0);
    });

    it("drops a pending over-long event at end()", () => {
      const parser = new SseParser({ maxSize: 32 });
      expect(run([`data: 1\n\ndata: ${"q".repeat(40)}`], parser)).toEqual([{ data: "1" }]);
      expect(parser.dropped).toBe(1);
    });

    it("defaults to 1 MiB", () => {
      const parser = new SseParser();
      const ok = "a".repeat(1024 * 1024 - 100);
      const tooBig = "b".repeat(1024 * 1024 + 1);
      const events = run([`data: ${ok}\n\ndata: ${tooBig}\n\ndata: after\n\n`], parser);
      expect(events.map((e) => e.data.length)).toEqual([ok.length, 5]);
      expect(parser.dropped).toBe(1);
    });
  });

  it("gives the same events for the CRLF Gemini fixture at every split and under random splits", () => {
    const bytes = fixtureBytes("google/gemini-stream-text.sse");
    const decodeRun = (pieces: Uint8Array[]) => {
      const decoder = new TextDecoder();
      return run([...pieces.map((p) => decoder.decode(p, { stream: true })), decoder.decode()]);
    };
    const whole = decodeRun([bytes]);
    expect(whole.length).toBeGreaterThan(1);
    expect(whole.every((e) => e.event === undefined && !e.data.includes("\r"))).toBe(true);
    for (let i = 0; i <= bytes.length; i++) {
      expect(decodeRun([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
    }
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 200 }), (cuts) => {
        cuts.sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let from = 0;
        for (const c of cuts) {
          pieces.push(bytes.subarray(from, c));
          from = c;
        }
        pieces.push(bytes.subarray(from));
        expect(decodeRun(pieces)).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });
});

describe("NdjsonParser", () => {
  it("emits one event per non-blank line, with LF or CRLF, and flushes the last line", () => {
    const text = '{"a":1}\n\n{"b":2}\r\n  \n{"c":3}';
    expect(run([text], new NdjsonParser())).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '{"c":3}' }]);
    expect(run(Array.from(text), new NdjsonParser())).toEqual(run([text], new NdjsonParser()));
  });

  it("parses the Ollama fixture line by line", () => {
    const text = fixtureText("ollama/api-chat-stream.ndjson");
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    const events = run([text], new NdjsonParser());
    expect(events.map((e) => e.data)).toEqual(lines);
    for (const e of events) expect(() => JSON.parse(e.data)).not.toThrow();
  });

  it("drops an over-long line and resumes at the next one", () => {
    const parser = new NdjsonParser({ maxSize: 20 });
    const text = `{"a":1}\n{"long":"${"x".repeat(50)}"}\n{"b":2}\n`;
    expect(run(Array.from(text), parser)).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }]);
    expect(parser.dropped).toBe(1);
  });
});
