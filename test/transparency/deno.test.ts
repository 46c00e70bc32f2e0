/** Deno: the app bare and wrapped (`withTracing`, config from --allow-env'd variables), each its own `deno run`. */
import { BIN, bundleEntry, spawnServer } from "../runtimes/scenario.js";
import { transparencySuite } from "./suite.js";

transparencySuite({
  id: "deno",
  concurrency: 4,
  async start(variant, collector) {
    const bundle = await bundleEntry(`../../transparency/entries/deno-${variant}.ts`);
    const wrapped = variant === "wrapped";
    const server = await spawnServer(
      BIN("deno"),
      ["run", "--no-prompt", "--allow-net", ...(wrapped ? ["--allow-env=OTEL_SERVICE_NAME,OTEL_EXPORTER_OTLP_ENDPOINT"] : []), bundle.file, "0"],
      { cwd: bundle.dir, env: { DENO_NO_UPDATE_CHECK: "1", ...(wrapped ? { OTEL_SERVICE_NAME: "transparency", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {}) } },
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
