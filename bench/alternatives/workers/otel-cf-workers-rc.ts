/**
 * Bench variant: @microlabs/otel-cf-workers 1.0.0-rc.52 (the newest release; installed under the
 * alias `otel-cf-workers-rc`) `instrument()`; its global fetch instrumentation makes a CLIENT span
 * per outbound fetch. Exports OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces.
 */
import { instrument } from "otel-cf-workers-rc";
import { app } from "../../workers/app.js";

interface Env {
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_SERVICE_NAME: string;
}

export default instrument(app as never, (env: Env) => ({
  exporter: { url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` },
  service: { name: env.OTEL_SERVICE_NAME },
}));
