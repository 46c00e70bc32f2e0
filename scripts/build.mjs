// Builds dist/ (ESM JavaScript + .d.ts) from src/ with the TypeScript compiler.
//
// Run by two npm scripts (see README "Notes" for why these two):
//   prepack     npm pack and npm publish: the tarball always carries a fresh dist/.
//   preprepare  npm install in this repository, and the `npm install` npm runs inside its clone
//               of a git dependency before packing it: that is how a git install gets dist/
//               without the package declaring a `prepare` (an install script to npm).
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fail = (message) => {
  console.error(`[build] ${message}`);
  process.exit(1);
};

let tsc;
try {
  // The compiler is resolved, not run through npx: a missing typescript must not make npx fetch an unrelated `tsc` package.
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  fail("typescript (a dev dependency) is not installed: run `npm install` first.");
}

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (result.error) fail(`could not run tsc: ${result.error.message}`);
if (result.status !== 0) fail(`tsc -p tsconfig.build.json failed (${result.status ?? result.signal}); see its output above.`);
if (!existsSync(new URL("../dist/index.js", import.meta.url))) fail("tsc succeeded but dist/index.js is missing.");
