/**
 * Our OTLP metrics as Prometheus sees them, and the metric and label names a PromQL query uses.
 *
 * Translation as the OpenTelemetry Collector's Prometheus exporter does it by default (and Mimir's
 * and Prometheus's OTLP endpoints, which share the code), from prometheus/otlptranslator:
 * - metric_namer.go `normalizeName` (with suffixes, no UTF-8): the name is split on every
 *   character outside [a-zA-Z0-9:] and rejoined with `_`; the unit's word is appended unless the
 *   name already has it; a monotonic sum gets `total` (moved last); a gauge with unit `1` gets
 *   `ratio`; a leading digit gets `_`.
 * - unit_namer.go `buildUnitSuffixes`: a unit in braces (`{token}`) adds nothing; the part before
 *   `/` maps through `unitMap` (`s` → `seconds`, `By` → `bytes`, `1` → ``; anything else, such as
 *   `USD`, is kept as written), the part after through `perUnitMap` as `per_<unit>`.
 * - label_namer.go `Build`: characters outside [a-zA-Z0-9_] become `_`; a leading digit gets
 *   `key_`, a single leading `_` gets `key`.
 * - collector-contrib exporter/prometheusexporter collector.go `getMetricMetadata`: `job` from
 *   `service.namespace/service.name` and `instance` from `service.instance.id`; a histogram is
 *   exposed as `_bucket` (with `le`), `_sum` and `_count`.
 */
import type { DecodedMetric } from "./collector.js";

const UNITS: Record<string, string> = {
  d: "days", h: "hours", min: "minutes", s: "seconds", ms: "milliseconds", us: "microseconds", ns: "nanoseconds",
  By: "bytes", KiBy: "kibibytes", MiBy: "mebibytes", GiBy: "gibibytes", TiBy: "tibibytes",
  KBy: "kilobytes", MBy: "megabytes", GBy: "gigabytes", TBy: "terabytes",
  m: "meters", V: "volts", A: "amperes", J: "joules", W: "watts", g: "grams",
  Cel: "celsius", Hz: "hertz", "1": "", "%": "percent",
};
const PER_UNITS: Record<string, string> = { s: "second", m: "minute", h: "hour", d: "day", w: "week", mo: "month", y: "year" };

const tokens = (s: string) => s.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
const cleanUnit = (s: string) => s.replace(/[^a-zA-Z0-9:]/g, "_").replace(/__+/g, "_").replace(/^_/, "");

export type PromType = "counter" | "gauge" | "histogram";

export function promName(name: string, unit: string, type: PromType): string {
  const parts = tokens(name);
  const [main, per] = unit.split("/", 2).map((u) => u?.trim());
  const mainWord = main && !/[{}]/.test(main) ? cleanUnit(UNITS[main] ?? main) : "";
  let perWord = per && !/[{}]/.test(per) ? cleanUnit(`per_${PER_UNITS[per] ?? per}`).replace(/_$/, "") : "";
  if (perWord === "per" || parts.includes(perWord)) perWord = "";
  if (mainWord && !parts.includes(mainWord)) parts.push(perWord ? mainWord.replace(/_$/, "") : mainWord);
  if (perWord) parts.push(perWord);
  const out = type === "counter" ? [...parts.filter((p) => p !== "total"), "total"] : type === "gauge" && unit === "1" ? [...parts.filter((p) => p !== "ratio"), "ratio"] : parts;
  const joined = out.join("_");
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

export function promLabel(key: string): string {
  const label = key.replace(/[^a-zA-Z0-9_]/g, "_");
  if (/^[0-9]/.test(label)) return `key_${label}`;
  return label.startsWith("_") && !label.startsWith("__") ? `key${label}` : label;
}

/** Series name → label → every value seen. */
export type Exposition = Map<string, Map<string, Set<string>>>;

/** The series a Collector's Prometheus exporter would expose for these decoded OTLP metrics. */
export function exposition(metrics: readonly DecodedMetric[]): Exposition {
  const out: Exposition = new Map();
  const add = (name: string, labels: Record<string, string>) => {
    const known = out.get(name) ?? new Map<string, Set<string>>();
    out.set(name, known);
    for (const [k, v] of Object.entries(labels)) known.set(k, (known.get(k) ?? new Set()).add(v));
  };
  for (const metric of metrics) {
    const type: PromType = metric.type === "histogram" ? "histogram" : metric.type === "sum" && metric.isMonotonic ? "counter" : "gauge";
    if (metric.type !== "histogram" && metric.type !== "sum") throw new Error(`${metric.name}: ${metric.type} is not translated here`);
    const name = promName(metric.name, metric.unit, type);
    const r = metric.resource;
    const job = r["service.namespace"] ? `${r["service.namespace"]}/${r["service.name"]}` : String(r["service.name"]);
    for (const point of metric.points) {
      const labels: Record<string, string> = { job, instance: String(r["service.instance.id"]) };
      for (const [k, v] of Object.entries(point.attributes)) labels[promLabel(k)] = String(v);
      if (type !== "histogram") {
        add(name, labels);
        continue;
      }
      for (const le of [...(point.explicitBounds ?? []).map(String), "+Inf"]) add(`${name}_bucket`, { ...labels, le });
      add(`${name}_sum`, labels);
      add(`${name}_count`, labels);
    }
  }
  return out;
}

// ---- PromQL ----

export interface Matcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}
export interface Selector {
  metric: string;
  matchers: Matcher[];
}
/** What a query reads: its selectors, and every label named in by/without/on/ignoring/group_*. */
export interface Scan {
  selectors: Selector[];
  grouping: string[];
}

const FUNCTIONS = new Set(["sum", "min", "max", "avg", "count", "topk", "rate", "increase", "histogram_quantile", "scalar", "vector", "clamp_min"]);
const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset"]);
const TOKEN = /\s+|(?<str>"(?:[^"\\]|\\.)*")|(?<range>\[[0-9]+[smhdwy]\])|(?<num>[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)|(?<id>[a-zA-Z_:][a-zA-Z0-9_:]*)|(?<op>=~|!~|!=|==|>=|<=|[-+*/^%<>=(){},])/y;

function tokenize(src: string): { kind: string; text: string }[] {
  const out: { kind: string; text: string }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`PromQL: unexpected ${JSON.stringify(src.slice(at, at + 20))} in ${src}`);
    const kind = Object.entries(m.groups ?? {}).find(([, v]) => v !== undefined)?.[0];
    if (kind) out.push({ kind, text: m[0] });
  }
  return out;
}

/**
 * Reads a PromQL expression closely enough to list what it depends on; throws on unbalanced
 * brackets, a function not in the list above, or a selector without a metric name. Grafana's
 * interval variables are read as durations; other `$variables` appear only inside strings.
 */
export function scanPromQL(expr: string): Scan {
  const t = tokenize(expr.replace(/\$__(rate_interval|interval|range)\b/g, "5m"));
  const scan: Scan = { selectors: [], grouping: [] };
  let depth = 0;
  const expect = (i: number, text: string) => {
    if (t[i]?.text !== text) throw new Error(`PromQL: expected ${text} at token ${i} (${t[i]?.text}) in ${expr}`);
  };
  for (let i = 0; i < t.length; i++) {
    const { kind, text } = t[i];
    if (text === "(") depth++;
    else if (text === ")" && --depth < 0) throw new Error(`PromQL: unbalanced ) in ${expr}`);
    else if (text === "{" || text === "}") throw new Error(`PromQL: a selector without a metric name in ${expr}`);
    if (kind !== "id" || KEYWORDS.has(text)) continue;
    if (GROUPING.has(text)) {
      expect(++i, "(");
      for (i++; t[i]?.text !== ")"; i++) {
        if (t[i]?.kind === "id") scan.grouping.push(t[i].text);
        else expect(i, ",");
      }
    } else if (FUNCTIONS.has(text)) {
      // A function, or an aggregation whose `by (…)` comes next.
    } else if (t[i + 1]?.text === "(") {
      throw new Error(`PromQL: unknown function ${text} in ${expr}`);
    } else {
      const selector: Selector = { metric: text, matchers: [] };
      if (t[i + 1]?.text === "{") {
        for (i += 2; t[i]?.text !== "}"; i++) {
          if (t[i]?.text === ",") continue;
          const [label, op, value] = [t[i], t[i + 1], t[i + 2]];
          if (label?.kind !== "id" || !["=", "!=", "=~", "!~"].includes(op?.text) || value?.kind !== "str") {
            throw new Error(`PromQL: bad matcher at token ${i} in ${expr}`);
          }
          selector.matchers.push({ label: label.text, op: op.text as Matcher["op"], value: JSON.parse(value.text) });
          i += 2;
        }
      }
      scan.selectors.push(selector);
    }
  }
  if (depth !== 0) throw new Error(`PromQL: unbalanced ( in ${expr}`);
  return scan;
}

/**
 * What in `expr` the exposition does not have: a metric, a label on a metric it is matched or
 * grouped on, or a literal matcher value never seen (a value holding a `$variable` is not checked).
 */
export function missing(expr: string, series: Exposition): string[] {
  const scan = scanPromQL(expr);
  const out: string[] = [];
  for (const { metric, matchers } of scan.selectors) {
    const labels = series.get(metric);
    if (!labels) {
      out.push(`${metric}: no such series`);
      continue;
    }
    for (const { label, op, value } of matchers) {
      const values = labels.get(label);
      if (!values) out.push(`${metric}: no label ${label}`);
      else if (value.includes("$")) continue;
      else if (op === "=" && !values.has(value)) out.push(`${metric}: ${label} is never "${value}"`);
      else if (op === "=~" && ![...values].some((v) => new RegExp(`^(?:${value})$`).test(v))) out.push(`${metric}: ${label} never matches "${value}"`);
    }
    for (const label of scan.grouping) if (!labels.has(label)) out.push(`${metric}: no label ${label} (grouped on)`);
  }
  return out;
}

// ---- YAML ----

/**
 * The YAML a Prometheus rules file needs, strictly: nested mappings, sequences of mappings,
 * `|` block scalars, double-quoted and plain scalars, comment lines. Anything else throws.
 */
export function parseYaml(text: string): unknown {
  const lines = text.split("\n").map((raw) => ({ raw, indent: raw.length - raw.trimStart().length, text: raw.trim() }));
  let i = 0;
  const skip = () => {
    while (i < lines.length && (lines[i].text === "" || lines[i].text.startsWith("#"))) i++;
  };
  const fail = (why: string): never => {
    throw new Error(`YAML line ${i + 1}: ${why}: ${lines[i]?.raw}`);
  };
  const scalar = (s: string): unknown => {
    if (s.startsWith('"')) return JSON.parse(s);
    if (/^['[{&*!|>%@`]/.test(s) || / #/.test(s)) fail("unsupported scalar");
    return s;
  };
  const literal = (parent: number): string => {
    const body: string[] = [];
    let indent: number | undefined;
    for (; i < lines.length && (lines[i].text === "" || lines[i].indent > parent); i++) {
      if (lines[i].text === "") body.push("");
      else body.push(lines[i].raw.slice((indent ??= lines[i].indent)));
    }
    while (body.at(-1) === "") body.pop();
    return `${body.join("\n")}\n`;
  };
  const map = (indent: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (skip(); i < lines.length && lines[i].indent === indent; skip()) {
      const m = /^([A-Za-z_][\w.-]*):(?: (.+))?$/.exec(lines[i].text) ?? fail("not a mapping entry");
      const [, key, rest] = m;
      if (key in out) fail(`duplicate key ${key}`);
      i++;
      if (rest === "|") out[key] = literal(indent);
      else if (rest !== undefined) out[key] = scalar(rest);
      else {
        skip();
        if (i >= lines.length || lines[i].indent <= indent) fail(`nothing under ${key}`);
        out[key] = block();
      }
    }
    if (i < lines.length && lines[i].indent > indent) fail("unexpected indentation");
    return out;
  };
  const block = (): unknown => {
    skip();
    const { indent, text: first } = lines[i];
    if (!first.startsWith("- ")) return map(indent);
    const items: unknown[] = [];
    for (skip(); i < lines.length && lines[i].indent === indent && lines[i].text.startsWith("- "); skip()) {
      // `- key: value` opens a mapping whose entries sit two columns in.
      lines[i] = { ...lines[i], indent: indent + 2, text: lines[i].text.slice(2) };
      items.push(map(indent + 2));
    }
    return items;
  };
  const doc = block();
  skip();
  if (i < lines.length) fail("trailing content");
  return doc;
}
