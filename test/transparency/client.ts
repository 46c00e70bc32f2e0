/**
 * The test's side: the request each case sends to the app, a raw HTTP/1.1 client (node:http,
 * no decoding, so Content-Length, Transfer-Encoding and compressed bytes are seen as sent), and
 * the normalization that makes a bare and a wrapped observation comparable (the per-run token
 * in URLs becomes TOKEN; `date` is dropped).
 */
import { request as httpRequest } from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { type BodySummary, headerMap, summarizeBytes, type UpstreamRequest } from "./upstream.js";

export interface ClientRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The Host every request names, so request.url is the same for both variants. */
export const APP_HOST = "app.test";

const PROXY: Partial<ClientRequest> = {
  method: "POST",
  path: "/incoming/path?q=1&r=two%20words",
  headers: { "content-type": "text/plain; charset=utf-8", "x-custom": "1" },
  body: "proxy body ✓ from the client",
};

const LLM_PROXY: Partial<ClientRequest> = {
  method: "POST",
  path: "/v1/chat/completions",
  headers: { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" },
  body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "proxied" }] }),
};

/** Cases whose client request is not a plain GET. */
const SPECIAL: Record<string, Partial<ClientRequest> & { aimAtUpstream?: string }> = {
  "proxy-request-as-init": PROXY,
  "proxy-new-request": PROXY,
  "proxy-request-itself": { ...PROXY, aimAtUpstream: "/echo?q=1&r=two%20words" },
  "proxy-init-from-request": PROXY,
  "proxy-request-with-init": PROXY,
  "used-incoming-request": PROXY,
  "out-pass-proxy-echo": PROXY,
  "out-pass-proxy-as-init": PROXY,
  "out-pass-head": { method: "HEAD" },
  "proxy-llm-request-as-init": LLM_PROXY,
  "proxy-init-from-request-llm": LLM_PROXY,
  "proxy-llm-new-request": LLM_PROXY,
  "out-pass-proxy-llm": LLM_PROXY,
  "out-pass-proxy-llm-as-init": LLM_PROXY,
};

export interface CaseTarget {
  name: string;
  /** Upstream origin and this run's base (origin + /t/<token>). */
  upstreamOrigin: string;
  base: string;
  refused: string;
  traceparent: string;
}

/**
 * Cases whose client says it accepts compressed answers (as browsers do): then runtimes may
 * compress or pass compressed bytes through. The others do not, so a Content-Length is not
 * hidden by the runtime's own compression.
 */
const ACCEPTS_ENCODING = /gzip|deflate|-br$|encode-manual|accept-encoding/;

export function clientRequest(t: CaseTarget): ClientRequest {
  const special = SPECIAL[t.name] ?? {};
  const upstreamHost = new URL(t.upstreamOrigin).host;
  const aimed = special.aimAtUpstream !== undefined;
  return {
    method: special.method ?? "GET",
    path: aimed ? `${new URL(t.base).pathname}${special.aimAtUpstream}` : (special.path ?? "/"),
    body: special.body,
    headers: {
      host: aimed ? upstreamHost : APP_HOST,
      ...(ACCEPTS_ENCODING.test(t.name) ? { "accept-encoding": "gzip, deflate, br" } : {}),
      "user-agent": "transparency-client/1",
      traceparent: t.traceparent,
      "x-case": t.name,
      "x-upstream": t.base,
      "x-refused": t.refused,
      ...special.headers,
    },
  };
}

export interface RawResponse {
  status: number;
  statusMessage: string;
  /** [lower-cased name, value] as received. */
  headers: [string, string][];
  body: Buffer;
  /** The connection failed before or while the response arrived. */
  error?: string;
}

/** One request on a fresh connection; the response exactly as it came off the wire (de-chunked only). */
export function rawRequest(origin: string, r: ClientRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let response: RawResponse = { status: 0, statusMessage: "", headers: [], body: Buffer.alloc(0) };
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...response, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
    };
    const req = httpRequest({ hostname, port, method: r.method, path: r.path, headers: r.headers, agent: false }, (res) => {
      const headers: [string, string][] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
      response = { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", headers, body: Buffer.alloc(0) };
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => finish());
      res.on("error", (error) => finish(`response: ${error.message}`));
      res.on("aborted", () => finish("response aborted"));
    });
    const timer = setTimeout(() => {
      finish(`no complete response within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    req.on("error", (error) => finish(`request: ${error.message}`));
    req.end(r.body);
  });
}

const decoders: Record<string, (body: Buffer) => Buffer> = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync };

function decode(encoding: string, body: Buffer): BodySummary | { error: string } {
  try {
    return summarizeBytes(decoders[encoding](body));
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** What the client saw of an out case: status line, headers but `date`, raw and decoded bytes. */
export function observeRaw(raw: RawResponse): unknown {
  const headers = headerMap(raw.headers.filter(([name]) => name !== "date"));
  const encoding = headers["content-encoding"]?.join(", ");
  return {
    status: raw.status,
    statusMessage: raw.statusMessage,
    headers,
    body: summarizeBytes(raw.body),
    ...(encoding && /^(gzip|deflate|br)$/.test(encoding) ? { decoded: decode(encoding, raw.body) } : {}),
    ...(raw.error ? { error: raw.error } : {}),
  };
}

/** What the app reported for a probe case (its JSON document), with the status it answered. */
export function observeProbe(raw: RawResponse): unknown {
  try {
    const encoding = raw.headers.find(([name]) => name === "content-encoding")?.[1];
    const text = (encoding ? decoders[encoding](raw.body) : raw.body).toString("utf8");
    const headers = headerMap(raw.headers.filter(([name]) => name !== "date"));
    return { status: raw.status, statusMessage: raw.statusMessage, headers, doc: JSON.parse(text), ...(raw.error ? { error: raw.error } : {}) };
  } catch {
    return observeRaw(raw);
  }
}

/** The token of this run becomes TOKEN wherever it appears. */
export function normalize<T>(value: T, token: string): T {
  return JSON.parse(JSON.stringify(value).split(token).join("TOKEN")) as T;
}

/** The recording without what the wrapper may add, in a stable order (concurrent fetches arrive in any order). */
export function withoutTraceparent(requests: UpstreamRequest[]): Omit<UpstreamRequest, "traceparent">[] {
  const keyed = requests.map(({ traceparent: _, ...rest }) => ({ rest, key: JSON.stringify(rest) }));
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.rest);
}
