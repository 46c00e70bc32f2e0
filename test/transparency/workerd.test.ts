/**
 * workerd (Miniflare), the app bare and wrapped with `instrument`, at two compatibility dates:
 * 2026-11-01 offers AsyncLocalStorage, 2026-07-01 does not (then the wrapper traces a fetch only
 * while its request is alone, so those cases run one at a time).
 */
import { startWorker } from "../support/workerd.js";
import { transparencySuite } from "./suite.js";

for (const [date, concurrency] of [["2026-11-01", 4], ["2026-07-01", 1]] as const) {
  transparencySuite({
    id: `workerd-${date}`,
    concurrency,
    pauseMs: concurrency === 1 ? 60 : 0,
    async start(variant, collector) {
      const worker = await startWorker({
        entry: `test/transparency/entries/worker-${variant}.ts`,
        compatibilityDate: date,
        env: variant === "wrapped" ? { OTEL_SERVICE_NAME: "transparency", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {},
      });
      return { url: worker.url, close: () => worker.close() };
    },
  });
}
