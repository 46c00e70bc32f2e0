/**
 * Differences between bare and wrapped that exist today, per runtime. An entry with `paths`
 * sets those observation paths aside in its cases (the rest of each case is still compared)
 * and gets one `it.fails` of its own asserting them equal; an entry without `paths` makes the
 * whole case `it.fails`. Either way `npm test` stays green, and the test flips ("expected to
 * fail") the moment the fix lands: then delete the entry.
 */

/** Cases where the app's fetch must send nothing (body used or locked). */
export const NEVER_SENT = ["used-request", "locked-request", "locked-init-stream", "used-request-as-init", "used-incoming-request", "used-llm-request"];

export interface Known {
  id: string;
  finding: string;
  /** Runtime ids (see the *.test.ts files), or "all". */
  runtimes: readonly string[] | "all";
  /** Case names (`span:<case>` for the NEVER_SENT span checks), or "all". */
  cases: readonly string[] | "all";
  /** Flattened observation paths that differ because of it (see compare.ts); absent: the whole case. */
  paths?: RegExp;
}

const WORKERD = ["workerd-2026-11-01", "workerd-2026-07-01"];
const LLM_PROBES = ["body-llm-string", "body-llm-bytes", "body-llm-request", "body-llm-json"];

/** As of 8061fab (the "invisible by construction" fix landed in 1feef41). */
export const KNOWN: Known[] = [
  // ---- what leaves for the upstream
  {
    id: "deno-request-remade-chunked",
    finding:
      "Deno: to add traceparent the wrapper re-makes a Request (new Request(request, { headers })); Deno then sends its string body chunked instead of with Content-Length",
    runtimes: ["deno"],
    cases: ["body-request-string", "body-llm-request", "abort-pending-request-signal"],
    paths: /^upstream\[\d+\]\.headers\.(content-length|transfer-encoding)\b/,
  },
  {
    id: "deno-headers-joined",
    finding: "Deno: a request header repeated in a tuple list (x-dup: 1, x-dup: 2) leaves joined on one line ('1, 2'): the wrapper passes the headers through new Headers()",
    runtimes: ["deno"],
    cases: ["headers-tuples"],
    paths: /^upstream\[0\]\.headers\.x-dup\b/,
  },

  // ---- what the app sees of a watched (LLM) response: more than bare
  {
    id: "bun-llm-byob",
    finding: "Bun: a watched LLM response is a byte stream, so a BYOB read succeeds where Bun's own fetch body throws TypeError",
    runtimes: ["bun"],
    cases: LLM_PROBES,
    paths: /\.(cloneByob|cloneText)\b/,
  },
  {
    id: "edge-llm-clone-url",
    finding: "edge-runtime: clone() of a watched LLM response keeps url; the runtime's own clone() has url ''",
    runtimes: ["edge-runtime"],
    cases: LLM_PROBES,
    paths: /\.clone\.ok\.url$/,
  },

  // ---- what the client sees of the handler's response
  {
    id: "deno-content-length",
    finding:
      "Deno: the wrapper inspects the handler's response (headers.has(...), then body) to decide whether to watch it; touching both makes Deno.serve drop Content-Length and send chunked",
    runtimes: ["deno"],
    cases: "all",
    paths: /^response\.headers\.(content-length|transfer-encoding)\b/,
  },
  {
    id: "bun-string-body-type",
    finding: "Bun: reading response.body of a string Response (the wrapper's check) makes Bun.serve label it application/octet-stream instead of text/plain;charset=utf-8",
    runtimes: ["bun"],
    cases: ["out-status-text"],
    paths: /^response\.headers\.content-type\b/,
  },
  {
    id: "bun-llm-json-content-length",
    finding: "Bun: a non-streamed LLM response passed through is rebuilt around the watching stream: its Content-Length becomes chunked",
    runtimes: ["bun"],
    cases: ["out-pass-llm-json"],
    paths: /^response\.headers\.(content-length|transfer-encoding)\b/,
  },
  {
    id: "rebuilt-after-llm",
    finding:
      "after an LLM call, the handler's own response (here a JSON string of known length) is rebuilt around a watching stream: Content-Length becomes chunked, and on workerd the explicit empty statusText drops the reason phrase ('200 ' instead of '200 OK')",
    runtimes: ["bun", ...WORKERD],
    cases: LLM_PROBES,
    paths: /^response\.(statusMessage$|headers\.(content-length|transfer-encoding)\b)/,
  },
];

const applies = (k: Known, runtime: string, name: string) =>
  (k.runtimes === "all" || k.runtimes.includes(runtime)) && (k.cases === "all" || k.cases.includes(name));

/** The entry that makes this whole case fail, if any. */
export function knownCase(runtime: string, name: string): Known | undefined {
  return KNOWN.find((k) => !k.paths && applies(k, runtime, name));
}

/** Paths set aside in this case. */
export function knownPaths(runtime: string, name: string): RegExp[] {
  return KNOWN.filter((k) => k.paths && applies(k, runtime, name)).map((k) => k.paths!);
}

/** Path entries for this runtime, with the cases they cover. */
export function knownPathEntries(runtime: string, cases: string[]): { known: Known; cases: string[] }[] {
  return KNOWN.filter((k) => k.paths && (k.runtimes === "all" || k.runtimes.includes(runtime))).map((known) => ({
    known,
    cases: cases.filter((name) => applies(known, runtime, name)),
  }));
}
