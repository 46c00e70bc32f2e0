/**
 * Plumbing for test/packaging.test.ts: run npm and git as a consumer would, from a copy of this
 * working tree, with the npm cache as the only package source that is needed.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface Ran {
  code: number | null;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  stdout: string;
}

/**
 * The environment for a consumer's npm: Node 22 first on PATH (as in the npm scripts, so the
 * dependencies' engines are met), and none of the `npm_*` variables this test inherits from
 * `npm test` (npm_config_local_prefix would point the child npm at this repository).
 */
export function consumerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  }
  env.PATH = `${join(REPO, "node_modules/.bin")}${delimiter}${process.env.PATH ?? ""}`;
  env.NO_COLOR = "1";
  return env;
}

/** Runs a command to completion without blocking the event loop (the receivers in this process keep serving). */
export function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: consumerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (data: Buffer) => {
      stdout += data;
      output += data;
    });
    child.stderr.on("data", (data: Buffer) => {
      output += data;
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}

export async function mustRun(command: string, args: string[], cwd: string, timeoutMs?: number): Promise<Ran> {
  const ran = await run(command, args, cwd, timeoutMs);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${ran.code}:\n${ran.output}`);
  return ran;
}

/** npm's version, or undefined when there is no npm to run. */
export function npmVersion(): string | undefined {
  const result = spawnSync("npm", ["--version"], { env: consumerEnv(), encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Copies the working tree as a fresh clone would have it plus uncommitted changes (tracked and
 * untracked files, nothing ignored: no dist/, no node_modules), and commits it in `dest`, so the
 * copy is also a git repository to install from.
 */
export function snapshotWorkingTree(dest: string): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${REPO}: ${listed.stderr || listed.error?.message}`);
  for (const file of listed.stdout.split("\0")) {
    if (!file || !existsSync(join(REPO, file))) continue; // deleted but not yet staged
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(join(REPO, file), join(dest, file));
  }
  const git = (...args: string[]) => {
    const result = spawnSync("git", ["-c", "user.name=packaging test", "-c", "user.email=packaging@test.invalid", "-c", "commit.gpgsign=false", ...args], {
      cwd: dest,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  };
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "working tree snapshot");
}

/** Files under `dir`, relative, sorted. */
export function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * npm clones a git dependency under `<cache>/_cacache/tmp/git-clone*` and may leave part of the
 * clone's node_modules there: this returns a function that removes the ones created since.
 */
export function gitCloneLeftovers(): () => void {
  const cache = spawnSync("npm", ["config", "get", "cache"], { env: consumerEnv(), encoding: "utf8" }).stdout?.trim();
  const tmp = cache ? join(cache, "_cacache", "tmp") : undefined;
  const names = () => (tmp && existsSync(tmp) ? readdirSync(tmp).filter((name) => name.startsWith("git-clone")) : []);
  const before = new Set(names());
  return () => {
    for (const name of names()) if (!before.has(name)) rmSync(join(tmp!, name), { recursive: true, force: true });
  };
}
