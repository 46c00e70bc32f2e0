// Repository set-up, run by the `prepare` npm script (so on `npm ci` / `npm install` inside this
// repository; never for consumers of the published package).
//
// Installs Chromium for the browser test (test/e2e/browser.test.ts) when it is missing and we
// can: root on a Debian-like system with apt-get. It never fails the install: if Chromium cannot
// be installed it says why and how to do it by hand, and the browser test will fail with the
// same explanation.
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const say = (message) => console.log(`[setup] ${message}`);

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return undefined;
}

function run(command, args) {
  say(`running: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.error) {
    say(`${command} could not run: ${result.error.message}`);
    return false;
  }
  if (result.status !== 0) {
    say(`${command} exited with ${result.status ?? result.signal}`);
    return false;
  }
  return true;
}

/** Only for work on this repository: not when npm packs/publishes it or installs it as a git dependency. */
function developingHere() {
  const command = process.env.npm_command;
  if (command === "pack" || command === "publish") return false;
  const initCwd = process.env.INIT_CWD;
  if (!initCwd) return true; // run by hand
  try {
    return realpathSync(initCwd) === realpathSync(fileURLToPath(new URL("..", import.meta.url)));
  } catch {
    return false;
  }
}

function setupChromium() {
  if (!developingHere()) return;
  if (process.env.OTEL_GENAI_EDGE_SKIP_CHROMIUM === "1") {
    say("OTEL_GENAI_EDGE_SKIP_CHROMIUM=1: not installing Chromium");
    return;
  }
  if (existsSync(CHROMIUM)) {
    say(`Chromium found at ${CHROMIUM} (used by test/e2e/browser.test.ts)`);
    return;
  }
  const manual = "Install it yourself (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROMIUM_PATH; the browser test needs it.";
  const aptGet = findOnPath("apt-get");
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (process.platform !== "linux" || !aptGet) {
    say(`Chromium is not at ${CHROMIUM} and this is not a Debian-like system with apt-get. ${manual}`);
    return;
  }
  if (!isRoot) {
    say(`Chromium is not at ${CHROMIUM} and we are not root, so apt-get cannot install it. ${manual}`);
    return;
  }
  say(`Chromium is not at ${CHROMIUM}; installing it with apt-get (for the browser test)`);
  const ok = run(aptGet, ["update"]) && run(aptGet, ["install", "-y", "chromium"]);
  if (ok && existsSync(CHROMIUM)) say(`Chromium installed at ${CHROMIUM}`);
  else say(`Chromium could not be installed (see the apt-get output above). ${manual}`);
}

try {
  setupChromium();
} catch (error) {
  say(`unexpected error, continuing: ${error?.message ?? error}`);
}
