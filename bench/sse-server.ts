/**
 * A synthetic OpenAI Chat Completions upstream on 127.0.0.1, written as fast as the socket
 * takes it (backpressure respected, no delays unless `gap` asks for them).
 *
 *   POST /v1/chat/completions?bytes=N&write=bulk|event
 *     streams `chat.completion.chunk` events (one role chunk, content chunks, a finish chunk,
 *     a usage chunk, `data: [DONE]`) until at least N bytes. `write=bulk` writes 16 KiB slices
 *     (reads in the Worker then carry many events each); `write=event` makes one write per event.
 *   POST /v1/chat/completions?events=K  a short stream of K content events, one write each.
 *   ...&gap=G                           sleep G ms between writes (a model producing tokens over
 *                                       time, e.g. `?events=500&gap=2`); no sleep by default.
 *   ...&think=T                         wait T ms before answering (the provider's time before its
 *                                       response headers); none by default.
 *
 * Bodies are generated once per shape and cached, so the server costs little CPU per request.
 */
import { listenLoopback, type LoopbackServer, readBody } from "../test/support/collector.js";

export interface SseBody {
  bytes: Uint8Array;
  /** Byte offset just after each event. */
  ends: number[];
  /** Events the instrumentation should count as model output chunks (content deltas + finish). */
  contentEvents: number;
  events: number;
}

const WORDS = ["the", " quick", " brown", " fox", " jumps", " over", " a", " lazy", " dog", ",", " and", " then", " some", " more", " tokens", "."];

function event(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

function chunk(delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) {
  return {
    id: "chatcmpl-BenchBenchBenchBenchBenchBench",
    object: "chat.completion.chunk",
    created: 1731000000,
    model: "gpt-4o-mini-2024-07-18",
    service_tier: "default",
    system_fingerprint: "fp_0ba0d124f1",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
    ...extra,
  };
}

const cache = new Map<string, SseBody>();

/** A stream of at least `minBytes` bytes, or of exactly `contentEvents` content events. */
export function sseBody(shape: { minBytes?: number; contentEvents?: number }): SseBody {
  const key = JSON.stringify(shape);
  const hit = cache.get(key);
  if (hit) return hit;
  const enc = new TextEncoder();
  const parts: string[] = [event(chunk({ role: "assistant", content: "", refusal: null }, null))];
  const tail = [
    event(chunk({}, "stop")),
    event({ ...chunk({}, null), choices: [], usage: { prompt_tokens: 25, completion_tokens: 0, total_tokens: 25 } }),
    "data: [DONE]\n\n",
  ];
  let size = parts[0].length + tail.join("").length;
  let n = 0;
  for (;;) {
    if (shape.contentEvents !== undefined ? n >= shape.contentEvents : size >= (shape.minBytes ?? 0)) break;
    const e = event(chunk({ content: WORDS[n % WORDS.length] }, null));
    parts.push(e);
    size += e.length;
    n++;
  }
  // Usage reflects the content events so the parser's result can be checked.
  tail[1] = event({ ...chunk({}, null), choices: [], usage: { prompt_tokens: 25, completion_tokens: n, total_tokens: 25 + n } });
  parts.push(...tail);
  const ends: number[] = [];
  let off = 0;
  const encoded = parts.map((p) => enc.encode(p));
  for (const e of encoded) {
    off += e.byteLength;
    ends.push(off);
  }
  const bytes = new Uint8Array(off);
  off = 0;
  for (const e of encoded) {
    bytes.set(e, off);
    off += e.byteLength;
  }
  const body = { bytes, ends, contentEvents: n + 1, events: parts.length };
  cache.set(key, body);
  return body;
}

export interface SseServer extends LoopbackServer {
  urlFor(q: { bytes?: number; events?: number; write?: "bulk" | "event"; gap?: number; think?: number }): string;
  requests: number;
}

const SLICE = 16 * 1024;

export async function startSseServer(): Promise<SseServer> {
  let requests = 0;
  const server = await listenLoopback((req, res) => {
    void (async () => {
      await readBody(req);
      requests++;
      const url = new URL(req.url ?? "/", "http://x");
      const bytesQ = url.searchParams.get("bytes");
      const eventsQ = url.searchParams.get("events");
      const body = sseBody(eventsQ ? { contentEvents: Number(eventsQ) } : { minBytes: Number(bytesQ ?? 1_000_000) });
      const perEvent = eventsQ !== null || url.searchParams.get("write") === "event";
      const gapMs = Number(url.searchParams.get("gap") ?? "0");
      const thinkMs = Number(url.searchParams.get("think") ?? "0");
      if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs));
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-request-id": "req_bench" });
      const pieces: Uint8Array[] = [];
      if (perEvent) {
        let start = 0;
        for (const end of body.ends) {
          pieces.push(body.bytes.subarray(start, end));
          start = end;
        }
      } else {
        for (let o = 0; o < body.bytes.byteLength; o += SLICE) pieces.push(body.bytes.subarray(o, o + SLICE));
      }
      for (const [i, piece] of pieces.entries()) {
        if (res.destroyed) return;
        if (gapMs > 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        if (!res.write(piece)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done);
              res.off("close", done);
              resolve();
            };
            res.once("drain", done);
            res.once("close", done);
          });
        }
      }
      res.end();
    })();
  });
  return {
    ...server,
    get requests() {
      return requests;
    },
    urlFor(q) {
      const params = new URLSearchParams();
      if (q.bytes !== undefined) params.set("bytes", String(q.bytes));
      if (q.events !== undefined) params.set("events", String(q.events));
      if (q.write) params.set("write", q.write);
      if (q.gap !== undefined) params.set("gap", String(q.gap));
      if (q.think !== undefined) params.set("think", String(q.think));
      return `${server.url}/v1/chat/completions?${params}`;
    },
  };
}
