/** HTTP client/server attribute helpers; what we record of a URL is decided in redact.ts. */
import { type Attributes, type Span, SpanStatusCode } from "@opentelemetry/api";
import {
  ERROR_TYPE,
  HTTP_REQUEST_METHOD,
  HTTP_RESPONSE_STATUS_CODE,
  SERVER_ADDRESS,
  SERVER_PORT,
  URL_FULL,
  URL_PATH,
  URL_QUERY,
  URL_SCHEME,
  USER_AGENT_ORIGINAL,
} from "../attributes.js";
import { DEFAULT_URL_POLICY, scrubUrl, type UrlPolicy } from "./redact.js";

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : 0;
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"]);

/** HTTP semconv: unknown methods are recorded as `_OTHER`. */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "_OTHER";
}

export function clientAttributes(method: string, url: URL, policy: UrlPolicy = DEFAULT_URL_POLICY): Attributes {
  const attributes: Attributes = {
    [HTTP_REQUEST_METHOD]: normalizeMethod(method),
    [SERVER_ADDRESS]: url.hostname,
    [SERVER_PORT]: defaultPort(url),
  };
  const full = scrubUrl(url, policy, "client")?.full;
  if (full !== undefined) attributes[URL_FULL] = full;
  return attributes;
}

export function serverAttributes(request: Request, url: URL, policy: UrlPolicy = DEFAULT_URL_POLICY): Attributes {
  const scrubbed = scrubUrl(url, policy, "server");
  const attributes: Attributes = {
    [HTTP_REQUEST_METHOD]: normalizeMethod(request.method),
    [URL_SCHEME]: url.protocol.replace(":", ""),
    [URL_PATH]: scrubbed?.path,
    [SERVER_ADDRESS]: url.hostname,
    [SERVER_PORT]: defaultPort(url),
  };
  if (!scrubbed) delete attributes[URL_PATH];
  if (scrubbed?.query) attributes[URL_QUERY] = scrubbed.query;
  const userAgent = request.headers.get("user-agent");
  if (userAgent) attributes[USER_AGENT_ORIGINAL] = userAgent;
  return attributes;
}

/** `*.suffix` or an exact host (optionally with port). */
export function hostMatches(pattern: string, url: URL): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith("*.")) return url.hostname.endsWith(p.slice(1)) || url.hostname === p.slice(2);
  return p === url.hostname || p === url.host;
}

/** HTTP client conventions: the status code, and (unless the caller judges errors itself) a 4xx/5xx as `error.type` with ERROR status. */
export function recordClientStatus(span: Span, status: number, judge = true): void {
  span.setAttribute(HTTP_RESPONSE_STATUS_CODE, status);
  if (judge && status >= 400) {
    span.setAttribute(ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
