/**
 * What the content reader tests share: a recorded response through the real framing into an
 * assembler, the data of a fixture's SSE events (the reference values are computed from them),
 * the characters a reader's output holds (the bound), and the split-invariance checks.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import type { ContentReader, OutputAssembler, OutputMessage } from "../../src/genai/content.js";
import { STREAM_FRAMINGS } from "../../src/genai/framing.js";
import type { Framing } from "../../src/genai/types.js";
import { fixtureText, splitAt } from "../genai/helpers.js";

/** The pieces of a streamed response, through the real framing, into a fresh assembler. */
export function assembleStream(reader: ContentReader, framing: Framing, pieces: Uint8Array[], maxChars = 1_000_000): OutputAssembler {
  const out = reader.output(maxChars);
  const observer = STREAM_FRAMINGS[framing]!(1024 * 1024, () => 0, { take: (e) => out.event(e), end: () => {} });
  for (const piece of pieces) observer.chunk?.(piece);
  observer.end("done", undefined);
  return out;
}

/** The JSON data of every event of an SSE fixture. */
export const sseData = (path: string): any[] =>
  fixtureText(path)
    .split("\n")
    .filter((l) => l.startsWith("data: {"))
    .map((l) => JSON.parse(l.slice(6)));

/** Characters of text the messages hold (text, reasoning, tool-call arguments as sent or as JSON). */
export function held(messages: OutputMessage[]): number {
  let n = 0;
  for (const m of messages)
    for (const p of m.parts) {
      const content = (p as { content?: unknown }).content;
      if (typeof content === "string") n += content.length;
      if (p.type === "tool_call" && p.arguments !== undefined) n += typeof p.arguments === "string" ? p.arguments.length : JSON.stringify(p.arguments).length;
    }
  return n;
}

/** Tests that `messagesOf` the stream cut anywhere (once at every byte, then at random cuts) equals it whole. */
export function itIsSplitInvariant(bytes: Uint8Array, messagesOf: (pieces: Uint8Array[]) => OutputMessage[], maxCuts = 200): void {
  const whole = messagesOf([bytes]);

  it("assembles the same messages when split in two at every byte", () => {
    for (let i = 0; i <= bytes.length; i++) {
      const got = messagesOf(splitAt(bytes, [i]));
      if (JSON.stringify(got) !== JSON.stringify(whole)) expect({ split: i, got }).toEqual({ split: i, got: whole });
    }
  });

  it("assembles the same messages under random splits", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: maxCuts }), (cuts) => {
        expect(messagesOf(splitAt(bytes, cuts.sort((a, b) => a - b)))).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });
}
