/**
 * Comparing two observations path by path, so a known difference can be set aside precisely
 * (its paths) while everything else in the same case is still compared.
 */

/** `{ a: { b: [1] } }` → `{ "a.b[0]": 1 }`; empty objects and arrays are kept as leaves. */
export function flatten(value: unknown, path = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out[path] = [];
    for (const [i, item] of value.entries()) flatten(item, `${path}[${i}]`, out);
  } else if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) out[path] = {};
    for (const key of keys) flatten((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, out);
  } else {
    out[path] = value;
  }
  return out;
}

/** The flattened observation without (keep=false) or with only (keep=true) the paths any mask matches. */
export function filterPaths(flat: Record<string, unknown>, masks: RegExp[], keep: boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flat).filter(([path]) => masks.some((m) => m.test(path)) === keep));
}
