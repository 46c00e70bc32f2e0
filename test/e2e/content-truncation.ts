/** What truncated content must still be: the expected structure, with long texts cut to a marked prefix and messages dropped from the end. */
import { expect } from "vitest";

const TRUNCATED = "…[truncated]";

/** `actual` is `expected` truncated: same shape, strings equal or a prefix + the marker, arrays a prefix (messages dropped from the end). */
export function expectTruncatedOf(actual: unknown, expected: unknown, path: string): void {
  if (typeof actual === "string" && actual.endsWith(TRUNCATED)) {
    const kept = actual.slice(0, -TRUNCATED.length);
    const original = typeof expected === "string" ? expected : JSON.stringify(expected);
    expect(original.startsWith(kept), `${path}: ${JSON.stringify(kept)} is a prefix of the original`).toBe(true);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    const list = actual as unknown[];
    expect(list.length, `${path}: no more items than sent`).toBeLessThanOrEqual(expected.length);
    for (const [i, item] of list.entries()) expectTruncatedOf(item, expected[i], `${path}[${i}]`);
    return;
  }
  if (expected && typeof expected === "object") {
    expect(actual && typeof actual === "object", path).toBeTruthy();
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectTruncatedOf((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}
