/**
 * Checks that a format's per-chunk fast path agrees with its full parse-and-fold path: same return
 * (output chunk or not) and the same facts after, event by event, from the same facts before.
 */
import fc from "fast-check";
import { expect, vi } from "vitest";
import { newResponseFacts, type ResponseFacts, type SseEvent, type WireFormat } from "../../src/genai/types.js";

export type Fold = (event: SseEvent, facts: ResponseFacts) => boolean;

/** One event through both paths from copies of `before`; expects the same answer and facts, returns them. */
export function agree(format: WireFormat, full: Fold, event: SseEvent, before: ResponseFacts): { output: boolean; facts: ResponseFacts } {
  const fast = structuredClone(before);
  const parsed = structuredClone(before);
  // Each path gets its own event: a parse kept on the event (eventJson) must not serve the other.
  const fresh = (): SseEvent => (event.event === undefined ? { data: event.data } : { event: event.event, data: event.data });
  const output = format.event(fresh(), fast);
  expect({ output, facts: fast }, JSON.stringify(event)).toStrictEqual({ output: full(fresh(), parsed), facts: parsed });
  return { output, facts: fast };
}

/** A whole stream through both paths, event by event; the folded facts and chunk count. */
export function agreeOnStream(format: WireFormat, full: Fold, events: SseEvent[], start = newResponseFacts()): ResponseFacts {
  let facts = start;
  let chunks = 0;
  for (const event of events) {
    const r = agree(format, full, event, facts);
    facts = r.facts;
    if (r.output) chunks++;
  }
  return { ...facts, chunks };
}

/** How many times `format.event` calls JSON.parse over a stream (the events the fast path did not take). */
export function parsesOver(format: WireFormat, events: SseEvent[]): number {
  const spy = vi.spyOn(JSON, "parse");
  try {
    const facts = newResponseFacts();
    for (const event of events) format.event(event, facts);
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

/**
 * Near-misses by mutation: one edit (insert, delete or replace a character chosen to break or bend
 * JSON) anywhere in an event's data; both paths must still agree.
 */
export function agreeOnMutations(format: WireFormat, full: Fold, events: SseEvent[], before: ResponseFacts, numRuns = 2000): void {
  const chars = fc.constantFrom('"', "\\", "{", "}", ":", ",", " ", "\n", "\t", "\u00a0", "\u0000", "\u001f", "0", "1", "x", "u", "é", "[", "]");
  fc.assert(
    fc.property(fc.constantFrom(...events), fc.nat(), fc.constantFrom("insert", "delete", "replace"), chars, (event, n, op, ch) => {
      const at = n % (event.data.length + 1);
      const tail = op === "insert" ? at : at + 1;
      const data = event.data.slice(0, at) + (op === "delete" ? "" : ch) + event.data.slice(tail);
      agree(format, full, { ...event, data }, before);
    }),
    { numRuns },
  );
}
