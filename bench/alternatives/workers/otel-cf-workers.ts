/**
 * Bench variant: @microlabs/otel-cf-workers (the npm `latest` dist-tag, 0.9.1) `instrument()`;
 * its global fetch instrumentation makes a CLIENT span per outbound fetch. Exports OTLP/HTTP
 * JSON to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces.
 */
import { instrument } from "@microlabs/otel-cf-workers";
import { app } from "../../workers/app.js";

interface Env {
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_SERVICE_NAME: string;
}

export default instrument(app as never, ((env: Env) => ({
  exporter: { url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` },
  service: { name: env.OTEL_SERVICE_NAME },
})) as never);
