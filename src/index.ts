/**
 * otel-genai-edge: OpenTelemetry gen_ai.* spans and metrics for LLM calls made with fetch,
 * on edge runtimes, exported as OTLP/HTTP JSON without delaying the response.
 */
// Importing the package patches the global fetch (SDK clients built at module scope capture it).
import "./fetch/instrument.js";

export { instrument, type WorkerContext, type WorkerEnv, type WorkerHandler } from "./runtime/cloudflare.js";
export { fetchFor } from "./bind.js";
export { useAsyncLocalStorage } from "./trace/context.js";
export type { Limits, Price, SamplerName } from "./config.js";
export type { Config } from "./config.js";
export type { ConfigInput } from "./runtime/invoke.js";
export { type Evaluation, recordEvaluation } from "./evaluation.js";
export type { IdentifyHook } from "./identify.js";
export { withTracing, type RequestHandler } from "./runtime/edge.js";
export { flush } from "./runtime/wait-until.js";
export type { RuntimeEnv } from "./runtime/env.js";
export { instrumentDO, instrumentEntrypoint, type EntrypointClass } from "./runtime/entrypoints.js";
export { instrumentAI, traceBindings } from "./runtime/bindings.js";
export { type TelemetryStats, telemetryStats } from "./pipeline.js";
export { executeTool, invokeAgent, type AgentOptions, type ToolOptions } from "./agents.js";
export type { CaptureMode, ContentInfo, RedactContentHook } from "./genai/content/capture.js";
export type { ChatMessage, Content, OutputMessage, Part, ToolDefinition } from "./genai/content.js";
