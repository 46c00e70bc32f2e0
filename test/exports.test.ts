/**
 * The published entry: `dist/` built from src with its types, and the package's `exports` map
 * resolved by bundlers the way each edge platform asks for it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: root });
  dir = mkdtempSync(join(tmpdir(), "otel-genai-edge-exports-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules/otel-genai-edge"));
  // The package's own dependencies resolve from the repository's node_modules.
  for (const dep of ["@opentelemetry"]) symlinkSync(join(root, "node_modules", dep), join(dir, "node_modules", dep));
}, 60000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLATFORMS: [string, esbuild.BuildOptions][] = [
  ["workerd (wrangler)", { platform: "neutral", conditions: ["workerd", "worker", "browser"], mainFields: ["browser", "module", "main"] }],
  ["edge-light (Vercel)", { platform: "neutral", conditions: ["edge-light", "worker", "browser"], mainFields: ["browser", "module", "main"] }],
  ["deno", { platform: "neutral", conditions: ["deno"], mainFields: ["module", "main"] }],
  ["browser", { platform: "browser" }],
];

/** The files a bundler takes in for `contents`, resolving the package as a consumer would. */
async function bundledInputs(contents: string, options: esbuild.BuildOptions): Promise<string[]> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: dir },
    bundle: true,
    write: false,
    format: "esm",
    metafile: true,
    logLevel: "silent",
    preserveSymlinks: true,
    ...options,
  });
  return Object.keys(result.metafile?.inputs ?? {});
}

describe("package exports", () => {
  it("ships JavaScript and type declarations for the entry", () => {
    expect(existsSync(join(root, "dist/index.js"))).toBe(true);
    expect(existsSync(join(root, "dist/index.d.ts"))).toBe(true);
  });

  it.each(PLATFORMS)("resolves `otel-genai-edge` for %s to dist/index.js", async (_name, options) => {
    const inputs = await bundledInputs('export { instrument, fetchFor } from "otel-genai-edge";', options);
    expect(inputs.some((p) => p.endsWith("otel-genai-edge/dist/index.js"))).toBe(true);
    expect(inputs.some((p) => p.includes("/src/"))).toBe(false);
  });

  it("the package name resolves every public function of the issues' contracts, with their types", async () => {
    const names = ["instrument", "fetchFor", "withTracing", "flush", "invokeAgent", "executeTool", "recordEvaluation", "instrumentAI", "traceBindings", "telemetryStats"];
    const inputs = await bundledInputs(`export { ${names.join(", ")} } from "otel-genai-edge";`, PLATFORMS[0][1]);
    expect(inputs.some((p) => p.endsWith("otel-genai-edge/dist/index.js"))).toBe(true);
    const types = readFileSync(join(root, "dist/index.d.ts"), "utf8");
    for (const name of [...names, "RedactContentHook", "ContentInfo", "CaptureMode", "Content"]) expect(types, name).toContain(name);
  });

  it("ships JavaScript and type declarations for `otel-genai-edge/hono`, with no reference to Hono", () => {
    expect(existsSync(join(root, "dist/hono.js"))).toBe(true);
    const types = readFileSync(join(root, "dist/hono.d.ts"), "utf8");
    expect(types).toContain("export declare function otelRoute(): OtelRouteMiddleware;");
    expect(`${types}${readFileSync(join(root, "dist/hono.js"), "utf8")}`).not.toMatch(/from ["']hono/);
  });

  it.each(PLATFORMS)("resolves `otel-genai-edge/hono` for %s to dist/hono.js, sharing the entry's modules", async (_name, options) => {
    const inputs = await bundledInputs('export { withTracing } from "otel-genai-edge"; export { otelRoute } from "otel-genai-edge/hono";', options);
    expect(inputs.some((p) => p.endsWith("otel-genai-edge/dist/hono.js"))).toBe(true);
    // One dist/bind.js for both entries: the middleware must see the bindings the wrapper makes.
    expect(inputs.filter((p) => p.endsWith("/bind.js"))).toEqual([expect.stringMatching(/otel-genai-edge\/dist\/bind\.js$/)]);
    expect(inputs.some((p) => p.includes("/src/") || p.includes("node_modules/hono"))).toBe(false);
  });
});
