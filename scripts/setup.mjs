// Repository set-up for the tests, run by the `pretest` and `pretest:browser` npm scripts (so by
// `npm test` in this repository, never by an install: a consumer of the package, from the
// registry, a tarball or git, never runs it), or by hand (`npm run setup`).
//
// Installs Chromium for the browser test (test/e2e/browser.test.ts) when it is missing and we
// can: root on a Debian-like system with apt-get. It never fails by itself: if Chromium cannot
// be installed it says why and how to do it by hand, and the browser test will fail with the
// same explanation.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

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

function setupChromium() {
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
