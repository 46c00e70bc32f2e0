/** Deno under the suite: the app bare and wrapped, each its own `deno run`, with `env` in both runs. */
import { BIN, bundleEntry, spawnServer } from "../runtimes/scenario.js";
import type { Collector } from "../support/collector.js";
import type { AppServer, Variant } from "./suite.js";

export async function startDeno(variant: Variant, collector: Collector, env: Record<string, string> = {}): Promise<AppServer> {
  const bundle = await bundleEntry(`../../transparency/entries/deno-${variant}.ts`);
  const wrapped = variant === "wrapped";
  const server = await spawnServer(
    BIN("deno"),
    ["run", "--no-prompt", "--allow-net", ...(wrapped ? ["--allow-env=OTEL_SERVICE_NAME,OTEL_EXPORTER_OTLP_ENDPOINT"] : []), bundle.file, "0"],
    { cwd: bundle.dir, env: { DENO_NO_UPDATE_CHECK: "1", ...(wrapped ? { OTEL_SERVICE_NAME: "transparency", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {}), ...env } },
  );
  return {
    url: server.url,
    async close() {
      await server.close();
      bundle.remove();
    },
  };
}
