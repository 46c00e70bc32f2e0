/**
 * The differential suite, one runtime at a time: the app of app.ts is started bare and wrapped
 * (telemetry on, to a real collector), every case is sent to both, and each case's test
 * compares what the wrapped run observed with what the bare run observed, the upstream's
 * recording included. Bare is the oracle: any difference fails.
 *
 * All cases run in beforeAll (a few at a time, bare and wrapped side by side); each `it` then
 * compares. Cases listed in known.ts for this runtime are `it.fails`: they flip when fixed.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type DecodedSpan, listenLoopback, startCollector } from "../support/collector.js";
import { fixtureBytes } from "../support/replay.js";
import { OUTS, PROBES } from "./app.js";
import { OVER_LIMIT, PROMPT_FORMS } from "./probes-llm.js";
import { clientRequest, normalize, observeProbe, observeRaw, rawRequest, withoutTraceparent } from "./client.js";
import { filterPaths, flatten } from "./compare.js";
import { knownCase, knownPathEntries, knownPaths, NEVER_SENT } from "./known.js";
import { LLM_STREAM, startUpstream, summarizeBytes, type Upstream, type UpstreamRequest } from "./upstream.js";

export type Variant = "bare" | "wrapped";

/** The response model of the upstream's recorded stream (LLM_STREAM). */
const RESPONSE_MODEL = "gpt-4o-mini-2024-07-18";

export interface AppServer {
  /** Origin the app listens on, e.g. http://127.0.0.1:1234 */
  url: string;
  close(): Promise<void>;
}

export interface RuntimeUnderTest {
  /** As used in known.ts, e.g. `node`, `workerd-2026-07-01`. */
  id: string;
  /** Starts the app; `wrapped` sends its telemetry to `collector`. */
  start(variant: Variant, collector: Collector): Promise<AppServer>;
  /** Cases in flight at once (1 where the wrapper traces only a request that is alone). */
  concurrency: number;
  /**
   * A pause after each case (ms): without AsyncLocalStorage a request counts as alone only once
   * the previous one has also finished exporting.
   */
  pauseMs?: number;
  /**
   * The runtime traces on its own in both runs (Deno's built-in OpenTelemetry): its spans go to
   * the same collector (scope `deno`) and are set aside here; its SERVER span around the handler
   * leaves ours INTERNAL; its fetch adds the `traceparent`, so each request must carry exactly as
   * many values as the bare run's.
   */
  platformTracing?: boolean;
  /** Cases this runtime cannot run bare either (they stop its server): not sent to it. */
  skip?: { cases: readonly string[]; why: string };
}

export const ALL_CASES = [...Object.keys(PROBES), ...Object.keys(OUTS)];

interface Run {
  observed: unknown;
  traceparents: (string | null)[];
  /** Wall time of the case, for TRANSPARENCY_DUMP. */
  ms: number;
}

const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

async function freeRefusedUrl(): Promise<string> {
  const server = await listenLoopback(() => {});
  await server.close();
  return server.url;
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: size }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

export function transparencySuite(runtime: RuntimeUnderTest): void {
  const CASES = ALL_CASES.filter((name) => !runtime.skip?.cases.includes(name));
  describe(`bare vs wrapped under ${runtime.id}`, () => {
    let upstream: Upstream;
    let collector: Collector;
    const servers: Partial<Record<Variant, AppServer>> = {};
    const runs = new Map<string, Record<Variant, Run>>();
    const traceIds = new Map<string, { traceId: string; parentId: string }>();

    async function runCase(variant: Variant, name: string, index: number, refused: string): Promise<Run> {
      const started = Date.now();
      // Same length for both variants, so lengths (Content-Length of the JSON answer) compare too.
      const token = `tk${index}-${variant[0]}-${runtime.id}`;
      const { traceId, parentId } = traceIds.get(name)!;
      const target = { name, upstreamOrigin: upstream.url, base: upstream.base(token), refused, traceparent: `00-${traceId}-${parentId}-01` };
      const raw = await rawRequest(servers[variant]!.url, clientRequest(target));
      let requests: UpstreamRequest[] | string;
      try {
        requests = await upstream.requests(token);
      } catch (error) {
        requests = (error as Error).message;
      }
      const response = name in PROBES ? observeProbe(raw) : observeRaw(raw);
      const upstreamSaw = typeof requests === "string" ? requests : withoutTraceparent(requests);
      return {
        observed: normalize({ response, upstream: upstreamSaw }, token),
        traceparents: typeof requests === "string" ? [] : requests.map((r) => r.traceparent),
        ms: Date.now() - started,
      };
    }

    beforeAll(async () => {
      let refused: string;
      [upstream, collector, refused] = await Promise.all([startUpstream(), startCollector(), freeRefusedUrl()]);
      [servers.bare, servers.wrapped] = await Promise.all([runtime.start("bare", collector), runtime.start("wrapped", collector)]);
      for (const name of CASES) traceIds.set(name, { traceId: hex(16), parentId: hex(8) });
      const started = Date.now();
      await pool(CASES.map((name, index) => ({ name, index })), runtime.concurrency, async ({ name, index }) => {
        const [bare, wrapped] = await Promise.all([runCase("bare", name, index, refused), runCase("wrapped", name, index, refused)]);
        runs.set(name, { bare, wrapped });
        if (runtime.pauseMs) await new Promise((r) => setTimeout(r, runtime.pauseMs));
      });
      // For looking at the differences by hand: TRANSPARENCY_DUMP=dir writes every observation.
      const dump = process.env.TRANSPARENCY_DUMP;
      if (dump) {
        writeFileSync(`${dump}/${runtime.id}.json`, JSON.stringify(Object.fromEntries(runs), null, 1));
        console.log(`${runtime.id}: ${CASES.length} cases in ${Date.now() - started} ms`);
      }
    }, 240_000);

    afterAll(async () => {
      await Promise.all(Object.values(servers).map((s) => s?.close()));
      await collector?.close();
      await upstream?.close();
    });

    for (const name of runtime.skip?.cases ?? []) it.skip(`${name} [not run here: ${runtime.skip!.why}]`, () => {});

    for (const name of CASES) {
      const known = knownCase(runtime.id, name);
      const masks = knownPaths(runtime.id, name);
      // A known failure is expected to fail today; when the fix lands this flips, and the entry goes.
      const test = known ? it.fails : it;
      test(known ? `${name} [known: ${known.id}]` : name, () => {
        const run = runs.get(name)!;
        const side = (v: Variant) => filterPaths(flatten(run[v].observed), masks, false);
        expect(side("wrapped")).toEqual(side("bare"));
      });
    }

    for (const { known, cases } of knownPathEntries(runtime.id, CASES)) {
      if (known.varies) {
        it(`[known, in some runs: ${known.id}] ${known.finding}`, () => {
          for (const name of cases) {
            const run = runs.get(name)!;
            const side = (v: Variant) => filterPaths(flatten(run[v].observed), [known.paths!], true);
            if (!known.varies!(side("wrapped"))) expect({ [name]: side("wrapped") }).toEqual({ [name]: side("bare") });
          }
        });
        continue;
      }
      it.fails(`[known: ${known.id}] ${known.finding}`, () => {
        for (const name of cases) {
          const run = runs.get(name)!;
          const side = (v: Variant) => filterPaths(flatten(run[v].observed), [known.paths!], true);
          expect({ [name]: side("wrapped") }).toEqual({ [name]: side("bare") });
        }
      });
    }

    it("the bare run is a working oracle: bodies, redirects, refusals and large streams really went through", () => {
      const bare = (name: string) => runs.get(name)!.bare.observed as { response: any; upstream: any[] };
      const sent = (name: string) => bare(name).upstream.map((r) => `${r.method} ${r.path}`);
      expect(bare("body-string").upstream).toMatchObject([{ method: "POST", path: "/echo", body: summarizeBytes(new TextEncoder().encode("string body ✓")) }]);
      expect(sent("redirect-307-follow")).toEqual(["POST /echo", "POST /redirect/307"]);
      expect(sent("redirect-303-follow")).toEqual(["GET /echo", "POST /redirect/303"]);
      expect(bare("abort-before")).toMatchObject({ response: { doc: { threw: { name: "AbortError" } } }, upstream: [] });
      expect(bare("used-request")).toMatchObject({ response: { doc: { threw: { ctor: "TypeError" } } }, upstream: [] });
      expect(bare("out-pass-large").response).toMatchObject({ status: 200, body: { length: 20 * 1024 * 1024 + 17 } });
      expect(bare("out-large-stream").response).toMatchObject({ status: 200, body: { length: 20 * 1024 * 1024 + 17 } });
      expect(bare("out-pass-llm").response).toMatchObject({ status: 200, body: summarizeBytes(fixtureBytes(LLM_STREAM)) });
    });

    /** Our spans of a trace (a runtime's own, under platformTracing, set aside). */
    const spansOf = (traceId: string, spans: DecodedSpan[]) => spans.filter((s) => s.traceId === traceId && s.scope.name !== "deno");
    // Our root: INTERNAL under the runtime's own SERVER span, else SERVER.
    const rootKind = runtime.platformTracing ? 1 : 2;
    const root = `${rootKind} GET`;

    it("the wrapped app really ran the instrumentation: SERVER spans, an LLM span, traceparent injected into every request", async () => {
      const llm = traceIds.get("body-llm-string")!;
      const plain = traceIds.get("resp-plain")!;
      const spans = await collector.waitForSpans((all) => spansOf(llm.traceId, all).length >= 2 && spansOf(plain.traceId, all).length >= 2, 10_000);
      expect(spansOf(llm.traceId, spans).map((s) => `${s.kind} ${s.name}`).sort()).toEqual([root, "3 chat gpt-4o-mini"]);
      expect(spansOf(plain.traceId, spans).map((s) => `${s.kind} ${s.name}`).sort()).toEqual([root, "3 GET"]);
      const client = spansOf(plain.traceId, spans).find((s) => s.kind === 3)!;
      // Under platform tracing the runtime's fetch span, a child of ours, is the request's parent.
      if (!runtime.platformTracing) expect(runs.get("resp-plain")!.wrapped.traceparents).toEqual([`00-${plain.traceId}-${client.spanId}-01`]);
      // Every request the wrapped app sent carried its case's trace, from a span of ours (not the client's).
      for (const name of CASES) {
        const { traceId, parentId } = traceIds.get(name)!;
        const injected = new RegExp(`^00-${traceId}-(?!${parentId})[0-9a-f]{16}-01$`);
        for (const sent of runs.get(name)!.wrapped.traceparents) {
          // The runtime's fetch appends its own to one the app forwards (the client's), as bare.
          const traceparent = runtime.platformTracing ? sent?.split(", ").at(-1) : sent;
          expect({ name, traceparent }).toEqual({ name, traceparent: expect.stringMatching(injected) });
        }
      }
    });

    if (runtime.platformTracing) {
      it("every request carries as many traceparent values as the bare run's (the runtime's own, not ours as well)", () => {
        const values = (tp: string | null) => (tp === null ? 0 : tp.split(",").length);
        for (const name of CASES) {
          const run = runs.get(name)!;
          expect({ name, values: run.wrapped.traceparents.map(values) }).toEqual({ name, values: run.bare.traceparents.map(values) });
        }
      });
    }

    it("a prompt in any body form is read: the wrapped app's GenAI span carries the request's model", async () => {
      const clientSpans = async (name: string) => {
        const { traceId } = traceIds.get(name)!;
        const all = await collector.waitForSpans((spans) => spansOf(traceId, spans).some((s) => s.kind === 3), 10_000);
        return spansOf(traceId, all)
          .filter((s) => s.kind === 3)
          .map((s) => ({
            name: s.name,
            model: s.attributes["gen_ai.request.model"],
            response: s.attributes["gen_ai.response.model"],
            params: [s.attributes["gen_ai.request.temperature"], s.attributes["gen_ai.request.max_tokens"]],
          }));
      };
      for (const name of PROMPT_FORMS) {
        // The Request alone (the Mistral SDK's way) carries parameters too.
        const params = name === "llm-request-alone" ? [0.3, 50] : [undefined, undefined];
        expect({ name, spans: await clientSpans(name) }).toEqual({ name, spans: [{ name: "chat gpt-4o-mini", model: "gpt-4o-mini", response: RESPONSE_MODEL, params }] });
      }
      // Over the limit the body is not parsed (nor recognised, as for a string that long): a plain HTTP span.
      for (const name of OVER_LIMIT) {
        expect({ name, spans: await clientSpans(name) }).toEqual({ name, spans: [{ name: "POST", model: undefined, response: undefined, params: [undefined, undefined] }] });
      }
    });

    for (const name of NEVER_SENT) {
      const known = knownCase(runtime.id, `span:${name}`);
      const test = known ? it.fails : it;
      test(`a used or locked body: as many CLIENT spans as the bare app sent requests (${name})${known ? ` [known: ${known.id}]` : ""}`, async () => {
        const { traceId } = traceIds.get(name)!;
        const spans = spansOf(traceId, await collector.waitForSpans((all) => spansOf(traceId, all).some((s) => s.kind === rootKind), 10_000));
        const sentBare = runs.get(name)!.bare.traceparents.length;
        expect(spans.filter((s) => s.kind === 3).length).toBe(sentBare);
      });
    }
  });
}
