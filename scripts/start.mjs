// `npm start`: the example Worker (worker-example/) under `wrangler dev`, with
//   - a local LLM stand-in (dev/llm-standin/) replaying recorded OpenAI and Anthropic responses,
//     unless OPENAI_API_KEY / ANTHROPIC_API_KEY are set (then that provider's real API is called);
//   - a local OTLP/HTTP JSON receiver (dev/receiver/) that prints each trace as a waterfall and
//     serves it as a web page, unless OTEL_EXPORTER_OTLP_ENDPOINT is set (then the Worker exports
//     there, with OTEL_EXPORTER_OTLP_HEADERS if given).
//
// Settings (environment variables):
//   OTEL_GENAI_EDGE_HOST            127.0.0.1   interface everything listens on
//   OTEL_GENAI_EDGE_WORKER_PORT     8787        wrangler dev
//   OTEL_GENAI_EDGE_RECEIVER_PORT   4318        OTLP receiver + waterfall page
//   OTEL_GENAI_EDGE_STANDIN_PORT    8788        LLM stand-in
//   OTEL_GENAI_EDGE_INSPECTOR_PORT  (wrangler's choice)  devtools inspector of wrangler dev
//   OTEL_GENAI_EDGE_RECEIVED_FILE   .otel-genai-edge/received.jsonl  every OTLP request, one JSON per line
//   OTEL_GENAI_EDGE_STANDIN_SPEED   1           stand-in timing multiplier (0 = no delays)
//   OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENAI_MODEL, ANTHROPIC_MODEL, OPENAI_BASE_URL, ANTHROPIC_BASE_URL
//   OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS
//
// Ctrl-C, SIGINT, SIGTERM or SIGHUP stops everything: wrangler and its workerd are killed as a
// group. Sent to npm's pid they reach this script only when `npm start` runs it with `exec` (npm
// forwards SIGINT and SIGTERM to its child; a `sh -c` in between ignores SIGINT and dies of
// SIGTERM, leaving us behind): so we also stop when the process that started us goes away.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startStandin } from "../dev/llm-standin/server.mjs";
import { startReceiver } from "../dev/receiver/server.mjs";

/** Inside the repository: a relative path; elsewhere: the absolute one. */
function displayPath(file) {
  const rel = relative(ROOT, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const env = process.env;
const color = Boolean(process.stdout.isTTY) && !env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const dim = (text) => paint(2, text);
const bold = (text) => paint(1, text);

class StartError extends Error {}

function portSetting(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartError(`${name}=${raw} is not a port number (1-65535).`);
  return port;
}

function portTaken(port, what, setting) {
  return new StartError(
    `Port ${port} (${what}) is already in use on ${host}. Stop whatever is using it (e.g. \`lsof -i :${port}\`), ` +
      `or pick another port: ${setting}=<port> npm start`,
  );
}

async function assertPortFree(port, what, setting) {
  await new Promise((resolveCheck, reject) => {
    const probe = createServer();
    probe.once("error", (error) => reject(error.code === "EADDRINUSE" || error.code === "EACCES" ? portTaken(port, what, setting) : error));
    probe.listen(port, host, () => probe.close(() => resolveCheck()));
  });
}

/** A Node binary recent enough for wrangler (>= 22.12): this one, or the pinned one in node_modules. */
function nodeForWrangler() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return process.execPath;
  for (const candidate of [join(ROOT, "node_modules/node/bin/node"), join(ROOT, "node_modules/.bin/node")]) {
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
    const [maj, min] = version.replace(/^v/, "").split(".").map(Number);
    if (maj > 22 || (maj === 22 && min >= 12)) return candidate;
  }
  throw new StartError(`wrangler needs Node >= 22.12 and this is Node ${process.versions.node}; run \`npm ci\` (it installs a pinned Node 22) and use \`npm start\`.`);
}

const host = env.OTEL_GENAI_EDGE_HOST || "127.0.0.1";
const children = { wrangler: undefined, receiver: undefined, standin: undefined, secretsDir: undefined };
let stopping;

function killWranglerGroup(signal) {
  const child = children.wrangler;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // wrangler was spawned detached: its pid is the group id (workerd included)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function stop(code, reason) {
  if (stopping) return stopping;
  stopping = (async () => {
    if (reason) console.log(`\n${reason}`);
    const child = children.wrangler;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      killWranglerGroup("SIGTERM");
      const timer = setTimeout(() => killWranglerGroup("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      killWranglerGroup("SIGKILL"); // anything left in the group (workerd)
    }
    await Promise.allSettled([children.receiver?.close(), children.standin?.close()]);
    if (children.secretsDir) rmSync(children.secretsDir, { recursive: true, force: true });
    console.log(dim("Stopped: wrangler, LLM stand-in and OTLP receiver are down."));
    process.exit(code);
  })();
  return stopping;
}

// A closed terminal or pipe must not stop the clean-up half-way (console.log would throw EPIPE).
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

process.on("exit", () => {
  killWranglerGroup("SIGKILL");
  if (children.secretsDir) rmSync(children.secretsDir, { recursive: true, force: true });
});
let firstSignalAt = 0;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (firstSignalAt) {
      // `npm start` forwards the terminal's Ctrl-C, so one press can arrive twice: only a later
      // second press means "stop waiting, kill everything now".
      if (Date.now() - firstSignalAt < 1000) return;
      console.log("Stopping now.");
      killWranglerGroup("SIGKILL");
      process.exit(130);
    }
    firstSignalAt = Date.now();
    void stop(0, `${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping…`);
  });
}

/** The parent of `pid` (Linux /proc, else `ps`), or undefined when neither can tell. */
function parentOf(pid) {
  try {
    // The command name is in parentheses and may contain spaces: the fields after it are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) || undefined;
  } catch {
    const out = spawnSync("ps", ["-o", "ppid=", "-p", String(pid)], { encoding: "utf8" }).stdout?.trim();
    return out ? Number(out) || undefined : undefined;
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
};

/**
 * Stops everything once whoever started us is gone: our parent (we were re-parented: npm's
 * `sh -c` died of a SIGTERM sent to npm) or, under npm, our grandparent (npm itself when a shell
 * runs us: npm dies of a SIGHUP it does not forward, while its shell lives on).
 */
function watchOwners() {
  const parent = process.ppid;
  const grandparent = env.npm_lifecycle_event ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    if (process.ppid !== parent) void stop(0, "The process that started this one went away: stopping…");
    else if (grandparent > 1 && !alive(grandparent)) void stop(0, "npm went away: stopping…");
  }, 300);
  timer.unref();
}

/** Pipes wrangler's output, prefixed, without the offline Request.cf noise; resolves with the URL once ready. */
function followWrangler(child) {
  let cfNoted = false;
  let skipping = false;
  return new Promise((resolveReady, reject) => {
    const onLine = (line) => {
      if (/Unable to fetch the `Request\.cf` object/.test(line)) {
        skipping = true;
        if (!cfNoted) console.log(dim("[wrangler] offline: cannot fetch the Request.cf object, using wrangler's placeholder (harmless)"));
        cfNoted = true;
        return;
      }
      if (skipping && (/^Error: getaddrinfo|^Error: .*fetch failed|^Error: connect/.test(line) || /^\s+at /.test(line))) return;
      skipping = false;
      if (line.trim() === "") return;
      console.log(dim(`[wrangler] ${line}`));
      const ready = /Ready on (http:\/\/\S+)/.exec(line);
      if (ready) resolveReady(ready[1]);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = "";
      stream.setEncoding("utf8");
      stream.on("data", (text) => {
        buffered += text;
        const lines = buffered.split(/\r?\n/);
        buffered = lines.pop() ?? "";
        for (const line of lines) onLine(line.replace(/\x1b\[[0-9;]*m/g, ""));
      });
    }
    child.once("exit", (code, signal) => reject(new StartError(`wrangler dev exited before it was ready (${signal ?? `exit code ${code}`}); see its output above.`)));
  });
}

async function main() {
  watchOwners();
  const workerPort = portSetting("OTEL_GENAI_EDGE_WORKER_PORT", 8787);
  const receiverPort = portSetting("OTEL_GENAI_EDGE_RECEIVER_PORT", 4318);
  const standinPort = portSetting("OTEL_GENAI_EDGE_STANDIN_PORT", 8788);
  const inspectorPort = portSetting("OTEL_GENAI_EDGE_INSPECTOR_PORT", undefined);
  const speed = Number(env.OTEL_GENAI_EDGE_STANDIN_SPEED ?? 1);
  const externalCollector = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const openaiKey = env.OPENAI_API_KEY || undefined;
  const anthropicKey = env.ANTHROPIC_API_KEY || undefined;
  const nodeBin = nodeForWrangler();

  await assertPortFree(workerPort, "the example Worker, wrangler dev", "OTEL_GENAI_EDGE_WORKER_PORT");
  if (inspectorPort) await assertPortFree(inspectorPort, "wrangler's inspector", "OTEL_GENAI_EDGE_INSPECTOR_PORT");

  if (!externalCollector) {
    try {
      children.receiver = await startReceiver({
        host,
        port: receiverPort,
        file: resolve(ROOT, env.OTEL_GENAI_EDGE_RECEIVED_FILE || ".otel-genai-edge/received.jsonl"),
        color,
        columns: () => process.stdout.columns ?? 140,
      });
    } catch (error) {
      if (error.code === "EADDRINUSE") {
        throw new StartError(
          `${portTaken(receiverPort, "the OTLP receiver", "OTEL_GENAI_EDGE_RECEIVER_PORT").message}\n` +
            `If a collector is already listening there, send the traces to it instead: OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${receiverPort} npm start`,
        );
      }
      throw error;
    }
  }
  if (!openaiKey || !anthropicKey) {
    try {
      children.standin = await startStandin({ host, port: standinPort, speed: Number.isFinite(speed) ? speed : 1 });
    } catch (error) {
      if (error.code === "EADDRINUSE") throw portTaken(standinPort, "the LLM stand-in", "OTEL_GENAI_EDGE_STANDIN_PORT");
      throw error;
    }
  }

  const endpoint = externalCollector ?? children.receiver.url;
  const vars = {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OPENAI_BASE_URL: openaiKey ? env.OPENAI_BASE_URL || "https://api.openai.com/v1" : `${children.standin.url}/v1`,
    ANTHROPIC_BASE_URL: anthropicKey ? env.ANTHROPIC_BASE_URL || "https://api.anthropic.com" : children.standin.url,
  };
  if (env.OPENAI_MODEL) vars.OPENAI_MODEL = env.OPENAI_MODEL;
  if (env.ANTHROPIC_MODEL) vars.ANTHROPIC_MODEL = env.ANTHROPIC_MODEL;
  if (env.OTEL_SERVICE_NAME) vars.OTEL_SERVICE_NAME = env.OTEL_SERVICE_NAME;

  // Keys and collector headers go to the Worker as secrets through a private env file, not on
  // the command line (where `ps` would show them).
  const secrets = {};
  if (openaiKey) secrets.OPENAI_API_KEY = openaiKey;
  if (anthropicKey) secrets.ANTHROPIC_API_KEY = anthropicKey;
  if (externalCollector && env.OTEL_EXPORTER_OTLP_HEADERS) secrets.OTEL_EXPORTER_OTLP_HEADERS = env.OTEL_EXPORTER_OTLP_HEADERS;

  const args = [
    join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--config",
    join(ROOT, "wrangler.toml"),
    "--ip",
    host,
    "--port",
    String(workerPort),
    "--show-interactive-dev-session=false",
  ];
  if (inspectorPort) args.push("--inspector-port", String(inspectorPort));
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  if (Object.keys(secrets).length) {
    children.secretsDir = mkdtempSync(join(tmpdir(), "otel-genai-edge-"));
    const file = join(children.secretsDir, "secrets.env");
    writeFileSync(file, Object.entries(secrets).map(([k, v]) => `${k}=${JSON.stringify(v)}\n`).join(""), { mode: 0o600 });
    chmodSync(file, 0o600);
    args.push("--env-file", file);
  }
  if (!existsSync(args[0])) throw new StartError("wrangler is not installed: run `npm install` first.");

  console.log(dim(`Starting wrangler dev (worker-example/) on http://${host}:${workerPort} …`));
  children.wrangler = spawn(nodeBin, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  children.wrangler.once("error", (error) => void stop(1, `Could not start wrangler: ${error.message}`));
  const ready = followWrangler(children.wrangler);
  let timer;
  const workerUrl = await Promise.race([
    ready,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new StartError("wrangler dev was not ready after 120 s; see its output above.")), 120_000);
    }),
  ]).finally(() => clearTimeout(timer));
  children.wrangler.once("exit", (code, signal) => {
    if (!stopping) void stop(1, `wrangler dev exited (${signal ?? `exit code ${code}`}); stopping the rest.`);
  });

  const base = workerUrl.replace(/\/$/, "");
  const rule = dim("─".repeat(78));
  const llm = [
    openaiKey ? "OpenAI: the real API (OPENAI_API_KEY is set)" : `OpenAI: local stand-in ${children.standin.url}/v1`,
    anthropicKey ? "Anthropic: the real API (ANTHROPIC_API_KEY is set)" : `Anthropic: local stand-in ${children.standin.url}`,
  ];
  const lines = [
    "",
    rule,
    bold(" otel-genai-edge example is running"),
    "",
    `   Try it:      ${bold(`curl ${base}/`)}`,
    `                curl -N ${base}/stream   ${dim("(a model's stream passed straight through)")}`,
    `   LLM calls:   ${llm.join("; ")}`,
    children.standin ? dim("                (the stand-in replays recorded responses from test/fixtures)") : undefined,
    children.receiver
      ? `   Traces:      OTLP receiver ${children.receiver.url}; waterfalls print below and at ${bold(`${children.receiver.url}/`)}`
      : `   Traces:      sent to OTEL_EXPORTER_OTLP_ENDPOINT=${externalCollector} (no local receiver)`,
    children.receiver ? `   Recording:   every OTLP request appended to ${displayPath(children.receiver.file)}` : undefined,
    "",
    dim("   Ctrl-C stops everything."),
    rule,
    "",
  ].filter((line) => line !== undefined);
  console.log(lines.join("\n"));
}

main().catch((error) => {
  const message = error instanceof StartError ? error.message : (error?.stack ?? String(error));
  console.error(`\nnpm start failed: ${message}`);
  void stop(1);
});
