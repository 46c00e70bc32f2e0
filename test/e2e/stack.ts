/**
 * Runs the whole `npm start` stack (scripts/start.mjs: wrangler dev + LLM stand-in + OTLP
 * receiver) on free ports, for the start and browser e2e tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DecodedSpan, decodeTraces } from "../support/collector.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** USD for a call at the example's prices (worker-example/index.ts PRICES, per million tokens). */
const usd = (input: number, output: number, price: { input: number; output: number }) => (input * price.input + output * price.output) / 1e6;
const OPUS = { input: 15, output: 75 };
const GPT35 = { input: 0.5, output: 1.5 };
const MINI = { input: 0.15, output: 0.6 };

/**
 * The figures the stand-in's recordings (test/fixtures) give each call of worker-example/ that
 * succeeds: 6 is cut at its max_tokens by the stand-in, 7 is the SDK's resend after a 429.
 */
export const EXPECTED_CALLS = [
  { provider: "anthropic", requestModel: "claude-haiku-4-5", responseModel: "claude-3-opus-20240229", input: 17, output: 137, reasons: ["end_turn"], stream: false, usd: usd(17, 137, OPUS) },
  { provider: "openai", requestModel: "gpt-4o-mini", responseModel: "gpt-3.5-turbo-0125", input: 15, output: 20, reasons: ["stop"], stream: false, usd: usd(15, 20, GPT35) },
  { provider: "openai", requestModel: "gpt-4o-mini", responseModel: "gpt-4o-mini-2024-07-18", input: 22, output: 4, reasons: ["stop"], stream: true, usd: usd(22, 4, MINI) },
  { provider: "anthropic", requestModel: "claude-haiku-4-5", responseModel: "claude-3-opus-20240229", input: 17, output: 158, reasons: ["end_turn"], stream: true, usd: usd(17, 158, OPUS) },
  { provider: "openai", requestModel: "gpt-4o-mini", responseModel: "gpt-4o-mini-2024-07-18", input: 59, output: 17, reasons: ["tool_calls"], stream: true, usd: usd(59, 17, MINI) },
  { provider: "anthropic", requestModel: "claude-haiku-4-5", responseModel: "claude-3-opus-20240229", input: 17, output: 24, reasons: ["max_tokens"], stream: false, usd: usd(17, 24, OPUS), maxTokens: 24 },
  { provider: "openai", requestModel: "gpt-4o-mini", responseModel: "gpt-3.5-turbo-0125", input: 15, output: 20, reasons: ["stop"], stream: false, usd: usd(15, 20, GPT35), resend: 1 },
] as const;

/** The first attempt of call 7: the stand-in's 429, no usage, no finish reason. */
export const EXPECTED_FAILED = { provider: "openai", requestModel: "gpt-4o-mini", errorType: "rate_limit_exceeded" } as const;

/** Cost by response model over EXPECTED_CALLS, most expensive first. */
export function expectedCostByModel(): [string, number][] {
  const by = new Map<string, number>();
  for (const c of EXPECTED_CALLS) by.set(c.responseModel, (by.get(c.responseModel) ?? 0) + c.usd);
  return [...by].sort((a, b) => b[1] - a[1]);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

export interface JsonlRecord {
  receivedAt: string;
  method: string;
  path: string;
  status: number;
  error?: string;
  body?: unknown;
}

export interface Stack {
  ports: { worker: number; receiver: number; standin: number; inspector: number };
  workerUrl: string;
  receiverUrl: string;
  file: string;
  child: ChildProcess;
  /** Everything start.mjs printed so far (stdout and stderr). */
  output(): string;
  waitForOutput(test: (output: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  records(): JsonlRecord[];
  /** Spans of one trace, decoded (strictly) from the receiver's JSONL file once `predicate` holds. */
  waitForTrace(traceId: string, predicate: (spans: DecodedSpan[]) => boolean, timeoutMs?: number): Promise<DecodedSpan[]>;
  /** Resolves when start.mjs has exited and its output is complete. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGINT by default), then waits for the exit; resolves with the exit code and how long it took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Wait for the ready banner (default true). */
  waitReady?: boolean;
  ports?: Partial<Stack["ports"]>;
  /** Run it as users do, `npm start` (the child is npm), instead of `node scripts/start.mjs`. */
  npm?: boolean;
}

export async function startStack(options: StartOptions = {}): Promise<Stack> {
  const ports = {
    worker: options.ports?.worker ?? (await freePort()),
    receiver: options.ports?.receiver ?? (await freePort()),
    standin: options.ports?.standin ?? (await freePort()),
    inspector: options.ports?.inspector ?? (await freePort()),
  };
  const dir = mkdtempSync(join(tmpdir(), "otel-genai-edge-e2e-"));
  const file = join(dir, "received.jsonl");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // Always the local stand-in and receiver, whatever the developer's shell has.
  for (const k of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME"]) {
    delete env[k];
  }
  Object.assign(env, {
    NO_COLOR: "1",
    OTEL_GENAI_EDGE_WORKER_PORT: String(ports.worker),
    OTEL_GENAI_EDGE_RECEIVER_PORT: String(ports.receiver),
    OTEL_GENAI_EDGE_STANDIN_PORT: String(ports.standin),
    OTEL_GENAI_EDGE_INSPECTOR_PORT: String(ports.inspector),
    OTEL_GENAI_EDGE_RECEIVED_FILE: file,
    OPENAI_MODEL: "gpt-4o-mini",
    ANTHROPIC_MODEL: "claude-haiku-4-5",
    ...options.env,
  });
  const child = options.npm
    ? spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, [join(ROOT, "scripts/start.mjs")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  // "close": the child has exited and every process holding its output (start.mjs under npm) too.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });

  const waitForOutput = (test: (output: string) => boolean, what: string, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (test(out)) {
          done();
          resolve(out);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`start.mjs exited (${child.exitCode ?? child.signalCode}) before ${what}. Output:\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}. Output:\n${out}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const records = (): JsonlRecord[] =>
    existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as JsonlRecord)
      : [];

  const stack: Stack = {
    ports,
    workerUrl: `http://127.0.0.1:${ports.worker}`,
    receiverUrl: `http://127.0.0.1:${ports.receiver}`,
    file,
    child,
    exited,
    output: () => out,
    waitForOutput,
    records,
    async waitForTrace(traceId, predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = records()
          .filter((r) => r.path === "/v1/traces" && r.status === 200)
          .flatMap((r) => decodeTraces(r.body))
          .filter((s) => s.traceId === traceId);
        if (predicate(spans)) return spans;
        if (Date.now() > deadline) {
          throw new Error(`trace ${traceId} not complete after ${timeoutMs} ms: ${spans.map((s) => s.name).join(", ") || "no spans"}. Output:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(signal = "SIGINT") {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const result = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return { ...result, ms: Date.now() - started };
    },
  };
  if (options.waitReady !== false) {
    try {
      await waitForOutput((o) => o.includes(`curl ${stack.workerUrl}/`), "the ready banner", 90_000);
    } catch (error) {
      await stack.stop();
      throw error;
    }
  }
  return stack;
}

/** A W3C traceparent with a fresh random trace id. */
export function newTraceparent(): { traceId: string; spanId: string; header: string } {
  const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}
