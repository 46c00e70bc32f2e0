/**
 * Bundle sizes: this package and the alternatives, each bundled the same way (esbuild, minified,
 * the Worker build settings of bench/workerd.ts: conditions workerd/worker/browser, `cloudflare:*`,
 * `node:*` and bare Node built-ins external), raw and gzipped (level 9).
 *
 * Two entries per package: "full" re-exports everything the package exports; "worker" is a
 * Worker that imports only what wrapping a handler needs and whose handler makes one OpenAI
 * chat completion fetch (issue 13's "`instrument` plus one OpenAI fetch"; the same handler for
 * every package), what users ship once the bundler has dropped the unused exports.
 */
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { bundlePackage } from "../test/support/bundle.js";
import { say, section, TARGET, verdicts } from "./report.js";
import { fmt, table } from "./stats.js";
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

/** The handler of every "worker" entry: one OpenAI chat completion, its answer returned. */
const OPENAI_HANDLER =
  '{ async fetch(request) { const response = await fetch("https://api.openai.com/v1/chat/completions", { method: "POST", ' +
  'headers: { authorization: "Bearer sk-x", "content-type": "application/json" }, ' +
  'body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: await request.text() }] }) }); ' +
  "return new Response(response.body, response); } }";

export const SIZE_CASES: Case[] = [
  {
    pkg: "otel-genai-edge",
    dir: ROOT,
    full: 'export * from "./src/index.ts";',
    worker: `import { instrument } from "./src/index.ts"; export default instrument(${OPENAI_HANDLER});`,
  },
  {
    pkg: "@microlabs/otel-cf-workers@1.0.0-rc.52",
    dir: ALT,
    full: 'export * from "otel-cf-workers-rc";',
    worker:
      `import { instrument } from "otel-cf-workers-rc"; export default instrument(${OPENAI_HANDLER}, (env) => ({ exporter: { url: env.URL }, service: { name: "x" } }));`,
  },
  {
    pkg: "@microlabs/otel-cf-workers@0.9.1",
    dir: ALT,
    full: 'export * from "@microlabs/otel-cf-workers";',
    worker:
      `import { instrument } from "@microlabs/otel-cf-workers"; export default instrument(${OPENAI_HANDLER}, (env) => ({ exporter: { url: env.URL }, service: { name: "x" } }));`,
  },
  {
    pkg: "@vercel/otel@2.1.3",
    dir: ALT,
    full: 'export * from "@vercel/otel";',
    worker: `import { registerOTel } from "@vercel/otel"; registerOTel({ serviceName: "x" }); export default ${OPENAI_HANDLER};`,
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

const kb = (n?: number) => (n === undefined ? "n/a" : `${(n / 1024).toFixed(1)} KiB`);

export async function sizeSection(): Promise<void> {
  section("Bundle size (esbuild, minified, conditions workerd/worker/browser, cloudflare:* node:* external; gzip -9)");
  const { rows, testHarness } = await bundleSizes();
  say(
    table(
      ["package", "entry", "raw", "gzipped", "left external"],
      rows.map((r) => [r.pkg, r.entry, r.error ? `build failed: ${r.error}` : kb(r.raw), kb(r.gzip), (r.externals ?? []).join(" ") || "-"]),
    ),
  );
  say("");
  say('"worker" = `instrument` (or the package\'s equivalent) around a handler making one OpenAI chat completion fetch; "full" = every export kept.');
  say(`test/bundle.test.ts's own bundle (neutral platform): full ${kb(testHarness.full)}, worker ${kb(testHarness.worker)} gzipped.`);
  const find = (pkg: string, entry: SizeRow["entry"]) => rows.find((r) => r.pkg.includes(pkg) && r.entry === entry);
  const budgets = [
    { entry: "worker" as const, what: "`instrument` plus one OpenAI fetch", max: TARGET.workerGzipBytes },
    { entry: "full" as const, what: "every export kept", max: TARGET.fullGzipBytes },
  ];
  for (const { entry, what, max } of budgets) {
    const gz = find("otel-genai-edge", entry)?.gzip ?? Number.NaN;
    verdicts.push({
      target: `bundle gzipped, ${what} (${entry}) ≤ ${max} B`,
      measured: `${gz} B (${kb(gz)})`,
      ok: gz <= max,
      note: gz <= max ? `${max - gz} B of headroom` : `over by ${gz - max} B`,
    });
  }
  // The alternatives are context, not targets.
  const ours = find("otel-genai-edge", "worker")?.gzip ?? Number.NaN;
  for (const alt of ["rc.52", "0.9.1", "@vercel/otel"]) {
    const r = find(alt, "worker");
    if (!r?.gzip) continue;
    verdicts.push({
      target: `worker bundle vs ${r.pkg} (gzipped)`,
      measured: `${fmt(ours / r.gzip, 3)} (${kb(ours)} vs ${kb(r.gzip)})`,
      ok: undefined,
    });
  }
  await sizeBreakdown(SIZE_CASES[0].worker);
}

/** What the package's Worker bundle is made of (minified bytes per input, before gzip). */
async function sizeBreakdown(contents: string): Promise<void> {
  const result = await esbuild.build({
    ...WORKER_BUILD,
    stdin: { contents, resolveDir: ROOT, loader: "ts" },
    absWorkingDir: ROOT,
    minify: true,
    metafile: true,
  });
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const groups = new Map<string, number>();
  let totalBytes = 0;
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    totalBytes += bytesInOutput;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1] : path.startsWith("src/") ? `${path.split("/").slice(0, 2).join("/")}${path.split("/").length > 2 ? "/" : ""}` : path;
    groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
  }
  say("");
  say("otel-genai-edge Worker bundle by origin (minified bytes before gzip):");
  say("");
  say(
    table(
      ["origin", "bytes", "share"],
      [...groups.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 14)
        .map(([k, v]) => [k, v, `${fmt((100 * v) / totalBytes, 1)} %`]),
    ),
  );
}
