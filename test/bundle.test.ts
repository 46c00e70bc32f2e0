/**
 * The package must bundle for a neutral platform (workerd, edge-light, Deno, browsers) with no
 * Node built-in anywhere in its graph, including its three OpenTelemetry dependencies.
 */
import { gzipSync } from "node:zlib";
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

  it("the same check reports a node: import when one is added", async () => {
    const { imported } = await bundlePackage(false, {
      contents: 'import { instrument } from "./src/index.ts"; import { AsyncLocalStorage } from "node:async_hooks"; export { instrument, AsyncLocalStorage };',
    });
    expect(imported).toEqual(["node:async_hooks (from <stdin>)"]);
  });

  it("a Worker using instrument() stays inside the gzipped size budget", async () => {
    const { code } = await bundlePackage(true, "worker");
    const gzipped = gzipSync(code, { level: 9 }).byteLength;
    // Committed budget: 27 KiB gzipped, raised from 21 KiB by issue 10's correctness work (config
    // validation and diag, URL and text scrubbing, the transparency rules); bench/RESULTS.md says
    // what each part costs. The target (issue 13) is 20 KiB. Raise it only with a reason recorded there.
    expect(gzipped).toBeLessThanOrEqual(27 * 1024);
  });
});
