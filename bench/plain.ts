/**
 * Bench section "plain" (issue 10): what a plain (non-LLM) fetch and a big Worker response cost
 * bare, wrapped (instrument() at HEAD: a plain CLIENT span ends at the response headers, the
 * handler's response is returned as is), and "watched" (the same wrapped Worker whose app passes
 * every body through observeBody, as the design before 1feef41 did: see workers/plain-app.ts).
 *
 * Same method as the other sections: one workerd per variant, cases and variants in a fresh
 * random order every round, ratios paired with bare's run of the same case in the same round,
 * CPU of the workerd process from /proc, wall time from a Node client on 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { type Collector, listenLoopback, startCollector } from "../test/support/collector.js";
import { cpu } from "./proc.js";
import { fmt, median, quantile, shuffle, sleep, table } from "./stats.js";
import { type BenchWorker, startBenchWorker } from "./workerd.js";

export interface Output {
  say(text?: string): void;
  section(title: string): void;
}

const MB = 1_000_000;
const SIZES = [20 * MB, 64 * MB];

type VariantId = "bare" | "wrapped" | "watched";
const VARIANTS: Record<VariantId, { entry: string; label: string; env: Record<string, string> }> = {
  bare: { entry: "bench/workers/plain-bare.ts", label: "bare", env: {} },
  wrapped: { entry: "bench/workers/plain-ours.ts", label: "wrapped (instrument, HEAD)", env: {} },
  watched: { entry: "bench/workers/plain-ours.ts", label: "watched (wrapped + observeBody on every body)", env: { WATCH: "1" } },
};
const IDS = Object.keys(VARIANTS) as VariantId[];

interface Case {
  id: string;
  label: string;
  /** Path on the Worker, given the upstream's origin. */
  path(upstream: string): string;
  /** Body bytes the client must receive (undefined: a small JSON answer naming `bytes`). */
  clientBytes?: number;
  /** Bytes the Worker must report having read. */
  workerBytes?: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const n of SIZES) {
    const u = (up: string) => encodeURIComponent(`${up}/bytes?n=${n}`);
    const mb = `${n / MB} MB`;
    out.push(
      { id: `read-buffer-${n}`, label: `1. read ${mb}: arrayBuffer()`, path: (up) => `/read?how=buffer&u=${u(up)}`, workerBytes: n },
      { id: `read-reader-${n}`, label: `1. read ${mb}: reader loop`, path: (up) => `/read?how=reader&u=${u(up)}`, workerBytes: n },
      { id: `pass-direct-${n}`, label: `2. pass ${mb}: return fetch(u)`, path: (up) => `/pass?how=direct&u=${u(up)}`, clientBytes: n },
      { id: `pass-rebuilt-${n}`, label: `2. pass ${mb}: new Response(up.body, up)`, path: (up) => `/pass?how=rebuilt&u=${u(up)}`, clientBytes: n },
    );
  }
  out.push({ id: "gen", label: "3. generate 20 MB (64 KiB chunks)", path: () => `/gen?bytes=${20 * MB}`, clientBytes: 20 * MB });
  return out;
}

/** An upstream that answers GET /bytes?n=N with N bytes and their Content-Length, from one buffer. */
async function startUpstream() {
  const data = Buffer.alloc(Math.max(...SIZES), 0x62);
  return listenLoopback((req, res) => {
    const n = Number(new URL(req.url ?? "/", "http://x").searchParams.get("n") ?? "0");
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(n) });
    res.end(data.subarray(0, n));
  });
}

interface Reply {
  status: number;
  bytes: number;
  json?: { bytes?: number };
  contentLength: string | undefined;
  chunked: boolean;
  wallMs: number;
}

/** GET on a keep-alive agent: counts the body, keeps it only when small (the JSON answers). */
function get(agent: http.Agent, base: URL, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: base.hostname, port: base.port, path, method: "GET", agent }, (res) => {
      let bytes = 0;
      const small: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        bytes += c.byteLength;
        if (bytes <= 4096) small.push(c);
      });
      res.on("end", () => {
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const text = bytes <= 4096 ? Buffer.concat(small).toString("utf8") : "";
        let json: Reply["json"];
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const cl = res.headers["content-length"];
        resolve({ status: res.statusCode ?? 0, bytes, json, contentLength: cl, chunked: /chunked/i.test(String(res.headers["transfer-encoding"] ?? "")), wallMs });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

interface Running {
  worker: BenchWorker;
  collector: Collector;
  agent: http.Agent;
  base: URL;
}

interface Run {
  round: number;
  /** Position in the whole run (every variant's requests counted), and the case this Worker ran before. */
  seq: number;
  after: string;
  wallMs: number;
  cpuMs: number;
  /** Client-observed Content-Length, or "chunked" / "none". */
  length: string;
}

function check(id: VariantId, c: Case, r: Reply): void {
  if (r.status !== 200) throw new Error(`plain: ${id} ${c.id} answered ${r.status}`);
  if (c.clientBytes !== undefined && r.bytes !== c.clientBytes) throw new Error(`plain: ${id} ${c.id}: client got ${r.bytes} bytes, expected ${c.clientBytes}`);
  if (c.workerBytes !== undefined && r.json?.bytes !== c.workerBytes) throw new Error(`plain: ${id} ${c.id}: Worker read ${r.json?.bytes} bytes, expected ${c.workerBytes}`);
}

const lengthOf = (r: Reply) => (r.contentLength !== undefined ? r.contentLength : r.chunked ? "chunked" : "none");

/** "CL 20000000" when every run carried the expected length, else what the client saw. */
function lengthCell(runs: Run[], c: Case): string {
  const seen = [...new Set(runs.map((r) => r.length))];
  const expected = c.clientBytes !== undefined ? String(c.clientBytes) : undefined;
  if (seen.length === 1 && /^\d+$/.test(seen[0])) return expected === undefined || seen[0] === expected ? "yes" : `wrong (${seen[0]})`;
  return seen.length === 1 ? `no (${seen[0]})` : `mixed (${seen.join(", ")})`;
}

/**
 * The watched variant is 10-30x slower on pass-through and its ratio is far from 1, so it runs
 * in every other round only: the time goes to the rounds that tell wrapped from bare.
 */
const WATCHED_EVERY = 2;

export async function plainSection(quick: boolean, out: Output): Promise<void> {
  const rounds = quick ? 3 : 10;
  out.section("Plain fetches and big responses (issue 10): bare vs wrapped (headers-only plain spans) vs watched (every body through observeBody)");
  const all = cases();
  out.say(
    `Handler bench/workers/plain-app.ts; the upstream is a Node server on 127.0.0.1 sending N bytes with a Content-Length from one buffer. ` +
      `Variants: ${IDS.map((id) => `**${id}** = ${VARIANTS[id].label}`).join("; ")}. ` +
      `${rounds} rounds after one warm-up of each 20 MB case; each round the ${all.length} cases in random order, and for each case the variants in random order; ` +
      `watched takes part in every ${WATCHED_EVERY === 2 ? "other" : `${WATCHED_EVERY}th`} round only (${Math.ceil(rounds / WATCHED_EVERY)} rounds: its pass-through runs take seconds and its ratios are far from 1). ` +
      `Wall = client request → last body byte; CPU = the workerd process's threads' schedstat run time, read before the request and 25 ms after it (so the waitUntil export is included). ` +
      `Ratios are medians over rounds of variant / bare in the same round, [IQR] in brackets; added CPU = median of the paired differences. Content-Length = did the client see one (for case 1 it is the Worker's small JSON answer's).`,
  );
  const upstream = await startUpstream();
  const running = new Map<VariantId, Running>();
  try {
    for (const id of IDS) {
      const collector = await startCollector();
      try {
        const worker = await startBenchWorker(`plain-${id}`, VARIANTS[id].entry, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: `bench-plain-${id}`, ...VARIANTS[id].env });
        running.set(id, { worker, collector, agent: new http.Agent({ keepAlive: true, maxSockets: 2 }), base: new URL(worker.url) });
      } catch (e) {
        await collector.close();
        throw e;
      }
    }
    const runs = new Map<string, Run[]>();
    const key = (c: Case, id: VariantId) => `${c.id}/${id}`;
    for (const c of all) for (const id of IDS) runs.set(key(c, id), []);
    let seq = 0;
    const last = new Map<VariantId, string>();
    const once = async (c: Case, id: VariantId, round: number) => {
      const r = running.get(id)!;
      const c0 = cpu(r.worker.pid);
      const reply = await get(r.agent, r.base, c.path(upstream.url));
      await sleep(25);
      const c1 = cpu(r.worker.pid);
      check(id, c, reply);
      if (round >= 0) runs.get(key(c, id))!.push({ round, seq: seq++, after: last.get(id) ?? "", wallMs: reply.wallMs, cpuMs: c1.schedMs - c0.schedMs, length: lengthOf(reply) });
      last.set(id, c.id);
    };
    // Warm-up: the 20 MB cases run the same code as the 64 MB ones.
    for (const c of all.filter((x) => !x.id.endsWith(String(64 * MB)))) for (const id of IDS) await once(c, id, -1);
    for (let round = 0; round < rounds; round++) {
      const ids = round % WATCHED_EVERY === 0 ? IDS : IDS.filter((id) => id !== "watched");
      for (const c of shuffle(all)) for (const id of shuffle(ids)) await once(c, id, round);
    }
    report(out, all, rounds, (c, id) => runs.get(key(c, id))!);
    const dir = fileURLToPath(new URL("../node_modules/.cache/otel-genai-edge-bench/", import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}plain-runs.json`, JSON.stringify(Object.fromEntries(runs), null, 1));
    await sleep(100);
    const fetches = all.filter((c) => c.id !== "gen").length * rounds + all.filter((c) => c.id !== "gen" && !c.id.endsWith(String(64 * MB))).length;
    const spans = running.get("wrapped")!.collector.spans();
    const client = spans.filter((s) => s.kind === 3);
    out.say("");
    out.say(
      `Check: the wrapped Worker exported ${spans.length} spans, ${client.length} of them CLIENT spans (one per fetch: ${fetches} expected).`,
    );
  } finally {
    for (const r of running.values()) {
      r.agent.destroy();
      await r.worker.close();
      await r.collector.close();
    }
    await upstream.close();
  }
}

function report(out: Output, all: Case[], rounds: number, runsOf: (c: Case, id: VariantId) => Run[]): void {
  const ratio = (c: Case, id: VariantId, pick: (r: Run) => number) => {
    const bare = runsOf(c, "bare");
    return runsOf(c, id).map((r) => pick(r) / pick(bare.find((b) => b.round === r.round)!));
  };
  const added = (c: Case, id: VariantId) => {
    const bare = runsOf(c, "bare");
    return runsOf(c, id).map((r) => r.cpuMs - bare.find((b) => b.round === r.round)!.cpuMs);
  };
  const cell = (xs: number[]) => `${fmt(median(xs), 2)} [${fmt(quantile(xs, 0.25), 2)}, ${fmt(quantile(xs, 0.75), 2)}]`;
  const wall = (r: Run) => r.wallMs;
  const cpuOf = (r: Run) => r.cpuMs;
  const rows = all.map((c) => [
    c.label,
    fmt(median(runsOf(c, "bare").map(wall)), 1),
    cell(ratio(c, "wrapped", wall)),
    cell(ratio(c, "watched", wall)),
    fmt(median(runsOf(c, "bare").map(cpuOf)), 1),
    cell(ratio(c, "wrapped", cpuOf)),
    cell(ratio(c, "watched", cpuOf)),
    `${fmt(median(added(c, "wrapped")), 1)} / ${fmt(median(added(c, "watched")), 1)}`,
    IDS.map((id) => lengthCell(runsOf(c, id), c)).join(" / "),
  ]);
  out.say("");
  out.say(
    table(
      [
        "case",
        "bare wall ms",
        "wall wrapped/bare",
        "wall watched/bare",
        "bare CPU ms",
        "CPU wrapped/bare",
        "CPU watched/bare",
        "added CPU ms wrapped / watched",
        "Content-Length bare / wrapped / watched",
      ],
      rows,
    ),
  );
  const spread = (id: VariantId, pick: (r: Run) => number) => {
    const ms = all.map((c) => median(ratio(c, id, pick)));
    return `${fmt(Math.min(...ms), 2)}–${fmt(Math.max(...ms), 2)}`;
  };
  // Every paired ratio of every case in one pool: one figure for "does wrapping cost anything".
  const pooled = (id: VariantId, pick: (r: Run) => number, which = all) => cell(which.flatMap((c) => ratio(c, id, pick)));
  const passing = all.filter((c) => c.id.startsWith("pass-"));
  out.say("");
  out.say(
    `Medians per case (${rounds} rounds): wrapped/bare wall ${spread("wrapped", wall)}, CPU ${spread("wrapped", cpuOf)}; ` +
      `watched/bare wall ${spread("watched", wall)}, CPU ${spread("watched", cpuOf)}. ` +
      `All paired ratios of all cases pooled: wrapped/bare wall ${pooled("wrapped", wall)}, CPU ${pooled("wrapped", cpuOf)}; ` +
      `watched/bare wall ${pooled("watched", wall)}, CPU ${pooled("watched", cpuOf)} (pass-through cases only: wall ${pooled("watched", wall, passing)}, CPU ${pooled("watched", cpuOf, passing)}). ` +
      `Added CPU of wrapped over bare, all cases pooled: ${cell(all.flatMap((c) => added(c, "wrapped")))} ms per request (median of paired differences).`,
  );
}
