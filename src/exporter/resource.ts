import {
  SERVICE_INSTANCE_ID,
  SERVICE_NAME,
  SERVICE_VERSION,
  TELEMETRY_SDK_LANGUAGE,
  TELEMETRY_SDK_NAME,
  TELEMETRY_SDK_VERSION,
} from "../attributes.js";
import type { ResolvedConfig } from "../config.js";
import { VERSION } from "../version.js";

export interface ResourceLike {
  attributes: Record<string, string | number | boolean>;
}

/**
 * One id per isolate/process: metric streams from different isolates must never overlap, so
 * each isolate is its own writer (OTLP data model, single-writer rule).
 */
let isolateId: string | undefined;
// Lazily: workerd forbids generating random values at module scope.
export const instanceId = (): string => (isolateId ??= crypto.randomUUID());

export function buildResource(config: ResolvedConfig, runtime: Record<string, string>): ResourceLike {
  const attributes: Record<string, string | number | boolean> = {
    // Not the official SDK, so our own name (the convention reserves "opentelemetry" for it).
    [TELEMETRY_SDK_NAME]: "otel-genai-edge",
    [TELEMETRY_SDK_LANGUAGE]: "webjs",
    [TELEMETRY_SDK_VERSION]: VERSION,
    ...runtime,
    ...config.resourceAttributes,
    [SERVICE_NAME]: config.serviceName,
    [SERVICE_INSTANCE_ID]: instanceId(),
  };
  if (config.serviceVersion) attributes[SERVICE_VERSION] = config.serviceVersion;
  return { attributes };
}
