/**
 * Runs a TypeScript worker module in real workerd through Miniflare.
 *
 * The entry (a file under test/workers/) is bundled with esbuild, then loaded as a single
 * ES module. Miniflare 5 takes a new option shape; we build v4-style options (modules,
 * compatibilityDate, bindings, ...) and pass them through `convertV4MiniflareOptions()`.
 *
 * Outbound network: Miniflare routes the worker's global fetch() through its built-in
 * "internet" network service, which allows public AND private addresses, so the worker can
 * reach 127.0.0.1 servers (collector, replay) with no extra option.
 *
 * Logs: workerd runs with structured logging; Miniflare parses each stdout/stderr line and
 * hands `{timestamp, level, message}` to `handleStructuredLogs`. We capture those into
 * `logs` (message strings) and `logEntries`. Lines arrive asynchronously (child-process
 * pipe), so use `waitForLog()` rather than reading `logs` right after a fetch. workerd runs
 * with --verbose by default so that rejected waitUntil() promises are logged.
 */
import { build } from 'esbuild';
import {
  convertV4MiniflareOptions,
  type Json,
  Miniflare,
  type V4MiniflareOptions,
  type WorkerdStructuredLog,
} from 'miniflare';
import { nodeBuiltin } from './collector.js';

interface NodeUrl {
  fileURLToPath(url: URL | string): string;
  pathToFileURL(path: string): URL;
}
interface NodePath {
  isAbsolute(path: string): boolean;
}

const REPO_ROOT_URL = new URL('../../', import.meta.url);

export const DEFAULT_COMPATIBILITY_DATE = '2026-11-01';

export interface BundleOptions {
  /** Inline source map (better stack traces, bigger bundle). Default false. */
  sourcemap?: boolean;
  /** esbuild `define`, e.g. `{ 'globalThis.__TEST__': 'true' }`. */
  define?: Record<string, string>;
}

export interface StartWorkerOptions extends BundleOptions {
  /** Worker module, absolute or relative to the repo root (e.g. `test/workers/smoke.ts`). */
  entry: string;
  /** Plain bindings (strings → text bindings, other JSON → json bindings). */
  env?: Record<string, Json>;
  compatibilityFlags?: string[];
  /** Default 2026-11-01. */
  compatibilityDate?: string;
  /** Extra v4-style Miniflare options merged last (e.g. serviceBindings, outboundService). */
  miniflare?: Record<string, unknown>;
  /**
   * workerd --verbose (default true). Without it, a rejected ctx.waitUntil() promise leaves
   * no trace; with it you get an `info` line `uncaught exception; source = Uncaught (in
   * promise); stack = ...`.
   */
  verbose?: boolean;
  /** Also print worker logs to the test process's stderr (or set WORKERD_ECHO_LOGS=1). */
  echoLogs?: boolean;
}

export interface WorkerLogEntry {
  /** 'log' | 'info' | 'warn' | 'error' | 'debug' | ... as reported by workerd */
  level: string;
  message: string;
  /** workerd's timestamp (ms since epoch). */
  timestamp: number;
}

type DispatchFetch = Miniflare['dispatchFetch'];
export type WorkerRequestInit = Parameters<DispatchFetch>[1];
export type WorkerResponse = Awaited<ReturnType<DispatchFetch>>;

export interface StartedWorker {
  /**
   * Dispatches a request to the worker (mf.dispatchFetch). A path is resolved against
   * `http://worker.test`; the worker sees that URL in `request.url`.
   */
  fetch(pathOrUrl: string | URL, init?: WorkerRequestInit): Promise<WorkerResponse>;
  /** Real http URL of the workerd entry socket, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  /** console output of the worker, one message per console call (live array). */
  logs: string[];
  /** Same, with level and timestamp. */
  logEntries: WorkerLogEntry[];
  /** Resolves with the first log line matching, waiting up to timeoutMs (default 5000). */
  waitForLog(
    match: string | RegExp | ((line: string) => boolean),
    timeoutMs?: number,
  ): Promise<string>;
  /** The bundled JavaScript that was loaded. */
  bundle: string;
  /** The Miniflare instance, for anything else. */
  mf: Miniflare;
  /** Disposes Miniflare (kills workerd, dropping any pending waitUntil work). */
  close(): Promise<void>;
}

function resolveEntry(entry: string): string {
  const url = nodeBuiltin<NodeUrl>('node:url');
  const path = nodeBuiltin<NodePath>('node:path');
  if (entry.startsWith('file:')) return url.fileURLToPath(entry);
  if (path.isAbsolute(entry)) return entry;
  return url.fileURLToPath(new URL(entry, REPO_ROOT_URL));
}

const bundleCache = new Map<string, Promise<string>>();

/** Bundles a worker entry with esbuild (cached per entry + options for this process). */
export function bundleWorker(entry: string, opts: BundleOptions = {}): Promise<string> {
  const entryPath = resolveEntry(entry);
  const key = JSON.stringify([entryPath, opts.sourcemap ?? false, opts.define ?? {}]);
  let cached = bundleCache.get(key);
  if (!cached) {
    cached = (async () => {
      try {
        const result = await build({
          entryPoints: [entryPath],
          absWorkingDir: url().fileURLToPath(REPO_ROOT_URL),
          bundle: true,
          write: false,
          format: 'esm',
          platform: 'neutral',
          conditions: ['workerd', 'worker', 'browser'],
          mainFields: ['browser', 'module', 'main'],
          target: 'es2022',
          external: ['cloudflare:*', 'node:*'],
          sourcemap: opts.sourcemap ? 'inline' : false,
          define: opts.define,
          logLevel: 'silent',
        });
        const out = result.outputFiles?.[0];
        if (!out) throw new Error('esbuild produced no output');
        return out.text;
      } catch (e) {
        const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number; lineText: string } | null }[] }).errors;
        const detail = errors?.length
          ? errors
              .map((m) =>
                m.location
                  ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}\n    ${m.location.lineText}`
                  : m.text,
              )
              .join('\n')
          : (e as Error).message;
        throw new Error(`bundleWorker(${entry}) failed:\n${detail}`);
      }
    })();
    bundleCache.set(key, cached);
    cached.catch(() => bundleCache.delete(key));
  }
  return cached;
}

function url(): NodeUrl {
  return nodeBuiltin<NodeUrl>('node:url');
}

function toMatcher(match: string | RegExp | ((line: string) => boolean)) {
  if (typeof match === 'function') return match;
  if (typeof match === 'string') return (line: string) => line.includes(match);
  return (line: string) => match.test(line);
}

export async function startWorker(opts: StartWorkerOptions): Promise<StartedWorker> {
  const bundle = await bundleWorker(opts.entry, opts);
  const logs: string[] = [];
  const logEntries: WorkerLogEntry[] = [];
  const logWaiters = new Set<(line: string) => void>();
  const echo =
    opts.echoLogs ??
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
      ?.WORKERD_ECHO_LOGS === '1';

  const onLog = (log: WorkerdStructuredLog) => {
    logEntries.push({ level: log.level, message: log.message, timestamp: log.timestamp });
    logs.push(log.message);
    if (echo) console.error(`[workerd ${log.level}] ${log.message}`);
    for (const w of [...logWaiters]) w(log.message);
  };

  const repoRoot = url().fileURLToPath(REPO_ROOT_URL);
  const v4: V4MiniflareOptions = {
    host: '127.0.0.1',
    port: 0,
    rootPath: repoRoot,
    modules: [{ type: 'ESModule', path: 'worker.js', contents: bundle }],
    modulesRoot: repoRoot,
    compatibilityDate: opts.compatibilityDate ?? DEFAULT_COMPATIBILITY_DATE,
    compatibilityFlags: opts.compatibilityFlags ?? [],
    bindings: opts.env ?? {},
    handleStructuredLogs: onLog,
    verbose: opts.verbose ?? true,
    ...(opts.miniflare ?? {}),
  } as V4MiniflareOptions;

  const mf = new Miniflare(convertV4MiniflareOptions(v4));
  let entryUrl: URL;
  try {
    entryUrl = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    const tail = logs.length ? `\nworker logs:\n${logs.join('\n')}` : '';
    throw new Error(`startWorker(${opts.entry}): workerd failed to start: ${(e as Error).message}${tail}`);
  }

  let closing: Promise<void> | undefined;
  return {
    fetch(pathOrUrl, init) {
      const target =
        pathOrUrl instanceof URL
          ? pathOrUrl.href
          : /^https?:\/\//.test(pathOrUrl)
            ? pathOrUrl
            : new URL(pathOrUrl, 'http://worker.test').href;
      return mf.dispatchFetch(target, init);
    },
    url: entryUrl.href.replace(/\/$/, ''),
    logs,
    logEntries,
    waitForLog(match, timeoutMs = 5000) {
      const test = toMatcher(match);
      const found = logs.find(test);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<string>((resolve, reject) => {
        const waiter = (line: string) => {
          if (!test(line)) return;
          logWaiters.delete(waiter);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          logWaiters.delete(waiter);
          reject(
            new Error(
              `worker: timed out after ${timeoutMs}ms waiting for a log line matching ${String(match)}; got ${logs.length} line(s):\n${logs.map((l) => `  ${l}`).join('\n') || '  (none)'}`,
            ),
          );
        }, timeoutMs);
        logWaiters.add(waiter);
      });
    },
    bundle,
    mf,
    close() {
      closing ??= mf.dispose();
      return closing;
    },
  };
}
