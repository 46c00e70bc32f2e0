/**
 * Bundle sizes: this package and the alternatives, each bundled the same way (esbuild, minified,
 * the Worker build settings of bench/workerd.ts: conditions workerd/worker/browser, `cloudflare:*`,
 * `node:*` and bare Node built-ins external), raw and gzipped (level 9).
 *
 * Two entries per package: "full" re-exports everything the package exports; "worker" is a
 * Worker that imports only what wrapping a handler needs (what users ship once the bundler has
 * dropped the unused exports).
 */
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { bundlePackage } from "../test/support/bundle.js";
import { buildError, WORKER_BUILD } from "./workerd.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ALT = fileURLToPath(new URL("./alternatives/", import.meta.url));

export interface SizeRow {
  pkg: string;
  entry: "full" | "worker";
  raw?: number;
  gzip?: number;
  /** External imports left in the bundle (node:* etc.). */
  externals?: string[];
  error?: string;
}

interface Case {
  pkg: string;
  dir: string;
  full: string;
  worker: string;
}

export const SIZE_CASES: Case[] = [
  {
    pkg: "otel-genai-edge",
    dir: ROOT,
    full: 'export * from "./src/index.ts";',
    worker: 'import { instrument } from "./src/index.ts"; export default instrument({ fetch: (r) => fetch(r) });',
  },
  {
    pkg: "@microlabs/otel-cf-workers@1.0.0-rc.52",
    dir: ALT,
    full: 'export * from "otel-cf-workers-rc";',
    worker:
      'import { instrument } from "otel-cf-workers-rc"; export default instrument({ fetch: (r) => fetch(r) }, (env) => ({ exporter: { url: env.URL }, service: { name: "x" } }));',
  },
  {
    pkg: "@microlabs/otel-cf-workers@0.9.1",
    dir: ALT,
    full: 'export * from "@microlabs/otel-cf-workers";',
    worker:
      'import { instrument } from "@microlabs/otel-cf-workers"; export default instrument({ fetch: (r) => fetch(r) }, (env) => ({ exporter: { url: env.URL }, service: { name: "x" } }));',
  },
  {
    pkg: "@vercel/otel@2.1.3",
    dir: ALT,
    full: 'export * from "@vercel/otel";',
    worker: 'import { registerOTel } from "@vercel/otel"; registerOTel({ serviceName: "x" }); export default { fetch: (r) => fetch(r) };',
  },
];

async function measure(c: Case, entry: "full" | "worker"): Promise<SizeRow> {
  try {
    const result = await esbuild.build({
      ...WORKER_BUILD,
      stdin: { contents: c[entry], resolveDir: c.dir, loader: "ts", sourcefile: `${entry}.ts` },
      absWorkingDir: c.dir,
      minify: true,
      metafile: true,
    });
    const code = result.outputFiles![0].contents;
    const externals = new Set<string>();
    for (const out of Object.values(result.metafile!.outputs)) for (const imp of out.imports) if (imp.external) externals.add(imp.path);
    return { pkg: c.pkg, entry, raw: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, externals: [...externals].sort() };
  } catch (e) {
    return { pkg: c.pkg, entry, error: buildError(e) };
  }
}

export async function bundleSizes(): Promise<{ rows: SizeRow[]; testHarness: { full: number; worker: number } }> {
  const rows: SizeRow[] = [];
  for (const c of SIZE_CASES) for (const entry of ["full", "worker"] as const) rows.push(await measure(c, entry));
  // Cross-check with the bundle test/bundle.test.ts budgets (neutral platform).
  const full = gzipSync((await bundlePackage(true, "full")).code, { level: 9 }).byteLength;
  const worker = gzipSync((await bundlePackage(true, "worker")).code, { level: 9 }).byteLength;
  return { rows, testHarness: { full, worker } };
}
