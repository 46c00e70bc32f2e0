/**
 * Every streaming fixture must fold to the same facts however its bytes are cut into
 * network chunks: at every single byte offset (including inside multi-byte UTF-8
 * characters and between CR and LF), and at many random offsets at once.
 * Used by the splits-*.test.ts files (one per format, so vitest runs them in parallel).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProviderFormat } from "../../src/genai/types.js";
import { foldPieces, framingOfFixture, splitAt, streamBytes } from "./helpers.js";

export function splitSuite(format: ProviderFormat, paths: string[]): void {
  describe.each(paths)("%s", (path) => {
    const bytes = streamBytes(path);
    const framing = framingOfFixture(path);
    const whole = foldPieces(format, [bytes], framing);

    // A full fold per offset: ~8 s for the 33 KB Responses fixture, hence the timeout.
    it("folds to the same facts when split in two at every byte", { timeout: 60_000 }, () => {
      const expected = JSON.stringify(whole);
      for (let i = 0; i <= bytes.length; i++) {
        const facts = foldPieces(format, splitAt(bytes, [i]), framing);
        // Compare cheaply, and let expect() report the offset and the difference on failure.
        if (JSON.stringify(facts) !== expected) expect({ split: i, facts }).toEqual({ split: i, facts: whole });
      }
    });

    it("folds to the same facts under random splits into many pieces", () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 300 }), (cuts) => {
          cuts.sort((a, b) => a - b);
          expect(foldPieces(format, splitAt(bytes, cuts), framing)).toEqual(whole);
        }),
        { numRuns: 100 },
      );
    });
  });
}
