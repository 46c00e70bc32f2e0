/**
 * What the app records about a fetch outcome, as plain JSON, so that the bare and the wrapped
 * runs can be compared with one `toEqual`. Runs inside every runtime: web APIs only.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Constructor, name, message, code and (two levels of) cause: what an app can branch on. */
export function describeError(error: unknown, depth = 0): Json {
  if (typeof error !== "object" || error === null) return { thrown: typeof error, value: String(error) };
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  const out: { [key: string]: Json } = {
    ctor: (error as { constructor?: { name?: string } }).constructor?.name ?? null,
    name: String(e.name),
    message: String(e.message),
  };
  if (e.code !== undefined) out.code = String(e.code);
  if (e.cause !== undefined && depth < 2) out.cause = describeError(e.cause, depth + 1);
  return out;
}

export function attempt(fn: () => Json): Json {
  try {
    return { ok: fn() };
  } catch (error) {
    return { threw: describeError(error) };
  }
}

export async function attemptAsync(fn: () => Promise<Json>): Promise<Json> {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { threw: describeError(error) };
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Small bodies in full (base64), large ones as length and SHA-256. */
export async function summarize(bytes: Uint8Array<ArrayBuffer>): Promise<Json> {
  if (bytes.byteLength <= 4096) return { length: bytes.byteLength, base64: base64(bytes) };
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return { length: bytes.byteLength, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
}

export function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export async function readDefault(body: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks);
    chunks.push(value);
  }
}

/** Reads through a BYOB reader: throws where the stream is not a byte stream. */
export async function readByob(body: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const reader = (body as ReadableStream<Uint8Array>).getReader({ mode: "byob" });
  const chunks: Uint8Array[] = [];
  let buffer = new ArrayBuffer(65536);
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done || !value) return concat(chunks);
    chunks.push(value.slice());
    buffer = value.buffer as ArrayBuffer;
  }
}

/** name → values in order (set-cookie iterates once per cookie), so a lost header is one path. */
function headerMap(headers: Headers): Json {
  const out: { [name: string]: string[] } = {};
  for (const [name, value] of headers) (out[name] ??= []).push(value);
  return out;
}

function shape(response: Response): { [key: string]: Json } {
  return {
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    url: response.url,
    redirected: response.redirected,
    type: response.type,
    headers: headerMap(response.headers),
    hasBody: response.body !== null,
    bodyUsed: response.bodyUsed,
  };
}

export type ReadMode = "arrayBuffer" | "text" | "json" | "blob" | "reader" | "byob" | "none";

export interface ObserveOptions {
  read?: ReadMode;
  /** Clone first and read the clone through a BYOB reader (default true). */
  clone?: boolean;
}

async function readAs(response: Response, mode: ReadMode): Promise<Json> {
  switch (mode) {
    case "arrayBuffer":
      return summarize(new Uint8Array(await response.arrayBuffer()));
    case "text": {
      const text = await response.text();
      return text.length <= 4096 ? text : summarize(new TextEncoder().encode(text));
    }
    case "json":
      return (await response.json()) as Json;
    case "blob": {
      const blob = await response.blob();
      return { type: blob.type, size: blob.size, bytes: await summarize(new Uint8Array(await blob.arrayBuffer())) };
    }
    case "reader":
      return response.body ? summarize(await readDefault(response.body)) : "no body";
    case "byob":
      return response.body ? summarize(await readByob(response.body)) : "no body";
    case "none":
      return null;
  }
}

/**
 * Everything an app can see of a response: status line, headers, url/redirected/type, whether
 * its headers can be changed, its clone (read through BYOB), its body read the given way, and
 * what a second read does.
 */
export async function observeResponse(response: Response, options: ObserveOptions = {}): Promise<Json> {
  const doc = shape(response);
  doc.setCookie = response.headers.getSetCookie?.() ?? null;
  let clone: Response | undefined;
  if (options.clone !== false) {
    doc.clone = attempt(() => {
      clone = response.clone();
      return shape(clone);
    });
  }
  doc.headersSet = attempt(() => {
    response.headers.set("x-probe", "1");
    return response.headers.get("x-probe");
  });
  doc.body = await attemptAsync(() => readAs(response, options.read ?? "arrayBuffer"));
  doc.bodyUsedAfter = response.bodyUsed;
  doc.readAgain = await attemptAsync(async () => (await response.text()).length);
  if (clone) {
    const c = clone;
    doc.cloneByob = await attemptAsync(async () => (c.body ? summarize(await readByob(c.body)) : "no body"));
    if (!c.bodyUsed) doc.cloneText = await attemptAsync(async () => (await c.text()).length);
  }
  return doc;
}

/** What a case gets from the incoming request (see app.ts). */
export interface CaseContext {
  request: Request;
  /** This case's upstream base, `http://127.0.0.1:<port>/t/<token>` (no trailing slash). */
  up: string;
  /** An http URL nobody listens on. */
  refused: string;
  /** What the platform passed after the request (a Worker's ctx, Deno's info, Bun's server), if anything. */
  platform: unknown;
}
