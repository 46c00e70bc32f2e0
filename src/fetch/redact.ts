/**
 * What we record of a URL or of an error text. One rule scrubs url.full (client spans) and
 * url.path / url.query (server spans), and the URLs quoted inside free text:
 * - userinfo and fragment are never recorded;
 * - every query value becomes REDACTED unless its name is allowed (names, order and duplicates kept);
 * - path segments that carry a token (bot APIs, webhooks, keys, long random strings) become REDACTED.
 */

export type UrlKind = "client" | "server";

/** User hook, given a copy of the scrubbed URL: what to record instead; `undefined` keeps it, `null` records no URL. */
export type RedactUrlHook = (url: URL, info: { kind: UrlKind }) => string | URL | null | undefined;

export interface UrlPolicy {
  /** Lower-case query names whose values are recorded. */
  readonly allow: ReadonlySet<string>;
  readonly redactUrl?: RedactUrlHook;
}

export interface ScrubbedUrl {
  full: string;
  path: string;
  /** Without the `?`; empty when there is no query. */
  query: string;
}

const REDACTED = "REDACTED";

/**
 * Query names whose values are kept: the switches and paging of LLM and REST APIs (Gemini
 * `alt=sse`, Azure `api-version`, Anthropic `beta`, list paging) and `id`, which we keep in paths
 * too. Any other value may be a key, a signature or personal data; `allowQueryParams` adds names.
 */
const ALLOWED = "alt api-version stream beta limit order after before page per_page format id".split(" ");

/** Built once per pipeline; bad entries are ignored rather than failing the pipeline. */
export function urlPolicy(allowQueryParams?: readonly string[], redactUrl?: RedactUrlHook): UrlPolicy {
  const extra = Array.isArray(allowQueryParams) ? allowQueryParams.filter((n) => typeof n === "string") : [];
  return { allow: new Set([...ALLOWED, ...extra].map((n) => n.toLowerCase())), redactUrl: typeof redactUrl === "function" ? redactUrl : undefined };
}

export const DEFAULT_URL_POLICY: UrlPolicy = urlPolicy();

/**
 * Well-known key shapes (OpenAI/Anthropic/Groq `sk-`/`gsk_`, Stripe, Slack, GitHub, GitLab,
 * Hugging Face, Google `AIza`, AWS access key ids, JWTs). Loose prefixes need 6 more characters,
 * so echoed fragments (`sk-proj-abc…xyz`) are caught too; the ones that are also ordinary words
 * need the length of a real key.
 */
const KEY = String.raw`\b(?:(?:sk-|gsk_|[sr]k_(?:live|test)_|xox[abprs]-|glpat-)[\w*…-]{6,}|(?:gh[oprsu]_|github_pat_|hf_|AIza|xai-|pplx-|nvapi-|r8_|hcaik_)[\w-]{20,}|A[KS]IA[A-Z0-9]{16}\b|eyJ[\w-]+\.[\w-]+\.[\w-]*)(?:\.+[\w*…-]+)*`;
const KEY_IN = new RegExp(KEY);
const KEYS = new RegExp(KEY, "g");

/**
 * A path segment or bare query word that is a credential: a known key shape, or 32+ characters
 * of [A-Za-z0-9_-] mixing upper case, lower case and digits. UUIDs and hex digests (no upper
 * case) are ids and kept.
 */
function credential(s: string): boolean {
  return KEY_IN.test(s) || (s.length >= 32 && /^[\w-]+$/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s));
}

/** A path segment after `key`, `token` or `hooks` that looks like a secret: 16+ characters mixing letters and digits, not a hex id or UUID. */
const secretLike = (s: string): boolean => /^[\w-]{16,}$/.test(s) && /\d/.test(s) && /[a-z]/i.test(s) && !/^[\da-f-]+$/i.test(s);

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** Raw (still encoded) query without `?`: values replaced unless allowed, everything else as sent. */
export function scrubQuery(search: string, allow: ReadonlySet<string> = DEFAULT_URL_POLICY.allow): string {
  return search
    .slice(search[0] === "?" ? 1 : 0)
    .split("&")
    .map((part) => {
      const eq = part.indexOf("=");
      // A bare word is a name unless it looks like a credential (some APIs take `?<token>`).
      if (eq < 0) return credential(decode(part)) ? REDACTED : part;
      const name = part.slice(0, eq);
      const value = decode(part.slice(eq + 1));
      // An empty value says nothing, and "the key was empty" is worth seeing. An allowed name's value
      // is kept unless it is a known key shape or carries `;name=` (some servers take `;` for `&`).
      return !value || (allow.has(decode(name).toLowerCase()) && !/;\s*[\w.-]+=/.test(value) && !KEY_IN.test(value)) ? part : `${name}=${REDACTED}`;
    })
    .join("&");
}

/**
 * Tokens in paths, wherever the host (a Worker may proxy them): Telegram `/bot<id>:<token>`,
 * Discord-style `/webhooks/<id>/<token>`, Slack `/services|triggers|workflows/T…/…/<secret>`, the
 * segment after `key`, `token` or `hooks` (IFTTT, Mattermost), matrix parameters' values
 * (`;jsessionid=…`), and any segment that is a credential.
 */
export function scrubPath(path: string): string {
  const segs = path.split("/");
  segs.forEach((raw, i) => {
    const semi = raw.indexOf(";");
    const seg = semi < 0 ? raw : raw.slice(0, semi);
    const params = semi < 0 ? "" : raw.slice(semi).replace(/=[^;]*/g, `=${REDACTED}`);
    const next = segs[i + 1] ?? "";
    if (seg === "webhooks" && /^\d+$/.test(next) && segs[i + 2]) segs[i + 2] = REDACTED;
    else if (/^(services|triggers|workflows)$/.test(seg) && /^T[A-Z0-9]{6,}$/.test(next) && i + 3 < segs.length) segs[segs.length - 1] = REDACTED;
    else if (/^(keys?|tokens?|hooks)$/i.test(seg) && secretLike(next)) segs[i + 1] = REDACTED;
    if (segs[i] === REDACTED) return;
    const plain = decode(seg);
    segs[i] = (/^bot\d+:/.test(plain) ? `bot${REDACTED}` : credential(plain) ? REDACTED : seg) + params;
  });
  return segs.join("/");
}

function scrubbed(url: URL, allow: ReadonlySet<string>): ScrubbedUrl {
  const path = scrubPath(url.pathname);
  const query = scrubQuery(url.search, allow);
  return { full: `${url.protocol}//${url.host}${path}${query ? `?${query}` : ""}`, path, query };
}

/**
 * The URL as we record it, or undefined to record none (the hook said so, or failed: never the
 * unscrubbed URL). A URL the hook returns loses userinfo and fragment; a string is recorded as is.
 */
export function scrubUrl(url: URL, policy: UrlPolicy = DEFAULT_URL_POLICY, kind: UrlKind = "client"): ScrubbedUrl | undefined {
  try {
    const out = scrubbed(url, policy.allow);
    const result = policy.redactUrl?.(new URL(out.full), { kind });
    if (result === undefined) return out;
    if (result === null) return undefined;
    const u = new URL(String(result), out.full);
    return { full: typeof result === "string" ? result : `${u.protocol}//${u.host}${u.pathname}${u.search}`, path: u.pathname, query: u.search.slice(1) };
  } catch {
    return undefined;
  }
}

/** URLs in text; one opened by a quote (`'https://…',`) ends at the quote that only punctuation follows. */
function scrubUrlsIn(text: string, allow: ReadonlySet<string>): string {
  return text.replace(/(['"`]?)\b([a-z][\w+.-]{0,31}:\/\/[^\s<>]+)/gi, (_, quote: string, match: string) => {
    const end = quote ? match.search(new RegExp(`${quote}(?=[,;:.)\\]}]*$)`)) : -1;
    const rest = end < 0 ? "" : match.slice(end);
    if (end >= 0) match = match.slice(0, end);
    const tail = /[.,;:!?)\]}]*$/.exec(match)![0];
    let url: string;
    try {
      url = scrubbed(new URL(match.slice(0, match.length - tail.length)), allow).full;
    } catch {
      url = REDACTED;
    }
    return quote + url + tail + rest;
  });
}

/**
 * Free text we must keep (error messages, provider error bodies), made safe to export: URLs in it
 * scrubbed by the rule above (and `?name=value` pairs of relative ones), key shapes,
 * `Bearer`/`Basic` credentials and `…key=`/`…token=` values replaced, quoted text containing
 * spaces elided (provider validation errors echo the prompt that way), the result bounded to
 * `maxLength` characters.
 */
export function scrubText(text: string, policy: UrlPolicy = DEFAULT_URL_POLICY, maxLength = 1024): string {
  let s = String(text);
  // Bound the work (every pattern below is linear, or bounded per start); the cut drops a
  // possibly partial last word so no key survives half-matched.
  if (s.length > 4 * maxLength) s = s.slice(0, 4 * maxLength).replace(/\S*$/, "…");
  // Userinfo goes first, so that no way of cutting a URL out of the text can keep it.
  s = s
    .replace(/\/\/[^\s/@]*@/g, "//")
    // and without a scheme (`user:pass@host`, as someone may write an endpoint)
    .replace(/(^|[\s"'`=(])[^\s/@:"'`]+:[^\s/@"'`]+@(?=[\w[])/g, "$1")
    .replace(/(^|\W)(['"`])([^'"`]*)\2(?!\w)/g, (m, before: string, q: string, quoted: string) => (/\s/.test(quoted) ? `${before}${q}…${q}` : m));
  s = scrubUrlsIn(s, policy.allow)
    .replace(/([?&]([\w.~%+[\]-]+)=)[^\s&#"'<>()[\]{},;]+/g, (m, pair: string, name: string) => (policy.allow.has(decode(name).toLowerCase()) ? m : pair + REDACTED))
    .replace(KEYS, REDACTED)
    .replace(/\b(Bearer|Basic)\s+[\w.~+/=*…-]{8,}/gi, `$1 ${REDACTED}`)
    .replace(/\b([\w-]{0,32}?(?:key|token|secret|passw(?:or)?d|pwd|sig))=[^\s&"',;()[\]{}<>]+/gi, `$1=${REDACTED}`)
    // `"api-key": "…"` (a proxy echoing headers as JSON), `x-api-key: …`; a masked echo (`Zq8x****Ed1c`); a bot token without its URL
    .replace(/(\b(?:[\w-]*api[-_]?key|[\w-]*secret|[\w-]*[-_]token|token|authorization|passw(?:or)?d)["']?\s*:\s*["']?)[^\s"',;}]{16,}/gi, `$1${REDACTED}`)
    .replace(/\b\w{2,12}\*{4,}\w{2,8}\b|\bbot\d+:[\w-]+/g, REDACTED)
    // and any word that is a credential by shape (32+ characters mixing cases and digits)
    // (letters and digits only: ids and model names with `-` or `_` parts, `chatcmpl-…`, `Qwen3-235B-…`, stay)
    .replace(/\b[A-Za-z0-9]{32,}\b/g, (w) => (credential(w) ? REDACTED : w));
  return s.length > maxLength ? `${s.slice(0, maxLength - 1)}…` : s;
}
