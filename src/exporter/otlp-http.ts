/**
 * POST one OTLP/HTTP JSON payload with a hard deadline and bounded retries, per the OTLP spec:
 * 429/502/503/504 and network failures are retried (honouring Retry-After, else exponential
 * backoff with jitter) while the deadline allows; everything else is final. Never throws.
 */

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
const USER_AGENT = "OTel-OTLP-Exporter-JavaScript/otel-genai-edge";

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
  if (!text.includes("partialSuccess")) return {};
  try {
    const partial = JSON.parse(text).partialSuccess ?? {};
    const rejected = Number(partial.rejectedSpans ?? partial.rejectedDataPoints ?? 0);
    return rejected > 0 ? { rejected, reason: `partial success: ${String(partial.errorMessage ?? "").slice(0, 200)}` } : {};
  } catch {
    return {};
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function postOtlp(options: PostOptions): Promise<PostResult> {
  const maxAttempts = options.maxAttempts ?? 4;
  const deadline = Date.now() + options.timeoutMs;
  const headers = { "content-type": "application/json", "user-agent": USER_AGENT, ...options.headers };
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
      const response = await options.fetch(options.url, {
        method: "POST",
        headers,
        body: options.body as BodyInit,
        signal: controller.signal,
      });
      status = response.status;
      // Read (and bound) the body so the connection is released; its content is only informative.
      const text = await response.text().catch(() => "");
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
