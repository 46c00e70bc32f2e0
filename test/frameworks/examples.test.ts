/**
 * The examples in examples/, run as their platforms run them: Hono on Workers in workerd
 * (without AsyncLocalStorage), a Next.js App Router edge route in Vercel's edge runtime,
 * `Deno.serve` and a Supabase Edge Function under `deno run`. Each streams an OpenAI-format chat
 * completion through plain fetch from the replay server, configured by its platform's
 * environment; checked on what the real OTLP receiver decoded: the SERVER span named by its
 * route with `http.route`, the GenAI span under it, the body byte for byte. And they type-check.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { execFileSync } from "node:child_process";
import { EdgeRuntime, runServer } from "edge-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { fixtureBytes, type Replay, startReplay } from "../support/replay.js";
import { startWorker } from "../support/workerd.js";
import { BIN, bundleEntry, eventually, FIXTURE, fixtureFacts, REPO, spawnServer } from "../runtimes/scenario.js";

let collector: Collector;
let replay: Replay;
/** What the examples read as OPENAI_BASE_URL: the replay server, serving the fixture. */
let openaiBase: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [collector, replay] = await Promise.all([startCollector(), startReplay()]);
  openaiBase = `${replay.baseFor(FIXTURE, { gapMs: 5 })}/v1`;
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await collector?.close();
  await replay?.close();
});

/** bundleEntry takes paths relative to test/runtimes/entries/. */
const entry = (name: string) => `../../frameworks/entries/${name}`;
const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
const env = (serviceName: string) => ({
  OTEL_SERVICE_NAME: serviceName,
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  OPENAI_API_KEY: "sk-test-not-a-key",
  OPENAI_BASE_URL: openaiBase,
});

interface Expected {
  url: string;
  path: string;
  /** The SERVER span's name and `http.route`. */
  name: string;
  route: string | undefined;
  /** Resource attributes that tell the platform. */
  resource: Record<string, string>;
  serviceName: string;
}

/** POSTs a chat message to a running example and checks its trace. */
async function chat(o: Expected): Promise<{ server: DecodedSpan; client: DecodedSpan }> {
  const traceId = hex(16);
  const parentId = hex(8);
  const message = `hello ${traceId.slice(0, 6)}`;
  const response = await fetch(`${o.url}${o.path}`, {
    method: "POST",
    headers: { traceparent: `00-${traceId}-${parentId}-01`, "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  expect(response.status).toBe(200);
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(fixtureBytes(FIXTURE));

  const spans = (
    await collector.waitForSpans((all) => all.filter((s) => s.traceId === traceId && (s.kind === 2 || s.kind === 3)).length >= 2, 8000)
  ).filter((s) => s.traceId === traceId);
  expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([`2 ${o.name}`, "3 chat gpt-4o-mini"]);
  const server = spans.find((s) => s.kind === 2)!;
  const client = spans.find((s) => s.kind === 3)!;
  const facts = fixtureFacts();
  expect(server.parentSpanId).toBe(parentId);
  expect(server.attributes).toMatchObject({ "http.request.method": "POST", "url.path": o.path, "http.response.status_code": 200 });
  expect(server.attributes["http.route"]).toBe(o.route);
  expect(client.parentSpanId).toBe(server.spanId);
  expect(client.attributes).toMatchObject({
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": facts.responseModel,
    "gen_ai.usage.input_tokens": facts.inputTokens,
    "gen_ai.usage.output_tokens": facts.outputTokens,
  });
  expect(server.resource).toMatchObject({ "service.name": o.serviceName, ...o.resource });

  const sent = replay.requests.filter((r) => r.headers.traceparent?.includes(traceId));
  expect(sent.map((r) => [r.subPath, r.headers.authorization, r.headers.traceparent])).toEqual([
    ["/v1/chat/completions", "Bearer sk-test-not-a-key", `00-${traceId}-${client.spanId}-01`],
  ]);
  expect((sent[0].json as { messages: unknown }).messages).toEqual([{ role: "user", content: message }]);
  return { server, client };
}

describe("examples/", () => {
  it("hono-workers: `instrument(app)` with `app.use(otelRoute())` in workerd, without AsyncLocalStorage", async () => {
    const worker = await startWorker({
      entry: "examples/hono-workers/src/index.ts",
      env: env("hono-chat"),
      // Before 2026-09-01 and without nodejs_compat, workerd has no AsyncLocalStorage: the
      // middleware reaches the SERVER span through the bound request alone.
      compatibilityDate: "2026-07-01",
    });
    closers.push(() => worker.close());
    for (const id of ["a1", "b2"]) {
      await chat({ url: worker.url, path: `/chat/${id}`, name: "POST /chat/:id", route: "/chat/:id", resource: { "cloud.provider": "cloudflare" }, serviceName: "hono-chat" });
      // Without AsyncLocalStorage a call after an await is traced only while its request is the
      // only one in the isolate, in flight or still exporting: let the last export finish first.
      await new Promise((r) => setTimeout(r, 300));
    }
    await worker.waitForLog(/AsyncLocalStorage is not available/);
  });

  it("nextjs-edge: an App Router edge route, `withTracing(POST, { routeFor })`, in Vercel's edge runtime", async () => {
    const bundle = await bundleEntry(entry("next-edge.js"), { format: "iife" });
    bundle.remove();
    const runtime = new EdgeRuntime({
      initialCode: bundle.code,
      // What Next.js's edge sandbox adds to the bare VM: process.env and AsyncLocalStorage.
      extend: (context) => Object.assign(context, { AsyncLocalStorage, process: { env: env("next-edge") } }),
    });
    const server = await runServer({ runtime, port: 0, host: "127.0.0.1" });
    closers.push(() => server.close());
    const origin = new URL(server.url).origin;
    expect(await (await fetch(`${origin}/__route`)).json()).toEqual({ runtime: "edge" });
    await chat({ url: origin, path: "/api/chat/42", name: "POST /api/chat/[id]", route: "/api/chat/[id]", resource: { "process.runtime.name": "edge-light" }, serviceName: "next-edge" });
    const stats = await eventually(() => fetch(`${origin}/__stats`).then((r) => r.json()), (s: { settled: number }) => s.settled === 1);
    expect(stats).toEqual({ calls: 1, settled: 1 });
  });

  it.each([
    ["deno", "deno.js", "deno-chat", "--allow-env=OTEL_SERVICE_NAME,OTEL_EXPORTER_OTLP_ENDPOINT,OPENAI_API_KEY,OPENAI_BASE_URL", "/chat/7", "POST /chat/:id", "/chat/:id"],
    ["supabase", "supabase.js", "supabase-chat", "--allow-env", "/chat", "POST", undefined],
  ])("%s: `Deno.serve(withTracing(handler))` under deno run", async (mode, file, serviceName, allowEnv, path, name, route) => {
    const bundle = await bundleEntry(entry(file));
    closers.push(async () => bundle.remove());
    const server = await spawnServer(BIN("deno"), ["run", "--no-prompt", "--allow-net", allowEnv, bundle.file, mode], {
      cwd: bundle.dir,
      env: { DENO_NO_UPDATE_CHECK: "1", ...env(serviceName) },
    });
    closers.push(() => server.close());
    await chat({ url: server.url, path, name, route, resource: { "process.runtime.name": "deno" }, serviceName });
    const stats = await eventually(() => fetch(`${server.url}/__stats`).then((r) => r.json()), (s: { settled: number }) => mode !== "supabase" || s.settled === 1);
    // Supabase's EdgeRuntime.waitUntil carries the export; plain Deno has none to give it.
    expect(stats).toEqual(mode === "supabase" ? { calls: 1, settled: 1 } : { calls: 0, settled: 0 });
    expect(server.output()).not.toMatch(/NotCapable|PermissionDenied|error/i);
  });

  it("type-check against the package's current types (examples/tsconfig.json)", () => {
    let output = "";
    try {
      execFileSync(BIN("tsc"), ["-p", "examples/tsconfig.json"], { cwd: REPO, stdio: "pipe" });
    } catch (error) {
      output = String((error as { stdout?: Buffer }).stdout ?? error);
    }
    expect(output).toBe("");
  });
});
