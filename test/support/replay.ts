/**
 * Replays the recorded provider response bodies in test/fixtures over real HTTP.
 *
 * URL layout (everything after the base is ignored for routing, so SDKs may append
 * `/v1/chat/completions`, `/chat/completions`, `/v1/messages`, ...):
 *
 *   http://127.0.0.1:PORT/fx/<gapMs>/<status>/<urlencoded fixture>[/~<base64url JSON options>]
 *
 * Streaming fixtures (.sse, .ndjson, .b64) are sent with chunked transfer encoding, one
 * write per event (SSE: split after each blank line `\n\n` / `\r\n\r\n`; NDJSON: per
 * line; .b64 event-stream: per binary frame) with `gapMs` between writes. The writes
 * concatenate to the fixture bytes exactly. Non-streaming fixtures (.json) are written
 * whole with content-length.
 */
import {
  concatBytes,
  flattenHeaders,
  listenLoopback,
  type NodeServerResponse,
  nodeBuiltin,
  readBody,
  sleep,
} from './collector.js';

interface NodeFs {
  readFileSync(path: URL | string): Uint8Array;
  existsSync(path: URL | string): boolean;
  statSync(path: URL | string): { isFile(): boolean };
}

const FIXTURES_URL = new URL('../fixtures/', import.meta.url);

export const DEFAULT_GAP_MS = 5;

export type FixtureKind = 'sse' | 'ndjson' | 'eventstream' | 'json';

export function fixtureKind(fixture: string): FixtureKind {
  if (fixture.endsWith('.sse')) return 'sse';
  if (fixture.endsWith('.ndjson')) return 'ndjson';
  if (fixture.endsWith('.b64')) return 'eventstream';
  if (fixture.endsWith('.json')) return 'json';
  throw new Error(`replay: unknown fixture type ${fixture}`);
}

export function contentTypeFor(fixture: string): string {
  switch (fixtureKind(fixture)) {
    case 'sse':
      return 'text/event-stream';
    case 'ndjson':
      return 'application/x-ndjson';
    case 'eventstream':
      return 'application/vnd.amazon.eventstream';
    case 'json':
      return 'application/json';
  }
}

function fixtureUrl(fixture: string): URL {
  const clean = fixture.replace(/^\/+/, '').replace(/^test\/fixtures\//, '');
  if (clean.split('/').some((seg) => seg === '..' || seg === '')) {
    throw new Error(`replay: bad fixture path ${JSON.stringify(fixture)}`);
  }
  return new URL(clean, FIXTURES_URL);
}

export function fixtureExists(fixture: string): boolean {
  try {
    const fs = nodeBuiltin<NodeFs>('node:fs');
    const url = fixtureUrl(fixture);
    return fs.existsSync(url) && fs.statSync(url).isFile();
  } catch {
    return false;
  }
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const fixtureCache = new Map<string, Uint8Array>();

/**
 * The bytes the replay server sends for a fixture (path relative to test/fixtures, e.g.
 * `openai/chat-stream-include-usage.sse`). `.b64` fixtures are base64-decoded to the binary
 * event-stream body. Returns a fresh copy.
 */
export function fixtureBytes(fixture: string): Uint8Array {
  let bytes = fixtureCache.get(fixture);
  if (!bytes) {
    const fs = nodeBuiltin<NodeFs>('node:fs');
    const file = new Uint8Array(fs.readFileSync(fixtureUrl(fixture)));
    bytes =
      fixtureKind(fixture) === 'eventstream'
        ? base64ToBytes(new TextDecoder().decode(file))
        : file;
    fixtureCache.set(fixture, bytes);
  }
  return bytes.slice();
}

/** The fixture as UTF-8 text (not meaningful for .b64). */
export function fixtureText(fixture: string): string {
  return new TextDecoder().decode(fixtureBytes(fixture));
}

/** Splits bytes at the given offsets (sorted, deduplicated, out-of-range ignored). */
export function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(offsets)]
    .filter((o) => Number.isInteger(o) && o > 0 && o < bytes.byteLength)
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(start, cut));
    start = cut;
  }
  out.push(bytes.subarray(start));
  return out.filter((c) => c.byteLength > 0);
}

/** Byte offsets just after each event boundary, per fixture kind. */
export function eventBoundaries(bytes: Uint8Array, kind: FixtureKind): number[] {
  const cuts: number[] = [];
  if (kind === 'sse') {
    for (let i = 0; i < bytes.length - 1; i++) {
      if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
        cuts.push(i + 2);
        i += 1;
      } else if (
        bytes[i] === 0x0d &&
        bytes[i + 1] === 0x0a &&
        bytes[i + 2] === 0x0d &&
        bytes[i + 3] === 0x0a
      ) {
        cuts.push(i + 4);
        i += 3;
      }
    }
  } else if (kind === 'ndjson') {
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) cuts.push(i + 1);
  } else if (kind === 'eventstream') {
    // AWS event-stream frame: 4-byte big-endian total length prelude.
    let offset = 0;
    while (offset + 4 <= bytes.length) {
      const total =
        ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
      if (total < 16 || offset + total > bytes.length) break;
      offset += total;
      cuts.push(offset);
    }
  }
  return cuts;
}

/** The writes the replay server makes for a fixture (concatenation == fixtureBytes). */
export function fixtureChunks(fixture: string, splits?: readonly number[]): Uint8Array[] {
  const bytes = fixtureBytes(fixture);
  const kind = fixtureKind(fixture);
  if (splits) return splitAt(bytes, splits);
  if (kind === 'json') return [bytes];
  return splitAt(bytes, eventBoundaries(bytes, kind));
}

export interface ReplayOptions {
  /** Pause between writes in ms (default 5; 0 allowed). */
  gapMs?: number;
  /** HTTP status (default 200). */
  status?: number;
  /** Split at these byte offsets instead of at event boundaries (streams the response, also for .json). */
  splits?: number[];
  /** Extra response headers, e.g. `{ 'retry-after': '1', 'x-request-id': 'req_1' }`. */
  headers?: Record<string, string>;
  /** Override the content type derived from the extension. */
  contentType?: string;
  /** Wait this long before sending the status line and headers. */
  headersDelayMs?: number;
  /** Send only the first N body bytes, then destroy the socket (mid-stream network error). */
  destroyAfterBytes?: number;
  /** Send only the first N body bytes, then stall forever (until the client aborts or the server closes). */
  stallAfterBytes?: number;
}

type ExtraOptions = Omit<ReplayOptions, 'gapMs' | 'status'>;

export interface ReplayRequest {
  index: number;
  method: string;
  /** Full request path as received (includes the /fx/... prefix and query). */
  path: string;
  /** The part after the base, e.g. `/v1/chat/completions` (may include `?query`). */
  subPath: string;
  fixture: string;
  gapMs: number;
  status: number;
  options: ExtraOptions;
  headers: Record<string, string>;
  body: string;
  /** Parsed JSON request body when it is JSON. */
  json?: unknown;
  receivedAt: number;
  /** Set when the URL could not be routed (the response was a 404). */
  error?: string;
}

export interface Replay {
  /** Server origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Base URL that serves `fixture` for any path appended to it. */
  baseFor(fixture: string, opts?: ReplayOptions): string;
  /** `baseFor(fixture, opts) + subPath`. */
  urlFor(fixture: string, subPath?: string, opts?: ReplayOptions): string;
  /** Every request received, in order (live array). */
  requests: ReplayRequest[];
  clear(): void;
  close(): Promise<void>;
}

export interface StartReplayOptions {
  /** Default gap when baseFor() gets none (default 5 ms). */
  defaultGapMs?: number;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return new TextDecoder().decode(base64ToBytes(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
}

interface ParsedRoute {
  gapMs: number;
  status: number;
  fixture: string;
  options: ExtraOptions;
  subPath: string;
}

function parseRoute(rawPath: string): ParsedRoute | string {
  const q = rawPath.indexOf('?');
  const pathname = q === -1 ? rawPath : rawPath.slice(0, q);
  const query = q === -1 ? '' : rawPath.slice(q);
  const segs = pathname.split('/');
  // ['', 'fx', gap, status, fixture..., ('~opts')?, ...rest]
  if (segs[1] !== 'fx' || segs.length < 5) return `expected /fx/<gapMs>/<status>/<fixture>, got ${rawPath}`;
  const gapMs = Number(segs[2]);
  const status = Number(segs[3]);
  if (!Number.isFinite(gapMs) || gapMs < 0) return `bad gapMs ${segs[2]}`;
  if (!Number.isInteger(status) || status < 100 || status > 999) return `bad status ${segs[3]}`;
  // Normally one %2F-encoded segment; tolerate clients/tests that left the slashes raw.
  let fixture: string | undefined;
  let next = 5;
  for (let end = 5; end <= segs.length; end++) {
    let candidate: string;
    try {
      candidate = segs.slice(4, end).map(decodeURIComponent).join('/');
    } catch {
      return `bad fixture encoding ${segs[4]}`;
    }
    if (fixtureExists(candidate)) {
      fixture = candidate;
      next = end;
      break;
    }
  }
  if (fixture === undefined) return `unknown fixture ${segs[4]}`;
  let options: ExtraOptions = {};
  if (segs[next]?.startsWith('~')) {
    try {
      options = JSON.parse(fromBase64Url(segs[next].slice(1))) as ExtraOptions;
    } catch {
      return `bad options segment ${segs[next]}`;
    }
    next += 1;
  }
  const rest = segs.slice(next).join('/');
  return { gapMs, status, fixture, options, subPath: `/${rest}${query}` };
}

async function writeAll(
  res: NodeServerResponse,
  chunks: Uint8Array[],
  gapMs: number,
): Promise<boolean> {
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    if (res.destroyed) return false;
    if (!res.write(chunks[i])) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  }
  return !res.destroyed;
}

function truncate(chunks: Uint8Array[], limit: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let left = limit;
  for (const c of chunks) {
    if (left <= 0) break;
    out.push(c.byteLength <= left ? c : c.subarray(0, left));
    left -= c.byteLength;
  }
  return out;
}

export async function startReplay(opts: StartReplayOptions = {}): Promise<Replay> {
  const defaultGap = opts.defaultGapMs ?? DEFAULT_GAP_MS;
  const requests: ReplayRequest[] = [];

  const server = await listenLoopback((req, res) => {
    void (async () => {
      const bodyBytes = await readBody(req);
      const rawPath = req.url ?? '/';
      const route = parseRoute(rawPath);
      const body = new TextDecoder().decode(bodyBytes);
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      if (typeof route === 'string') {
        requests.push({
          index: requests.length,
          method: req.method ?? 'GET',
          path: rawPath,
          subPath: rawPath,
          fixture: '',
          gapMs: 0,
          status: 404,
          options: {},
          headers: flattenHeaders(req.headers),
          body,
          json,
          receivedAt: Date.now(),
          error: route,
        });
        const msg = JSON.stringify({ error: { message: `replay: ${route}`, type: 'replay_error' } });
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': msg.length });
        res.end(msg);
        return;
      }
      requests.push({
        index: requests.length,
        method: req.method ?? 'GET',
        path: rawPath,
        subPath: route.subPath,
        fixture: route.fixture,
        gapMs: route.gapMs,
        status: route.status,
        options: route.options,
        headers: flattenHeaders(req.headers),
        body,
        json,
        receivedAt: Date.now(),
      });

      const o = route.options;
      const kind = fixtureKind(route.fixture);
      const streaming = kind !== 'json' || o.splits !== undefined;
      let chunks = fixtureChunks(route.fixture, o.splits);
      const headers: Record<string, string | number> = {
        'content-type': o.contentType ?? contentTypeFor(route.fixture),
      };
      if (streaming) headers['cache-control'] = 'no-cache';
      else headers['content-length'] = concatBytes(chunks).byteLength;
      for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;

      if (o.headersDelayMs) await sleep(o.headersDelayMs);
      if (res.destroyed) return;
      res.writeHead(route.status, headers);
      if (!streaming) {
        res.end(chunks[0]);
        return;
      }
      res.flushHeaders();
      const limit = o.destroyAfterBytes ?? o.stallAfterBytes;
      if (limit !== undefined) chunks = truncate(chunks, limit);
      if (route.gapMs > 0 && chunks.length > 0) await sleep(route.gapMs);
      const ok = await writeAll(res, chunks, route.gapMs);
      if (!ok) return;
      if (o.destroyAfterBytes !== undefined) {
        // Give the last write a moment to reach the client before cutting the connection.
        await sleep(Math.max(route.gapMs, 10));
        res.socket?.destroy();
        return;
      }
      if (o.stallAfterBytes !== undefined) return; // never end; close() destroys the socket
      res.end();
    })().catch((e: unknown) => {
      try {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`replay error: ${(e as Error)?.message ?? e}`);
      } catch {
        /* socket already gone */
      }
    });
  });

  const baseFor = (fixture: string, o: ReplayOptions = {}): string => {
    if (!fixtureExists(fixture)) throw new Error(`replay.baseFor: no fixture ${fixture} in test/fixtures`);
    const { gapMs = defaultGap, status = 200, ...extra } = o;
    const defined = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
    const optSeg = Object.keys(defined).length ? `/~${toBase64Url(JSON.stringify(defined))}` : '';
    return `${server.url}/fx/${gapMs}/${status}/${encodeURIComponent(fixture)}${optSeg}`;
  };

  return {
    url: server.url,
    baseFor,
    urlFor: (fixture, subPath = '', o) =>
      baseFor(fixture, o) + (subPath && !subPath.startsWith('/') ? `/${subPath}` : subPath),
    requests,
    clear() {
      requests.length = 0;
    },
    close: () => server.close(),
  };
}
