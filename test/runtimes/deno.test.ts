/**
 * Deno (also what Netlify Edge and Supabase Edge Functions run on): the scenario under a real
 * `deno run`, with config from Deno.env granted per variable, with no env permission at all
 * (explicit config only), and with Netlify's and Supabase's ways of offering waitUntil.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { BIN, type Bundle, bundleEntry, eventually, runScenario, type SpawnedServer, spawnServer } from "./scenario.js";

let collector: Collector;
let replay: Replay;
let bundle: Bundle;
const servers: SpawnedServer[] = [];

const ENV_KEYS = "OTEL_SERVICE_NAME,OTEL_EXPORTER_OTLP_ENDPOINT";

function deno(mode: string, flags: string[], env: Record<string, string>): Promise<SpawnedServer> {
  return spawnServer(BIN("deno"), ["run", "--no-prompt", "--allow-net", ...flags, bundle.file, "0", mode, collector.url], {
    cwd: bundle.dir,
    env: { DENO_NO_UPDATE_CHECK: "1", ...env },
  }).then((server) => {
    servers.push(server);
    return server;
  });
}

const stats = (server: SpawnedServer) => fetch(`${server.url}/__stats`).then((r) => r.json() as Promise<{ calls: number; settled: number }>);

beforeAll(async () => {
  [collector, replay, bundle] = await Promise.all([startCollector(), startReplay(), bundleEntry("deno.ts")]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await collector?.close();
  await replay?.close();
  bundle?.remove();
});

describe("withTracing under Deno", () => {
  it("Deno.serve(withTracing(handler)) with config from --allow-env=OTEL_... variables", async () => {
    const server = await deno("env", [`--allow-env=${ENV_KEYS}`], {
      OTEL_SERVICE_NAME: "deno-env",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
    const { server: span } = await runScenario({ url: server.url, collector, replay, runtime: "deno", serviceName: "deno-env" });
    expect(span.resource["process.runtime.version"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(server.output()).not.toMatch(/NotCapable|PermissionDenied|error/i);
  });

  it("an SDK's own GenAI span, the API's global slot made before the first request: ours takes its place (one span), our traceparent", async () => {
    const server = await deno("sdk-span-slot-first", [`--allow-env=${ENV_KEYS}`], { OTEL_SERVICE_NAME: "deno-slot-first", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const upstream = replay.baseFor("openai/chat-stream-include-usage.sse", { gapMs: 0 });
    const before = replay.requests.length;
    const response = await fetch(`${server.url}/chat`, { headers: { "x-upstream": upstream } });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const sent = replay.requests.slice(before);
    expect(sent).toHaveLength(1);
    const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-03$/.exec(sent[0].headers.traceparent)!;
    const spans = (await collector.waitForSpans((all) => all.some((s) => s.traceId === traceId && s.kind === 3), 8000)).filter((s) => s.traceId === traceId);
    expect(spans.map((s) => `${s.scope.name} ${s.kind} ${s.name}`).sort()).toEqual(["otel-genai-edge 2 GET", "otel-genai-edge 3 chat gpt-4o-mini"]);
    expect(spans.find((s) => s.kind === 3)!.spanId).toBe(parentId);
    expect(server.output()).not.toMatch(/error/i);
  });

  it("without any env permission: nothing throws or prompts, the explicit config stands alone", async () => {
    const server = await deno("explicit", [], {
      OTEL_SERVICE_NAME: "must-not-be-read",
      OTEL_RESOURCE_ATTRIBUTES: "read.from.env=yes",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9/must-not-be-used",
    });
    const { server: span } = await runScenario({ url: server.url, collector, replay, runtime: "deno", serviceName: "deno-explicit" });
    expect(span.resource["read.from.env"]).toBeUndefined();
    expect(server.output()).not.toMatch(/NotCapable|PermissionDenied|error/i);
  });

  it("Netlify Edge style: the export goes to context.waitUntil (2nd argument)", async () => {
    const server = await deno("netlify", [`--allow-env=${ENV_KEYS}`], {
      OTEL_SERVICE_NAME: "netlify-edge",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
    await runScenario({ url: server.url, collector, replay, runtime: "deno", serviceName: "netlify-edge" });
    expect(await eventually(() => stats(server), (s) => s.settled === 1)).toEqual({ calls: 1, settled: 1 });
  });

  it("Supabase Edge style: the export goes to the global EdgeRuntime.waitUntil", async () => {
    const server = await deno("supabase", ["--allow-env"], {
      OTEL_SERVICE_NAME: "supabase-edge",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
    await runScenario({ url: server.url, collector, replay, runtime: "deno", serviceName: "supabase-edge" });
    expect(await eventually(() => stats(server), (s) => s.settled === 1)).toEqual({ calls: 1, settled: 1 });
  });
});
