/**
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at the instrumented app itself must not loop: the
 * export an app sends to itself is neither traced on the way out (tracing suppressed) nor on
 * the way in (`isOwnExport`), so it causes no further export. After one user request the app
 * receives that request and its export (traces; no LLM call, so no metrics), and nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenLoopback, sleep } from "../support/collector.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";
import { BIN, type Bundle, bundleEntry, type SpawnedServer, spawnServer } from "../runtimes/scenario.js";
import { VERSION } from "../../src/version.js";

const EXPORT = `POST /v1/traces OTel-OTLP-Exporter-JavaScript/${VERSION} otel-genai-edge/${VERSION}`;

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = await listenLoopback(() => {});
  await probe.close();
  return probe.port;
}

/** The requests an app logged (`request <method> <path> <user-agent>`), after `settleMs` of quiet time. */
async function requestsAfter(logs: () => string[], settleMs: number): Promise<string[]> {
  await sleep(settleMs);
  return logs()
    .flatMap((l) => l.split("\n"))
    .filter((l) => l.startsWith("request "))
    .map((l) => l.slice("request ".length).trim());
}

function expectNoLoop(seen: string[], user: string): void {
  // Exactly the user's request and the one export of its trace: 2 requests, not an endless chain.
  expect(seen[0]).toBe(user);
  expect(seen.slice(1)).toEqual([EXPORT]);
}

describe("an app exporting to itself", () => {
  let bundle: Bundle;
  let server: SpawnedServer | undefined;
  let worker: StartedWorker | undefined;
  beforeAll(async () => {
    bundle = await bundleEntry("../../e2e/entries/node-app.ts", { platform: "node", extension: ".mjs" });
  });
  afterAll(async () => {
    await server?.close();
    await worker?.close();
    bundle?.remove();
  });

  it("Node (withTracing): one user request causes one export, which is not traced again", async () => {
    const port = await freePort();
    server = await spawnServer(BIN("node"), [bundle.file, String(port)], {
      cwd: bundle.dir,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    expect(await (await fetch(`${server.url}/hello`, { headers: { "user-agent": "loop-test" } })).text()).toBe("hello");
    expectNoLoop(await requestsAfter(() => [server!.output()], 1500), "GET /hello loop-test");
  });

  it("workerd (instrument): one user request causes one export, which is not traced again", async () => {
    const port = await freePort();
    worker = await startWorker({
      entry: "test/workers/self-export.ts",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      miniflare: { port },
    });
    expect(worker.url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${worker.url}/hello`, { headers: { "user-agent": "loop-test" } })).text()).toBe("hello");
    expectNoLoop(await requestsAfter(() => worker!.logs, 1500), "GET /hello loop-test");
  });
});
