/**
 * Vercel's edge runtime (`edge-runtime`, the VM Vercel and Next.js build on): the scenario as a
 * Vercel Edge Function (context.waitUntil) and as a Next.js edge route handler (waitUntil only
 * through the `@vercel/request-context` global), config from process.env.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { EdgeRuntime, runServer } from "edge-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { bundleEntry, eventually, runScenario } from "./scenario.js";

let collector: Collector;
let replay: Replay;
let server: Awaited<ReturnType<typeof runServer>>;
/** `server.url` ends with a slash. */
let origin: string;

interface Stats {
  context: { calls: number; settled: number };
  requestContext: { calls: number; settled: number };
}
const stats = () => fetch(`${origin}/__stats`).then((r) => r.json() as Promise<Stats>);

beforeAll(async () => {
  let bundle: Awaited<ReturnType<typeof bundleEntry>>;
  [collector, replay, bundle] = await Promise.all([startCollector(), startReplay(), bundleEntry("edge.ts", { format: "iife" })]);
  bundle.remove();
  const runtime = new EdgeRuntime({
    initialCode: bundle.code,
    // What Vercel (and Next.js's edge sandbox) add to the bare VM: process.env and AsyncLocalStorage.
    extend: (context) =>
      Object.assign(context, {
        AsyncLocalStorage,
        process: { env: { OTEL_SERVICE_NAME: "vercel-edge", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, SECRET: "not-read" } },
      }),
  });
  server = await runServer({ runtime, port: 0, host: "127.0.0.1" });
  origin = new URL(server.url).origin;
});

afterAll(async () => {
  await server?.close();
  await collector?.close();
  await replay?.close();
});

describe("withTracing in Vercel's edge runtime", () => {
  it("as a Next.js edge route handler: waitUntil from the @vercel/request-context global", async () => {
    await runScenario({ url: origin, path: "/api/chat", collector, replay, runtime: "edge-light", serviceName: "vercel-edge" });
    const after = await eventually(stats, (s) => s.requestContext.settled === 1);
    expect(after).toEqual({ context: { calls: 0, settled: 0 }, requestContext: { calls: 1, settled: 1 } });
  });

  it("as a Vercel Edge Function: context.waitUntil wins over the global", async () => {
    await runScenario({ url: origin, path: "/edge-function", collector, replay, runtime: "edge-light", serviceName: "vercel-edge" });
    const after = await eventually(stats, (s) => s.context.settled === 1);
    expect(after).toEqual({ context: { calls: 1, settled: 1 }, requestContext: { calls: 1, settled: 1 } });
  });
});
