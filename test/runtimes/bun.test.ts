/** Bun: the scenario under a real `bun`, `Bun.serve({ fetch: withTracing(handler) })`, config from process.env. */
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { BIN, type Bundle, bundleEntry, runScenario, type SpawnedServer, spawnServer } from "./scenario.js";

let collector: Collector;
let replay: Replay;
let bundle: Bundle;
let server: SpawnedServer | undefined;

beforeAll(async () => {
  [collector, replay, bundle] = await Promise.all([startCollector(), startReplay(), bundleEntry("bun.ts")]);
});

afterAll(async () => {
  await server?.close();
  await collector?.close();
  await replay?.close();
  bundle?.remove();
});

describe("withTracing under Bun", () => {
  it("Bun.serve({ fetch: withTracing(handler) }) with config from process.env", async () => {
    server = await spawnServer(BIN("bun"), [bundle.file, "0"], {
      cwd: bundle.dir,
      env: { OTEL_SERVICE_NAME: "bun-app", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    await runScenario({ url: server.url, collector, replay, runtime: "bun", serviceName: "bun-app" });
  });
});
