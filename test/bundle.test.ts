/**
 * The package must bundle for a neutral platform (workerd, edge-light, Deno, browsers) with no
 * Node built-in anywhere in its graph, including its three OpenTelemetry dependencies.
 */
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";
import { bundlePackage } from "./support/bundle.js";

describe("neutral bundle", () => {
  it("has no node: import or Node built-in anywhere in its graph", async () => {
    const { code, imported } = await bundlePackage();
    expect(imported).toEqual([]);
    expect(code).not.toMatch(/\bfrom\s*["']node:/);
    expect(code).not.toMatch(/\brequire\(\s*["']node:/);
    expect(code).not.toMatch(/\bimport\(\s*["']node:/);
  });

  it("fails when a node: import is added (the check can fail)", async () => {
    const plugin = await esbuild.build({
      stdin: { contents: 'import { AsyncLocalStorage } from "node:async_hooks"; export { AsyncLocalStorage };', loader: "ts" },
      bundle: true,
      write: false,
      platform: "neutral",
      logLevel: "silent",
    }).then(() => "built", (e: Error) => e.message);
    expect(plugin).toMatch(/node:async_hooks/);
  });

  it("a Worker using instrument() stays inside the gzipped size budget", async () => {
    const { code } = await bundlePackage(true, "worker");
    const gzipped = gzipSync(code, { level: 9 }).byteLength;
    // Budget: 20 KB gzipped (issue: benchmarks). Raise it only with a reason in bench/RESULTS.md.
    expect(gzipped).toBeLessThanOrEqual(20 * 1024);
  });
});
