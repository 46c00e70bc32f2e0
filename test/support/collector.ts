/**
 * A real OTLP/HTTP JSON receiver for end-to-end tests, plus pure decoders for
 * OTLP JSON documents (traces, metrics, logs).
 *
 * The server is a plain node:http server on 127.0.0.1:0. It records every
 * request, then answers according to the current behaviour (200 `{}` by
 * default). Behaviours can be changed at any time with `collector.behave()`.
 *
 * This repository has no @types/node (tsconfig `types: []`), so Node built-ins
 * are loaded with `process.getBuiltinModule()` and typed with the minimal
 * interfaces below instead of `import ... from 'node:http'`.
 */

// ---------------------------------------------------------------------------
// Minimal Node typings + loopback server helper (shared with replay.ts)
// ---------------------------------------------------------------------------

export interface NodeSocket {
  destroyed: boolean;
  destroy(error?: Error): void;
  setNoDelay(noDelay?: boolean): void;
  on(event: 'close', listener: () => void): NodeSocket;
}

export interface NodeIncomingMessage {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  socket: NodeSocket;
  on(event: 'data', listener: (chunk: Uint8Array) => void): NodeIncomingMessage;
  on(event: 'end' | 'close', listener: () => void): NodeIncomingMessage;
  on(event: 'error', listener: (error: Error) => void): NodeIncomingMessage;
}

export interface NodeServerResponse {
  destroyed: boolean;
  writableEnded: boolean;
  headersSent: boolean;
  socket: NodeSocket | null;
  writeHead(status: number, headers?: Record<string, string | number>): NodeServerResponse;
  flushHeaders(): void;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array | string): NodeServerResponse;
  destroy(error?: Error): void;
  on(event: 'close' | 'drain', listener: () => void): NodeServerResponse;
  once(event: 'close' | 'drain', listener: () => void): NodeServerResponse;
  off(event: 'close' | 'drain', listener: () => void): NodeServerResponse;
}

interface NodeHttpServer {
  keepAliveTimeout: number;
  listen(port: number, host: string, callback: () => void): NodeHttpServer;
  address(): { port: number; address: string } | string | null;
  close(callback?: (error?: Error) => void): NodeHttpServer;
  closeAllConnections?(): void;
  on(event: 'connection', listener: (socket: NodeSocket) => void): NodeHttpServer;
  on(event: 'error', listener: (error: Error) => void): NodeHttpServer;
  once(event: 'error', listener: (error: Error) => void): NodeHttpServer;
}

interface NodeHttp {
  createServer(
    handler: (req: NodeIncomingMessage, res: NodeServerResponse) => void,
  ): NodeHttpServer;
}

/** Loads a Node built-in without needing @types/node. */
export function nodeBuiltin<T>(id: string): T {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  const mod = proc?.getBuiltinModule?.(id);
  if (!mod) {
    throw new Error(
      `test/support: cannot load ${id}; Node >= 20.16 / 22.3 (process.getBuiltinModule) is required`,
    );
  }
  return mod as T;
}

export interface LoopbackServer {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Closes the server and destroys every open socket (including hanging ones). */
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1:0 that tracks its sockets. */
export async function listenLoopback(
  handler: (req: NodeIncomingMessage, res: NodeServerResponse) => void,
): Promise<LoopbackServer> {
  const http = nodeBuiltin<NodeHttp>('node:http');
  const sockets = new Set<NodeSocket>();
  const server = http.createServer(handler);
  // Node closes idle keep-alive sockets after 5 s by default; a client (workerd, undici) that
  // reuses such a socket at that moment gets ECONNRESET. Keep them open; close() destroys them.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('listenLoopback: no TCP address');
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}

/** Reads a whole request body. */
export function readBody(req: NodeIncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(concatBytes(chunks)));
    req.on('error', reject);
  });
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Collector
// ---------------------------------------------------------------------------

export interface CollectorRequest {
  /** 0-based arrival index. */
  index: number;
  method: string;
  /** Path including any query string, e.g. `/v1/traces`. */
  path: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON when the (decompressed) body is JSON, else the raw text. */
  body: unknown;
  /** Decompressed body text. */
  text: string;
  /** Body bytes exactly as received (still gzip-compressed if it was sent so). */
  rawBody: Uint8Array;
  /** Set when Content-Encoding could not be decoded. */
  decodeError?: string;
  /** Date.now() when the whole body had arrived. */
  receivedAt: number;
}

/**
 * What the collector does with a request:
 * - a number: answer with that status (200 → `{}`, others → a google.rpc.Status JSON body)
 * - `{ status, body?, headers?, delayMs? }`: answer explicitly (body: object → JSON, string/bytes as is)
 * - `'hang'` / `{ hang: true }`: never answer (the socket is destroyed by `close()`)
 * - `'destroy'` / `{ destroy: true, delayMs? }`: destroy the socket without an answer
 */
export type CollectorAction =
  | number
  | 'hang'
  | 'destroy'
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { hang: true }
  | { destroy: true; delayMs?: number };

export type CollectorBehaviour = (
  req: CollectorRequest,
  index: number,
) => CollectorAction | undefined | Promise<CollectorAction | undefined>;

export interface StartCollectorOptions {
  /** Initial behaviour (same forms as `behave()`); default: 200 `{}` for everything. */
  behaviour?: CollectorBehaviour | CollectorAction | CollectorAction[];
  /**
   * Requests from someone else's exporter, decoded without the spec checks (Deno's built-in
   * exporter repeats an attribute key the app set twice). Ours are always checked.
   */
  lenient?: (req: CollectorRequest) => boolean;
}

export interface Collector {
  /** Base URL, e.g. `http://127.0.0.1:41234` (append `/v1/traces`, `/v1/metrics`). */
  url: string;
  /** Every request received, in arrival order (live array). */
  requests: CollectorRequest[];
  /**
   * Change behaviour at runtime:
   * - a function `(req, index) => action | undefined` (undefined → 200 `{}`);
   * - an array (plan): the n-th request from now on gets plan[n], then 200 `{}` once exhausted;
   * - a single action: used for every request;
   * - no argument: back to 200 `{}`.
   */
  behave(behaviour?: CollectorBehaviour | CollectorAction | CollectorAction[]): void;
  /**
   * Resolves with all requests matching `predicate` once at least `count` (default 1) have
   * arrived; rejects after `timeoutMs` (default 5000) listing everything that did arrive.
   */
  waitFor(
    predicate?: (req: CollectorRequest) => boolean,
    timeoutMs?: number,
    count?: number,
  ): Promise<CollectorRequest[]>;
  /** Spans decoded from every request to a path ending in `/v1/traces`. */
  spans(): DecodedSpan[];
  /** Metrics decoded from every request to a path ending in `/v1/metrics`. */
  metrics(): DecodedMetric[];
  /** Log records decoded from every request to a path ending in `/v1/logs`. */
  logs(): DecodedLogRecord[];
  /** Resolves with `spans()` once `predicate(spans)` holds (default: at least one span). */
  waitForSpans(
    predicate?: (spans: DecodedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<DecodedSpan[]>;
  /** Resolves with `metrics()` once `predicate(metrics)` holds (default: at least one metric). */
  waitForMetrics(
    predicate?: (metrics: DecodedMetric[]) => boolean,
    timeoutMs?: number,
  ): Promise<DecodedMetric[]>;
  /** Forgets recorded requests (behaviour is kept). */
  clear(): void;
  /** Closes the server, destroying hanging connections; rejects pending waiters. */
  close(): Promise<void>;
}

interface Waiter {
  check(): boolean;
  fail(error: Error): void;
}

const STATUS_TO_GRPC: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  413: 8,
  429: 8,
  500: 13,
  501: 12,
  502: 14,
  503: 14,
  504: 4,
};

function normaliseAction(action: CollectorAction | undefined) {
  if (action === undefined) return { kind: 'respond' as const, status: 200 };
  if (typeof action === 'number') return { kind: 'respond' as const, status: action };
  if (action === 'hang') return { kind: 'hang' as const };
  if (action === 'destroy') return { kind: 'destroy' as const, delayMs: 0 };
  if ('hang' in action) return { kind: 'hang' as const };
  if ('destroy' in action) return { kind: 'destroy' as const, delayMs: action.delayMs ?? 0 };
  return { kind: 'respond' as const, ...action };
}

async function decompress(bytes: Uint8Array, encoding: string): Promise<Uint8Array> {
  const format = encoding === 'gzip' || encoding === 'x-gzip' ? 'gzip' : encoding;
  if (format !== 'gzip' && format !== 'deflate') {
    throw new Error(`unsupported content-encoding ${encoding}`);
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function describeRequest(r: CollectorRequest): string {
  const text = r.text.length > 300 ? `${r.text.slice(0, 300)}…(${r.text.length} chars)` : r.text;
  return `  #${r.index} ${r.method} ${r.path} content-type=${r.headers['content-type'] ?? '-'}${
    r.headers['content-encoding'] ? ` content-encoding=${r.headers['content-encoding']}` : ''
  } body=${text}`;
}

function describePredicate(fn: unknown): string {
  const src = String(fn).replace(/\s+/g, ' ');
  return src.length > 200 ? `${src.slice(0, 200)}…` : src;
}

export async function startCollector(opts: StartCollectorOptions = {}): Promise<Collector> {
  const requests: CollectorRequest[] = [];
  const decodeFor = (r: CollectorRequest): DecodeOptions => ({ strict: !opts.lenient?.(r) });
  const waiters = new Set<Waiter>();
  let behaviourFn: CollectorBehaviour = () => undefined;
  let closed = false;

  const behave: Collector['behave'] = (behaviour) => {
    if (behaviour === undefined) behaviourFn = () => undefined;
    else if (typeof behaviour === 'function') behaviourFn = behaviour;
    else if (Array.isArray(behaviour)) {
      const plan = [...behaviour];
      behaviourFn = () => plan.shift();
    } else {
      const single = behaviour;
      behaviourFn = () => single;
    }
  };
  if (opts.behaviour !== undefined) behave(opts.behaviour);

  const notify = () => {
    for (const w of [...waiters]) {
      if (w.check()) waiters.delete(w);
    }
  };

  const server = await listenLoopback((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const headers = flattenHeaders(req.headers);
      let bytes = raw;
      let decodeError: string | undefined;
      const encoding = headers['content-encoding']?.trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        try {
          bytes = await decompress(raw, encoding);
        } catch (e) {
          decodeError = `could not decode content-encoding ${encoding}: ${(e as Error).message}`;
        }
      }
      const text = new TextDecoder().decode(bytes);
      let body: unknown = text;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const record: CollectorRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        body,
        text,
        rawBody: raw,
        receivedAt: Date.now(),
      };
      if (decodeError) record.decodeError = decodeError;
      requests.push(record);
      notify();

      let action: ReturnType<typeof normaliseAction>;
      try {
        action = normaliseAction(await behaviourFn(record, record.index));
      } catch (e) {
        action = {
          kind: 'respond',
          status: 500,
          body: { code: 13, message: `collector behaviour threw: ${(e as Error).message}` },
        };
      }
      if (action.kind === 'hang') return; // close() destroys the socket
      if (action.kind === 'destroy') {
        if (action.delayMs > 0) await sleep(action.delayMs);
        req.socket.destroy();
        return;
      }
      if (action.delayMs) await sleep(action.delayMs);
      if (res.destroyed) return;
      const status = action.status;
      let payload: string | Uint8Array;
      if (action.body === undefined) {
        payload =
          status >= 200 && status < 300
            ? '{}'
            : JSON.stringify({
                code: STATUS_TO_GRPC[status] ?? 2,
                message: `collector: HTTP ${status}`,
              });
      } else if (typeof action.body === 'string' || action.body instanceof Uint8Array) {
        payload = action.body;
      } else {
        payload = JSON.stringify(action.body);
      }
      const payloadBytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
      const outHeaders: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': payloadBytes.byteLength,
      };
      for (const [k, v] of Object.entries(action.headers ?? {})) outHeaders[k.toLowerCase()] = v;
      res.writeHead(status, outHeaders);
      res.end(payloadBytes);
    })().catch((e: unknown) => {
      try {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`collector error: ${(e as Error)?.message ?? e}`);
      } catch {
        /* socket already gone */
      }
    });
  });

  function waitCondition<T>(
    evaluate: () => T | undefined,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (closed) {
        reject(new Error('collector is closed'));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        check() {
          let value: T | undefined;
          try {
            value = evaluate();
          } catch (e) {
            clearTimeout(timer);
            reject(e);
            return true;
          }
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        fail(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (waiter.check()) return;
      waiters.add(waiter);
      timer = setTimeout(() => {
        waiters.delete(waiter);
        const arrived =
          requests.length === 0
            ? '  (no requests arrived)'
            : requests.map(describeRequest).join('\n');
        reject(
          new Error(
            `collector: timed out after ${timeoutMs}ms waiting for ${describe()}; ${requests.length} request(s) arrived:\n${arrived}`,
          ),
        );
      }, timeoutMs);
    });
  }

  const signalRequests = (suffix: string) =>
    requests.filter((r) => r.path.split('?')[0].endsWith(suffix) && typeof r.body === 'object');

  const collector: Collector = {
    url: server.url,
    requests,
    behave,
    waitFor(predicate = () => true, timeoutMs = 5000, count = 1) {
      return waitCondition(
        () => {
          const matches = requests.filter((r) => {
            try {
              return predicate(r);
            } catch {
              return false;
            }
          });
          return matches.length >= count ? matches : undefined;
        },
        timeoutMs,
        () => `${count} request(s) matching ${describePredicate(predicate)}`,
      );
    },
    spans: () => signalRequests('/v1/traces').flatMap((r) => decodeTraces(r.body, decodeFor(r))),
    metrics: () => signalRequests('/v1/metrics').flatMap((r) => decodeMetrics(r.body, decodeFor(r))),
    logs: () => signalRequests('/v1/logs').flatMap((r) => decodeLogs(r.body, decodeFor(r))),
    waitForSpans(predicate = (s) => s.length > 0, timeoutMs = 5000) {
      return waitCondition(
        () => {
          const spans = collector.spans();
          return predicate(spans) ? spans : undefined;
        },
        timeoutMs,
        () => `spans matching ${describePredicate(predicate)} (have: ${collector
          .spans()
          .map((s) => s.name)
          .join(', ')})`,
      );
    },
    waitForMetrics(predicate = (m) => m.length > 0, timeoutMs = 5000) {
      return waitCondition(
        () => {
          const metrics = collector.metrics();
          return predicate(metrics) ? metrics : undefined;
        },
        timeoutMs,
        () => `metrics matching ${describePredicate(predicate)} (have: ${collector
          .metrics()
          .map((m) => m.name)
          .join(', ')})`,
      );
    },
    clear() {
      requests.length = 0;
    },
    async close() {
      closed = true;
      for (const w of waiters) w.fail(new Error('collector closed while waiting'));
      waiters.clear();
      await server.close();
    },
  };
  return collector;
}

// ---------------------------------------------------------------------------
// OTLP JSON decoding (pure)
// ---------------------------------------------------------------------------

export type Attributes = Record<string, unknown>;

export interface DecodeOptions {
  /**
   * Validate the encoding rules of the OTLP/HTTP JSON spec and throw on violations
   * (default true): hex ids of the right length and not all-zero, integer enums,
   * lowerCamelCase keys only, well-formed AnyValues, unique attribute keys,
   * timestamps as decimal strings (or integer numbers).
   */
  strict?: boolean;
}

export interface DecodedScope {
  name: string;
  version?: string;
  /** From the enclosing ScopeSpans / ScopeMetrics / ScopeLogs. */
  schemaUrl?: string;
  attributes: Attributes;
}

export interface DecodedSpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface DecodedSpanLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: Attributes;
  flags?: number;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for root spans (omitted or `""` on the wire). */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  /** 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** code: 0 UNSET, 1 OK, 2 ERROR */
  status: { code: number; message?: string };
  events: DecodedSpanEvent[];
  links: DecodedSpanLink[];
  flags?: number;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  resource: Attributes;
  resourceSchemaUrl?: string;
  scope: DecodedScope;
  /** The span object exactly as it appeared in the JSON. */
  raw: Record<string, unknown>;
}

export interface DecodedMetricPoint {
  attributes: Attributes;
  startTimeUnixNano?: bigint;
  timeUnixNano: bigint;
  /** histogram / exponentialHistogram / summary */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** sum / gauge: asInt or asDouble */
  value?: number;
  flags?: number;
  exemplars: unknown[];
  raw: Record<string, unknown>;
}

export interface DecodedMetric {
  name: string;
  unit: string;
  description: string;
  type: 'histogram' | 'sum' | 'gauge' | 'exponentialHistogram' | 'summary';
  /** 1 DELTA, 2 CUMULATIVE (undefined for gauge/summary) */
  temporality?: number;
  /** Only for sums. */
  isMonotonic?: boolean;
  points: DecodedMetricPoint[];
  metadata: Attributes;
  resource: Attributes;
  resourceSchemaUrl?: string;
  scope: DecodedScope;
  raw: Record<string, unknown>;
}

export interface DecodedLogRecord {
  timeUnixNano?: bigint;
  observedTimeUnixNano?: bigint;
  severityNumber: number;
  severityText?: string;
  eventName?: string;
  body: unknown;
  attributes: Attributes;
  traceId?: string;
  spanId?: string;
  flags?: number;
  resource: Attributes;
  resourceSchemaUrl?: string;
  scope: DecodedScope;
  raw: Record<string, unknown>;
}

class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function fail(path: string, message: string): never {
  throw new OtlpDecodeError(`OTLP JSON ${path}: ${message}`);
}

/** Accepts a parsed document, JSON text, bytes, a CollectorRequest, or an array of those. */
function toDocuments(input: unknown): Obj[] {
  if (Array.isArray(input)) return input.flatMap(toDocuments);
  if (input instanceof Uint8Array) return toDocuments(new TextDecoder().decode(input));
  if (typeof input === 'string') {
    try {
      return toDocuments(JSON.parse(input));
    } catch (e) {
      if (e instanceof OtlpDecodeError) throw e;
      fail('$', `body is not JSON: ${input.slice(0, 120)}`);
    }
  }
  if (isObj(input) && 'rawBody' in input && 'body' in input && 'path' in input) {
    return toDocuments(input.body);
  }
  if (!isObj(input)) fail('$', `expected an object, got ${typeof input}`);
  return [input];
}

function checkKeys(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkKeys(v, `${path}[${i}]`);
    });
    return;
  }
  if (!isObj(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('_')) fail(`${path}.${k}`, 'keys must be lowerCamelCase (snake_case key found)');
    checkKeys(v, `${path}.${k}`);
  }
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;

function hexId(
  v: unknown,
  path: string,
  re: RegExp,
  strict: boolean,
  optional: boolean,
): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (optional) return undefined;
    if (strict) fail(path, 'required id is missing');
    return undefined;
  }
  if (typeof v !== 'string') {
    if (strict) fail(path, `id must be a hex string, got ${typeof v}`);
    return String(v);
  }
  if (strict) {
    if (!re.test(v)) fail(path, `id must be ${re === HEX32 ? 32 : 16} hex chars, got ${JSON.stringify(v)}`);
    if (/^0+$/.test(v)) fail(path, 'id must not be all zeros');
  }
  return v.toLowerCase();
}

function uint64(v: unknown, path: string, strict: boolean): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (strict) fail(path, `expected a uint64 (decimal string), got ${JSON.stringify(v)}`);
  return undefined;
}

function int64ToNumber(v: unknown, path: string, strict: boolean): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (strict) fail(path, `expected an int64 (decimal string or integer), got ${JSON.stringify(v)}`);
  return Number(v);
}

function double(v: unknown, path: string, strict: boolean): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (strict) fail(path, `expected a double (JSON number), got ${JSON.stringify(v)}`);
  return Number(v);
}

function enumInt(
  v: unknown,
  path: string,
  strict: boolean,
  max: number,
  fallback: number,
): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
  if (strict) fail(path, `enum must be an integer 0..${max}, got ${JSON.stringify(v)}`);
  return typeof v === 'number' ? v : fallback;
}

function optInt(v: unknown, path: string, strict: boolean): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (strict) fail(path, `expected an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

function optString(v: unknown, path: string, strict: boolean): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (strict) fail(path, `expected a string, got ${JSON.stringify(v)}`);
  return String(v);
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const ANY_VALUE_FIELDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

/**
 * OTLP AnyValue → plain JS: stringValue→string, boolValue→boolean, intValue (number or
 * decimal string)→number, doubleValue→number, arrayValue→array, kvlistValue→object,
 * bytesValue→Uint8Array, empty AnyValue→null.
 */
export function anyValueToJs(value: unknown, opts: DecodeOptions = {}, path = 'value'): unknown {
  const strict = opts.strict ?? true;
  if (value === undefined || value === null) return null;
  if (!isObj(value)) {
    if (strict) fail(path, `AnyValue must be an object, got ${JSON.stringify(value)}`);
    return value;
  }
  const present = Object.keys(value).filter((k) => value[k] !== undefined);
  if (strict) {
    const unknownKeys = present.filter((k) => !(ANY_VALUE_FIELDS as readonly string[]).includes(k));
    if (unknownKeys.length) fail(path, `unknown AnyValue field(s) ${unknownKeys.join(', ')}`);
    if (present.length > 1) fail(path, `AnyValue has more than one value field: ${present.join(', ')}`);
  }
  if ('stringValue' in value) {
    const v = value.stringValue;
    if (strict && typeof v !== 'string') fail(path, 'stringValue must be a string');
    return v;
  }
  if ('boolValue' in value) {
    const v = value.boolValue;
    if (strict && typeof v !== 'boolean') fail(path, 'boolValue must be a boolean');
    return v;
  }
  if ('intValue' in value) return int64ToNumber(value.intValue, `${path}.intValue`, strict);
  if ('doubleValue' in value) return double(value.doubleValue, `${path}.doubleValue`, strict);
  if ('arrayValue' in value) {
    const arr = value.arrayValue;
    const values = isObj(arr) ? (arr.values ?? []) : [];
    if (strict && !Array.isArray(values)) fail(`${path}.arrayValue.values`, 'must be an array');
    return (values as unknown[]).map((v, i) => anyValueToJs(v, opts, `${path}.arrayValue.values[${i}]`));
  }
  if ('kvlistValue' in value) {
    const kv = value.kvlistValue;
    return keyValuesToObject(isObj(kv) ? kv.values : [], opts, `${path}.kvlistValue.values`);
  }
  if ('bytesValue' in value) {
    const v = value.bytesValue;
    if (typeof v !== 'string') {
      if (strict) fail(path, 'bytesValue must be a base64 string');
      return v;
    }
    return base64ToBytes(v);
  }
  return null;
}

/** `[{key, value: AnyValue}]` → `{ key: js }`. */
export function keyValuesToObject(
  list: unknown,
  opts: DecodeOptions = {},
  path = 'attributes',
): Attributes {
  const strict = opts.strict ?? true;
  const out: Attributes = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    if (strict) fail(path, 'must be an array of {key, value}');
    return out;
  }
  list.forEach((kv, i) => {
    if (!isObj(kv) || typeof kv.key !== 'string') {
      if (strict) fail(`${path}[${i}]`, 'must be {key: string, value: AnyValue}');
      return;
    }
    if (strict && Object.hasOwn(out, kv.key)) fail(`${path}[${i}]`, `duplicate key ${kv.key}`);
    out[kv.key] = anyValueToJs(kv.value, opts, `${path}[${i}](${kv.key})`);
  });
  return out;
}

function arr(v: unknown, path: string, strict: boolean): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (strict) fail(path, 'must be an array');
  return [];
}

function scopeOf(container: Obj, path: string, opts: DecodeOptions): DecodedScope {
  const strict = opts.strict ?? true;
  const scope = isObj(container.scope) ? container.scope : {};
  return {
    name: typeof scope.name === 'string' ? scope.name : '',
    version: optString(scope.version, `${path}.scope.version`, strict),
    schemaUrl: optString(container.schemaUrl, `${path}.schemaUrl`, strict),
    attributes: keyValuesToObject(scope.attributes, opts, `${path}.scope.attributes`),
  };
}

function resourceOf(container: Obj, path: string, opts: DecodeOptions): Attributes {
  const resource = isObj(container.resource) ? container.resource : {};
  return keyValuesToObject(resource.attributes, opts, `${path}.resource.attributes`);
}

/** ExportTraceServiceRequest JSON → flat list of spans (see DecodedSpan). */
export function decodeTraces(body: unknown, opts: DecodeOptions = {}): DecodedSpan[] {
  const strict = opts.strict ?? true;
  const out: DecodedSpan[] = [];
  for (const doc of toDocuments(body)) {
    if (strict) checkKeys(doc, '$');
    arr(doc.resourceSpans, '$.resourceSpans', strict).forEach((rs, ri) => {
      const rPath = `resourceSpans[${ri}]`;
      if (!isObj(rs)) return;
      const resource = resourceOf(rs, rPath, opts);
      const resourceSchemaUrl = optString(rs.schemaUrl, `${rPath}.schemaUrl`, strict);
      arr(rs.scopeSpans, `${rPath}.scopeSpans`, strict).forEach((ss, si) => {
        const sPath = `${rPath}.scopeSpans[${si}]`;
        if (!isObj(ss)) return;
        const scope = scopeOf(ss, sPath, opts);
        arr(ss.spans, `${sPath}.spans`, strict).forEach((span, i) => {
          const p = `${sPath}.spans[${i}]`;
          if (!isObj(span)) fail(p, 'span must be an object');
          const status = isObj(span.status) ? span.status : {};
          out.push({
            traceId: hexId(span.traceId, `${p}.traceId`, HEX32, strict, false) ?? '',
            spanId: hexId(span.spanId, `${p}.spanId`, HEX16, strict, false) ?? '',
            parentSpanId: hexId(span.parentSpanId, `${p}.parentSpanId`, HEX16, strict, true),
            traceState: optString(span.traceState, `${p}.traceState`, strict),
            name: typeof span.name === 'string' ? span.name : '',
            kind: enumInt(span.kind, `${p}.kind`, strict, 5, 0),
            startTimeUnixNano: uint64(span.startTimeUnixNano, `${p}.startTimeUnixNano`, strict) ?? 0n,
            endTimeUnixNano: uint64(span.endTimeUnixNano, `${p}.endTimeUnixNano`, strict) ?? 0n,
            attributes: keyValuesToObject(span.attributes, opts, `${p}.attributes`),
            status: {
              code: enumInt(status.code, `${p}.status.code`, strict, 2, 0),
              ...(optString(status.message, `${p}.status.message`, strict) !== undefined
                ? { message: status.message as string }
                : {}),
            },
            events: arr(span.events, `${p}.events`, strict).map((ev, ei) => {
              const e = isObj(ev) ? ev : {};
              const ep = `${p}.events[${ei}]`;
              return {
                name: typeof e.name === 'string' ? e.name : '',
                timeUnixNano: uint64(e.timeUnixNano, `${ep}.timeUnixNano`, strict) ?? 0n,
                attributes: keyValuesToObject(e.attributes, opts, `${ep}.attributes`),
                droppedAttributesCount: optInt(e.droppedAttributesCount, `${ep}.droppedAttributesCount`, strict) ?? 0,
              };
            }),
            links: arr(span.links, `${p}.links`, strict).map((lk, li) => {
              const l = isObj(lk) ? lk : {};
              const lp = `${p}.links[${li}]`;
              return {
                traceId: hexId(l.traceId, `${lp}.traceId`, HEX32, strict, false) ?? '',
                spanId: hexId(l.spanId, `${lp}.spanId`, HEX16, strict, false) ?? '',
                traceState: optString(l.traceState, `${lp}.traceState`, strict),
                attributes: keyValuesToObject(l.attributes, opts, `${lp}.attributes`),
                flags: optInt(l.flags, `${lp}.flags`, strict),
              };
            }),
            flags: optInt(span.flags, `${p}.flags`, strict),
            droppedAttributesCount: optInt(span.droppedAttributesCount, `${p}.droppedAttributesCount`, strict) ?? 0,
            droppedEventsCount: optInt(span.droppedEventsCount, `${p}.droppedEventsCount`, strict) ?? 0,
            droppedLinksCount: optInt(span.droppedLinksCount, `${p}.droppedLinksCount`, strict) ?? 0,
            resource,
            resourceSchemaUrl,
            scope,
            raw: span,
          });
        });
      });
    });
  }
  return out;
}

const METRIC_TYPES = ['histogram', 'sum', 'gauge', 'exponentialHistogram', 'summary'] as const;

/** ExportMetricsServiceRequest JSON → flat list of metrics (see DecodedMetric). */
export function decodeMetrics(body: unknown, opts: DecodeOptions = {}): DecodedMetric[] {
  const strict = opts.strict ?? true;
  const out: DecodedMetric[] = [];
  for (const doc of toDocuments(body)) {
    if (strict) checkKeys(doc, '$');
    arr(doc.resourceMetrics, '$.resourceMetrics', strict).forEach((rm, ri) => {
      const rPath = `resourceMetrics[${ri}]`;
      if (!isObj(rm)) return;
      const resource = resourceOf(rm, rPath, opts);
      const resourceSchemaUrl = optString(rm.schemaUrl, `${rPath}.schemaUrl`, strict);
      arr(rm.scopeMetrics, `${rPath}.scopeMetrics`, strict).forEach((sm, si) => {
        const sPath = `${rPath}.scopeMetrics[${si}]`;
        if (!isObj(sm)) return;
        const scope = scopeOf(sm, sPath, opts);
        arr(sm.metrics, `${sPath}.metrics`, strict).forEach((metric, mi) => {
          const p = `${sPath}.metrics[${mi}]`;
          if (!isObj(metric)) fail(p, 'metric must be an object');
          const types = METRIC_TYPES.filter((t) => isObj(metric[t]));
          if (types.length !== 1) fail(p, `expected exactly one of ${METRIC_TYPES.join('/')}, got ${types.join(',') || 'none'}`);
          const type = types[0];
          const data = metric[type] as Obj;
          const dp = `${p}.${type}`;
          const points = arr(data.dataPoints, `${dp}.dataPoints`, strict).map((pt, pi) => {
            const q = isObj(pt) ? pt : {};
            const pp = `${dp}.dataPoints[${pi}]`;
            const point: DecodedMetricPoint = {
              attributes: keyValuesToObject(q.attributes, opts, `${pp}.attributes`),
              startTimeUnixNano: uint64(q.startTimeUnixNano, `${pp}.startTimeUnixNano`, strict),
              timeUnixNano: uint64(q.timeUnixNano, `${pp}.timeUnixNano`, strict) ?? 0n,
              flags: optInt(q.flags, `${pp}.flags`, strict),
              exemplars: arr(q.exemplars, `${pp}.exemplars`, strict),
              raw: q,
            };
            if (type === 'sum' || type === 'gauge') {
              if (q.asInt !== undefined) point.value = int64ToNumber(q.asInt, `${pp}.asInt`, strict);
              else if (q.asDouble !== undefined) point.value = double(q.asDouble, `${pp}.asDouble`, strict);
              else point.value = 0;
            } else {
              point.count = int64ToNumber(q.count, `${pp}.count`, strict) ?? 0;
              point.sum = double(q.sum, `${pp}.sum`, strict);
              if (type !== 'summary') {
                point.min = double(q.min, `${pp}.min`, strict);
                point.max = double(q.max, `${pp}.max`, strict);
              }
              if (type === 'histogram') {
                point.bucketCounts = arr(q.bucketCounts, `${pp}.bucketCounts`, strict).map(
                  (c, ci) => int64ToNumber(c, `${pp}.bucketCounts[${ci}]`, strict) ?? 0,
                );
                point.explicitBounds = arr(q.explicitBounds, `${pp}.explicitBounds`, strict).map(
                  (b, bi) => double(b, `${pp}.explicitBounds[${bi}]`, strict) ?? 0,
                );
              }
            }
            return point;
          });
          out.push({
            name: typeof metric.name === 'string' ? metric.name : '',
            unit: typeof metric.unit === 'string' ? metric.unit : '',
            description: typeof metric.description === 'string' ? metric.description : '',
            type,
            temporality:
              type === 'gauge' || type === 'summary'
                ? undefined
                : enumInt(data.aggregationTemporality, `${dp}.aggregationTemporality`, strict, 2, 0),
            isMonotonic: type === 'sum' ? data.isMonotonic === true : undefined,
            points,
            metadata: keyValuesToObject(metric.metadata, opts, `${p}.metadata`),
            resource,
            resourceSchemaUrl,
            scope,
            raw: metric,
          });
        });
      });
    });
  }
  return out;
}

/** ExportLogsServiceRequest JSON → flat list of log records (see DecodedLogRecord). */
export function decodeLogs(body: unknown, opts: DecodeOptions = {}): DecodedLogRecord[] {
  const strict = opts.strict ?? true;
  const out: DecodedLogRecord[] = [];
  for (const doc of toDocuments(body)) {
    if (strict) checkKeys(doc, '$');
    arr(doc.resourceLogs, '$.resourceLogs', strict).forEach((rl, ri) => {
      const rPath = `resourceLogs[${ri}]`;
      if (!isObj(rl)) return;
      const resource = resourceOf(rl, rPath, opts);
      const resourceSchemaUrl = optString(rl.schemaUrl, `${rPath}.schemaUrl`, strict);
      arr(rl.scopeLogs, `${rPath}.scopeLogs`, strict).forEach((sl, si) => {
        const sPath = `${rPath}.scopeLogs[${si}]`;
        if (!isObj(sl)) return;
        const scope = scopeOf(sl, sPath, opts);
        arr(sl.logRecords, `${sPath}.logRecords`, strict).forEach((rec, i) => {
          const p = `${sPath}.logRecords[${i}]`;
          if (!isObj(rec)) fail(p, 'log record must be an object');
          out.push({
            timeUnixNano: uint64(rec.timeUnixNano, `${p}.timeUnixNano`, strict),
            observedTimeUnixNano: uint64(rec.observedTimeUnixNano, `${p}.observedTimeUnixNano`, strict),
            severityNumber: enumInt(rec.severityNumber, `${p}.severityNumber`, strict, 24, 0),
            severityText: optString(rec.severityText, `${p}.severityText`, strict),
            eventName: optString(rec.eventName, `${p}.eventName`, strict),
            body: rec.body === undefined ? undefined : anyValueToJs(rec.body, opts, `${p}.body`),
            attributes: keyValuesToObject(rec.attributes, opts, `${p}.attributes`),
            traceId: hexId(rec.traceId, `${p}.traceId`, HEX32, strict, true),
            spanId: hexId(rec.spanId, `${p}.spanId`, HEX16, strict, true),
            flags: optInt(rec.flags, `${p}.flags`, strict),
            resource,
            resourceSchemaUrl,
            scope,
            raw: rec,
          });
        });
      });
    });
  }
  return out;
}
