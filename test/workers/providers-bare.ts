/** The same handler as test/workers/providers.ts without `instrument`: the reference run (the AI SDK's telemetry registered alike). */
import { OpenTelemetry } from "@ai-sdk/otel";
import { registerTelemetry } from "ai";
import { app } from "./providers-app.js";

registerTelemetry(new OpenTelemetry());

export default app;
