/**
 * "A realistic streamed call" (issue 13): an OpenAI chat stream of 500 content chunks, the
 * upstream writing one event per write with 2 ms between writes, read whole by the Worker
 * (/consume). CPU per call is the workerd process's CPU (sum of its threads' schedstat run
 * time) from just before the request until the call's export has arrived, so the export is
 * included: for otel-genai-edge until its collector has the call's trace POST, for the others
 * the same fixed settle time.
 */
import { cpu } from "./proc.js";
import { say, section, TARGET, verdicts } from "./report.js";
import { type SseServer, sseBody } from "./sse-server.js";
import { fmt, median, quantile, shuffle, sleep, table } from "./stats.js";
import { posts, type Running, VARIANTS, type VariantId } from "./variants.js";

const CHUNKS = 500;
const GAP_MS = 2;
/** Wait after each response before reading the CPU again (for ours: at least this, and until its trace POST is in). */
const SETTLE_MS = 30;
const EXPORT_TIMEOUT_MS = 3000;

export const CHUNKS_VARIANTS: VariantId[] = ["bare", "wrapObserve", "wrapObserveAls", "wrapDefault", "wrapTee", "ours"];

const signed = (x: number) => `${x >= 0 ? "+" : ""}${fmt(x, 2)}`;

interface Run {
  round: number;
  schedMs: number;
  wallMs: number;
  exported: boolean;
}

export async function chunksSection(rounds: number, sse: SseServer, running: Map<VariantId, Running>): Promise<void> {
  section(`A realistic streamed call: ${CHUNKS} OpenAI chat content chunks, one write each, ${GAP_MS} ms apart, read whole in the Worker`);
  const ids = CHUNKS_VARIANTS.filter((id) => running.has(id));
  const body = sseBody({ contentEvents: CHUNKS });
  const path = `/consume?u=${encodeURIComponent(sse.urlFor({ events: CHUNKS, gap: GAP_MS }))}`;
  say(
    `${body.events} SSE events (${CHUNKS} content deltas, role, finish and usage chunks, [DONE]), ${body.bytes.byteLength} bytes, the upstream sleeping ${GAP_MS} ms between writes. ` +
      `${rounds} rounds, variants in a fresh random order each round. CPU per call = workerd process CPU (sum of /proc/<pid>/task/*/schedstat run time) read before the request and ` +
      `after the call's export: otel-genai-edge's window ends once its collector has the call's trace POST (and at least ${SETTLE_MS} ms after the response), every other variant's ${SETTLE_MS} ms after the response.`,
  );
  for (const id of ids) await running.get(id)!.http.get(path, false); // warm-up
  await sleep(SETTLE_MS);
  const runs = new Map<VariantId, Run[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of shuffle(ids)) {
      const r = running.get(id)!;
      const traces0 = posts(r, "/v1/traces");
      const c0 = cpu(r.worker.pid);
      const res = await r.http.get(path);
      const j = JSON.parse(res.body) as { bytes: number };
      if (j.bytes !== body.bytes.byteLength) throw new Error(`${id}: read ${j.bytes} bytes, expected ${body.bytes.byteLength}`);
      const settled = sleep(SETTLE_MS);
      let exported = true;
      if (VARIANTS[id].exportsPerCall > 0) {
        const until = Date.now() + EXPORT_TIMEOUT_MS;
        while (posts(r, "/v1/traces") <= traces0 && Date.now() < until) await sleep(1);
        exported = posts(r, "/v1/traces") > traces0;
      }
      await settled;
      const c1 = cpu(r.worker.pid);
      runs.get(id)!.push({ round, schedMs: c1.schedMs - c0.schedMs, wallMs: res.totalNs / 1e6, exported });
    }
  }
  const bare = runs.get("bare")!;
  const bareOf = (round: number) => bare.find((b) => b.round === round)!.schedMs;
  const bareMedian = median(bare.map((b) => b.schedMs));
  const stats = (id: VariantId) => {
    const rs = runs.get(id)!;
    const ratios = rs.map((r) => r.schedMs / bareOf(r.round));
    const added = rs.map((r) => r.schedMs - bareOf(r.round));
    return {
      cpuMs: median(rs.map((r) => r.schedMs)),
      pairedRatio: median(ratios),
      ratioIqr: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
      ratioOfMedians: median(rs.map((r) => r.schedMs)) / bareMedian,
      usPerChunk: (1000 * median(added)) / CHUNKS,
      wallMs: median(rs.map((r) => r.wallMs)),
      missing: rs.filter((r) => !r.exported).length,
    };
  };
  // Context for the ratios: what workerd burns doing nothing over as long a window.
  const idleMs = median(bare.map((b) => b.wallMs)) + SETTLE_MS;
  const i0 = cpu(running.get("bare")!.worker.pid);
  await sleep(idleMs);
  const idle = cpu(running.get("bare")!.worker.pid).schedMs - i0.schedMs;
  say("");
  say(`For scale: the bare Worker's workerd, idle (no request) for ${fmt(idleMs, 0)} ms, used ${fmt(idle, 2)} ms CPU.`);
  say("");
  say(
    table(
      ["variant", "CPU ms / call (median)", "wrapped / bare (paired median [IQR])", "ratio of medians", "added µs / chunk (median paired diff / 500)", "wall ms / call"],
      ids.map((id) => {
        const s = stats(id);
        return [
          VARIANTS[id].label,
          fmt(s.cpuMs, 2),
          id === "bare" ? "1" : `${fmt(s.pairedRatio, 3)} [${fmt(s.ratioIqr[0], 3)}, ${fmt(s.ratioIqr[1], 3)}]`,
          id === "bare" ? "1" : fmt(s.ratioOfMedians, 3),
          id === "bare" ? "-" : fmt(s.usPerChunk, 2),
          fmt(s.wallMs, 0),
        ];
      }),
    ),
  );
  say("");
  say(
    "The observation designs on this measure: the pull-through (observeBody: a byte stream, so BYOB readers work as on the original; the minimal default-stream one shows what that costs), " +
      "the same with the handler inside AsyncLocalStorage.run (what async-context tracking adds to every await), and tee() with a JS reader on the second branch. " +
      "tee() is not an option for the instrumentation whatever it costs: its JS branch reads on when the app reads slowly (the app's branch then buffers the rest of the body) or cancels (the upstream is never cancelled, so the provider goes on generating).",
  );
  if (!running.has("ours")) return;
  const ours = stats("ours");
  const observe = running.has("wrapObserve") ? stats("wrapObserve") : undefined;
  if (ours.missing) say(`\nWARNING: ${ours.missing} of ${rounds} otel-genai-edge calls had no trace POST within ${EXPORT_TIMEOUT_MS} ms; their CPU windows miss the export.`);
  const spans = running.get("ours")!.collector.spans().filter((s) => s.kind === 3 && s.attributes["gen_ai.operation.name"] === "chat");
  const last = spans.at(-1);
  say("");
  say(
    last
      ? `Check: otel-genai-edge's last gen_ai span saw ${String(last.attributes["otel_genai_edge.stream.chunks"])} output chunks, gen_ai.usage.output_tokens=${String(last.attributes["gen_ai.usage.output_tokens"])} (the stream has ${CHUNKS} content deltas).`
      : "Check FAILED: no gen_ai chat span was exported for the streamed call.",
  );
  const ok = ours.pairedRatio <= TARGET.chunksCpuRatio;
  verdicts.push({
    target: `workerd CPU of a ${CHUNKS}-chunk streamed call, wrapped / bare ≤ ${TARGET.chunksCpuRatio}, export included`,
    measured: `${fmt(ours.pairedRatio, 3)} paired (ratio of medians ${fmt(ours.ratioOfMedians, 3)}); ${fmt(ours.cpuMs, 2)} ms / call; ${signed(ours.usPerChunk)} µs / chunk`,
    baseline: `${fmt(bareMedian, 2)} ms / call`,
    ok,
    note:
      (ok ? "" : `missed by ${fmt(ours.pairedRatio - TARGET.chunksCpuRatio, 3)}; `) +
      (observe ? `the no-op observeBody wrapper alone: ${fmt(observe.pairedRatio, 3)}, ${signed(observe.usPerChunk)} µs / chunk` : ""),
  });
}
