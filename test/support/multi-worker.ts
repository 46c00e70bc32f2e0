/**
 * Several Workers in one workerd (through Miniflare's `workers: [...]`), so that service
 * bindings and Durable Objects cross real Worker boundaries. Each entry is bundled like
 * `startWorker` does; the first Worker receives `fetch()`.
 */
import { convertV4MiniflareOptions, type Json, Miniflare, type V4MiniflareOptions, type WorkerdStructuredLog } from 'miniflare';
import { nodeBuiltin } from './collector.js';
import { bundleWorker, DEFAULT_COMPATIBILITY_DATE, type WorkerRequestInit, type WorkerResponse } from './workerd.js';

interface NodeUrl {
  fileURLToPath(url: URL | string): string;
}

export interface WorkerSpec {
  /** The Worker's name, what service bindings and `durableObjects.scriptName` refer to. */
  name: string;
  /** Worker module, relative to the repo root. */
  entry: string;
  /** Plain bindings (strings → text bindings, other JSON → json bindings). */
  env?: Record<string, Json>;
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** Other v4-style options of this Worker: `serviceBindings`, `durableObjects`... */
  miniflare?: Record<string, unknown>;
}

export interface StartedWorkers {
  /** Dispatches a request to the first Worker; a path is resolved against `http://worker.test`. */
  fetch(pathOrUrl: string, init?: WorkerRequestInit): Promise<WorkerResponse>;
  /** console output of every Worker, one message per console call (live array). */
  logs: string[];
  mf: Miniflare;
  close(): Promise<void>;
}

export async function startWorkers(specs: WorkerSpec[]): Promise<StartedWorkers> {
  const logs: string[] = [];
  const echo = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WORKERD_ECHO_LOGS === '1';
  const workers = await Promise.all(
    specs.map(async (spec) => ({
      name: spec.name,
      modules: [{ type: 'ESModule', path: `${spec.name}.js`, contents: await bundleWorker(spec.entry) }],
      compatibilityDate: spec.compatibilityDate ?? DEFAULT_COMPATIBILITY_DATE,
      compatibilityFlags: spec.compatibilityFlags ?? [],
      bindings: spec.env ?? {},
      ...(spec.miniflare ?? {}),
    })),
  );
  const root = nodeBuiltin<NodeUrl>('node:url').fileURLToPath(new URL('../../', import.meta.url));
  const options = {
    host: '127.0.0.1',
    port: 0,
    rootPath: root,
    verbose: true,
    handleStructuredLogs: (log: WorkerdStructuredLog) => {
      logs.push(log.message);
      if (echo) console.error(`[workerd ${log.level}] ${log.message}`);
    },
    workers,
  } as unknown as V4MiniflareOptions;
  const mf = new Miniflare(convertV4MiniflareOptions(options));
  try {
    await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw new Error(`startWorkers: workerd failed to start: ${(e as Error).message}\n${logs.join('\n')}`);
  }
  let closing: Promise<void> | undefined;
  return {
    fetch: (pathOrUrl, init) =>
      mf.dispatchFetch(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : new URL(pathOrUrl, 'http://worker.test').href, init),
    logs,
    mf,
    close() {
      closing ??= mf.dispose();
      return closing;
    },
  };
}
