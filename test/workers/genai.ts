/**
 * The GenAI e2e Worker, instrumented: test/workers/genai-app.ts wrapped with `instrument`.
 * Config from env: ADD_STREAM_USAGE=1 turns on `addStreamUsage`, PROVIDERS (JSON) adds host
 * mappings; everything else (endpoint, semconv opt-in) comes from the OTEL_* variables.
 */
import { instrument } from "../../src/index.js";
import { app, type GenaiEnv } from "./genai-app.js";

export default instrument(app, (env: GenaiEnv) => ({
  addStreamUsage: env.ADD_STREAM_USAGE === "1",
  providers: env.PROVIDERS ? (JSON.parse(env.PROVIDERS) as Record<string, string>) : undefined,
}));
