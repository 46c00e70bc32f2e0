/**
 * Deno with its built-in OpenTelemetry on (`OTEL_DENO=true`) in both runs: the app bare and
 * wrapped, each its own `deno run`, Deno's own spans exported to the same collector. Deno's
 * fetch appends its own `traceparent`; the wrapped app must send what the bare one does.
 */
import { BIN, bundleEntry, spawnServer } from "../runtimes/scenario.js";
import { transparencySuite } from "./suite.js";

transparencySuite({
  id: "deno-otel",
  concurrency: 4,
  platformTracing: true,
  // Deno's own failing: "Terminating Deno.serve loop due to unexpected error TypeError: ReadableStream is locked".
  skip: { cases: ["out-locked-body"], why: "a Response whose body is locked stops Deno.serve's loop when OTEL_DENO is on, bare as well (deno 2.9.6)" },
  async start(variant, collector) {
    const bundle = await bundleEntry(`../../transparency/entries/deno-${variant}.ts`);
    const wrapped = variant === "wrapped";
    const server = await spawnServer(
      BIN("deno"),
      ["run", "--no-prompt", "--allow-net", ...(wrapped ? ["--allow-env=OTEL_SERVICE_NAME,OTEL_EXPORTER_OTLP_ENDPOINT"] : []), bundle.file, "0"],
      {
        cwd: bundle.dir,
        env: {
          DENO_NO_UPDATE_CHECK: "1",
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_SERVICE_NAME: `transparency-${variant}`,
        },
      },
    );
    return {
      url: server.url,
      async close() {
        await server.close();
        bundle.remove();
      },
    };
  },
});
