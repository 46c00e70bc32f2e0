/**
 * Deno with its built-in OpenTelemetry on (`OTEL_DENO=true`) in both runs: the app bare and
 * wrapped, each its own `deno run`, Deno's own spans exported to the same collector. Deno's
 * fetch appends its own `traceparent`; the wrapped app must send what the bare one does.
 */
import { startDeno } from "./deno-runtime.js";
import { transparencySuite } from "./suite.js";

transparencySuite({
  id: "deno-otel",
  concurrency: 4,
  platformTracing: true,
  // Deno's own failing: "Terminating Deno.serve loop due to unexpected error TypeError: ReadableStream is locked".
  skip: { cases: ["out-locked-body"], why: "a Response whose body is locked stops Deno.serve's loop when OTEL_DENO is on, bare as well (deno 2.9.6)" },
  start: (variant, collector) =>
    startDeno(variant, collector, {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      // Deno reads these itself, in both runs: its spans go to the same collector.
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: `transparency-${variant}`,
    }),
});
