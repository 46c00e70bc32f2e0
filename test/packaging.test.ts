/**
 * The package as a consumer gets it. A copy of this working tree is packed with `npm pack`
 * (prepack builds dist/) and the tarball installed into a scratch project, its dependencies coming
 * from the npm cache: it must carry dist/ and run or announce no install script. Then it runs for
 * real: a Node 22 server using `withTracing` and a Worker in workerd using `instrument`, each
 * importing "otel-genai-edge" by name (Node's resolution; esbuild with the `workerd` condition),
 * each making a streaming LLM call to the replay server and exporting to a real OTLP receiver.
 *
 * With OTEL_GENAI_EDGE_TEST_GIT_INSTALL=1 the same copy, committed, is also installed as a git
 * dependency (`git+file://`): npm runs `npm install` in its own clone, all dev dependencies
 * included (close to 1 GB written, 45-90 s on this machine, hence opt-in), and that builds dist/.
 *
 * Skipped only when there is no npm to run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, FIXTURE, fixtureFacts, runScenario, type SpawnedServer, spawnServer } from "./runtimes/scenario.js";
import { type Collector, type DecodedSpan, startCollector } from "./support/collector.js";
import { fixtureBytes, type Replay, startReplay } from "./support/replay.js";
import { type StartedWorker, startWorker } from "./support/workerd.js";
import { gitCloneLeftovers, listFiles, mustRun, npmVersion, REPO, type Ran, run, snapshotWorkingTree } from "./packaging/npm.js";

const NPM = npmVersion();
if (!NPM) console.warn("test/packaging.test.ts: skipped, `npm --version` does not run here (npm is needed to pack and install)");
const GIT_INSTALL = process.env.OTEL_GENAI_EDGE_TEST_GIT_INSTALL === "1";

const INSTALL = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--foreground-scripts"];
const CONSUMER_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];
const FIXTURES = ["chat.mjs", "node-server.mjs", "worker.mjs"];
const SERVER = 2;
const CLIENT = 3;

let work: string;
let source: string;
let app: string;
let packed: { filename: string; files: { path: string }[] };
let tarballInstall: Ran;
let gitInstall: Promise<Ran> | undefined;
let cleanGitClones: (() => void) | undefined;
let collector: Collector;
let replay: Replay;
let server: SpawnedServer | undefined;
let worker: StartedWorker | undefined;

/** A scratch project depending on `spec`, with the consumer's entries beside it. */
function scratchProject(name: string, spec: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  const manifest = { name: `scratch-${name}`, version: "1.0.0", private: true, type: "module", dependencies: { "otel-genai-edge": spec } };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of FIXTURES) writeFileSync(join(dir, file), readFileSync(join(REPO, "test/packaging", file)));
  return dir;
}

const installed = (project: string, file = "") => join(project, "node_modules/otel-genai-edge", file);
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));

beforeAll(async () => {
  if (!NPM) return;
  work = mkdtempSync(join(tmpdir(), "otel-genai-edge-packaging-"));
  source = join(work, "source");
  snapshotWorkingTree(source);
  if (GIT_INSTALL) {
    // npm's own work for a git dependency takes the longest: it runs beside everything else.
    cleanGitClones = gitCloneLeftovers();
    gitInstall = run("npm", INSTALL, scratchProject("git-app", `git+file://${source}`), 170_000);
    gitInstall.catch(() => {});
  }

  // Packing builds with the repository's dev dependencies; the link is not part of the commit above.
  symlinkSync(join(REPO, "node_modules"), join(source, "node_modules"));
  const pack = await mustRun("npm", ["pack", "--json", "--pack-destination", work], source);
  [packed] = JSON.parse(pack.stdout);
  app = scratchProject("app", `file:${join(work, packed.filename)}`);
  [tarballInstall, collector, replay] = await Promise.all([run("npm", INSTALL, app), startCollector(), startReplay()]);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await worker?.close();
  await collector?.close();
  await replay?.close();
  await gitInstall?.catch(() => {});
  cleanGitClones?.();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!NPM)(`the packed package (npm ${NPM})`, () => {
  it("npm pack ships dist/ built from every src module, with its declarations, and only the files listed", () => {
    const paths = packed.files.map((f) => f.path);
    const modules = listFiles(join(source, "src")).filter((f) => f.endsWith(".ts"));
    expect(modules.length).toBeGreaterThan(10);
    for (const module of modules) {
      expect(paths).toContain(`dist/${module.replace(/\.ts$/, ".js")}`);
      expect(paths).toContain(`dist/${module.replace(/\.ts$/, ".d.ts")}`);
    }
    const { files } = readJson(join(source, "package.json")) as { files: string[] };
    expect([...new Set(paths.map((p) => p.split("/")[0]))].sort()).toEqual([...files, "README.md", "package.json"].sort());
  });

  it("installs from the tarball with no install script run or announced", () => {
    expect(tarballInstall.code, tarballInstall.output).toBe(0);
    // --foreground-scripts prints `> name@version event` for every script run; npm names unapproved install scripts.
    expect(tarballInstall.output).not.toMatch(/^> /m);
    expect(tarballInstall.output).not.toMatch(/script/i);
    const manifest = readJson(installed(app, "package.json")) as { scripts: Record<string, string>; sideEffects: string[] };
    expect(Object.keys(manifest.scripts).filter((s) => CONSUMER_SCRIPTS.includes(s))).toEqual([]);
    expect(existsSync(installed(app, "binding.gyp"))).toBe(false); // npm would run node-gyp for it
    expect(readJson(join(app, "package-lock.json")).packages["node_modules/otel-genai-edge"].hasInstallScript).toBeUndefined();
    // Builds happen only where npm runs these: packing, and `npm install` in a git clone (see README "Notes").
    expect(manifest.scripts).toMatchObject({ prepack: "node scripts/build.mjs", preprepare: "node scripts/build.mjs" });
    // The modules declared as having import-time side effects are real files of the package.
    expect(manifest.sideEffects.length).toBeGreaterThan(0);
    for (const file of manifest.sideEffects) expect(existsSync(installed(app, file)), file).toBe(true);
    expect(existsSync(installed(app, "dist/index.js"))).toBe(true);
  });

  it("bundlers keep the module-scope fetch patch and still shake off modules not imported (sideEffects)", async () => {
    const bundle = async (contents: string) => {
      const result = await esbuild.build({
        stdin: { contents, resolveDir: app },
        bundle: true,
        write: false,
        format: "esm",
        platform: "neutral",
        conditions: ["workerd", "worker", "browser"],
        mainFields: ["browser", "module", "main"],
        logLevel: "silent",
      });
      return result.outputFiles[0].text;
    };
    const edge = await bundle('export { withTracing } from "otel-genai-edge";');
    expect(edge).toMatch(/^installGlobalFetch\(\);$/m); // the import-time call in dist/fetch/instrument.js
    expect(edge).not.toContain("webSocketMessage"); // dist/runtime/entrypoints.js: not imported, not shipped
    const classes = await bundle('export { instrumentEntrypoint } from "otel-genai-edge";');
    expect(classes).toContain("webSocketMessage");
  });

  it("runs under Node 22 by package name: withTracing traces the LLM call and exports it", async () => {
    server = await spawnServer(BIN("node"), [join(app, "node-server.mjs"), "0"], {
      cwd: app,
      env: { OTEL_SERVICE_NAME: "packaged-node", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    const { server: span } = await runScenario({ url: server.url, collector, replay, runtime: "nodejs", serviceName: "packaged-node" });
    expect(span.resource["process.runtime.version"]).toMatch(/^22\./);
  });

  it("runs in workerd, bundled through the exports map from the scratch project: instrument traces the LLM call", async () => {
    worker = await startWorker({
      entry: join(app, "worker.mjs"),
      env: { OTEL_SERVICE_NAME: "packaged-worker", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    // The bundle's path comments name the installed package's dist/, never a source tree.
    const scratch = relative(REPO, app);
    expect(worker.bundle).toContain(`${scratch}/node_modules/otel-genai-edge/dist/fetch/instrument.js`);
    expect(worker.bundle).toContain(`${scratch}/node_modules/@opentelemetry/`);
    expect(worker.bundle).not.toMatch(/otel-genai-edge\/src\/|\/main\/src\//);

    const traceId = "5ad0c0ffee5ad0c0ffee5ad0c0ffee01";
    const response = await worker.fetch("/chat", {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-upstream": replay.baseFor(FIXTURE, { gapMs: 5 }) },
    });
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(fixtureBytes(FIXTURE));

    const mine = (spans: DecodedSpan[]) => spans.filter((s) => s.traceId === traceId);
    const spans = mine(await collector.waitForSpans((all) => mine(all).length >= 2, 8000));
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(["2 GET", "3 chat gpt-4o-mini"]);
    const root = spans.find((s) => s.kind === SERVER)!;
    const call = spans.find((s) => s.kind === CLIENT)!;
    const facts = fixtureFacts();
    expect(root.parentSpanId).toBe("00f067aa0ba902b7");
    expect(call.parentSpanId).toBe(root.spanId);
    expect(call.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": facts.responseModel,
      "gen_ai.usage.input_tokens": facts.inputTokens,
      "gen_ai.usage.output_tokens": facts.outputTokens,
    });
    expect(root.resource).toMatchObject({
      "service.name": "packaged-worker",
      "cloud.provider": "cloudflare",
      "telemetry.sdk.name": "otel-genai-edge",
    });
    const sent = replay.requests.filter((r) => r.headers.traceparent?.includes(traceId));
    expect(sent.map((r) => r.headers.traceparent)).toEqual([`00-${traceId}-${call.spanId}-01`]);
  });

  it.skipIf(!GIT_INSTALL)("installs from git: npm builds dist/ in its clone, the same files as the tarball's, no install script announced (OTEL_GENAI_EDGE_TEST_GIT_INSTALL=1)", async () => {
    const ran = await gitInstall!;
    const gitApp = join(work, "git-app");
    expect(ran.code, ran.output).toBe(0);
    expect(ran.output).not.toMatch(/^> /m);
    expect(ran.output).not.toMatch(/script/i);
    const lock = readJson(join(gitApp, "package-lock.json")).packages["node_modules/otel-genai-edge"];
    expect(lock.resolved).toMatch(new RegExp(`^git\\+file://${source}#[0-9a-f]{40}$`));
    expect(lock.hasInstallScript).toBeUndefined();
    const dist = listFiles(installed(gitApp, "dist"));
    expect(dist).toEqual(listFiles(installed(app, "dist")));
    for (const file of dist) expect(readFileSync(installed(gitApp, `dist/${file}`)), file).toEqual(readFileSync(installed(app, `dist/${file}`)));
  }, 180_000);
});
