/**
 * Every attribute and schema name this package emits, as plain strings, in one place (metric
 * names, with their units and descriptions, are in the one table of src/metrics/genai-metrics.ts;
 * test/semconv-registry.test.ts checks both against the published conventions).
 *
 * GenAI names come in two profiles: the core semantic-conventions v1.41.0 release (the last
 * core release that contains GenAI; our default) and the newer genai-repo names ("latest",
 * chosen with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental or `semconv: "latest"`).
 * Only names that differ between the two live in `PROFILES`; the rest are shared.
 */

// HTTP, URL, server and error (stable core conventions).
export const HTTP_REQUEST_METHOD = "http.request.method";
export const HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
export const HTTP_ROUTE = "http.route";
/** Set only on a resent request (HTTP conventions): the attempt number an official SDK sends. */
export const HTTP_REQUEST_RESEND_COUNT = "http.request.resend_count";
export const URL_FULL = "url.full";
export const URL_PATH = "url.path";
export const URL_QUERY = "url.query";
export const URL_SCHEME = "url.scheme";
export const SERVER_ADDRESS = "server.address";
export const SERVER_PORT = "server.port";
export const USER_AGENT_ORIGINAL = "user_agent.original";
export const ERROR_TYPE = "error.type";
export const EXCEPTION_TYPE = "exception.type";
export const EXCEPTION_MESSAGE = "exception.message";
export const EXCEPTION_STACKTRACE = "exception.stacktrace";

// FaaS, cloud and resource.
export const FAAS_TRIGGER = "faas.trigger";
export const FAAS_COLDSTART = "faas.coldstart";
export const FAAS_CRON = "faas.cron";
export const FAAS_TIME = "faas.time";
export const CLOUD_PROVIDER = "cloud.provider";
export const SERVICE_NAME = "service.name";
export const SERVICE_VERSION = "service.version";
export const SERVICE_INSTANCE_ID = "service.instance.id";
export const TELEMETRY_SDK_NAME = "telemetry.sdk.name";
export const TELEMETRY_SDK_VERSION = "telemetry.sdk.version";
export const TELEMETRY_SDK_LANGUAGE = "telemetry.sdk.language";
export const MESSAGING_SYSTEM = "messaging.system";
export const MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";

// RPC (core conventions after v1.37: `rpc.system` became `rpc.system.name`, and `rpc.service`
// is folded into a fully qualified `rpc.method`, `Service/method`, which is also the span name).
export const RPC_SYSTEM_NAME = "rpc.system.name";
export const RPC_METHOD = "rpc.method";
/** Our `rpc.system.name` for Cloudflare Workers RPC (service bindings, Durable Object stubs); not a well-known value. */
export const RPC_SYSTEM_CLOUDFLARE = "cloudflare_rpc";
/** Our `gen_ai.provider.name` for the Workers AI binding (the same name the AI Gateway mapping uses); not a well-known value. */
export const PROVIDER_WORKERS_AI = "cloudflare.workers_ai";

// GenAI names shared by both profiles.
export const GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const GEN_AI_REQUEST_STREAM = "gen_ai.request.stream";
export const GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
export const GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
export const GEN_AI_REQUEST_TOP_P = "gen_ai.request.top_p";
export const GEN_AI_REQUEST_TOP_K = "gen_ai.request.top_k";
export const GEN_AI_REQUEST_FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty";
export const GEN_AI_REQUEST_PRESENCE_PENALTY = "gen_ai.request.presence_penalty";
export const GEN_AI_REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences";
export const GEN_AI_REQUEST_SEED = "gen_ai.request.seed";
export const GEN_AI_REQUEST_CHOICE_COUNT = "gen_ai.request.choice.count";
export const GEN_AI_REQUEST_ENCODING_FORMATS = "gen_ai.request.encoding_formats";
export const GEN_AI_REQUEST_REASONING_LEVEL = "gen_ai.request.reasoning.level";
export const GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID = "gen_ai.request.previous_response.id";
export const GEN_AI_OUTPUT_TYPE = "gen_ai.output.type";
export const GEN_AI_RESPONSE_ID = "gen_ai.response.id";
export const GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
export const GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
export const GEN_AI_EMBEDDINGS_DIMENSION_COUNT = "gen_ai.embeddings.dimension.count";
export const GEN_AI_TOKEN_TYPE = "gen_ai.token.type";
export const GEN_AI_TOKEN_MODALITY = "gen_ai.token.modality";
export const GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";
// Content (opt-in): JSON strings on spans, structured values on the operation-details event.
export const GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
export const GEN_AI_SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions";
export const GEN_AI_TOOL_DEFINITIONS = "gen_ai.tool.definitions";
/** The content attributes: JSON already bounded by `limits.maxContentLength` (never cut as plain strings). */
export const CONTENT_ATTRIBUTES: ReadonlySet<string> = new Set([GEN_AI_INPUT_MESSAGES, GEN_AI_OUTPUT_MESSAGES, GEN_AI_SYSTEM_INSTRUCTIONS, GEN_AI_TOOL_DEFINITIONS]);
/** The AI SDK's older telemetry names its spans' operation here (`ai.generateText.doGenerate`...). */
export const AI_OPERATION_ID = "ai.operationId";
/** Those of its spans that are one LLM call (our span takes their place, as an SDK's own call span). */
export const AI_SDK_CALL_OPERATIONS: ReadonlySet<string> = new Set(["ai.generateText.doGenerate", "ai.streamText.doStream", "ai.generateObject.doGenerate", "ai.streamObject.doStream"]);
/** Content under the GenAI conventions' older names (before the message attributes; also on events). */
export const OLDER_GENAI_CONTENT_ATTRIBUTES: readonly string[] = ["gen_ai.prompt", "gen_ai.completion"];
/**
 * Content the AI SDK's older telemetry (`LegacyOpenTelemetry` of `@ai-sdk/otel`, the AI SDK's own
 * spans before it) puts on its spans under its own names: prompts, answers, tool inputs and
 * outputs, embedded values, reranked documents. Removed from other instrumentations' spans unless
 * content capture is on (see src/genai/content/foreign.ts).
 */
export const AI_SDK_CONTENT_ATTRIBUTES: readonly string[] = [
  "ai.prompt",
  "ai.response.providerMetadata",
  "ai.prompt.messages",
  "ai.prompt.tools",
  "ai.request.text",
  "ai.response.text",
  "ai.response.object",
  "ai.response.reasoning",
  "ai.response.toolCalls",
  "ai.response.files",
  "ai.toolCall.args",
  "ai.toolCall.result",
  "ai.value",
  "ai.values",
  "ai.embedding",
  "ai.embeddings",
  "ai.documents",
  "ai.ranking",
  "ai.decision.questions",
  "ai.decision.answers",
  "ai.decision.state",
];

// Agents and tools (invokeAgent, executeTool).
export const GEN_AI_AGENT_NAME = "gen_ai.agent.name";
export const GEN_AI_AGENT_ID = "gen_ai.agent.id";
export const GEN_AI_AGENT_DESCRIPTION = "gen_ai.agent.description";
export const GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const GEN_AI_TOOL_TYPE = "gen_ai.tool.type";
export const GEN_AI_TOOL_DESCRIPTION = "gen_ai.tool.description";
export const GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
export const GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";
export const GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result";

// GenAI events (OTLP log records) and their attributes.
export const GEN_AI_INFERENCE_DETAILS_EVENT = "gen_ai.client.inference.operation.details";
export const GEN_AI_OPERATION_EXCEPTION_EVENT = "gen_ai.client.operation.exception";
/** The exception event (a span event, or a log record: OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN). */
export const EXCEPTION_EVENT = "exception";
export const GEN_AI_EVALUATION_RESULT = "gen_ai.evaluation.result";
export const GEN_AI_EVALUATION_NAME = "gen_ai.evaluation.name";
export const GEN_AI_EVALUATION_SCORE_VALUE = "gen_ai.evaluation.score.value";
export const GEN_AI_EVALUATION_SCORE_LABEL = "gen_ai.evaluation.score.label";
export const GEN_AI_EVALUATION_EXPLANATION = "gen_ai.evaluation.explanation";
export const AWS_BEDROCK_GUARDRAIL_ID = "aws.bedrock.guardrail.id";
export const AZURE_RESOURCE_PROVIDER_NAMESPACE = "azure.resource_provider.namespace";
export const OPENAI_API_TYPE = "openai.api.type";
export const OPENAI_REQUEST_SERVICE_TIER = "openai.request.service_tier";
export const OPENAI_RESPONSE_SERVICE_TIER = "openai.response.service_tier";
export const OPENAI_RESPONSE_SYSTEM_FINGERPRINT = "openai.response.system_fingerprint";

// Our own namespace: facts the conventions have no name for yet.
export const OWN_STREAM_CHUNKS = "otel_genai_edge.stream.chunks";
export const OWN_STREAM_OUTCOME = "otel_genai_edge.stream.outcome";
export const OWN_STREAM_PARSE_DROPPED = "otel_genai_edge.stream.parse_dropped";
export const OWN_REQUEST_INCLUDE_USAGE_ADDED = "otel_genai_edge.request.include_usage_added";
export const OWN_SPAN_UNFINISHED = "otel_genai_edge.span.unfinished";
export const OWN_SPANS_DROPPED = "otel_genai_edge.spans.dropped";
export const OWN_COST_USD = "otel_genai_edge.usage.cost_usd";
/**
 * One choice's finish reason, on the finish-reasons counter. The conventions have only the array
 * `gen_ai.response.finish_reasons` (an array cannot be a metric attribute); a singular
 * `gen_ai.response.finish_reason` was proposed (semantic-conventions #1277, #1291: unmerged, as a
 * comma-joined list) and the naming guide advises against own names inside a convention's
 * namespace, so ours stays in our namespace until the conventions define one.
 */
export const OWN_RESPONSE_FINISH_REASON = "otel_genai_edge.response.finish_reason";

/**
 * Attributes the conventions type as double. The OTLP transformer writes any whole number as
 * `intValue`; the exporter turns these back into `doubleValue` (a temperature of 1 is a double).
 */
export const DOUBLE_ATTRIBUTES = [
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_P,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  OWN_COST_USD,
];

export type SemconvProfileName = "v1.41" | "latest";

export interface SemconvProfile {
  name: SemconvProfileName;
  /** Schema URL put on the instrumentation scope. */
  schemaUrl: string;
  cacheWriteInputTokens: string;
  /** Latest pads finish reasons with "error" where a choice never got one. */
  padFinishReasonsWithError: boolean;
  /** Request attributes added after v1.41.0 (`reasoning.level`, `previous_response.id`): latest only. */
  laterRequestAttributes: boolean;
  /** Attributes this profile types as double (v1.41 also `gen_ai.request.top_k`, an int since). */
  doubleAttributes: readonly string[];
  /** Usage per modality on the span (`gen_ai.usage.text.input_tokens`...): latest only (#440). */
  modalityUsage: boolean;
}

/** Latest's per-modality usage attribute (`gen_ai.usage.text.input_tokens`, `gen_ai.usage.image.cache_read.input_tokens`...), for the modalities it names (text, image, audio). */
export const usageOfModality = (modality: string, direction: "input" | "output" | "cache_read.input"): string | undefined =>
  /^(text|image|audio)$/.test(modality) ? `gen_ai.usage.${modality}.${direction}_tokens` : undefined;

export const PROFILES: Record<SemconvProfileName, SemconvProfile> = {
  "v1.41": {
    name: "v1.41",
    schemaUrl: "https://opentelemetry.io/schemas/1.41.0",
    cacheWriteInputTokens: "gen_ai.usage.cache_creation.input_tokens",
    padFinishReasonsWithError: false,
    laterRequestAttributes: false,
    doubleAttributes: [...DOUBLE_ATTRIBUTES, GEN_AI_REQUEST_TOP_K],
    modalityUsage: false,
  },
  latest: {
    name: "latest",
    schemaUrl: "https://opentelemetry.io/schemas/gen-ai-dev/1.42.0-dev",
    cacheWriteInputTokens: "gen_ai.usage.cache_write.input_tokens",
    padFinishReasonsWithError: true,
    laterRequestAttributes: true,
    doubleAttributes: DOUBLE_ATTRIBUTES,
    modalityUsage: true,
  },
};
