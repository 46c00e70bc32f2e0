import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { geminiGenerate } from "../../src/genai/gemini.js";
import { fixtureBytes, foldPieces, splitAt } from "./helpers.js";
import { splitSuite } from "./split-suite.js";

splitSuite(geminiGenerate, [
  "google/gemini-stream-text.sse",
  "google/gemini-stream-thinking.sse",
  "google/gemini-stream-function-calls.sse",
  "google/gemini-stream-prompt-blocked.sse",
]);

// The JSON-array streams (`.json`, which the shared suite would read as SSE): the same checks
// through the json-array framing.
describe.each(["google/gemini-stream-text-array.json", "google/vertex-stream-array-int-enums.json"])("%s", (path) => {
  const bytes = fixtureBytes(path);
  const whole = foldPieces(geminiGenerate, [bytes], "json-array");

  it("folds to the same facts when split in two at every byte", { timeout: 60_000 }, () => {
    expect(whole.chunks).toBeGreaterThan(0);
    const expected = JSON.stringify(whole);
    for (let i = 0; i <= bytes.length; i++) {
      const facts = foldPieces(geminiGenerate, splitAt(bytes, [i]), "json-array");
      if (JSON.stringify(facts) !== expected) expect({ split: i, facts }).toEqual({ split: i, facts: whole });
    }
  });

  it("folds to the same facts under random splits into many pieces", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 300 }), (cuts) => {
        cuts.sort((a, b) => a - b);
        expect(foldPieces(geminiGenerate, splitAt(bytes, cuts), "json-array")).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });
});
