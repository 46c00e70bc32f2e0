/**
 * Starts one bench Worker in its own workerd process (through Miniflare) and finds that
 * process's pid, so its CPU time and memory can be read from /proc.
 *
 * A copy of test/support/workerd.ts's approach, bundling the way `wrangler deploy` does:
 * esbuild's default platform (browser, which honours packages' `browser` field maps; the
 * OpenTelemetry SDK packages otel-cf-workers depends on need that), conditions
 * workerd/worker/browser, `cloudflare:*`, `node:*` and bare Node built-ins external (what
 * wrangler does under `nodejs_compat`). Every variant is bundled and run the same way.
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from "miniflare";
import { childPids } from "./proc.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export const WORKER_BUILD: esbuild.BuildOptions = {
  bundle: true,
  write: false,
  format: "esm",
  platform: "browser",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  target: "es2022",
  external: ["cloudflare:*", "node:*", ...builtinModules],
  logLevel: "silent",
};

/** The bundled Worker module and its source map (paths relative to the repo root). */
export async function bundle(entry: string, minify = false): Promise<{ code: string; map: string }> {
  const result = await esbuild.build({
    ...WORKER_BUILD,
    entryPoints: [`${ROOT}${entry}`],
    absWorkingDir: ROOT,
    outfile: `${ROOT}worker.js`,
    sourcemap: "external",
    minify,
  });
  const files = result.outputFiles!;
  return {
    code: files.find((f) => f.path.endsWith(".js"))!.text,
    map: files.find((f) => f.path.endsWith(".map"))!.text,
  };
}

export function buildError(e: unknown): string {
  const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
  if (!errors?.length) return (e as Error).message;
  const lines = errors.slice(0, 4).map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text));
  return `${lines.join("; ")}${errors.length > 4 ? ` (+${errors.length - 4} more)` : ""}`;
}

export interface BenchWorker {
  name: string;
  url: string;
  pid: number;
  logs: string[];
  /** The bundled module workerd runs, and its source map. */
  code: string;
  map: string;
  mf: Miniflare;
  close(): Promise<void>;
}

let starting = Promise.resolve();

export async function startBenchWorker(
  name: string,
  entry: string,
  env: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<BenchWorker> {
  let built: { code: string; map: string };
  try {
    built = await bundle(entry);
  } catch (e) {
    throw new Error(`${entry} does not bundle: ${buildError(e)}`);
  }
  const { code, map } = built;
  const logs: string[] = [];
  // Start one at a time so the new workerd child can be told apart from the others.
  const previous = starting;
  let done!: () => void;
  starting = new Promise((r) => (done = r));
  await previous;
  try {
    const before = new Set(childPids(process.pid, "workerd"));
    const v4 = {
      host: "127.0.0.1",
      port: 0,
      modules: [{ type: "ESModule", path: "worker.js", contents: code }],
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: env,
      handleStructuredLogs: (log: { message: string }) => {
        if (logs.length < 200) logs.push(log.message);
      },
      ...extra,
    } as unknown as V4MiniflareOptions;
    const mf = new Miniflare(convertV4MiniflareOptions(v4));
    let url: URL;
    try {
      url = await mf.ready;
    } catch (e) {
      await mf.dispose().catch(() => {});
      throw new Error(`workerd failed to start ${name}: ${(e as Error).message}\n${logs.join("\n")}`);
    }
    const pids = childPids(process.pid, "workerd").filter((p) => !before.has(p));
    if (pids.length !== 1) {
      await mf.dispose();
      throw new Error(`${name}: expected one new workerd child process, found ${pids.length}`);
    }
    return { name, url: url.href.replace(/\/$/, ""), pid: pids[0], logs, code, map, mf, close: () => mf.dispose() };
  } finally {
    done();
  }
}
