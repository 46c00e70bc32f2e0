/** Fixture loading and folding helpers shared by the genai tests. */

import { readFileSync } from "node:fs";
import { SseParser } from "../../src/genai/sse.js";
import { newResponseFacts, type ProviderFormat, type ResponseFacts } from "../../src/genai/types.js";

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
 * Fold an SSE body delivered as byte pieces, the way the plumbing will: bytes go through a
 * streaming TextDecoder (so split multi-byte characters survive), text through SseParser,
 * events through the format; `chunks` counts the events the format reports as output.
 */
export function foldSsePieces(format: ProviderFormat, pieces: Iterable<Uint8Array>): ResponseFacts {
  const facts = newResponseFacts();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let chunks = 0;
  const onEvent = (e: Parameters<ProviderFormat["event"]>[0]) => {
    if (format.event(e, facts)) chunks++;
  };
  for (const piece of pieces) parser.push(decoder.decode(piece, { stream: true }), onEvent);
  parser.push(decoder.decode(), onEvent);
  parser.end(onEvent);
  facts.chunks = chunks;
  return facts;
}

export function foldSse(format: ProviderFormat, path: string): ResponseFacts {
  return foldSsePieces(format, [fixtureBytes(path)]);
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
