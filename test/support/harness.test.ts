import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Collector,
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  nodeBuiltin,
  startCollector,
} from './collector.js';
import {
  eventBoundaries,
  fixtureBytes,
  fixtureChunks,
  fixtureKind,
  type Replay,
  startReplay,
} from './replay.js';
import { type StartedWorker, startWorker } from './workerd.js';

const OPENAI_STREAM = 'openai/chat-stream-include-usage.sse';

const bytesOf = async (res: { arrayBuffer(): Promise<ArrayBuffer> }) =>
  new Uint8Array(await res.arrayBuffer());

async function readChunks(res: Response): Promise<Uint8Array[]> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

function listFixtures(): string[] {
  const fs = nodeBuiltin<{ readdirSync(p: URL, o: { recursive: true }): string[] }>('node:fs');
  return fs
    .readdirSync(new URL('../fixtures/', import.meta.url), { recursive: true })
    .filter((f) => /\.(sse|json|ndjson|b64)$/.test(f))
    .map((f) => f.split('\\').join('/'))
    .sort();
}

// ---------------------------------------------------------------------------

describe('decode helpers', () => {
  const traceDoc = {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'edge-app' } },
            { key: 'service.instance.id', value: { stringValue: 'i-1' } },
          ],
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
        scopeSpans: [
          {
            scope: { name: 'otel-genai-edge', version: '0.1.0' },
            schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                parentSpanId: '',
                name: 'chat gpt-4o',
                kind: 3,
                flags: 1,
                startTimeUnixNano: '1760000000000000000',
                endTimeUnixNano: '1760000001250000001',
                attributes: [
                  { key: 'gen_ai.request.max_tokens', value: { intValue: '512' } },
                  { key: 'server.port', value: { intValue: 443 } },
                  { key: 'gen_ai.request.temperature', value: { doubleValue: 0.2 } },
                  { key: 'gen_ai.request.stream', value: { boolValue: true } },
                  {
                    key: 'gen_ai.response.finish_reasons',
                    value: { arrayValue: { values: [{ stringValue: 'stop' }, { stringValue: 'length' }] } },
                  },
                  {
                    key: 'gen_ai.input.messages',
                    value: {
                      kvlistValue: {
                        values: [
                          { key: 'role', value: { stringValue: 'user' } },
                          { key: 'n', value: { intValue: '-3' } },
                          { key: 'nested', value: { arrayValue: { values: [{ intValue: 1 }] } } },
                        ],
                      },
                    },
                  },
                  { key: 'raw.bytes', value: { bytesValue: 'AQID' } },
                  { key: 'empty.array', value: { arrayValue: {} } },
                ],
                events: [
                  {
                    name: 'gen_ai.content.chunk',
                    timeUnixNano: '1760000000500000000',
                    attributes: [{ key: 'i', value: { intValue: '0' } }],
                  },
                ],
                status: { code: 2, message: 'Rate limit reached' },
              },
              {
                traceId: '5B8EFFF798038103D269B633813FC60C',
                spanId: '00f067aa0ba902b7',
                parentSpanId: 'eee19b7ec3c1b174',
                name: 'child',
                startTimeUnixNano: 1760000000100000000,
                endTimeUnixNano: '1760000000200000000',
              },
            ],
          },
        ],
      },
    ],
  };

  it('decodes spans with attribute AnyValues to plain JS (intValue as number or string)', () => {
    const spans = decodeTraces(traceDoc);
    expect(spans).toHaveLength(2);
    const [root, child] = spans;
    expect(root).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: undefined,
      name: 'chat gpt-4o',
      kind: 3,
      flags: 1,
      startTimeUnixNano: 1760000000000000000n,
      endTimeUnixNano: 1760000001250000001n,
      status: { code: 2, message: 'Rate limit reached' },
      resource: { 'service.name': 'edge-app', 'service.instance.id': 'i-1' },
      scope: { name: 'otel-genai-edge', version: '0.1.0', schemaUrl: 'https://opentelemetry.io/schemas/1.37.0' },
    });
    expect(root.attributes).toEqual({
      'gen_ai.request.max_tokens': 512,
      'server.port': 443,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'gen_ai.input.messages': { role: 'user', n: -3, nested: [1] },
      'raw.bytes': new Uint8Array([1, 2, 3]),
      'empty.array': [],
    });
    expect(root.events).toEqual([
      {
        name: 'gen_ai.content.chunk',
        timeUnixNano: 1760000000500000000n,
        attributes: { i: 0 },
        droppedAttributesCount: 0,
      },
    ]);
    expect(root.endTimeUnixNano - root.startTimeUnixNano).toBe(1250000001n);
    expect(child).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      parentSpanId: 'eee19b7ec3c1b174',
      kind: 0,
      status: { code: 0 },
      attributes: {},
      events: [],
    });
    // Also accepts JSON text, bytes and arrays of documents.
    expect(decodeTraces(JSON.stringify(traceDoc))).toHaveLength(2);
    expect(decodeTraces(new TextEncoder().encode(JSON.stringify(traceDoc)))).toHaveLength(2);
    expect(decodeTraces([traceDoc, traceDoc])).toHaveLength(4);
    expect(decodeTraces({})).toEqual([]);
  });

  it('rejects encodings the OTLP JSON spec forbids (strict by default)', () => {
    const withSpan = (patch: Record<string, unknown>) => ({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 's',
                  kind: 3,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  ...patch,
                },
              ],
            },
          ],
        },
      ],
    });
    expect(() => decodeTraces(withSpan({}))).not.toThrow();
    expect(() => decodeTraces(withSpan({ kind: 'SPAN_KIND_CLIENT' }))).toThrow(/kind.*integer/);
    expect(() => decodeTraces(withSpan({ status: { code: 'STATUS_CODE_ERROR' } }))).toThrow(/status\.code/);
    expect(() => decodeTraces(withSpan({ traceId: 'W47/95gDgQPSabYzgT/GDA==' }))).toThrow(/32 hex/);
    expect(() => decodeTraces(withSpan({ spanId: '0000000000000000' }))).toThrow(/all zeros/);
    expect(() => decodeTraces(withSpan({ start_time_unix_nano: '1' }))).toThrow(/lowerCamelCase/);
    expect(() => decodeTraces(withSpan({ startTimeUnixNano: 1.5 }))).toThrow(/uint64/);
    expect(() =>
      decodeTraces(withSpan({ attributes: [{ key: 'a', value: { intValue: '1', stringValue: 'x' } }] })),
    ).toThrow(/more than one/);
    expect(() =>
      decodeTraces(withSpan({ attributes: [{ key: 'a', value: { stringValue: 'x' } }, { key: 'a', value: { stringValue: 'y' } }] })),
    ).toThrow(/duplicate key a/);
    // Lenient mode still decodes what it can.
    expect(decodeTraces(withSpan({ kind: 'SPAN_KIND_CLIENT' }), { strict: false })).toHaveLength(1);
  });

  it('decodes metrics: histogram, sum and gauge points', () => {
    const metrics = decodeMetrics({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'edge-app' } }] },
          scopeMetrics: [
            {
              scope: { name: 'otel-genai-edge', version: '0.1.0' },
              metrics: [
                {
                  name: 'gen_ai.client.operation.duration',
                  unit: 's',
                  description: 'GenAI operation duration',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
                        startTimeUnixNano: '1760000000000000000',
                        timeUnixNano: '1760000010000000000',
                        count: '2',
                        sum: 1.7,
                        min: 0.4,
                        max: 1.3,
                        bucketCounts: ['0', '1', 1],
                        explicitBounds: [0.1, 1],
                      },
                    ],
                  },
                },
                {
                  name: 'tokens',
                  unit: '{token}',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{ timeUnixNano: '5', asInt: '123' }],
                  },
                },
                { name: 'g', gauge: { dataPoints: [{ timeUnixNano: '5', asDouble: 0.5 }] } },
              ],
            },
          ],
        },
      ],
    });
    expect(metrics.map((m) => [m.name, m.type, m.temporality, m.isMonotonic])).toEqual([
      ['gen_ai.client.operation.duration', 'histogram', 1, undefined],
      ['tokens', 'sum', 2, true],
      ['g', 'gauge', undefined, undefined],
    ]);
    expect(metrics[0]).toMatchObject({
      unit: 's',
      description: 'GenAI operation duration',
      resource: { 'service.name': 'edge-app' },
      scope: { name: 'otel-genai-edge', version: '0.1.0' },
    });
    expect(metrics[0].points[0]).toMatchObject({
      attributes: { 'gen_ai.operation.name': 'chat' },
      count: 2,
      sum: 1.7,
      min: 0.4,
      max: 1.3,
      bucketCounts: [0, 1, 1],
      explicitBounds: [0.1, 1],
      startTimeUnixNano: 1760000000000000000n,
      timeUnixNano: 1760000010000000000n,
    });
    expect(metrics[1].points[0].value).toBe(123);
    expect(metrics[2].points[0].value).toBe(0.5);
  });

  it('decodes log records', () => {
    const [rec] = decodeLogs({
      resourceLogs: [
        {
          scopeLogs: [
            {
              scope: { name: 'x' },
              logRecords: [
                {
                  timeUnixNano: '10',
                  severityNumber: 9,
                  eventName: 'gen_ai.client.inference.operation.details',
                  body: { kvlistValue: { values: [{ key: 'a', value: { intValue: '1' } }] } },
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                },
              ],
            },
          ],
        },
      ],
    });
    expect(rec).toMatchObject({
      timeUnixNano: 10n,
      severityNumber: 9,
      eventName: 'gen_ai.client.inference.operation.details',
      body: { a: 1 },
      spanId: 'eee19b7ec3c1b174',
    });
  });
});

// ---------------------------------------------------------------------------

describe('collector', () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.close();
  });

  const post = (body: unknown, init: RequestInit = {}) =>
    fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...init,
    });

  it('answers 200 {} by default and records method, path, headers, parsed body', async () => {
    collector.behave();
    collector.clear();
    const res = await post({ hello: 1 }, { headers: { 'content-type': 'application/json', 'x-k': 'v' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({});
    const [req] = await collector.waitFor((r) => r.path === '/v1/traces');
    expect(req).toMatchObject({ method: 'POST', path: '/v1/traces', body: { hello: 1 } });
    expect(req.headers['x-k']).toBe('v');
    expect(typeof req.receivedAt).toBe('number');
  });

  it('decodes gzip request bodies', async () => {
    collector.clear();
    const gz = new Uint8Array(
      await new Response(
        new Blob([JSON.stringify({ resourceSpans: [] })]).stream().pipeThrough(new CompressionStream('gzip')),
      ).arrayBuffer(),
    );
    const res = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gz,
    });
    expect(res.status).toBe(200);
    expect(collector.requests[0].body).toEqual({ resourceSpans: [] });
    expect(collector.requests[0].rawBody).toEqual(gz);
  });

  it('responds 400 with a google.rpc.Status body', async () => {
    collector.behave(400);
    const res = await post({ bad: true });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 3 });
    collector.behave();
  });

  it('follows a plan: 503 with Retry-After, then 200', async () => {
    collector.clear();
    collector.behave([{ status: 503, headers: { 'Retry-After': '1' } }, 200]);
    const first = await post({ n: 1 });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    await first.arrayBuffer();
    const second = await post({ n: 2 });
    expect(second.status).toBe(200);
    const third = await post({ n: 3 });
    expect(third.status).toBe(200); // plan exhausted → default
    const reqs = await collector.waitFor(() => true, 1000, 3);
    expect(reqs.map((r) => r.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('behaviour functions see the request', async () => {
    collector.behave((req) => ((req.body as { n: number }).n === 7 ? 429 : undefined));
    expect((await post({ n: 7 })).status).toBe(429);
    expect((await post({ n: 8 })).status).toBe(200);
    collector.behave();
  });

  it('can destroy the socket', async () => {
    collector.behave('destroy');
    await expect(post({ x: 1 })).rejects.toThrow();
    collector.behave();
  });

  it('hangs until closed, and close() ends the hanging connection', async () => {
    const c = await startCollector({ behaviour: 'hang' });
    const pending = fetch(`${c.url}/v1/traces`, { method: 'POST', body: '{"a":1}' });
    const settled = pending.then(
      () => 'resolved',
      () => 'rejected',
    );
    await c.waitFor((r) => r.path === '/v1/traces', 2000);
    const raced = await Promise.race([settled, new Promise((r) => setTimeout(() => r('pending'), 200))]);
    expect(raced).toBe('pending');
    const t0 = Date.now();
    await c.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await settled).toBe('rejected');
  });

  it('waitFor rejects with a message listing what arrived', async () => {
    collector.clear();
    await post({ some: 'thing' });
    await expect(collector.waitFor((r) => r.path === '/v1/metrics', 150)).rejects.toThrow(
      /timed out after 150ms[\s\S]*1 request\(s\) arrived[\s\S]*POST \/v1\/traces[\s\S]*"some":"thing"/,
    );
  });

  it('spans()/waitForSpans() decode everything posted to /v1/traces', async () => {
    collector.clear();
    const doc = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'chat m',
                  kind: 3,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                },
              ],
            },
          ],
        },
      ],
    };
    setTimeout(() => void post(doc), 50);
    const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'chat m'), 2000);
    expect(spans[0].kind).toBe(3);
  });
});

// ---------------------------------------------------------------------------

describe('replay', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplay();
  });
  afterAll(async () => {
    await replay?.close();
  });

  it('event chunks concatenate to the fixture bytes for every fixture', () => {
    const fixtures = listFixtures();
    expect(fixtures.length).toBeGreaterThan(30);
    for (const f of fixtures) {
      const chunks = fixtureChunks(f);
      expect(concat(chunks), f).toEqual(fixtureBytes(f));
      const kind = fixtureKind(f);
      if (kind === 'sse') {
        expect(chunks.length, f).toBeGreaterThan(0);
        for (const c of chunks.slice(0, -1)) {
          const tail = new TextDecoder().decode(c.subarray(-4));
          expect(tail.endsWith('\n\n') || tail.endsWith('\r\n\r\n'), f).toBe(true);
        }
      }
    }
    // Titan ConverseStream is 5 binary frames.
    expect(eventBoundaries(fixtureBytes('bedrock/converse-stream-titan.b64'), 'eventstream')).toHaveLength(5);
    expect(fixtureChunks('bedrock/converse-stream-claude-tool-use.b64')).toHaveLength(25);
  });

  it('streams an SSE fixture with chunked transfer, bytes exact, with or without /v1', async () => {
    replay.clear();
    const base = replay.baseFor(OPENAI_STREAM, { gapMs: 0 });
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fx\/0\/200\/openai%2Fchat-stream-include-usage\.sse$/);
    for (const sub of ['/v1/chat/completions', '/chat/completions']) {
      const res = await fetch(base + sub, { method: 'POST', body: '{"model":"gpt-4o-mini"}' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(res.headers.get('content-length')).toBeNull();
      expect(await bytesOf(res)).toEqual(fixtureBytes(OPENAI_STREAM));
    }
    expect(replay.requests.map((r) => [r.method, r.subPath, r.fixture])).toEqual([
      ['POST', '/v1/chat/completions', OPENAI_STREAM],
      ['POST', '/chat/completions', OPENAI_STREAM],
    ]);
    expect(replay.requests[0].json).toEqual({ model: 'gpt-4o-mini' });
  });

  it('writes one event per write with gapMs between them', async () => {
    const t0 = Date.now();
    const res = await fetch(replay.urlFor(OPENAI_STREAM, '/v1/chat/completions', { gapMs: 25 }));
    const chunks = await readChunks(res);
    const events = fixtureChunks(OPENAI_STREAM).length;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25 * (events - 1));
    expect(chunks.length).toBeGreaterThan(1);
    expect(concat(chunks)).toEqual(fixtureBytes(OPENAI_STREAM));
  });

  it('split delivery at arbitrary byte offsets still concatenates to the fixture bytes', async () => {
    const splits = [1, 2, 3, 50, 51, 400, 1000, 2264];
    const res = await fetch(replay.urlFor(OPENAI_STREAM, '/v1/chat/completions', { splits, gapMs: 15 }));
    const chunks = await readChunks(res);
    expect(concat(chunks)).toEqual(fixtureBytes(OPENAI_STREAM));
    expect(chunks.length).toBeGreaterThan(1);
    expect(fixtureChunks(OPENAI_STREAM, splits).map((c) => c.byteLength)).toEqual([
      1, 1, 1, 47, 1, 349, 600, 1264, 1,
    ]);
    expect(replay.requests.at(-1)?.options).toEqual({ splits });
  });

  it('serves .json whole with content-length and the requested status; .b64 as binary event-stream', async () => {
    const err = await fetch(replay.urlFor('openai/error-400-invalid-image-url.json', '/v1/chat/completions', { status: 400 }));
    expect(err.status).toBe(400);
    expect(err.headers.get('content-type')).toBe('application/json');
    expect(err.headers.get('content-length')).toBe(String(fixtureBytes('openai/error-400-invalid-image-url.json').byteLength));
    expect((await err.json()).error.code).toBe('invalid_image_url');

    const titan = await fetch(
      replay.urlFor('bedrock/converse-stream-titan.b64', '/model/amazon.titan-text-lite-v1/converse-stream', { gapMs: 0 }),
    );
    expect(titan.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    expect(await bytesOf(titan)).toEqual(fixtureBytes('bedrock/converse-stream-titan.b64'));

    const nd = await fetch(replay.urlFor('ollama/api-chat-stream.ndjson', '/api/chat', { gapMs: 0 }));
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await bytesOf(nd)).toEqual(fixtureBytes('ollama/api-chat-stream.ndjson'));
  });

  it('supports extra headers, mid-stream socket destruction and unknown fixtures', async () => {
    const h = await fetch(replay.urlFor(OPENAI_STREAM, '/x', { gapMs: 0, status: 429, headers: { 'retry-after': '2' } }));
    expect(h.status).toBe(429);
    expect(h.headers.get('retry-after')).toBe('2');
    await h.arrayBuffer();

    const cut = await fetch(replay.urlFor(OPENAI_STREAM, '/x', { gapMs: 0, destroyAfterBytes: 300 }));
    expect(cut.status).toBe(200);
    await expect(cut.arrayBuffer()).rejects.toThrow();

    const missing = await fetch(`${replay.url}/fx/0/200/nope%2Fmissing.sse/v1/chat/completions`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/unknown fixture/);
    expect(replay.requests.at(-1)?.error).toMatch(/unknown fixture nope%2Fmissing\.sse/);
    expect(() => replay.baseFor('nope/missing.sse')).toThrow(/no fixture/);
  });
});

// ---------------------------------------------------------------------------

describe('workerd (Miniflare) smoke worker', () => {
  let collector: Collector;
  let replay: Replay;
  let worker: StartedWorker;

  beforeAll(async () => {
    collector = await startCollector();
    replay = await startReplay();
    worker = await startWorker({
      entry: 'test/workers/smoke.ts',
      env: { COLLECTOR: collector.url, REPLAY: replay.baseFor(OPENAI_STREAM) },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await Promise.all([collector?.close(), replay?.close()]);
  });

  it('returns the replayed fixture byte-for-byte and exports via waitUntil to the collector', async () => {
    const res = await worker.fetch('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await bytesOf(res)).toEqual(fixtureBytes(OPENAI_STREAM));

    const [req] = await collector.waitFor((r) => r.method === 'POST' && r.path === '/v1/traces');
    expect(req.body).toEqual({ hello: 1 });
    expect(req.headers['content-type']).toBe('application/json');
    expect(replay.requests.at(-1)).toMatchObject({ method: 'POST', subPath: '/v1/chat/completions' });

    await worker.waitForLog('smoke: export status 200');
    expect(worker.logs).toContain('smoke: GET /');
    expect(worker.logEntries.find((l) => l.message === 'smoke: GET /')?.level).toBe('log');
  });

  it('waitUntil work keeps running after dispatchFetch has resolved', async () => {
    collector.clear();
    const t0 = Date.now();
    const res = await worker.fetch('/?exportDelayMs=300');
    await res.arrayBuffer();
    // The response is complete, the export (300 ms later, inside waitUntil) is not.
    expect(collector.requests).toHaveLength(0);
    const [req] = await collector.waitFor((r) => r.path === '/v1/traces', 5000);
    expect(req.receivedAt - t0).toBeGreaterThanOrEqual(280);
  });

  it('a rejected waitUntil promise shows up in the logs (verbose workerd)', async () => {
    const res = await worker.fetch('/reject');
    expect(await res.text()).toBe('ok');
    const line = await worker.waitForLog(/uncaught exception.*smoke-reject/s);
    expect(line).toMatch(/Uncaught \(in promise\)/);
  });

  it('is reachable over real HTTP at worker.url', async () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${worker.url}/`);
    expect(await bytesOf(res)).toEqual(fixtureBytes(OPENAI_STREAM));
  });

  it('sees streamed chunks arrive separately inside workerd', async () => {
    const u = replay.urlFor(OPENAI_STREAM, '/v1/chat/completions', { gapMs: 20 });
    const res = await worker.fetch(`/chunks?u=${encodeURIComponent(u)}`);
    const out = (await res.json()) as { status: number; chunks: { at: number; bytes: number }[] };
    expect(out.status).toBe(200);
    expect(out.chunks.reduce((n, c) => n + c.bytes, 0)).toBe(fixtureBytes(OPENAI_STREAM).byteLength);
    expect(out.chunks.length).toBeGreaterThan(1);
    expect(out.chunks.at(-1)!.at - out.chunks[0].at).toBeGreaterThanOrEqual(20);
  });

  it('clock: Date.now()/performance.now() are epoch ms and advance locally even without I/O', async () => {
    const res = await worker.fetch('/clock');
    const clock = (await res.json()) as Record<string, number>;
    expect(clock.timeOrigin).toBe(0);
    expect(clock.p0).toBeGreaterThan(1.6e12);
    expect(Math.abs(clock.p0 - clock.t0)).toBeLessThan(5);
    // Locally (unlike production) a busy loop of tens of milliseconds moves both clocks.
    expect(clock.cpuDate).toBeGreaterThan(0);
    expect(clock.cpuPerf).toBeGreaterThan(0);
    expect(clock.ioDate).toBeGreaterThanOrEqual(0);
  });
});
