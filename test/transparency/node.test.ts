/** Node 22: the app bare and wrapped, each in its own `node` process behind a node:http adapter. */
import { BIN, bundleEntry, spawnServer } from "../runtimes/scenario.js";
import { transparencySuite } from "./suite.js";

transparencySuite({
  id: "node",
  concurrency: 4,
  async start(variant, collector) {
    const bundle = await bundleEntry(`../../transparency/entries/node-${variant}.ts`, { platform: "node", extension: ".mjs" });
    const env: Record<string, string> = variant === "wrapped" ? { OTEL_SERVICE_NAME: "transparency", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {};
    const server = await spawnServer(BIN("node"), [bundle.file, "0"], { cwd: bundle.dir, env });
    return {
      url: server.url,
      async close() {
        await server.close();
        bundle.remove();
      },
    };
  },
});
