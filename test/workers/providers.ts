/**
 * The provider e2e Worker, instrumented: test/workers/providers-app.ts wrapped with `instrument`
 * (config from the OTEL_* variables). The AI SDK's own telemetry is registered at module scope, as
 * in test/workers/providers-bare.ts, so its runs are compared with it on both sides (ours makes its
 * tracer record; the SDK's results must not change).
 */
import { OpenTelemetry } from "@ai-sdk/otel";
import { registerTelemetry } from "ai";
import { instrument } from "../../src/index.js";
import { app } from "./providers-app.js";

registerTelemetry(new OpenTelemetry());

export default instrument(app);
