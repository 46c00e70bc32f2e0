/**
 * Cost from a user-supplied price table (USD per million tokens). Never guessed: a model that
 * is not in the table, or a call without reported usage, has no cost.
 */
import type { Price } from "../config.js";
import type { Usage } from "../genai/types.js";

export function costOf(prices: Record<string, Price>, models: (string | undefined)[], usage: Usage): number | undefined {
  if (usage.input === undefined && usage.output === undefined) return undefined;
  const model = models.find((m) => m !== undefined && Object.hasOwn(prices, m));
  if (!model) return undefined;
  const price = prices[model];
  const cacheRead = usage.cacheRead ?? 0;
  const cacheWrite = usage.cacheWrite ?? 0;
  // Cached tokens are part of the input total; charge them at their own rate when one is given.
  const plainInput = Math.max(0, (usage.input ?? 0) - cacheRead - cacheWrite);
  const total =
    plainInput * price.input +
    cacheRead * (price.cacheRead ?? price.input) +
    cacheWrite * (price.cacheWrite ?? price.input) +
    (usage.output ?? 0) * price.output;
  return total / 1e6;
}
