/**
 * The secrets battery's Node 22 case: undici refuses a URL with credentials with an error whose
 * message quotes the whole URL ("Request cannot be constructed from a URL that includes
 * credentials: https://user:pass@…"), and that message reaches the span status and exception
 * event unless scrubbed. A withTracing handler runs in a real Node 22 process exporting to the real receiver.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, REPO } from "../runtimes/scenario.js";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";

const SERVER = 2;
const CLIENT = 3;
const random = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[b % 62]).join("");
const PASSWORD = random(20);
const KEY = random(24);

/** A script run by Node 22: a withTracing handler whose fetch of a URL with credentials fails in undici. */
const NODE_APP = `
import { flush, withTracing } from "./src/index.ts";
const traced = withTracing(async () => {
  await fetch(process.env.TARGET);
  return new Response("unreachable");
});
try {
  await traced(new Request("http://node.test/go"));
} catch (error) {
  console.log("rethrown", error.name);
}
await flush();
`;

let collector: Collector;

beforeAll(async () => {
  collector = await startCollector();
});

afterAll(async () => {
  await collector?.close();
});

describe("Node 22: undici's error for a URL with credentials", () => {
  let nodeExport = "";
  let nodeSpans: DecodedSpan[] = [];

  it("is recorded as a failed CLIENT span, url.full scrubbed", async () => {
    const built = await esbuild.build({
      stdin: { contents: NODE_APP, resolveDir: REPO, loader: "ts" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "es2022",
      logLevel: "silent",
    });
    const dir = mkdtempSync(join(tmpdir(), "otel-genai-edge-secrets-"));
    try {
      const file = join(dir, "app.mjs");
      writeFileSync(file, built.outputFiles[0].text);
      const target = `https://user:${PASSWORD}@127.0.0.1:9/x?key=${KEY}&alt=sse`;
      const env = { PATH: process.env.PATH ?? "", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "secrets-node", TARGET: target };
      const child = spawn(BIN("node"), [file], { env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d));
      child.stderr.on("data", (d: Buffer) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: "rethrown TypeError" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    nodeSpans = (await collector.waitForSpans((all) => all.some((s) => s.resource["service.name"] === "secrets-node" && s.kind === SERVER), 8000)).filter(
      (s) => s.resource["service.name"] === "secrets-node",
    );
    nodeExport = collector.requests.filter((r) => r.text.includes("secrets-node")).map((r) => r.text).join("\n");
    const fetchSpan = nodeSpans.find((s) => s.kind === CLIENT)!;
    expect(fetchSpan.attributes).toMatchObject({
      "url.full": "https://127.0.0.1:9/x?key=REDACTED&alt=sse",
      "server.address": "127.0.0.1",
      "error.type": "TypeError",
    });
    expect(fetchSpan.status.code).toBe(2);
    expect(fetchSpan.status.message).toMatch(/^Request cannot be constructed from a URL that includes credentials: https:\/\//);
    expect(nodeSpans.find((s) => s.kind === SERVER)!.attributes["error.type"]).toBe("TypeError");
  });

  // Needs failSpan (src/trace/span.ts) to pass the message (status and exception event) and the
  // stacktrace through scrubText: undici's message carries the whole URL.
  it("leaks neither the password nor the key through the error message", () => {
    expect([PASSWORD, KEY].filter((value) => nodeExport.includes(value))).toEqual([]);
  });
});
