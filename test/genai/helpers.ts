/** Fixture loading and folding helpers shared by the genai tests. */

import { readFileSync } from "node:fs";
import { STREAM_FRAMINGS } from "../../src/genai/framing.js";
import { type Framing, newResponseFacts, type ProviderFormat, type ResponseFacts, type SseEvent } from "../../src/genai/types.js";

/** Fixture bytes, exactly as recorded. */
export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/${path}`, import.meta.url)));
}

export function fixtureText(path: string): string {
  return new TextDecoder().decode(fixtureBytes(path));
}

/** Fold a non-streaming JSON body. */
export function foldJson(format: ProviderFormat, path: string): ResponseFacts {
  const facts = newResponseFacts();
  format.json(JSON.parse(fixtureText(path)), facts);
  return facts;
}

/**
 * Fold a streamed body delivered as byte pieces, the way the plumbing does: through the named
 * framing of src/genai/framing.ts (bytes decoded as they pass, cut into events), events through
 * the format; `chunks` counts the events the format reports as output. The framing defaults to
 * the fixture's: `.ndjson` → ndjson, `.b64` (binary, given already decoded) → eventstream, else SSE.
 */
export function foldPieces(format: ProviderFormat, pieces: Iterable<Uint8Array>, framing: Framing = "sse"): ResponseFacts {
  const facts = newResponseFacts();
  let chunks = 0;
  const make = STREAM_FRAMINGS[framing];
  if (!make) throw new Error(`no ${framing} framing`);
  const observer = make(1024 * 1024, () => 0, {
    take: (event) => {
      if (format.event(event, facts)) chunks++;
    },
    end: () => {},
  });
  for (const piece of pieces) observer.chunk?.(piece);
  observer.end("done", undefined);
  facts.chunks = chunks;
  return facts;
}

/** The SSE case of `foldPieces`. */
export function foldSsePieces(format: ProviderFormat, pieces: Iterable<Uint8Array>): ResponseFacts {
  return foldPieces(format, pieces, "sse");
}

/** The framing a fixture file is in, by its extension. */
export function framingOfFixture(path: string): Framing {
  return path.endsWith(".ndjson") ? "ndjson" : path.endsWith(".b64") ? "eventstream" : "sse";
}

/** A streamed fixture's bytes as sent on the wire (`.b64` files hold base64 of binary bodies). */
export function streamBytes(path: string): Uint8Array {
  if (!path.endsWith(".b64")) return fixtureBytes(path);
  return new Uint8Array(Buffer.from(fixtureText(path).trim(), "base64"));
}

export function foldSse(format: ProviderFormat, path: string): ResponseFacts {
  return foldSsePieces(format, [fixtureBytes(path)]);
}

/** Fold a streamed fixture in its own framing, whole. */
export function foldStream(format: ProviderFormat, path: string): ResponseFacts {
  return foldPieces(format, [streamBytes(path)], framingOfFixture(path));
}

/** Split bytes at the given (sorted, in-range) offsets. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

/** A stream fixture's events, as its framing (by extension, see `framingOfFixture`) hands them on. */
export function fixtureEvents(path: string): SseEvent[] {
  const events: SseEvent[] = [];
  const make = STREAM_FRAMINGS[framingOfFixture(path)];
  if (!make) throw new Error("no framing");
  const observer = make(1 << 20, () => 0, { take: (e) => events.push(e), end: () => {} });
  observer.chunk?.(streamBytes(path));
  observer.end("done", undefined);
  return events;
}
