/** The bench's output: markdown lines printed as they come and kept for last-run.md, and the verdicts of the Targets table. */
import { table } from "./stats.js";

export const out: string[] = [];

export function say(text = ""): void {
  out.push(text);
  console.log(text);
}

export function section(title: string): void {
  say("");
  say(`## ${title}`);
  say("");
}

export interface Verdict {
  target: string;
  measured: string;
  /** The same figure for the bare handler in the same run, where there is one. */
  baseline?: string;
  /** undefined: information only, not a target. */
  ok: boolean | undefined;
  note?: string;
}

export const verdicts: Verdict[] = [];

/** Issue 13's targets. */
export const TARGET = {
  /** workerd CPU of a 500-chunk streamed call, wrapped / bare, export included. */
  chunksCpuRatio: 1.03,
  /** Added time to first byte, median, ms. */
  addedTtfbMs: 0.15,
  /** Bulk pass-through throughput, fraction of bare. */
  bulkThroughputRatio: 0.7,
  /** One event per read: ours' throughput ratio at most this far below the no-op observeBody wrapper's. */
  perEventVsFloor: 0.03,
  /** "Flat": a 16x longer stream may raise the peak RSS over baseline by at most this much more than bare's. */
  memoryGrowthKb: 2 * 1024,
  /** Gzipped `instrument` + one OpenAI fetch. */
  workerGzipBytes: 20_480,
  /** Gzipped bundle with every export kept. */
  fullGzipBytes: 28_672,
};

export function targetsTable(): string {
  const met = (v: Verdict) => (v.ok === undefined ? "info" : v.ok ? "yes" : "NO");
  return table(
    ["target", "measured", "bare, same run", "met", "note"],
    verdicts.map((v) => [v.target, v.measured, v.baseline ?? "-", met(v), v.note ?? ""]),
  );
}
