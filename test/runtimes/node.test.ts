/** Node 22: the scenario in a real Node child process serving a fetch-style handler through node:http. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { BIN, type Bundle, bundleEntry, runScenario, type SpawnedServer, spawnServer } from "./scenario.js";

let collector: Collector;
let replay: Replay;
let bundle: Bundle;
let server: SpawnedServer | undefined;

beforeAll(async () => {
  [collector, replay, bundle] = await Promise.all([
    startCollector(),
    startReplay(),
    bundleEntry("node.ts", { platform: "node", extension: ".mjs" }),
  ]);
});

afterAll(async () => {
  await server?.close();
  await collector?.close();
  await replay?.close();
  bundle?.remove();
});

describe("withTracing under Node", () => {
  it("a node:http server adapted to withTracing(handler), config from process.env", async () => {
    server = await spawnServer(BIN("node"), [bundle.file, "0"], {
      cwd: bundle.dir,
      env: { OTEL_SERVICE_NAME: "node-app", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    const { server: span } = await runScenario({ url: server.url, collector, replay, runtime: "nodejs", serviceName: "node-app" });
    expect(span.resource["process.runtime.version"]).toMatch(/^22\./);
  });
});
