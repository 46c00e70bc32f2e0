/**
 * Bench variant: otel-genai-edge doing all of its work (spans, GenAI parsing, chunk timings,
 * metric records) but exporting nothing: with `limits.maxSpans: 0` every finished span and call
 * record is dropped at the buffer, so the flush has nothing to serialize or POST. The CPU
 * difference between `ours` and this variant is the cost of the export itself.
 */
import { instrument } from "../../src/index.js";
import { app } from "./app.js";

export default instrument(app, { limits: { maxSpans: 0 } });
