/**
 * Misconfiguration in a real Worker (workerd) and a real Node process: the app keeps working,
 * and each problem is said exactly once: on the console when the app registered no diag logger,
 * through its logger when it did. Never a header's value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type CollectorAction, listenLoopback, sleep, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";
import { BIN, type Bundle, bundleEntry, type SpawnedServer, spawnServer } from "../runtimes/scenario.js";

let replay: Replay;
let upstream: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  replay = await startReplay();
  upstream = replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 });
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await replay?.close();
});

async function collector(behaviour?: CollectorAction | CollectorAction[]): Promise<Collector> {
  const c = await startCollector(behaviour === undefined ? {} : { behaviour });
  closers.push(() => c.close());
  return c;
}

async function worker(env: Record<string, unknown>, userLogger = false): Promise<StartedWorker> {
  const w = await startWorker({
    entry: "test/workers/misconfig.ts",
    env: { UPSTREAM: upstream, ...env } as never,
    define: userLogger ? { __USER_LOGGER__: "true" } : undefined,
  });
  closers.push(() => w.close());
  return w;
}

interface Stats {
  exports: number;
  exportFailures: number;
}

/**
 * Three requests, each answered in full by the app, then every export they caused finished
 * (the /stats requests polled for that are traced and exported too).
 */
async function threeRequests(w: StartedWorker, exports = 3): Promise<void> {
  const expected = await (await fetch(`${upstream}/v1/thing`)).text();
  for (let i = 0; i < 3; i++) {
    const response = await w.fetch("/");
    expect([response.status, response.headers.get("x-app"), await response.text()]).toEqual([200, "misconfig", expected]);
  }
  const until = Date.now() + 8000;
  while (((await (await w.fetch("/stats")).json()) as Stats).exports < exports && Date.now() < until) await sleep(50);
  await sleep(300); // log lines come through a pipe
}

/** The SERVER spans of the test's requests to `/`. */
const served = (c: Collector) => c.spans().filter((s) => s.kind === 2 && s.attributes["url.path"] === "/");
/** The console lines (workerd's captured console) that say `text`. */
const saying = (w: StartedWorker, text: string) => w.logs.filter((l) => l.includes(text));
const ours = (w: StartedWorker) => w.logs.filter((l) => l.includes("otel-genai-edge:"));
const failedAll = async (w: StartedWorker) => {
  const stats = (await (await w.fetch("/stats")).json()) as Stats;
  expect(stats.exports).toBeGreaterThanOrEqual(3);
  expect(stats.exportFailures).toBe(stats.exports);
};

describe("workerd: bad config never breaks a request and is said once", () => {
  it('config { semconv: "1.41" } (it threw in every request): the default profile, one console warning', async () => {
    const c = await collector();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: c.url, CONFIG: { semconv: "1.41" } });
    await threeRequests(w);
    expect(served(c)).toHaveLength(3);
    expect(new Set(c.spans().map((s) => s.scope.schemaUrl))).toEqual(new Set(["https://opentelemetry.io/schemas/1.41.0"]));
    expect(saying(w, "config.semconv")).toEqual(['otel-genai-edge: config.semconv="1.41" is not one of v1.41,latest; using "v1.41"']);
    expect(w.logEntries.find((e) => e.message.includes("config.semconv"))?.level).toBe("warn");
  });

  it("invalid env values: each said once, defaults used, telemetry still exported, no header value anywhere", async () => {
    const c = await collector();
    const w = await worker({
      OTEL_EXPORTER_OTLP_ENDPOINT: c.url,
      OTEL_TRACES_SAMPLER: "ratio",
      OTEL_TRACES_SAMPLER_ARG: "abc",
      OTEL_EXPORTER_OTLP_TIMEOUT: "10s",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization: Bearer x-secret-token",
      OTEL_SEMCONV_STABILITY_OPT_IN: "http,not_a_known_value",
    });
    await threeRequests(w);
    expect(served(c)).toHaveLength(3);
    expect(c.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(ours(w).sort()).toEqual(
      [
        'otel-genai-edge: OTEL_TRACES_SAMPLER="ratio" is not one of always_on,always_off,traceidratio,parentbased_always_on,parentbased_always_off,parentbased_traceidratio; using "parentbased_always_on"',
        'otel-genai-edge: OTEL_TRACES_SAMPLER_ARG="abc" is not a number in [0, 1]; using 1',
        'otel-genai-edge: OTEL_EXPORTER_OTLP_TIMEOUT="10s" is not a number of milliseconds; using 10000',
        'otel-genai-edge: OTEL_EXPORTER_OTLP_HEADERS: entry "Authorization" is not key=value (percent-encoded value): ignored',
      ].sort(),
    );
    expect(w.logs.join("\n")).not.toContain("x-secret-token");
  });

  it("an endpoint without a scheme: said once at config time, nothing sent, the app unaffected", async () => {
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" });
    await threeRequests(w, 0);
    expect(saying(w, '"collector:4318"')).toEqual([
      'otel-genai-edge: OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not an http(s) URL (e.g. http://collector:4318): not used',
    ]);
    expect(((await (await w.fetch("/stats")).json()) as Stats).exports).toBe(0);
  });

  it("a base endpoint ending in /v1/traces: exported to /v1/traces, not /v1/traces/v1/traces, said once", async () => {
    const c = await collector();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: `${c.url}/v1/traces` });
    await threeRequests(w);
    expect(served(c)).toHaveLength(3);
    expect(new Set(c.requests.map((r) => r.path))).toEqual(new Set(["/v1/traces"]));
    expect(saying(w, "already ends in")).toEqual([
      `otel-genai-edge: OTEL_EXPORTER_OTLP_ENDPOINT="${c.url}/v1/traces" already ends in /v1/traces; /v1/<signal> is appended to it, so ${c.url}/ is used`,
    ]);
  });
});

describe("workerd: a failing export is said once, not once per request", () => {
  it("401: one warning pointing at OTEL_EXPORTER_OTLP_HEADERS, without the collector's body", async () => {
    const c = await collector({ status: 401, body: { code: 16, message: "bad token sk-echoed" } });
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: c.url });
    await threeRequests(w);
    await failedAll(w);
    expect(ours(w)).toEqual([
      `otel-genai-edge: traces export to ${c.url}/v1/traces failed, telemetry is dropped: HTTP 401: check OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_TRACES_HEADERS (or config.headers)`,
    ]);
    expect(w.logs.join("\n")).not.toContain("sk-echoed");
  });

  it("403 likewise", async () => {
    const c = await collector(403);
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: c.url });
    await threeRequests(w);
    expect(ours(w)).toEqual([
      `otel-genai-edge: traces export to ${c.url}/v1/traces failed, telemetry is dropped: HTTP 403: check OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_TRACES_HEADERS (or config.headers)`,
    ]);
  });

  it("collector down (connection refused): one warning", async () => {
    const probe = await listenLoopback(() => {});
    await probe.close();
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: probe.url, OTEL_EXPORTER_OTLP_TIMEOUT: "1000" });
    await threeRequests(w);
    const lines = ours(w);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^otel-genai-edge: traces export to ${probe.url}/v1/traces failed, telemetry is dropped: network: .+; is the collector running and reachable\\?$`),
    );
  });

  it("timeout: one warning naming the deadline", async () => {
    const c = await collector("hang");
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: c.url, OTEL_EXPORTER_OTLP_TIMEOUT: "300" });
    await threeRequests(w);
    expect(ours(w)).toEqual([
      `otel-genai-edge: traces export to ${c.url}/v1/traces failed, telemetry is dropped: no answer within 300 ms (OTEL_EXPORTER_OTLP_TIMEOUT)`,
    ]);
  });

  it("OTEL_LOG_LEVEL=debug: a later success says so at DEBUG; OTEL_LOG_LEVEL=NONE: silence", async () => {
    const c = await collector([401]);
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: c.url, OTEL_LOG_LEVEL: "debug" });
    await threeRequests(w);
    expect(ours(w)).toEqual([
      `otel-genai-edge: traces export to ${c.url}/v1/traces failed, telemetry is dropped: HTTP 401: check OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_TRACES_HEADERS (or config.headers)`,
      `otel-genai-edge: traces export to ${c.url}/v1/traces works again`,
    ]);
    expect(w.logEntries.filter((e) => e.message.includes("otel-genai-edge:")).map((e) => e.level)).toEqual(["warn", "debug"]);

    const quiet = await collector(401);
    const silent = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: quiet.url, OTEL_LOG_LEVEL: "NONE", OTEL_TRACES_SAMPLER: "ratio" });
    await threeRequests(silent);
    await failedAll(silent);
    expect(ours(silent)).toEqual([]);
  });

  it("an app that registered its own diag logger gets our messages there, and nothing on the bare console", async () => {
    const c = await collector(401);
    const w = await worker({ OTEL_EXPORTER_OTLP_ENDPOINT: c.url, OTEL_TRACES_SAMPLER: "ratio" }, true);
    await threeRequests(w);
    expect(ours(w)).toEqual([
      'user-logger warn otel-genai-edge: OTEL_TRACES_SAMPLER="ratio" is not one of always_on,always_off,traceidratio,parentbased_always_on,parentbased_always_off,parentbased_traceidratio; using "parentbased_always_on"',
      `user-logger warn otel-genai-edge: traces export to ${c.url}/v1/traces failed, telemetry is dropped: HTTP 401: check OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_TRACES_HEADERS (or config.headers)`,
    ]);
  });
});

describe("Node: the console when no diag logger is registered", () => {
  let bundle: Bundle;
  let server: SpawnedServer | undefined;
  beforeAll(async () => {
    bundle = await bundleEntry("../../e2e/entries/node-app.ts", { platform: "node", extension: ".mjs" });
  });
  afterAll(async () => {
    await server?.close();
    bundle?.remove();
  });

  it("withTracing: bad env values and a 401 collector, each said once on stderr", async () => {
    const c = await collector(401);
    server = await spawnServer(BIN("node"), [bundle.file, "0"], {
      cwd: bundle.dir,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: c.url, OTEL_TRACES_SAMPLER_ARG: "abc", OTEL_EXPORTER_OTLP_HEADERS: "Authorization: Bearer x-secret-token" },
    });
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${server.url}/hello`)).text()).toBe("hello");
    await c.waitFor((r) => r.path === "/v1/traces", 5000, 3);
    await sleep(300);
    const lines = server.output().split("\n").filter((l) => l.includes("otel-genai-edge:"));
    expect(lines).toEqual([
      'otel-genai-edge: OTEL_EXPORTER_OTLP_HEADERS: entry "Authorization" is not key=value (percent-encoded value): ignored',
      'otel-genai-edge: OTEL_TRACES_SAMPLER_ARG="abc" is not a number in [0, 1]; using 1',
      `otel-genai-edge: traces export to ${c.url}/v1/traces failed, telemetry is dropped: HTTP 401: check OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_TRACES_HEADERS (or config.headers)`,
    ]);
    expect(server.output()).not.toContain("x-secret-token");
  });
});
