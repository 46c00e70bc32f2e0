/**
 * The secrets battery, in real workerd with the real OTLP receiver: a Worker (test/workers/secrets.ts)
 * proxies and makes requests carrying unique random secrets in query values, paths, userinfo and
 * headers, and two LLM calls whose error bodies echo a key fragment and the prompt. Everything
 * exported (every OTLP request body, traces and metrics alike) must contain none of them, raw or
 * URL-encoded, while the spans keep the useful, non-secret facts.
 *
 * The Worker's outbound fetches go to Miniflare's outbound service, answered here: OTLP requests
 * are forwarded to the receiver, the rest answered locally and recorded (to prove each secret was
 * really sent). The same leak through a fetch error under Node 22: secrets-node.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

const SERVER = 2;
const CLIENT = 3;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const random = (n: number, alphabet = ALPHABET) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => alphabet[b % alphabet.length]).join("");
const b64url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Every secret of the battery by label; each is unique, so any occurrence in the export is a leak. */
const secrets = new Map<string, string>();
function secret(label: string, value = `${random(4)}${random(20)}`): string {
  secrets.set(label, value);
  return value;
}

const QUERY_NAMES = [
  "access_key", "api_token", "auth_token", "refresh_token", "session_token", "x-api-key", "client_assertion", "jwt", "id_token",
  "key", "token", "code", "secret", "password", "signature", "apikey", "access_token", "client_secret",
  "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "state", "email",
];
const ALLOWED = "alt=sse&api-version=2024-10-21&limit=5&page=2";
const querySecrets = QUERY_NAMES.map((name) => [name, secret(`query ${name}`)] as const);
// A base64 signature (Azure SAS style): its URL-encoded form differs from the raw one.
querySecrets.push(["sig", secret("query sig", `${random(20)}+/${random(10)}==`)]);
const QUERY = `${ALLOWED}&${querySecrets.map(([n, v]) => `${n}=${encodeURIComponent(v)}`).join("&")}`;
const QUERY_REDACTED = `${ALLOWED}&${querySecrets.map(([n]) => `${n}=REDACTED`).join("&")}`;

const HEADERS: Record<string, string> = {
  authorization: `Bearer ${secret("header authorization")}`,
  "x-api-key": secret("header x-api-key"),
  "api-key": secret("header api-key"),
  cookie: `session=${secret("header cookie")}`,
  "x-goog-api-key": `AIza${secret("header x-goog-api-key", random(35))}`,
  "proxy-authorization": `Basic ${secret("header proxy-authorization", btoa(`proxyuser:${random(16)}`))}`,
};
const SET_COOKIE = `sid=${secret("response set-cookie")}; HttpOnly; Secure`;

const TELEGRAM = secret("telegram token", `AAH${random(32)}`);
const SLACK = secret("slack webhook secret", random(24));
const SLACK_TRIGGER = secret("slack trigger secret", random(32, "0123456789abcdef"));
const DISCORD = secret("discord webhook token", random(68, `${ALPHABET}_-`));
const JWT = secret("jwt in path", `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${random(12)}"}`)}.${random(43)}`);
const SK_PROJ = secret("sk-proj key in path", `sk-proj-${random(48)}`);
const PASSWORD = secret("userinfo password", `p@ss/${random(16)}:`);
const THROWN_FTP_PASSWORD = secret("thrown: userinfo password of an ftp: URL", random(20));
const THROWN_FTP_TOKEN = secret("thrown: query token of an ftp: URL");
const THROWN_INVALID_PASSWORD = secret("thrown: userinfo password of an invalid URL", random(20));
const PROXY_TELEGRAM = secret("proxied telegram token", `AAH${random(32)}`);
const PROXY_SLACK = secret("proxied slack secret", random(24));
const PROXY_DISCORD = secret("proxied discord token", random(68, `${ALPHABET}_-`));
const PROXY_TOKEN = secret("proxied query token");
const PROXY_AUTH = secret("proxied authorization");
const OPENAI_KEY = secret("openai key", `sk-proj-${random(48)}`);
const OPENAI_KEY_2 = secret("openai key (prompt call)", `sk-proj-${random(48)}`);
// What OpenAI echoes of a wrong key: its first and last characters.
const ECHOED_KEY = secret("echoed key fragment", `${OPENAI_KEY.slice(0, 11)}…${OPENAI_KEY.slice(-4)}`);
const PROMPT_SECRET = secret("prompt text echoed by a 400", random(24));

const KEY_ERROR = {
  error: {
    message: `Incorrect API key provided: ${ECHOED_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
  },
};
const PROMPT_ERROR = {
  error: {
    message: `'Tell me about ${PROMPT_SECRET} please' is not of type 'array' - 'messages.0.content'`,
    type: "invalid_request_error",
    param: "messages.0.content",
    code: null,
  },
};

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
}

let collector: Collector;
let worker: StartedWorker;
const sent: Sent[] = [];
let exported = "";
let spans: DecodedSpan[] = [];
let callResults: { status?: number; error?: string }[] = [];
const throwStatuses: number[] = [];

/** Miniflare's outbound service: OTLP goes on to the receiver, the rest is answered here. */
async function outbound(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const body = await request.text();
  if (url.hostname === "127.0.0.1") {
    const headers = new Headers(request.headers);
    for (const name of ["host", "connection", "content-length", "transfer-encoding", "keep-alive"]) headers.delete(name);
    const forwarded = await fetch(request.url, { method: request.method, headers, body: body || undefined });
    return new Response(await forwarded.arrayBuffer(), { status: forwarded.status, headers: { "content-type": forwarded.headers.get("content-type") ?? "application/json" } });
  }
  sent.push({ url: request.url, headers: Object.fromEntries(request.headers), body });
  if (url.hostname === "api.openai.com") {
    const promptCall = body.includes(PROMPT_SECRET);
    return Response.json(promptCall ? PROMPT_ERROR : KEY_ERROR, { status: promptCall ? 400 : 401 });
  }
  return Response.json({ ok: true }, { headers: { "set-cookie": SET_COOKIE } });
}

const CALLS = [
  { url: `https://api.example.com/v1/search?${QUERY}`, headers: HEADERS },
  { url: `https://api.telegram.org/bot987654321:${TELEGRAM}/getUpdates?offset=10` },
  { url: `https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/${SLACK}`, method: "POST", body: '{"text":"hi"}' },
  { url: `https://hooks.slack.com/triggers/T0ABCDEF1/1234567890123/${SLACK_TRIGGER}`, method: "POST", body: "{}" },
  { url: `https://canary.discord.com/api/webhooks/123456789012345678/${DISCORD}`, method: "POST", body: '{"content":"hi"}' },
  { url: `https://api.example.com/v1/sessions/${JWT}/refresh` },
  { url: `https://proxy.example.com/v1/keys/${SK_PROJ}/usage` },
  { url: `https://admin:${encodeURIComponent(PASSWORD)}@db.example.com/status` },
  {
    url: "https://api.openai.com/v1/chat/completions",
    method: "POST",
    headers: { authorization: `Bearer ${OPENAI_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hi" }] }),
  },
  {
    url: "https://api.openai.com/v1/chat/completions",
    method: "POST",
    headers: { authorization: `Bearer ${OPENAI_KEY_2}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `Tell me about ${PROMPT_SECRET} please` }] }),
  },
];

const PROXIED = [
  `/proxy/api.telegram.org/bot123456789:${PROXY_TELEGRAM}/sendMessage?chat_id=42&token=${PROXY_TOKEN}&alt=sse`,
  `/proxy/hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/${PROXY_SLACK}`,
  `/proxy/discord.com/api/webhooks/123456789012345678/${PROXY_DISCORD}?wait=true`,
];

beforeAll(async () => {
  collector = await startCollector();
  worker = await startWorker({
    entry: "test/workers/secrets.ts",
    // Every flush exports its metrics, so that they are among the bodies checked.
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "secrets-test", OTEL_METRIC_EXPORT_INTERVAL: "0" },
    miniflare: { outboundService: outbound },
  });
  for (const path of PROXIED) {
    const response = await worker.fetch(path, { headers: { authorization: `Bearer ${PROXY_AUTH}`, "user-agent": "secrets-test/1.0" } });
    expect(response.status).toBe(200);
    await response.text();
  }
  const calls = await worker.fetch("/calls", { method: "POST", body: JSON.stringify(CALLS) });
  callResults = (await calls.json()) as typeof callResults;
  // workerd strips userinfo from an http(s) fetch, but these two throw with the URL in the message.
  for (const target of [`ftp://root:${THROWN_FTP_PASSWORD}@files.example.com/x?token=${THROWN_FTP_TOKEN}`, `https://root:${THROWN_INVALID_PASSWORD}@[::1/admin`]) {
    const thrown = await worker.fetch("/throw", { method: "POST", body: target });
    throwStatuses.push(thrown.status);
    await thrown.text();
  }

  const servers = (all: DecodedSpan[]) => all.filter((s) => s.kind === SERVER && s.resource["service.name"] === "secrets-test");
  spans = await collector.waitForSpans((all) => servers(all).length === PROXIED.length + 3 && servers(all).every((s) => s.endTimeUnixNano > 0n), 15_000);
  // The GenAI metrics go out with the same flush; give a late request a moment.
  await collector.waitFor((r) => r.path.endsWith("/v1/metrics"), 5_000).catch(() => []);
  exported = collector.requests.map((r) => `${r.path}\n${r.text}`).join("\n");
});

afterAll(async () => {
  await worker?.close();
  await collector?.close();
});

/** The labels of the given secrets found in the export, raw or URL-encoded. */
function leaked(labels: string[]): string[] {
  return labels.filter((label) => {
    const value = secrets.get(label)!;
    return [value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, "+")].some((form) => exported.includes(form));
  });
}
const labelsOf = (prefix: string) => [...secrets.keys()].filter((l) => l.startsWith(prefix));
const client = (prefix: string) => {
  const span = spans.find((s) => s.kind === CLIENT && String(s.attributes["url.full"] ?? "").startsWith(prefix));
  if (!span) throw new Error(`no CLIENT span with url.full ${prefix}…; have ${spans.map((s) => s.attributes["url.full"]).join(", ")}`);
  return span;
};
const server = (path: string) => spans.find((s) => s.kind === SERVER && String(s.attributes["url.path"]).startsWith(path))!;

describe("the battery really carries the secrets", () => {
  it("every secret a request carries reached the outbound service (workerd drops userinfo itself)", () => {
    const wire = sent.map((s) => `${s.url}\n${JSON.stringify(s.headers)}\n${s.body}`).join("\n");
    const missing = [...secrets.entries()]
      .filter(([label]) => !/userinfo|echoed|response|^thrown/.test(label))
      .filter(([, value]) => ![value, encodeURIComponent(value)].some((form) => wire.includes(form)))
      .map(([label]) => label);
    expect(missing).toEqual([]);
    expect(exported).toContain("/v1/traces");
  });
});

describe("nothing secret is exported", () => {
  it("query values, in url.full and url.query", () => {
    expect(leaked(labelsOf("query "))).toEqual([]);
    expect(leaked(["proxied query token"])).toEqual([]);
  });

  it("tokens in paths (Telegram, Slack, Discord, a JWT, an sk-proj key), client and proxied", () => {
    expect(leaked(["telegram token", "slack webhook secret", "slack trigger secret", "discord webhook token", "jwt in path", "sk-proj key in path"])).toEqual([]);
    expect(leaked(labelsOf("proxied "))).toEqual([]);
  });

  it("headers: request credentials and the response's set-cookie", () => {
    expect(leaked([...labelsOf("header "), "response set-cookie", "openai key", "openai key (prompt call)"])).toEqual([]);
  });

  it("userinfo of a URL that was fetched", () => {
    expect(leaked(["userinfo password"])).toEqual([]);
  });

  // Needs failSpan (src/trace/span.ts) to pass the status message and the exception event's
  // message and stacktrace through scrubText.
  it("a URL in the message of a fetch error that escaped the handler (status, exception event)", () => {
    expect(leaked(labelsOf("thrown: "))).toEqual([]);
  });

  // call.ts records the provider's error code, never its message (which may echo keys or prompt text).
  it("a provider error echoing a key fragment", () => {
    expect(leaked(["echoed key fragment"])).toEqual([]);
  });

  it("a provider validation error echoing the prompt", () => {
    expect(leaked(["prompt text echoed by a 400"])).toEqual([]);
  });
});

describe("what stays useful", () => {
  it("client spans: host, method, status, url.full with REDACTED in the right places and allowlisted values verbatim", () => {
    expect(client("https://api.example.com/v1/search").attributes).toEqual({
      "http.request.method": "GET",
      "server.address": "api.example.com",
      "server.port": 443,
      "url.full": `https://api.example.com/v1/search?${QUERY_REDACTED}`,
      "http.response.status_code": 200,
    });
    const fulls = spans.filter((s) => s.kind === CLIENT).map((s) => s.attributes["url.full"]);
    expect(fulls).toEqual(
      expect.arrayContaining([
        "https://api.telegram.org/botREDACTED/getUpdates?offset=REDACTED",
        "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/REDACTED",
        "https://hooks.slack.com/triggers/T0ABCDEF1/1234567890123/REDACTED",
        "https://canary.discord.com/api/webhooks/123456789012345678/REDACTED",
        "https://api.example.com/v1/sessions/REDACTED/refresh",
        "https://proxy.example.com/v1/keys/REDACTED/usage",
        "https://api.telegram.org/botREDACTED/sendMessage?chat_id=REDACTED&token=REDACTED&alt=sse",
        "https://discord.com/api/webhooks/123456789012345678/REDACTED?wait=REDACTED",
      ]),
    );
    const slack = spans.filter((s) => s.kind === CLIENT && String(s.attributes["url.full"]).startsWith("https://hooks.slack.com/services/"));
    expect(slack.map((s) => s.attributes["http.request.method"]).sort()).toEqual(["GET", "POST"]);
    for (const span of slack) expect(span.attributes["http.response.status_code"]).toBe(200);
  });

  it("server spans of the proxy: url.path and url.query scrubbed by the same rule", () => {
    expect(server("/proxy/api.telegram.org").attributes).toMatchObject({
      "http.request.method": "GET",
      "url.path": "/proxy/api.telegram.org/botREDACTED/sendMessage",
      "url.query": "chat_id=REDACTED&token=REDACTED&alt=sse",
      "server.address": "worker.test",
      "user_agent.original": "secrets-test/1.0",
      "http.response.status_code": 200,
    });
    expect(server("/proxy/hooks.slack.com").attributes["url.path"]).toBe("/proxy/hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/REDACTED");
    expect(server("/proxy/discord.com").attributes).toMatchObject({
      "url.path": "/proxy/discord.com/api/webhooks/123456789012345678/REDACTED",
      "url.query": "wait=REDACTED",
    });
  });

  it("LLM calls: model, provider, status and error.type (the error body's code, never its text)", () => {
    const calls = spans.filter((s) => s.kind === CLIENT && s.attributes["server.address"] === "api.openai.com");
    expect(calls.map((s) => [s.name, s.attributes["gen_ai.request.model"], s.attributes["http.response.status_code"], s.attributes["error.type"]]).sort()).toEqual([
      ["chat gpt-4o", "gpt-4o", 400, "invalid_request_error"],
      ["chat gpt-4o-mini", "gpt-4o-mini", 401, "invalid_api_key"],
    ]);
    for (const call of calls) expect(call.attributes["url.full"]).toBe("https://api.openai.com/v1/chat/completions");
    expect(callResults.slice(-2).map((r) => r.status)).toEqual([401, 400]);
  });

  it("a failed fetch keeps its error type", () => {
    expect(throwStatuses).toEqual([500, 500]);
    const failed = spans.filter((s) => s.kind === SERVER && s.attributes["url.path"] === "/throw");
    expect(failed.map((s) => [s.attributes["error.type"], s.status.code, s.status.message?.replace(/: .*/, "")])).toEqual([
      ["TypeError", 2, "Fetch API cannot load"],
      ["TypeError", 2, "Invalid URL"],
    ]);
  });
});
