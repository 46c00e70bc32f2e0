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
  /**
   * The difference is a race the runtime runs (it shows in some runs, more under load): the test
   * of `paths` passes when the wrapped side equals bare or is what this accepts, instead of being
   * expected to fail.
   */
  varies?: (wrapped: Record<string, unknown>) => boolean;
}

/**
 * Four left (below; one a race that shows in some runs only). Fixed since the suite began (their entries removed): 1feef41 the Request-as-init
 * proxy idiom, the phantom span of a used/locked body, double compression with encodeBody
 * "manual", lost Content-Length on workerd, mutable headers, clone() losing url/type, BYOB on
 * fetched responses, Deno's corrupt compressed pass-through; 8c156c9 the handler's response
 * touched or rebuilt after an LLM call (Content-Length, reason phrase, Bun's content type),
 * watched LLM bodies more capable than the runtime's own (Bun BYOB, edge-runtime clone url),
 * repeated request headers joined in Deno; 8ba2f53 Deno's chunked Request body after the
 * used/locked check; 04d32d5 the patched fetch's shape (name, length, prototype) and the
 * Worker ctx handed to the handler (the platform's own object, not a proxy); then Deno's chunked
 * LLM Request body (Deno sends a string body chunked once the Request's `body` getter has been
 * read: the prompt is read from a clone, whose tee keeps the body's length on every runtime, and
 * the Request itself is sent).
 */
export const KNOWN: Known[] = [
  {
    id: "deno-forwarded-stream-length",
    finding:
      "Deno sends a stream backed by one of its own resources (an incoming request's body, forwarded to an LLM path) with that body's Content-Length; " +
      "the stream we send in its place, to read the prompt as it passes, is a JS stream, which Deno sends chunked (so did the read-first replay before it). " +
      "Sending the app's stream untouched would keep the length and lose every request attribute of the call (model, parameters); a tee keeps it on workerd, not on Deno.",
    runtimes: ["deno", "deno-otel"],
    cases: ["proxy-init-from-request-llm"],
    paths: /^upstream\[0\]\.headers\.(content-length|transfer-encoding)/,
  },
  {
    id: "bun-cancelled-after-call",
    finding:
      "Bun locks a body stream only when it sends it, and refuses one the app cancelled in between ('Stream already used'); " +
      "the stream we send in its place is intact, so the call goes out with the cancelled stream's (empty) body. Only an app that cancels its own upload right after handing it to fetch sees it.",
    runtimes: ["bun"],
    cases: ["body-llm-stream-after-call"],
    paths: /^(response\.doc\.ok\.outcome|response\.headers\.content-length|upstream)/,
  },
  {
    id: "node-upload-failing-partway",
    finding:
      "Node (undici) reads a body stream's first chunks before it connects, so an upload that fails at its second read is never sent bare; " +
      "through the stream we pass it on with, the first chunk goes out before the failure arrives, and the upstream sees a request cut short. " +
      "The app gets the same error either way. (A pass-through that forwarded the failure sooner made Bun differ instead.)",
    runtimes: ["node"],
    cases: ["body-llm-stream-errors"],
    paths: /^upstream/,
  },
  {
    id: "bun-upload-failing-partway",
    finding:
      "Bun sends nothing bare when an upload fails at its second read, as its failure comes while the first chunk is read; through the stream we pass it " +
      "on with, the failure arrives a few microtasks later, and in some runs (3 in 5 with the machine loaded, none idle; the same at 0f4246b) Bun has " +
      "sent the first chunk by then: the upstream sees a request cut short. The app gets the same error either way. Erroring our stream as soon as the " +
      "app's fails did not change it (5 in 5 under load).",
    runtimes: ["bun"],
    cases: ["body-llm-stream-errors"],
    paths: /^upstream/,
    // One request, cut short after the first chunk (10 bytes), and nothing more.
    varies: (w) =>
      w["upstream[0].complete"] === false && w["upstream[0].body.length"] === 10 && w["upstream[0].method"] === "POST" && !Object.keys(w).some((k) => k.startsWith("upstream[1]")),
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
