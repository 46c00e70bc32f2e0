/** The URL and text scrubbing rule: secrets go, the ids and switches that make a span useful stay. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clientAttributes, serverAttributes } from "../../src/fetch/http.js";
import { DEFAULT_URL_POLICY, scrubPath, scrubQuery, scrubText, scrubUrl, urlPolicy } from "../../src/fetch/redact.js";

const full = (url: string, policy = DEFAULT_URL_POLICY) => scrubUrl(new URL(url), policy)?.full;

describe("query values", () => {
  it("are REDACTED for every name but the allowlisted ones, names, order and duplicates kept", () => {
    const names = ["key", "token", "sig", "access_key", "api_token", "auth_token", "refresh_token", "session_token", "x-api-key", "client_assertion", "jwt", "id_token", "q", "email"];
    const query = names.map((n, i) => `${n}=v${i}`).join("&");
    expect(scrubQuery(`?${query}`)).toBe(names.map((n) => `${n}=REDACTED`).join("&"));
    expect(full("https://h.test/p?a=1&A=2&a=3&alt=sse&api-version=2024-10-21&key=k")).toBe(
      "https://h.test/p?a=REDACTED&A=REDACTED&a=REDACTED&alt=sse&api-version=2024-10-21&key=REDACTED",
    );
  });

  it("keeps the default allowlist verbatim (case-insensitive names, encoded values as sent)", () => {
    const q = "alt=sse&API-Version=2024-10-21&stream=true&beta=true&limit=2&order=desc&after=a_1&before=b_2&page=3&per_page=50&format=json&id=7";
    expect(scrubQuery(q)).toBe(q);
    expect(scrubQuery("format=a%20b+c")).toBe("format=a%20b+c");
  });

  it("extends the allowlist with the user's names, matched case-insensitively on the decoded name", () => {
    const policy = urlPolicy(["Cron", "by"]);
    expect(scrubQuery("cron=15%20*%20*&BY=2&n=2&c%72on=x", policy.allow)).toBe("cron=15%20*%20*&BY=2&n=REDACTED&c%72on=x");
    // Bad entries are ignored, never thrown.
    expect(urlPolicy([1 as unknown as string, "ok"]).allow.has("ok")).toBe(true);
    expect(urlPolicy("key" as unknown as string[]).allow.has("key")).toBe(false);
  });

  it("keeps empty values and bare words, unless a bare word is a credential", () => {
    expect(scrubQuery("key=&flag&&x=1")).toBe("key=&flag&&x=REDACTED");
    expect(scrubQuery("sk-proj-Qw3rTy9UiOp&AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")).toBe("REDACTED&REDACTED");
  });

  it("keeps a name that looks like a secret (names are not values)", () => {
    expect(scrubQuery("sk-live-name-abcdefgh=1")).toBe("sk-live-name-abcdefgh=REDACTED");
  });
});

describe("the new providers' credentials in URLs", () => {
  it("Gemini `?key=`, SigV4 presigned parameters and session tokens never survive; Bedrock's model ARN in the path stays", () => {
    const gemini = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";
    expect(full(gemini)).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=REDACTED");
    const presigned =
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-text-lite-v1/invoke?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261202%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=20261202T000000Z&X-Amz-Expires=300&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2Fwq&X-Amz-SignedHeaders=host&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
    const scrubbed = full(presigned) ?? "";
    for (const secret of ["AKIAIOSFODNN7EXAMPLE", "IQoJb3JpZ2luX2VjEJr", "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", "20261202T000000Z"]) {
      expect(scrubbed).not.toContain(secret);
    }
    expect(scrubbed).toBe(
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-text-lite-v1/invoke?X-Amz-Algorithm=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Date=REDACTED&X-Amz-Expires=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-SignedHeaders=REDACTED&X-Amz-Signature=REDACTED",
    );
    const arn = "https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream";
    expect(full(arn)).toBe(arn);
  });

  it("a key echoed in a provider's error text is scrubbed (Gemini, AWS)", () => {
    expect(scrubText("API key not valid. Please pass a valid API key. key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY")).not.toContain("AIzaSyD");
    expect(scrubText("The security token included in the request is invalid: AKIAIOSFODNN7EXAMPLE")).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });
});

describe("userinfo and fragment", () => {
  it("are never recorded", () => {
    expect(full("https://user:pa55@h.test:8443/p?alt=sse#frag-secret")).toBe("https://h.test:8443/p?alt=sse");
    expect(full("http://only-user@h.test/")).toBe("http://h.test/");
  });
});

describe("tokens in paths", () => {
  it.each([
    ["https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage", "https://api.telegram.org/botREDACTED/sendMessage"],
    ["https://api.telegram.org/file/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/photos/1.jpg", "https://api.telegram.org/file/botREDACTED/photos/1.jpg"],
    ["https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "https://hooks.slack.com/services/T00000000/B00000000/REDACTED"],
    ["https://hooks.slack.com/triggers/T0123ABCD/5234567890/0123456789abcdef0123456789abcdef", "https://hooks.slack.com/triggers/T0123ABCD/5234567890/REDACTED"],
    ["https://hooks.slack.com/workflows/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", "https://hooks.slack.com/workflows/T0123ABCD/A0456EFGH/4567890123/REDACTED"],
    ["https://discord.com/api/webhooks/123456789012345678/tok-en_ABC", "https://discord.com/api/webhooks/123456789012345678/REDACTED"],
    ["https://canary.discordapp.com/api/v10/webhooks/123456789012345678/tok/messages/9", "https://canary.discordapp.com/api/v10/webhooks/123456789012345678/REDACTED/messages/9"],
    // A Worker proxying such paths under its own host.
    ["https://worker.test/relay/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "https://worker.test/relay/services/T00000000/B00000000/REDACTED"],
  ])("%s", (input, expected) => {
    expect(full(input)).toBe(expected);
  });

  it.each([
    "sk-proj-Ab12Cd34Ef56",
    "sk-ant-api03-xyzXYZ0123",
    "sk_live_51HqLyjWDarjtT1zdp7dc",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "rk_live_51HqLyjWDarjtT1zdp",
    "xoxb-123456789012-abcdefABCDEF",
    "xoxp-1234-5678-abcdef",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    "glpat-abcdefghij0123456789",
    "AIzaSyA1234567890abcdefghijklmnopqrstu",
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz-Xc_V",
  ])("segment %s is REDACTED", (secret) => {
    expect(scrubPath(`/v1/keys/${secret}/usage`)).toBe("/v1/keys/REDACTED/usage");
  });

  it.each([
    "/v1/chat/completions",
    "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    "/users/123",
    "/v1/files/550e8400-e29b-41d4-a716-446655440000",
    "/v1/files/550E8400-E29B-41D4-A716-446655440000",
    "/blobs/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "/v1/responses/resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452e3795b",
    "/openai/deployments/gpt-35-turbo/chat/completions",
    "/fx/5/200/openai%2Fchat-stream.sse/~eyJzcGxpdHMiOlsxLDIsM119",
    "/docs/sk-SK/ask-questions",
    "/api/webhooks/named/tokenless",
    "/bot/help",
    "/services/team/B1/x",
  ])("ordinary path %s is kept", (path) => {
    expect(scrubPath(path)).toBe(path);
  });
});

describe("the user's redactUrl hook", () => {
  const url = new URL("https://u:p@api.test/v1/sk-proj-Ab12Cd34Ef56/x?key=k&alt=sse#f");

  it("gets a copy of the scrubbed URL and the kind; undefined keeps the scrubbed URL", () => {
    const seen: string[] = [];
    const policy = urlPolicy([], (u, info) => {
      seen.push(`${info.kind} ${u.href}`);
      u.pathname = "/mutated";
      return undefined;
    });
    expect(scrubUrl(url, policy, "server")).toEqual({ full: "https://api.test/v1/REDACTED/x?key=REDACTED&alt=sse", path: "/v1/REDACTED/x", query: "key=REDACTED&alt=sse" });
    expect(seen).toEqual(["server https://api.test/v1/REDACTED/x?key=REDACTED&alt=sse"]);
  });

  it("records a returned string as is, a returned URL without userinfo and fragment", () => {
    expect(scrubUrl(url, urlPolicy([], () => "https://api.test/custom?a=1"))).toEqual({ full: "https://api.test/custom?a=1", path: "/custom", query: "a=1" });
    expect(scrubUrl(url, urlPolicy([], () => new URL("https://x:y@other.test/p?q=1#h")))).toEqual({ full: "https://other.test/p?q=1", path: "/p", query: "q=1" });
  });

  it("null or a throw records no URL at all, never the unscrubbed one", () => {
    expect(scrubUrl(url, urlPolicy([], () => null))).toBeUndefined();
    const throwing = urlPolicy([], () => {
      throw new Error("boom");
    });
    expect(scrubUrl(url, throwing)).toBeUndefined();
    expect(scrubUrl(url, throwing)?.full).toBeUndefined();
    expect(clientAttributes("GET", url, throwing)).toEqual({ "http.request.method": "GET", "server.address": "api.test", "server.port": 443 });
    const request = new Request("https://api.test/p?key=k");
    expect(serverAttributes(request, new URL(request.url), throwing)).toEqual({
      "http.request.method": "GET",
      "url.scheme": "https",
      "server.address": "api.test",
      "server.port": 443,
    });
  });
});

describe("http.ts attributes use the rule, with the default policy when none is given", () => {
  it("client and server", () => {
    const url = new URL("https://user:pass@hooks.slack.com/services/T00000000/B00000000/XXXXXXXX?token=t&page=2#x");
    expect(clientAttributes("post", url)).toEqual({
      "http.request.method": "POST",
      "server.address": "hooks.slack.com",
      "server.port": 443,
      "url.full": "https://hooks.slack.com/services/T00000000/B00000000/REDACTED?token=REDACTED&page=2",
    });
    const request = new Request("http://worker.test/bot42:AAHdqTcvCH1vGWJx/send?auth_token=a&limit=5", { headers: { "user-agent": "ua/1" } });
    expect(serverAttributes(request, new URL(request.url))).toEqual({
      "http.request.method": "GET",
      "url.scheme": "http",
      "url.path": "/botREDACTED/send",
      "url.query": "auth_token=REDACTED&limit=5",
      "server.address": "worker.test",
      "server.port": 80,
      "user_agent.original": "ua/1",
    });
  });
});

describe("scrubText", () => {
  it("undici's fetch error for a URL with credentials", () => {
    expect(scrubText("Request cannot be constructed from a URL that includes credentials: https://user:s3cr3t-Pa55@api.test/v1/x?key=abc&alt=sse")).toBe(
      "Request cannot be constructed from a URL that includes credentials: https://api.test/v1/x?key=REDACTED&alt=sse",
    );
  });

  it("URLs inside text, with their trailing punctuation kept", () => {
    expect(scrubText("failed (https://a:b@h.test/bot1:AAbb/x?token=t). See https://docs.test/help.")).toBe(
      "failed (https://h.test/botREDACTED/x?token=REDACTED). See https://docs.test/help.",
    );
    expect(scrubText("bad url http://[oops/x?key=a and u:p in http://[::1/x:p@h")).toBe("bad url REDACTED and u:p in REDACTED");
  });

  it("provider key echoes, Bearer/Basic credentials and key=value pairs", () => {
    expect(scrubText("Incorrect API key provided: sk-proj-abc…xyz. You can find your API key at https://platform.openai.com/account/api-keys.")).toBe(
      "Incorrect API key provided: REDACTED. You can find your API key at https://platform.openai.com/account/api-keys.",
    );
    expect(scrubText("Incorrect API key provided: sk-proj-ab**********************yz12.")).toBe("Incorrect API key provided: REDACTED.");
    expect(scrubText("header Authorization: Bearer abc.DEF-123_xyz and Basic dXNlcjpwYXNz")).toBe("header Authorization: Bearer REDACTED and Basic REDACTED");
    expect(scrubText("connect failed: password=hunter2; api_key=xyz, x-api-key=zz")).toBe("connect failed: password=REDACTED; api_key=REDACTED, x-api-key=REDACTED");
    expect(scrubText("key AKIAIOSFODNN7EXAMPLE and jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")).toBe("key REDACTED and jwt REDACTED");
  });

  it("elides quoted text that contains spaces (echoed prompts), keeps quoted identifiers", () => {
    expect(scrubText("'my card is 4111 1111' is not of type 'array' - 'messages.0.content'")).toBe("'…' is not of type 'array' - 'messages.0.content'");
    expect(scrubText(`Unexpected token 'I', "Internal S"... is not valid JSON`)).toBe(`Unexpected token 'I', "…"... is not valid JSON`);
    expect(scrubText("can't read the user's file")).toBe("can't read the user's file");
  });

  it("keeps ordinary messages unchanged", () => {
    for (const text of ["fetch failed", "Network connection lost.", "TypeError: Cannot read properties of undefined (reading 'x')", "getaddrinfo ENOTFOUND api.openai.com"]) {
      expect(scrubText(text)).toBe(text);
    }
  });

  it("bounds the output, and a key cut by the bound never survives in part", () => {
    expect(scrubText("x".repeat(5000))).toBe("…");
    expect(scrubText("x".repeat(2000))).toBe(`${"x".repeat(1023)}…`);
    const long = `${"word ".repeat(819)}sk-proj-Ab12Cd34Ef56Gh78`;
    const out = scrubText(long, DEFAULT_URL_POLICY, 1024);
    expect(out.length).toBeLessThanOrEqual(1024);
    expect(out).not.toContain("sk-");
    expect(scrubText("a sk-proj-Ab12Cd34Ef56", DEFAULT_URL_POLICY, 64)).toBe("a REDACTED");
  });
});

describe("properties", () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{12,40}$/).filter((s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s));
  const name = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,12}$/).filter((n) => !DEFAULT_URL_POLICY.allow.has(n));

  it("no value of a non-allowlisted query name survives, in url.full or in text quoting the URL", () => {
    fc.assert(
      fc.property(name, secret, fc.webPath(), (n, s, path) => {
        const url = new URL(`https://u:${s}@h.test${path}?${n}=${s}#${s}`);
        const out = full(url.href)!;
        expect(out).not.toContain(s);
        for (const quoted of [url.href, `"${url.href}"`, `'${url.href}'`, `(${url.href}).`, `<${url.href}>`, `[${url.href},${url.href}]`]) {
          expect(scrubText(`failed: ${quoted} again`)).not.toContain(s);
        }
      }),
    );
  });

  it("a long mixed-case token anywhere in a path is REDACTED", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{32,64}$/).filter((s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s));
    fc.assert(
      fc.property(fc.webPath(), token, fc.webPath(), (before, t, after) => {
        expect(full(`https://h.test${before}/${t}${after}`)).not.toContain(t);
      }),
    );
  });

  it("scrubbing is idempotent", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => {
        const once = full(u)!;
        expect(full(once)).toBe(once);
      }),
    );
  });
});

describe("what an adversarial audit found (session 20)", () => {
  const TG = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
  const KEY32 = "Zq8xW2eR4tY6uI8oP0aS2dF4gH6jK8lEd1c";

  it("a percent-encoded bot token in a path", () => {
    expect(full(`https://api.telegram.org/bot${encodeURIComponent(TG)}/sendMessage`)).toBe("https://api.telegram.org/botREDACTED/sendMessage");
  });

  it("matrix parameters in a path segment keep their names, not their values", () => {
    expect(scrubPath("/app/api;jsessionid=F3A8C0D1E2;v=2/p;token=abc123secret")).toBe("/app/api;jsessionid=REDACTED;v=REDACTED/p;token=REDACTED");
  });

  it("the segment after key, token or hooks (IFTTT, Mattermost webhooks), whatever its length", () => {
    expect(scrubPath("/trigger/e/with/key/dX9QwErTy6Ui5Op4AsDfG1")).toBe("/trigger/e/with/key/REDACTED");
    expect(scrubPath("/hooks/5ro8fjpsdbn1i8ajuq7w1dt9pa")).toBe("/hooks/REDACTED");
    expect(scrubPath("/v1/chat/completions")).toBe("/v1/chat/completions");
  });

  it("an allowed query name keeps its value unless the value is a known key shape or carries `;name=`", () => {
    expect(scrubQuery(`?id=sk-proj-Ab12Cd34Ef56Gh78&alt=sse;key=${KEY32}&alt=sse&id=chatcmpl-123`)).toBe("id=REDACTED&alt=REDACTED&alt=sse&id=chatcmpl-123");
    // Cursors and ids are what paging needs: kept, however random they look.
    expect(scrubQuery(`?after=chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT&id=msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d&page=2;3&page=${KEY32}`)).toBe(
      `after=chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT&id=msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d&page=2;3&page=${KEY32}`,
    );
  });

  it("what is not a secret stays (a review's false positives): REST paths with key/token/hooks, stack frames, key: in messages, ids and model names", () => {
    for (const path of ["/v1/keys/list", "/api/tokens/42/usage", "/client/v4/user/tokens/verify", "/v1/auth/token/lookup-self", "/repos/o/r/hooks/123/pings", "/v1/keys/0b9f6f6e-1a2b-4c3d-8e9f-0123456789ab"]) {
      expect(scrubPath(path)).toBe(path);
    }
    const texts = [
      "at handle (file:///srv/app/src/hooks/useChat.js:10:5)",
      "Missing key: messages",
      `{"key":"messages.0.content"}`,
      "primary key: users_pkey violated",
      "Invalid token: expected string",
      "Unable to access model Qwen/Qwen3-235B-A22B-Instruct-2507-tput",
      "model Llama-3_1-Nemotron-Ultra-253B-v1 not found for chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT (msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d)",
    ];
    for (const t of texts) expect(scrubText(t)).toBe(t);
  });

  it("keys in error texts without a known prefix: quoted with a line break, masked echoes, headers echoed as JSON or lines, other vendors' prefixes, a bot URL without its scheme", () => {
    const texts = [
      `Headers.append: "${KEY32}\r\nx" is an invalid header value.`,
      "401 Incorrect API key provided: Zq8x************************Ed1c.",
      `400 {"received_headers":{"api-key":"0123456789abcdef0123456789abcdef","x-api-key":"${KEY32}"}}`,
      `x-api-key: 0123456789abcdef0123456789abcdef`,
      `keys xai-${"a1".repeat(20)} pplx-${"b2".repeat(20)} r8_${"c3".repeat(20)} nvapi-${"d4".repeat(20)} hcaik_${"e5".repeat(20)}`,
      `Failed to parse URL from api.telegram.org/bot${TG}/sendMessage`,
      `token ${KEY32} rejected`,
    ];
    const out = texts.map((t) => scrubText(t));
    for (const o of out) expect(o).not.toMatch(/Zq8x|0123456789abcdef0123|a1a1a1|b2b2b2|c3c3c3|d4d4d4|e5e5e5|AAHdqTcv/);
    expect(out).toEqual([
      'Headers.append: "…" is an invalid header value.',
      "401 Incorrect API key provided: REDACTED.",
      '400 {"received_headers":{"api-key":"REDACTED","x-api-key":"REDACTED"}}',
      "x-api-key: REDACTED",
      "keys REDACTED REDACTED REDACTED REDACTED REDACTED",
      "Failed to parse URL from api.telegram.org/REDACTED/sendMessage",
      "token REDACTED rejected",
    ]);
    // What is not a key stays: an ordinary message, a trace id (hex), a model name.
    expect(scrubText("model gpt-4o-mini not found; trace 4bf92f3577b34da6a3ce929d0e0e4736")).toBe("model gpt-4o-mini not found; trace 4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
