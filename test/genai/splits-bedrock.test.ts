import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bedrockConverse } from "../../src/genai/bedrock-converse.js";
import { bedrockInvoke } from "../../src/genai/bedrock-invoke.js";
import { foldPieces, splitAt, streamBytes } from "./helpers.js";
import { splitSuite } from "./split-suite.js";

splitSuite(bedrockConverse, ["bedrock/converse-stream-titan.b64", "bedrock/converse-stream-claude-tool-use.b64", "bedrock/converse-stream-titan-guardrail.b64"]);

splitSuite(bedrockInvoke, [
  "bedrock/invoke-stream-claude.b64",
  "bedrock/invoke-stream-claude-sonnet.b64",
  "bedrock/invoke-stream-titan.b64",
  "bedrock/invoke-stream-titan-guardrail.b64",
  "bedrock/invoke-stream-mistral.b64",
  "bedrock/invoke-stream-nova.b64",
  "bedrock/invoke-stream-cohere-command-r.b64",
]);

// 30 KB in 115 frames: a fold per byte takes over a minute on a busy machine, so every 17th
// byte, and every byte of the last three frames (messageStop, metadata with the usage and the
// guardrail action: 2564 bytes), and random splits into many pieces as in splitSuite.
describe("bedrock/invoke-stream-nova-guardrail.b64", () => {
  const bytes = streamBytes("bedrock/invoke-stream-nova-guardrail.b64");
  const whole = foldPieces(bedrockInvoke, [bytes], "eventstream");
  it("folds to the same facts when split in two at every 17th byte and every byte of its end", { timeout: 60_000 }, () => {
    const expected = JSON.stringify(whole);
    const tail = bytes.length - 2564;
    for (let i = 0; i <= bytes.length; i += i < tail ? 17 : 1) {
      const facts = foldPieces(bedrockInvoke, splitAt(bytes, [i]), "eventstream");
      if (JSON.stringify(facts) !== expected) expect({ split: i, facts }).toEqual({ split: i, facts: whole });
    }
  });

  it("folds to the same facts under random splits into many pieces", () => {
    const cuts = fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 300 });
    fc.assert(
      fc.property(cuts, (at) => {
        at.sort((a, b) => a - b);
        expect(foldPieces(bedrockInvoke, splitAt(bytes, at), "eventstream")).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });
});
