/**
 * The content-capture e2e Worker (test/e2e/content-providers-*.test.ts): the provider handler of
 * test/workers/providers-app.ts behind several `instrument` wrappers, one per capture setting,
 * chosen per request by `?capture=` (one workerd per SDK family instead of one per setting;
 * each config object gets its own pipeline; `latest-{setting}` is the same under the newer
 * semconv profile). `?agent=` runs the call inside `invokeAgent`.
 * The AI SDK's own OpenTelemetry integration (@ai-sdk/otel) is registered at module scope, as its
 * docs show, so its calls come with the SDK's own GenAI spans.
 */
import { OpenTelemetry } from "@ai-sdk/otel";
import { registerTelemetry } from "ai";
import { type Config, instrument, invokeAgent, type WorkerContext } from "../../src/index.js";
import { app, type ProvidersEnv } from "./providers-app.js";
import { redactAll, SMALL_CONTENT_LIMIT } from "./providers/redact.js";

// Before any invocation: @ai-sdk/otel (its own copy of @opentelemetry/api) takes its tracer now.
registerTelemetry(new OpenTelemetry());

const agentApp = {
  async fetch(request: Request, env: ProvidersEnv): Promise<Response> {
    const agent = new URL(request.url).searchParams.get("agent");
    return agent ? invokeAgent({ name: agent, id: `${agent}-1` }, () => app.fetch(request, env)) : app.fetch(request, env);
  },
};

const CONFIGS: Record<string, Config | undefined> = {
  // The default: nothing set, the variable unset.
  off: undefined,
  span: { captureMessageContent: "SPAN_ONLY" },
  event: { captureMessageContent: "EVENT_ONLY" },
  both: { captureMessageContent: "span_and_event" },
  redact: { captureMessageContent: "SPAN_AND_EVENT", redactContent: (content) => redactAll(content) },
  throw: {
    captureMessageContent: "SPAN_AND_EVENT",
    redactContent: () => {
      throw new Error("redaction hook failed");
    },
  },
  truncate: { captureMessageContent: "SPAN_AND_EVENT", limits: { maxContentLength: SMALL_CONTENT_LIMIT } },
};

// Each setting again under `latest-{name}` with the newer GenAI names (`semconv: "latest"`), so one
// suite shows both semconv profiles end to end (test/e2e/content-providers-openai.test.ts).
const LATEST: Record<string, Config> = Object.fromEntries(Object.entries(CONFIGS).map(([name, config]) => [`latest-${name}`, { ...config, semconv: "latest" }]));

const handlers: Record<string, ExportedHandlerLike> = Object.fromEntries(
  Object.entries({ ...CONFIGS, ...LATEST }).map(([name, config]) => [name, instrument(agentApp, config) as ExportedHandlerLike]),
);

type ExportedHandlerLike = { fetch(request: Request, env: ProvidersEnv, ctx: WorkerContext): Promise<Response> };

export default {
  fetch(request: Request, env: ProvidersEnv, ctx: WorkerContext): Promise<Response> | Response {
    const handler = handlers[new URL(request.url).searchParams.get("capture") ?? "off"];
    if (!handler) return new Response("unknown capture setting", { status: 400 });
    return handler.fetch(request, env, ctx);
  },
};
