/**
 * Vercel's edge runtime (`edge-runtime`, what Vercel and Next.js build on): the app bare and
 * wrapped, each in its own EdgeRuntime VM served over HTTP by `runServer`, with what Vercel
 * adds to the VM (process.env, AsyncLocalStorage). The VMs run in the test process.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { EdgeRuntime, runServer } from "edge-runtime";
import { bundleEntry } from "../runtimes/scenario.js";
import { transparencySuite } from "./suite.js";

transparencySuite({
  id: "edge-runtime",
  concurrency: 4,
  async start(variant, collector) {
    const bundle = await bundleEntry(`../../transparency/entries/edge-${variant}.ts`, { format: "iife" });
    bundle.remove();
    const env: Record<string, string> = variant === "wrapped" ? { OTEL_SERVICE_NAME: "transparency", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {};
    const runtime = new EdgeRuntime({
      initialCode: bundle.code,
      extend: (context) => Object.assign(context, { AsyncLocalStorage, process: { env } }),
    });
    const server = await runServer({ runtime, port: 0, host: "127.0.0.1" });
    return { url: new URL(server.url).origin, close: () => server.close() };
  },
});
