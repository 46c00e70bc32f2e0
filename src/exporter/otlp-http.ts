/**
 * POST one OTLP/HTTP JSON payload with a hard deadline and bounded retries, per the OTLP spec:
 * 429/502/503/504 and network failures are retried (honouring Retry-After, else exponential
 * backoff with jitter) while the deadline allows; everything else is final. Never throws.
 * Exports run with tracing suppressed and say who they are, so they are never traced themselves.
 */
import { context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { VERSION } from "../version.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface PostOptions {
  url: string;
  body: Uint8Array;
  headers: Record<string, string>;
  /** Deadline for the whole export, retries included (ms). */
  timeoutMs: number;
  fetch: FetchLike;
  maxAttempts?: number;
}

export interface PostResult {
  ok: boolean;
  /** Items the collector accepted the request but rejected (OTLP partial success). */
  rejected?: number;
  attempts: number;
  status?: number;
  /** Why the export failed, when it did. */
  reason?: string;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** A status after which the same request may succeed later (none: a network failure or timeout). */
export const retryable = (status: number | undefined): boolean => status === undefined || RETRYABLE.has(status);

/** The exporter's name and version as the OTLP exporter spec asks, then the package's own token. */
const USER_AGENT = `OTel-OTLP-Exporter-JavaScript/${VERSION} otel-genai-edge/${VERSION}`;
const MARK = "otel-genai-edge";

/** An export of ours (any version's) arriving at an app (its endpoint is itself): tracing it would loop forever. */
export const isOwnExport = (headers: Headers): boolean => headers.get("user-agent")?.includes(MARK) === true;

/** `body` gzipped, where the runtime has `CompressionStream` (Workers, Deno, Node, Bun); undefined elsewhere. */
export async function gzip(body: Uint8Array): Promise<Uint8Array | undefined> {
  if (typeof CompressionStream !== "function") return undefined;
  const stream = new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * At most `max` bytes of a response body as text; the rest is cancelled, never buffered: a
 * collector's answer is only informative, and it may be huge.
 */
async function readPrefix(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    while (reader && size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader?.cancel().catch(() => {});
  }
  return text;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A 200 may still report items it rejected: `partialSuccess.rejected{Spans,DataPoints}`. Never retried. */
function partialSuccess(text: string): { rejected?: number; reason?: string } {
  try {
    const partial = JSON.parse(text).partialSuccess ?? {};
    const rejected = Number(partial.rejectedSpans ?? partial.rejectedDataPoints ?? partial.rejectedLogRecords ?? 0);
    return rejected > 0 ? { rejected, reason: `partial success: ${String(partial.errorMessage ?? "").slice(0, 200)}` } : {};
  } catch {
    // Not JSON (an empty body, a plain "OK"), or not an object: nothing rejected.
    return {};
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function postOtlp(options: PostOptions): Promise<PostResult> {
  const maxAttempts = options.maxAttempts ?? 4;
  const deadline = Date.now() + options.timeoutMs;
  // Ours last: a user's header must not unmark the export (see isOwnExport).
  const headers = { ...options.headers, "content-type": "application/json", "user-agent": USER_AGENT };
  let attempts = 0;
  let reason = "";
  let status: number | undefined;
  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ok: false, attempts: attempts - 1, status, reason: reason || "timeout" };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remaining);
    let delay: number | undefined;
    try {
      const init = { method: "POST", headers, body: options.body as BodyInit, signal: controller.signal };
      // Any OTel HTTP instrumentation (ours included) leaves a suppressed request alone.
      const response = await context.with(suppressTracing(context.active()), () => options.fetch(options.url, init));
      status = response.status;
      // Partial-success JSON on 2xx, a short reason otherwise.
      const text = await readPrefix(response, response.ok ? 65536 : 1024).catch(() => "");
      if (response.ok) return { ok: true, attempts, status, ...partialSuccess(text) };
      reason = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
      if (!RETRYABLE.has(response.status)) return { ok: false, attempts, status, reason };
      delay = retryAfterMs(response.headers.get("retry-after"));
    } catch (error) {
      reason = controller.signal.aborted ? "timeout" : `network: ${(error as Error)?.message ?? error}`;
      if (controller.signal.aborted) return { ok: false, attempts, status, reason };
    } finally {
      clearTimeout(timer);
    }
    if (attempts >= maxAttempts) return { ok: false, attempts, status, reason };
    const backoff = delay ?? Math.min(5000, 100 * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    // A server asking us to wait past the deadline is answered by giving up now.
    if (Date.now() + backoff >= deadline) return { ok: false, attempts, status, reason: `${reason} (retry would pass the deadline)` };
    await sleep(backoff);
  }
}
