/** Bun: the app bare and wrapped (`withTracing`, config from process.env), each its own `bun` process. */
import { BIN, bundleEntry, spawnServer } from "../runtimes/scenario.js";
import { transparencySuite } from "./suite.js";

transparencySuite({
  id: "bun",
  concurrency: 4,
  async start(variant, collector) {
    const bundle = await bundleEntry(`../../transparency/entries/bun-${variant}.ts`);
    const env: Record<string, string> = variant === "wrapped" ? { OTEL_SERVICE_NAME: "transparency", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {};
    const server = await spawnServer(BIN("bun"), [bundle.file, "0"], { cwd: bundle.dir, env });
    return {
      url: server.url,
      async close() {
        await server.close();
        bundle.remove();
      },
    };
  },
});
