/** HTTP client/server attribute helpers, with the redaction rules for what we never record. */
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

/** Query parameters whose values are credentials (Gemini's `key`, signed URLs, tokens...). */
const SENSITIVE_QUERY = /^(key|api[-_]?key|apikey|access[-_]?token|token|auth|authorization|code|secret|client[-_]?secret|password|sig|signature|x-goog-signature|x-amz-signature|x-amz-security-token|x-amz-credential|awsaccesskeyid)$/i;

export function redactQuery(search: string): string {
  if (!search || search === "?") return "";
  const params = new URLSearchParams(search);
  const out: string[] = [];
  for (const [key, value] of params) {
    out.push(`${encodeURIComponent(key)}=${SENSITIVE_QUERY.test(key) ? "REDACTED" : encodeURIComponent(value)}`);
  }
  return out.join("&");
}

/** The URL without user info and with credential query values replaced by REDACTED. */
export function redactUrl(url: URL): string {
  const query = redactQuery(url.search);
  return `${url.protocol}//${url.host}${url.pathname}${query ? `?${query}` : ""}`;
}

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

export function clientAttributes(method: string, url: URL): Attributes {
  return {
    [HTTP_REQUEST_METHOD]: normalizeMethod(method),
    [SERVER_ADDRESS]: url.hostname,
    [SERVER_PORT]: defaultPort(url),
    [URL_FULL]: redactUrl(url),
  };
}

export function serverAttributes(request: Request, url: URL): Attributes {
  const attributes: Attributes = {
    [HTTP_REQUEST_METHOD]: normalizeMethod(request.method),
    [URL_SCHEME]: url.protocol.replace(":", ""),
    [URL_PATH]: url.pathname,
    [SERVER_ADDRESS]: url.hostname,
    [SERVER_PORT]: defaultPort(url),
  };
  const query = redactQuery(url.search);
  if (query) attributes[URL_QUERY] = query;
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
