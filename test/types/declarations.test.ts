/**
 * The type fixtures against what a consumer gets: the declarations emitted from src by the build's
 * own tsconfig (tsconfig.build.json, as `npm run build` makes dist/, written here to a scratch
 * directory so no other test sees a half-written dist/). `npm run typecheck` checks the fixtures
 * against src; this checks the published surface says the same, under the settings of a real
 * project: a Worker's (workers-types, no DOM) and a web runtime's (DOM, no workers-types), with
 * the declarations themselves checked too (skipLibCheck off).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TYPES = join(REPO, "test/types");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

let scratch: string;

/** tsc's diagnostics, or "" when the project compiles. */
function tsc(...args: string[]): string {
  const ran = spawnSync(process.execPath, [TSC, ...args], { cwd: REPO, encoding: "utf8" });
  if (ran.error) throw ran.error;
  return `${ran.stdout}${ran.stderr}`.trim() || (ran.status === 0 ? "" : `tsc exited with ${ran.status}`);
}

/** Compile fixtures with "otel-genai-edge" mapped to the emitted declarations. */
function compileAgainstDeclarations(name: string, base: string, include: string[], compilerOptions: object = {}): string {
  const config = join(scratch, `${name}.json`);
  const paths = { "otel-genai-edge": [join(scratch, "dts/index.d.ts")] };
  writeFileSync(config, JSON.stringify({ extends: base, compilerOptions: { ...compilerOptions, skipLibCheck: false, paths }, include }));
  return tsc("-p", config);
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".d.ts"))
    .map((file) => join(dir, file));
}

beforeAll(() => {
  // Inside the repository (test-output/ is ignored by git) so node_modules resolves as for dist/.
  mkdirSync(join(REPO, "test-output"), { recursive: true });
  scratch = mkdtempSync(join(REPO, "test-output", "types-"));
  const emitted = tsc("-p", "tsconfig.build.json", "--emitDeclarationOnly", "--outDir", join(scratch, "dts"));
  if (emitted) throw new Error(`emitting the declarations failed:\n${emitted}`);
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the published declarations", () => {
  it("reference neither workers-types nor cloudflare:workers (structural types only)", () => {
    const references = declarationFiles(join(scratch, "dts")).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => /^\s*(import|export)\b.*["'](@cloudflare\/|cloudflare:)|^\s*\/\/\/\s*<reference\b/.test(line))
        .map((line) => `${file}: ${line}`),
    );
    expect(references).toEqual([]);
  });

  it("type the Workers fixtures as src does, in a Worker project (workers-types, ES2023, no DOM)", () => {
    const diagnostics = compileAgainstDeclarations("workers", join(TYPES, "tsconfig.json"), [join(TYPES, "expect.ts"), join(TYPES, "workers")], {
      lib: ["ES2023"],
    });
    expect(diagnostics).toBe("");
  }, 120_000);

  it("type the web-standard fixtures as src does, without workers-types", () => {
    const diagnostics = compileAgainstDeclarations("web", join(TYPES, "web/tsconfig.json"), [join(TYPES, "expect.ts"), join(TYPES, "web")]);
    expect(diagnostics).toBe("");
  }, 120_000);
});

it("the README quickstart fixture is the README's Worker quickstart, verbatim", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Worker quickstart"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const fixture = readFileSync(join(TYPES, "workers/readme-quickstart.ts"), "utf8");
  expect(fixture.replace(/^\/\/ biome-ignore-all [^\n]*\n/, "")).toBe(block); // the lint comment aside
});
