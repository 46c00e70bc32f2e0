/** Bench variant: otel-genai-edge `instrument()`, exporting traces and metrics to OTEL_EXPORTER_OTLP_ENDPOINT. */
import { instrument } from "../../src/index.js";
import { app } from "./app.js";

export default instrument(app);
