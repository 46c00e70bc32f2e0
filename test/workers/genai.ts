/**
 * The GenAI e2e Worker, instrumented: test/workers/genai-app.ts wrapped with `instrument`.
 * Config from env: ADD_STREAM_USAGE=1 turns on `addStreamUsage`, PROVIDERS (JSON) adds host
 * mappings, SDK_SPANS=keep keeps an SDK's own GenAI spans; everything else (endpoint, semconv opt-in) comes from the OTEL_* variables.
 */
import { instrument } from "../../src/index.js";
import { app, type GenaiEnv } from "./genai-app.js";

export default instrument(app, (env: GenaiEnv) => ({
  addStreamUsage: env.ADD_STREAM_USAGE === "1",
  providers: env.PROVIDERS ? (JSON.parse(env.PROVIDERS) as Record<string, string>) : undefined,
  sdkSpans: env.SDK_SPANS === "keep" ? "keep" : undefined,
}));
