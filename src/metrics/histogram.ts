/** A fixed-bucket histogram: constant memory however many samples it takes. */

/**
 * The spec's bucket lists are geometric: `count` bounds from `first`, each `ratio` (2 or 4) times
 * the one before. Scaling by a power of two is exact, so these are the very doubles the spec's
 * decimal literals denote (test/unit/genai-metrics.test.ts compares them).
 */
const geometric = (first: number, ratio: number, count: number): number[] => Array.from({ length: count }, (_, i) => first * ratio ** i);

/** Seconds: the GenAI duration/latency buckets ("D" in the spec digest §5): 0.01, 0.02, 0.04 ... 40.96, 81.92. */
export const DURATION_BOUNDS = geometric(0.01, 2, 14);
/** `gen_ai.invoke_agent.duration`'s explicit buckets (genai gen-ai-metrics.md), 0.1, 0.2, 0.4 ... 204.8, 409.6: agents run longer than calls. */
export const AGENT_DURATION_BOUNDS = geometric(0.1, 2, 13);
/** Tokens: the GenAI token buckets ("T"): 1, 4, 16 ... 16777216, 67108864 (4^13). */
export const TOKEN_BOUNDS = geometric(1, 4, 14);

export class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }

  record(value: number): void {
    // Buckets are upper-inclusive: (bounds[i-1], bounds[i]].
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }
}
