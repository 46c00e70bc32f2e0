/**
 * Bench variant (plain section): otel-genai-edge `instrument()` around the big-body handler,
 * exporting to OTEL_EXPORTER_OTLP_ENDPOINT. With WATCH=1 the app itself watches every body (the
 * "watched" variant, see plain-app.ts).
 */
import { instrument } from "../../src/index.js";
import { plainApp } from "./plain-app.js";

export default instrument(plainApp);
