/**
 * Same-run A/B of two trees: the CPU of a non-streaming LLM call with its export, the time to
 * first byte of a returned stream, and stream pass-through (bulk reads, then one event per read;
 * not with --llm-only), through bare, bare + one POST, the no-op observeBody wrapper,
 * otel-genai-edge from another checkout ("before") and from this one ("after"), each in its own
 * workerd, rounds interleaved in random order.
 *
 *   git worktree add /tmp/base <rev> && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   BENCH_ENTRY=./ab.ts npm run bench -- --base=/tmp/base [--rounds=16] [--bytes=4000000]
 *
 * Ratios are paired per round (bare's wall time or CPU over the variant's); CPU is the workerd
 * process's threads' schedstat run time around each request. Keep the worktree outside this
 * repository (a nested biome.json or vitest config inside it confuses the tools).
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startCollector } from "../test/support/collector.js";
import { startReplay } from "../test/support/replay.js";
import { client } from "./http.js";
import { cpu } from "./proc.js";
import { startSseServer } from "./sse-server.js";
import { fmt, median, shuffle, sleep, table } from "./stats.js";
import { quiesce } from "./variants.js";
import { startBenchWorker } from "./workerd.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const base = arg("base");
  if (!base) throw new Error("--base=<path of the other checkout> is required (see the header of bench/ab.ts)");
  const rounds = Number(arg("rounds") ?? 16);
  const bytes = Number(arg("bytes") ?? 4_000_000);
  const sse = await startSseServer();
  const replay = await startReplay({ defaultGapMs: 0 });
  const variants: [string, string, Record<string, string>][] = [
    ["bare", "bench/workers/bare.ts", {}],
    ["bare + 1 POST", "bench/workers/bare-post.ts", {}],
    ["no-op wrapper", "bench/workers/bare-wrapped.ts", { WRAP: "observe" }],
    ["before", relative(ROOT, resolve(base, "bench/workers/ours.ts")), {}],
    ["after", "bench/workers/ours.ts", {}],
  ];
  const running = [];
  for (const [id, entry, env] of variants) {
    const collector = await startCollector();
    const worker = await startBenchWorker(id.replace(/\W/g, "-"), entry, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: id, ...env });
    running.push({ id, worker, collector, http: client(worker.url), exportsPerCall: id === "bare" || id === "no-op wrapper" ? 0 : 1 });
  }
  try {
    // CPU per non-streaming call, export included: batches of sequential calls, then wait for the exports.
    const llm = `/llm?u=${encodeURIComponent(replay.urlFor("openai/chat-nonstream.json", "/v1/chat/completions", { gapMs: 0 }))}`;
    const batch = 20;
    const perCall = new Map<string, number[]>(running.map((r) => [r.id, []]));
    for (const r of running) for (let i = 0; i < 30; i++) await r.http.get(llm, false);
    await sleep(200);
    for (let round = 0; round < rounds; round++) {
      for (const r of shuffle(running)) {
        r.collector.clear();
        const c0 = cpu(r.worker.pid);
        for (let i = 0; i < batch; i++) await r.http.get(llm, false);
        if (!(await quiesce(r as never, r.exportsPerCall * batch))) throw new Error(`${r.id}: exports missing`);
        perCall.get(r.id)!.push((cpu(r.worker.pid).schedMs - c0.schedMs) / batch);
      }
    }
    // Time to first byte of a streamed response the Worker returns as its own: from an upstream that
    // answers at once (what runs when the answer arrives is then on the path), and from one that
    // thinks 20 ms first, as a provider does (work deferred to that wait is off the path).
    for (const think of [0, 20]) {
      const pass = `/pass?u=${encodeURIComponent(sse.urlFor({ events: 20, think }))}`;
      const ttfb = new Map<string, number[]>(running.map((r) => [r.id, []]));
      for (const r of running) for (let i = 0; i < 20; i++) await r.http.get(pass, false);
      for (let round = 0; round < rounds * 5; round++) for (const r of shuffle(running)) ttfb.get(r.id)!.push((await r.http.get(pass, false)).ttfbNs / 1e6);
      const bare = ttfb.get("bare")!;
      console.log(`\nTime to first byte of a returned stream, upstream thinking ${think} ms, ${rounds * 5} rounds:\n`);
      console.log(
        table(
          ["variant", "TTFB median ms", "added (median − median)", "added (median of paired diffs)"],
          running.map((r) => {
            const t = ttfb.get(r.id)!;
            return [r.id, fmt(median(t), 3), r.id === "bare" ? "-" : fmt(median(t) - median(bare), 3), r.id === "bare" ? "-" : fmt(median(t.map((v, i) => v - bare[i]!)), 3)];
          }),
        ),
      );
    }
    const bareCalls = perCall.get("bare")!;
    console.log(`\nCPU per non-streaming LLM call (export included), ${rounds} batches of ${batch}:\n`);
    console.log(table(["variant", "CPU ms / call", "added vs bare (paired median)"], running.map((r) => [r.id, fmt(median(perCall.get(r.id)!), 3), r.id === "bare" ? "-" : fmt(median(perCall.get(r.id)!.map((v, i) => v - bareCalls[i]!)), 3)])));
    for (const write of argv.includes("--llm-only") ? [] : (["bulk", "event"] as const)) {
      const path = `/consume?u=${encodeURIComponent(sse.urlFor({ bytes: write === "bulk" ? bytes : bytes / 4, write }))}`;
      const runs = new Map<string, { wall: number; sched: number }[]>(running.map((r) => [r.id, []]));
      for (const r of running) for (let i = 0; i < 2; i++) await r.http.get(path);
      for (let round = 0; round < rounds; round++) {
        for (const r of shuffle(running)) {
          const c0 = cpu(r.worker.pid);
          const t = await r.http.get(path);
          const c1 = cpu(r.worker.pid);
          runs.get(r.id)!.push({ wall: t.totalNs / 1e6, sched: c1.schedMs - c0.schedMs });
          await sleep(5); // the export's waitUntil, outside the next measurement
        }
      }
      const bare = runs.get("bare")!;
      console.log(`\n${write === "bulk" ? "bulk (16 KiB writes)" : "one event per read"}, ${rounds} rounds:\n`);
      console.log(
        table(
          ["variant", "wall ratio", "CPU ratio", "CPU ms"],
          running.map((r) => {
            const rs = runs.get(r.id)!;
            return [r.id, fmt(median(rs.map((x, i) => bare[i]!.wall / x.wall)), 3), fmt(median(rs.map((x, i) => bare[i]!.sched / x.sched)), 3), fmt(median(rs.map((x) => x.sched)), 1)];
          }),
        ),
      );
    }
  } finally {
    for (const r of running) {
      r.http.close();
      await r.worker.close();
      await r.collector.close();
    }
    await sse.close();
    await replay.close();
  }
}
