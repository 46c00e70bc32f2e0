/**
 * The one end-to-end scenario every runtime must pass, and the plumbing to start a runtime:
 * bundle an entry from test/runtimes/entries/, spawn it, wait for its port.
 *
 * The scenario: a request (with an incoming traceparent) to a handler wrapped by `withTracing`
 * that streams an OpenAI-format chat completion through plain fetch from the replay server
 * (serving test/fixtures/openai/chat-stream-include-usage.sse) back to the caller. Checked on
 * what the real OTLP receiver decoded: one SERVER span, one GenAI CLIENT span
 * `chat gpt-4o-mini` with the fixture's token usage, the body byte for byte, and the
 * traceparent the upstream received.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { expect } from "vitest";
import type { Collector, DecodedSpan } from "../support/collector.js";
import { fixtureBytes, fixtureText, type Replay } from "../support/replay.js";
import { MODEL } from "./app.js";

export const FIXTURE = "openai/chat-stream-include-usage.sse";
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = (name: string): string => join(REPO, "node_modules", ".bin", name);

const SERVER = 2;
const CLIENT = 3;

/** Token usage and response model as the fixture reports them (its `usage` chunk). */
export function fixtureFacts(): { inputTokens: number; outputTokens: number; responseModel: string } {
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  let responseModel = "";
  for (const line of fixtureText(FIXTURE).split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as { model?: string; usage?: typeof usage };
    if (chunk.model) responseModel = chunk.model;
    if (chunk.usage) usage = chunk.usage;
  }
  if (!usage) throw new Error(`${FIXTURE} has no usage chunk`);
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, responseModel };
}

export interface Bundle {
  code: string;
  /** Written to a fresh temporary directory. */
  file: string;
  dir: string;
  remove(): void;
}

/** Bundles an entry under test/runtimes/entries/ into one self-contained file. */
export async function bundleEntry(
  entry: string,
  opts: { platform?: "neutral" | "node"; format?: "esm" | "iife"; extension?: string } = {},
): Promise<Bundle> {
  const { platform = "neutral", format = "esm", extension = ".js" } = opts;
  const result = await esbuild.build({
    entryPoints: [join(REPO, "test/runtimes/entries", entry)],
    absWorkingDir: REPO,
    bundle: true,
    write: false,
    format,
    platform,
    target: "es2022",
    conditions: platform === "neutral" ? ["worker", "browser"] : [],
    mainFields: platform === "neutral" ? ["browser", "module", "main"] : undefined,
    external: ["node:*"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  const dir = mkdtempSync(join(tmpdir(), "otel-genai-edge-runtime-"));
  const file = join(dir, `bundle${extension}`);
  writeFileSync(file, code);
  return { code, file, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SpawnedServer {
  url: string;
  /** stdout and stderr so far. */
  output(): string;
  close(): Promise<void>;
}

/**
 * Spawns a server process that prints `listening <port>` once it accepts connections.
 * Only the variables given in `env` (plus PATH and HOME) reach it.
 */
export function spawnServer(command: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<SpawnedServer> {
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => {
    exited = true;
  });
  const close = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exitedPromise;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`${command} ${args.join(" ")} did not start within ${opts.timeoutMs ?? 8000} ms:\n${output}`));
    }, opts.timeoutMs ?? 8000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${match[1]}`, output: () => output, close });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

export interface ScenarioOptions {
  /** Server origin, e.g. http://127.0.0.1:1234 */
  url: string;
  path?: string;
  collector: Collector;
  replay: Replay;
  /** Expected `process.runtime.name`. */
  runtime: string;
  /** Expected `service.name`. */
  serviceName: string;
  /** How to send the request (default: this process's fetch). */
  send?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface ScenarioResult {
  server: DecodedSpan;
  client: DecodedSpan;
  traceId: string;
}

/** Runs the scenario once against a started runtime and checks everything it must. */
export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const traceId = hex(16);
  const parentId = hex(8);
  const upstream = o.replay.baseFor(FIXTURE, { gapMs: 5 });
  const send = o.send ?? ((url, init) => fetch(url, init));

  const response = await send(`${o.url}${o.path ?? "/chat"}`, {
    headers: { traceparent: `00-${traceId}-${parentId}-01`, "x-upstream": upstream },
  });
  expect(response.status).toBe(200);
  const body = new Uint8Array(await response.arrayBuffer());
  expect(body).toEqual(fixtureBytes(FIXTURE));

  const inTrace = (spans: DecodedSpan[]) => spans.filter((s) => s.traceId === traceId);
  const spans = inTrace(
    await o.collector.waitForSpans((all) => {
      const mine = inTrace(all);
      return mine.some((s) => s.kind === SERVER) && mine.some((s) => s.kind === CLIENT);
    }, 8000),
  );
  expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([`2 GET`, `3 chat ${MODEL}`]);
  const server = spans.find((s) => s.kind === SERVER)!;
  const client = spans.find((s) => s.kind === CLIENT)!;
  const facts = fixtureFacts();

  expect(server.parentSpanId).toBe(parentId);
  expect(server.attributes).toMatchObject({
    "http.request.method": "GET",
    "url.path": o.path ?? "/chat",
    "http.response.status_code": 200,
    "faas.trigger": "http",
  });
  expect(client.parentSpanId).toBe(server.spanId);
  expect(client.attributes).toMatchObject({
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": MODEL,
    "gen_ai.response.model": facts.responseModel,
    "gen_ai.usage.input_tokens": facts.inputTokens,
    "gen_ai.usage.output_tokens": facts.outputTokens,
  });
  // The server span covers the whole stream, which outlasts the upstream call.
  expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(client.endTimeUnixNano);
  for (const span of spans) expect(JSON.stringify(span.attributes)).not.toContain("sk-test");

  expect(server.resource).toMatchObject({
    "service.name": o.serviceName,
    "process.runtime.name": o.runtime,
    "telemetry.sdk.name": "otel-genai-edge",
  });
  expect(server.resource["cloud.provider"]).toBeUndefined();

  const sent = o.replay.requests.filter((r) => r.headers.traceparent?.includes(traceId));
  expect(sent).toHaveLength(1);
  expect(sent[0].subPath).toBe("/v1/chat/completions");
  expect(sent[0].headers.traceparent).toBe(`00-${traceId}-${client.spanId}-01`);
  return { server, client, traceId };
}

/** Polls `read` until `done(value)` holds (for state a runtime reports after the export). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
