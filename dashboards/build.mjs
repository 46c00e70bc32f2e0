/**
 * Writes the Grafana dashboards and Prometheus alerting rules, one of each per semantic-convention
 * profile, from this one description so they cannot drift apart: `node dashboards/build.mjs`.
 *
 * Two files per profile rather than a dashboard variable: the profiles differ in more than names
 * (v1.41 has one token histogram split by `gen_ai.token.type`, latest has a counter per token kind
 * and splits inference from other operations), so one set of queries cannot serve both.
 *
 * Names are the ones an OpenTelemetry Collector's Prometheus exporter (or Mimir's OTLP endpoint)
 * gives our metrics with its default translation: dots become underscores, `s` adds `_seconds`,
 * `{…}` units add nothing, counters end in `_total`, histograms give `_bucket`/`_sum`/`_count`.
 * test/dashboards.test.ts checks that every metric and label queried here is one the package exports.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Alert thresholds (edit here and rerun, or edit the YAML).
export const THRESHOLDS = { truncatedShare: 0.05, retryRate: 0.1, errorRate: 0.05, dailyCostUsd: 100, minCalls: 20 };
/** Finish reasons meaning "cut at the token limit": OpenAI chat, Anthropic, OpenAI Responses, Gemini. */
export const TRUNCATED = "length|max_tokens|max_output_tokens|MAX_TOKENS";

const FINISH = "otel_genai_edge_client_finish_reasons_total";
const REASON = "otel_genai_edge_response_finish_reason";
const RETRIES = "otel_genai_edge_client_retries_total";
const COST = "otel_genai_edge_client_cost_USD_total";
const MODEL = "gen_ai_request_model";

const tokens = (kind, legend) => ({
  metric: `gen_ai_client_inference_usage_${kind}_tokens_total`,
  by: MODEL,
  legend: `{{${MODEL}}} ${legend}`,
});

export const PROFILES = [
  {
    id: "v1.41",
    title: "GenAI calls (otel-genai-edge, semconv v1.41)",
    uid: "otel-genai-edge-v1-41",
    about: "the default profile: gen_ai.client.operation.* and gen_ai.client.token.usage",
    durationTitle: "Operation duration",
    duration: "gen_ai_client_operation_duration_seconds",
    ttfc: "gen_ai_client_operation_time_to_first_chunk_seconds",
    tpoc: "gen_ai_client_operation_time_per_output_chunk_seconds",
    // One duration sample per call: the call count.
    counts: ["gen_ai_client_operation_duration_seconds_count"],
    tokens: [{ metric: "gen_ai_client_token_usage_sum", by: `${MODEL}, gen_ai_token_type`, legend: `{{${MODEL}}} {{gen_ai_token_type}}` }],
  },
  {
    id: "latest",
    title: "GenAI calls (otel-genai-edge, semconv latest)",
    uid: "otel-genai-edge-latest",
    about: "OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: gen_ai.client.inference.* (operation.duration for embeddings)",
    durationTitle: "Inference duration",
    duration: "gen_ai_client_inference_duration_seconds",
    ttfc: "gen_ai_client_inference_time_to_first_chunk_seconds",
    tpoc: "gen_ai_client_inference_time_per_output_chunk_seconds",
    // Inference calls and the other operations (embeddings) never share a series: `or` is their union.
    counts: ["gen_ai_client_inference_duration_seconds_count", "gen_ai_client_operation_duration_seconds_count"],
    other: "gen_ai_client_operation_duration_seconds",
    tokens: [
      tokens("input", "input"),
      tokens("output", "output"),
      tokens("cache_read_input", "cache read"),
      tokens("cache_write_input", "cache write"),
      tokens("reasoning_output", "reasoning"),
    ],
  },
];

const selector = (metric, matchers) => (matchers ? `${metric}{${matchers}}` : metric);
const join = (...matchers) => matchers.filter(Boolean).join(", ");
const by = (labels) => (labels ? ` by (${labels})` : "");
/** Calls per second (or in `window`, with `fn` increase) over every call of the profile. */
const calls = (p, { matchers = "", window, fn = "rate", labels = "" }) =>
  `sum${by(labels)} (${p.counts.map((c) => `${fn}(${selector(c, matchers)}[${window}])`).join(" or ")})`;
const counter = (metric, { matchers = "", window, fn = "rate", labels = "" }) =>
  `sum${by(labels)} (${fn}(${selector(metric, matchers)}[${window}]))`;

// ---- Grafana ----

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import placeholder, not a template literal
const DS = { type: "prometheus", uid: "${DS_PROMETHEUS}" };
const PICKED = `job=~"$job", ${MODEL}=~"$model"`;
const RATE = "$__rate_interval";

function target(expr, legendFormat, refId, instant = false) {
  return { datasource: DS, expr, legendFormat, refId, range: !instant, instant, editorMode: "code" };
}

function panel(type, title, description, [x, y, w, h], targets, { unit = "short", custom = {}, options = {}, extra = {}, thresholds } = {}) {
  const defaults = { unit, min: 0, custom };
  if (thresholds) {
    defaults.thresholds = { mode: "absolute", steps: [{ color: "green", value: null }, ...thresholds.map(([value, color]) => ({ color, value }))] };
    defaults.color = { mode: "thresholds" };
  }
  return {
    type,
    title,
    description,
    datasource: DS,
    gridPos: { x, y, w, h },
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: targets.map(([expr, legend], i) => target(expr, legend, String.fromCharCode(65 + i), type !== "timeseries")),
    ...extra,
  };
}

const LINES = { custom: { drawStyle: "line", fillOpacity: 10, showPoints: "never" } };
const TABLE_LEGEND = { legend: { displayMode: "table", placement: "bottom", calcs: ["mean", "max"] }, tooltip: { mode: "multi", sort: "desc" } };
const STAT = { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "none", textMode: "value" };

function percentiles(metric, title, description, pos) {
  const q = (p) => [`histogram_quantile(${p}, sum by (le, ${MODEL}) (rate(${metric}_bucket{${PICKED}}[${RATE}])))`, `p${p * 100} {{${MODEL}}}`];
  return panel("timeseries", title, description, pos, [q(0.5), q(0.9), q(0.99)], { unit: "s", ...LINES, options: TABLE_LEGEND });
}

function panels(p) {
  const errors = calls(p, { matchers: join(PICKED, 'error_type!=""'), window: RATE, labels: "error_type" });
  const truncated = counter(FINISH, { matchers: join(PICKED, `${REASON}=~"${TRUNCATED}"`), window: RATE, labels: MODEL });
  const list = [
    panel("stat", "Cost", "From the price table (`prices`), over the time range.", [0, 0, 6, 4], [[counter(COST, { matchers: PICKED, window: "$__range", fn: "increase" })]], {
      unit: "currencyUSD",
      options: STAT,
    }),
    panel("stat", "Error rate", "Failed calls (any `error.type`) among all calls, over the time range.", [6, 0, 6, 4], [
      [`${calls(p, { matchers: join(PICKED, 'error_type!=""'), window: "$__range", fn: "increase" })} / ${calls(p, { matchers: PICKED, window: "$__range", fn: "increase" })}`],
    ], { unit: "percentunit", options: STAT, thresholds: [[THRESHOLDS.errorRate, "red"]] }),
    panel("stat", "Truncated answers", `Answers cut at the token limit (finish reason ${TRUNCATED.split("|").join(", ")}), over the time range.`, [12, 0, 6, 4], [
      [`${counter(FINISH, { matchers: join(PICKED, `${REASON}=~"${TRUNCATED}"`), window: "$__range", fn: "increase" })} / ${counter(FINISH, { matchers: PICKED, window: "$__range", fn: "increase" })}`],
    ], { unit: "percentunit", options: STAT, thresholds: [[THRESHOLDS.truncatedShare, "red"]] }),
    panel("stat", "Retry rate", "Requests an official SDK sent again (`x-stainless-retry-count` > 0) among all calls, over the time range.", [18, 0, 6, 4], [
      [`${counter(RETRIES, { matchers: PICKED, window: "$__range", fn: "increase" })} / ${calls(p, { matchers: PICKED, window: "$__range", fn: "increase" })}`],
    ], { unit: "percentunit", options: STAT, thresholds: [[THRESHOLDS.retryRate, "red"]] }),

    panel("timeseries", "Cost per day by model", "USD per day, from the price table.", [0, 4, 12, 8], [
      [counter(COST, { matchers: PICKED, window: "1d", fn: "increase", labels: MODEL }), `{{${MODEL}}}`],
    ], { unit: "currencyUSD", custom: { drawStyle: "bars", fillOpacity: 80, stacking: { mode: "normal" } }, options: TABLE_LEGEND, extra: { interval: "1d" } }),
    panel("timeseries", "Tokens per minute by model and type", "As the provider reported them; nothing is estimated.", [12, 4, 12, 8],
      p.tokens.map((t) => [`${counter(t.metric, { matchers: PICKED, window: RATE, labels: t.by })} * 60`, t.legend]),
      { ...LINES, options: TABLE_LEGEND }),

    percentiles(p.duration, `${p.durationTitle} p50 / p90 / p99`, "Whole call: request sent to the last byte of the answer.", [0, 12, 12, 8]),
    percentiles(p.ttfc, "Time to first chunk p50 / p90 / p99", "Streams only: request sent to the first output chunk.", [12, 12, 12, 8]),
    percentiles(p.tpoc, "Time per output chunk p50 / p90 / p99", "Streams only: the gap between consecutive output chunks.", [0, 20, 12, 8]),
    panel("timeseries", "Error rate by error.type", "Share of all calls failing with each `error.type` (HTTP status, provider error code, `cancelled`, exception name).", [12, 20, 12, 8], [
      [`${errors} / scalar(${calls(p, { matchers: PICKED, window: RATE })})`, "{{error_type}}"],
    ], { unit: "percentunit", ...LINES, options: TABLE_LEGEND }),

    panel("piechart", "Finish reasons", "Share of answers (choices) by the provider's finish reason, over the time range.", [0, 28, 8, 8], [
      [counter(FINISH, { matchers: PICKED, window: "$__range", fn: "increase", labels: REASON }), `{{${REASON}}}`],
    ], { options: { pieType: "donut", displayLabels: ["percent"], reduceOptions: STAT.reduceOptions, legend: { displayMode: "table", placement: "right", values: ["percent", "value"] } } }),
    panel("timeseries", "Truncated answers by model", `Share of answers cut at the token limit; the alert fires above ${THRESHOLDS.truncatedShare * 100} %.`, [8, 28, 8, 8], [
      [`${truncated} / ${counter(FINISH, { matchers: PICKED, window: RATE, labels: MODEL })}`, `{{${MODEL}}}`],
    ], { unit: "percentunit", ...LINES, options: TABLE_LEGEND, thresholds: [[THRESHOLDS.truncatedShare, "red"]] }),
    panel("timeseries", "Retry rate by model", `Resent requests among all calls; the alert fires above ${THRESHOLDS.retryRate * 100} %.`, [16, 28, 8, 8], [
      [`${counter(RETRIES, { matchers: PICKED, window: RATE, labels: MODEL })} / ${calls(p, { matchers: PICKED, window: RATE, labels: MODEL })}`, `{{${MODEL}}}`],
    ], { unit: "percentunit", ...LINES, options: TABLE_LEGEND, thresholds: [[THRESHOLDS.retryRate, "red"]] }),
  ];
  if (p.other) list.push(percentiles(p.other, "Other operations (embeddings) p50 / p90 / p99", "Non-inference calls, which this profile keeps on gen_ai.client.operation.duration.", [0, 36, 24, 8]));
  return list.map((x, i) => ({ id: i + 1, ...x }));
}

function variable(name, label, query) {
  return { name, label, type: "query", datasource: DS, query, definition: query, refresh: 2, includeAll: true, multi: true, allValue: ".*", current: {}, options: [], regex: "", sort: 1, hide: 0 };
}

export function dashboard(p) {
  const count = p.counts[0];
  return {
    __inputs: [{ name: "DS_PROMETHEUS", label: "Prometheus", description: "Prometheus or Mimir holding the OTel Collector's translation of the metrics", type: "datasource", pluginId: "prometheus", pluginName: "Prometheus" }],
    __requires: [
      { type: "grafana", id: "grafana", name: "Grafana", version: "10.0.0" },
      { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
      { type: "panel", id: "timeseries", name: "Time series", version: "" },
      { type: "panel", id: "stat", name: "Stat", version: "" },
      { type: "panel", id: "piechart", name: "Pie chart", version: "" },
    ],
    title: p.title,
    uid: p.uid,
    description: `LLM calls traced by otel-genai-edge, ${p.about}. Generated by dashboards/build.mjs.`,
    tags: ["otel-genai-edge", "gen_ai", "llm"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    time: { from: "now-7d", to: "now" },
    refresh: "5m",
    annotations: { list: [] },
    links: [],
    templating: {
      list: [variable("job", "Service", `label_values(${count}, job)`), variable("model", "Model", `label_values(${count}{job=~"$job"}, ${MODEL})`)],
    },
    panels: panels(p),
  };
}

// ---- Prometheus rules ----

export function alertRules(p) {
  const t = THRESHOLDS;
  const key = `job, ${MODEL}`;
  const enough = (expr) => `and on (${key})\n  ${expr} >= ${t.minCalls}`;
  const allCalls = (window) => calls(p, { window, labels: key });
  return [
    {
      alert: "GenAIAnswersTruncated",
      expr: `(\n  ${counter(FINISH, { matchers: `${REASON}=~"${TRUNCATED}"`, window: "15m", labels: key })}\n/\n  ${counter(FINISH, { window: "15m", labels: key })}\n) > ${t.truncatedShare}\n${enough(counter(FINISH, { window: "15m", fn: "increase", labels: key }))}`,
      for: "15m",
      severity: "warning",
      summary: `More than ${t.truncatedShare * 100} % of {{ $labels.${MODEL} }} answers are cut at the token limit`,
      description: "{{ $value | humanizePercentage }} of the answers of {{ $labels.job }} ended with a token-limit finish reason over 15 minutes: raise max_tokens or shorten the prompts.",
    },
    {
      alert: "GenAIRetryRateHigh",
      expr: `(\n  ${counter(RETRIES, { window: "15m", labels: key })}\n/\n  ${allCalls("15m")}\n) > ${t.retryRate}\n${enough(calls(p, { window: "15m", fn: "increase", labels: key }))}`,
      for: "15m",
      severity: "warning",
      summary: `More than ${t.retryRate * 100} % of {{ $labels.${MODEL} }} requests are SDK retries`,
      description: "{{ $value | humanizePercentage }} of the requests of {{ $labels.job }} were resent by the SDK (rate limits, 5xx, timeouts) over 15 minutes.",
    },
    {
      alert: "GenAIErrorRateHigh",
      expr: `(\n  ${calls(p, { matchers: 'error_type!=""', window: "10m", labels: key })}\n/\n  ${allCalls("10m")}\n) > ${t.errorRate}\n${enough(calls(p, { window: "10m", fn: "increase", labels: key }))}`,
      for: "10m",
      severity: "critical",
      summary: `More than ${t.errorRate * 100} % of {{ $labels.${MODEL} }} calls fail`,
      description: "{{ $value | humanizePercentage }} of the calls of {{ $labels.job }} ended with an error.type over 10 minutes; the dashboard's error panel splits them by type.",
    },
    {
      alert: "GenAIDailyCostHigh",
      expr: `${counter(COST, { window: "1d", fn: "increase", labels: "job" })} > ${t.dailyCostUsd}`,
      for: "5m",
      severity: "warning",
      summary: `{{ $labels.job }} spent more than ${t.dailyCostUsd} USD on LLM calls in the last 24 hours`,
      description: "{{ $value | humanize }} USD over the last 24 hours, from the price table (`prices`); calls to models without a price are not counted.",
    },
  ];
}

const q = (s) => JSON.stringify(s);

export function alertsYaml(p) {
  const lines = [
    `# Prometheus alerting rules for otel-genai-edge's GenAI metrics, ${p.about}.`,
    "# Metric names as an OpenTelemetry Collector's Prometheus exporter (or Mimir's OTLP endpoint) writes them.",
    "# Generated by dashboards/build.mjs (thresholds at its top).",
    "groups:",
    `  - name: otel-genai-edge-${p.id}`,
    "    rules:",
  ];
  for (const r of alertRules(p)) {
    lines.push(`      - alert: ${r.alert}`, "        expr: |");
    for (const line of r.expr.split("\n")) lines.push(`          ${line}`);
    lines.push(`        for: ${r.for}`, "        labels:", `          severity: ${r.severity}`, "        annotations:");
    lines.push(`          summary: ${q(r.summary)}`, `          description: ${q(r.description)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** File name → content, for every file this writes. */
export function build() {
  const files = {};
  for (const p of PROFILES) {
    files[`genai-${p.id}.json`] = `${JSON.stringify(dashboard(p), null, 2)}\n`;
    files[`alerts-${p.id}.yaml`] = alertsYaml(p);
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, text] of Object.entries(build())) writeFileSync(new URL(name, import.meta.url), text);
}
