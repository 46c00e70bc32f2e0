#!/usr/bin/env node
/**
 * `npm run bench`: bundles the TypeScript bench driver (bench/main.ts, which imports the test
 * harness in test/support) with esbuild for Node and runs it. Not part of `npm test`.
 *
 *   npm run bench                 # the full bench (a few minutes), writes bench/.last-run.json
 *   npm run bench -- --quick      # fewer rounds, for trying changes to the bench itself
 *   npm run bench -- --only=size,ttfb   # sections: size, chunks, exports, stream, memory, ttfb, cpu, plain, profile
 *
 * The alternatives it compares against live in bench/alternatives (own package.json and lock);
 * when bench/alternatives/node_modules is missing it runs `npm ci --prefix bench/alternatives`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`bench: Node >= 22 is required (this is ${process.version}); run it with \`npm run bench\`.`);
  process.exit(1);
}

if (!existsSync(new URL("./alternatives/node_modules/", import.meta.url))) {
  console.error("bench: installing the alternatives (npm ci --prefix bench/alternatives) ...");
  const r = spawnSync("npm", ["ci", "--prefix", "bench/alternatives", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) console.error("bench: npm ci for bench/alternatives failed; the alternatives will be reported as unavailable.");
}

const outDir = new URL("../node_modules/.cache/otel-genai-edge-bench/", import.meta.url);
mkdirSync(outDir, { recursive: true });
const entry = process.env.BENCH_ENTRY ?? "./main.ts";
const outfile = fileURLToPath(new URL(entry.replace(/^.*\//, "").replace(/\.ts$/, ".mjs"), outDir));
await esbuild.build({
  entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  outfile,
  logLevel: "warning",
  plugins: [
    {
      // test/support locates the repo root and the fixtures from `import.meta.url`: keep each
      // bundled file's own URL instead of the bundle's.
      name: "keep-import-meta-url",
      setup(build) {
        build.onLoad({ filter: /\.ts$/ }, (args) => ({
          contents: readFileSync(args.path, "utf8").replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
          loader: "ts",
        }));
      },
    },
  ],
});
const { main } = await import(pathToFileURL(outfile).href);
await main(process.argv.slice(2));
