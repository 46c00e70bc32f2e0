// What the dev receiver has seen: spans grouped into traces, laid out as waterfalls (the same
// layout feeds the terminal and the web page), GenAI statistics computed from the spans, and the
// metrics received on /v1/metrics aggregated per series, and the log records of /v1/logs kept by
// the span they point at (captured content, evaluations: content.mjs); the cost, finish-reason,
// retry and error views are in views.mjs.
import { evaluations, spanContent, toolCall } from "./content.mjs";
import { metricViews, spanViews } from "./views.mjs";

const KIND_NAMES = ["unspecified", "internal", "server", "client", "producer", "consumer"];
const MAX_TRACES = 200;
/** Spans whose log records are kept (the oldest go first, like traces). */
const MAX_LOGGED_SPANS = 5000;

/** Linear-interpolated percentile of unsorted numbers (q in 0..1). */
export function percentile(values, q) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

function summary(values) {
  if (values.length === 0) return undefined;
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p99: percentile(values, 0.99),
    max: Math.max(...values),
  };
}

/** Percentile estimated from explicit-bucket histogram counts (interpolated inside the bucket). */
export function histogramPercentile({ bucketCounts, explicitBounds, count, min, max }, q) {
  if (!count || !bucketCounts?.length) return undefined;
  const target = q * count;
  let seen = 0;
  for (let i = 0; i < bucketCounts.length; i++) {
    const c = bucketCounts[i];
    if (c === 0) continue;
    if (seen + c >= target) {
      let lower = i === 0 ? (min ?? Math.min(0, explicitBounds[0] ?? 0)) : explicitBounds[i - 1];
      let upper = i === explicitBounds.length ? (max ?? explicitBounds[i - 1]) : explicitBounds[i];
      if (min !== undefined) lower = Math.max(lower, min);
      if (max !== undefined) upper = Math.min(upper, max);
      if (upper < lower) upper = lower;
      return lower + (upper - lower) * ((target - seen) / c);
    }
    seen += c;
  }
  return max;
}

const str = (v) => (v === undefined || v === null ? undefined : String(v));
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The GenAI facts of a span, or undefined when it is not a gen_ai span. */
export function genaiFacts(a) {
  const operation = str(a["gen_ai.operation.name"]);
  const provider = str(a["gen_ai.provider.name"] ?? a["gen_ai.system"]);
  if (!operation && !provider) return undefined;
  const ttfc = num(a["gen_ai.response.time_to_first_chunk"]);
  const reasons = a["gen_ai.response.finish_reasons"];
  return {
    operation,
    provider,
    requestModel: str(a["gen_ai.request.model"]),
    responseModel: str(a["gen_ai.response.model"]),
    inputTokens: num(a["gen_ai.usage.input_tokens"]),
    outputTokens: num(a["gen_ai.usage.output_tokens"]),
    cacheReadTokens: num(a["gen_ai.usage.cache_read.input_tokens"]),
    reasoningTokens: num(a["gen_ai.usage.reasoning.output_tokens"]),
    ttfcMs: ttfc === undefined ? undefined : ttfc * 1000,
    finishReasons: Array.isArray(reasons) ? reasons.map(String) : reasons === undefined ? [] : [String(reasons)],
    stream: a["gen_ai.request.stream"] === true,
    chunks: num(a["otel_genai_edge.stream.chunks"]),
    toolName: str(a["gen_ai.tool.name"]),
    errorType: str(a["error.type"]),
    costUsd: num(a["otel_genai_edge.usage.cost_usd"]),
    resendCount: num(a["http.request.resend_count"]),
  };
}

/** A span is an LLM call when it names a provider (tool executions and agents only have an operation). */
const isLlm = (facts) => facts?.provider !== undefined;

function label(span) {
  const a = span.attributes;
  if (span.kind === 2 && typeof a["url.path"] === "string" && !span.name.includes("/")) {
    return `${span.name} ${a["http.route"] ?? a["url.path"]}`;
  }
  if (span.kind === 3 && !a["gen_ai.operation.name"] && typeof a["server.address"] === "string" && !span.name.includes(" ")) {
    return `${span.name} ${a["server.address"]}`;
  }
  return span.name || "(unnamed)";
}

/**
 * Rows of a waterfall: spans in tree order (children by start time), offsets relative to the trace
 * start; `logsOf(spanId)` gives a span's log records, for its captured content and evaluations.
 */
export function layoutTrace(traceId, spans, receivedAt, logsOf = () => []) {
  const start = spans.reduce((m, s) => (s.startNs < m ? s.startNs : m), spans[0].startNs);
  const end = spans.reduce((m, s) => (s.endNs > m ? s.endNs : m), spans[0].endNs);
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  const roots = [];
  for (const s of [...spans].sort((x, y) => (x.startNs < y.startNs ? -1 : x.startNs > y.startNs ? 1 : 0))) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
      children.get(s.parentSpanId).push(s);
    } else roots.push(s);
  }
  const rows = [];
  const seen = new Set();
  const visit = (s, depth) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    const facts = genaiFacts(s.attributes);
    const records = logsOf(s.spanId);
    const evals = evaluations(records);
    rows.push({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      depth,
      name: s.name,
      label: label(s),
      kind: KIND_NAMES[s.kind] ?? "unspecified",
      offsetMs: Number(s.startNs - start) / 1e6,
      durationMs: Number(s.endNs - s.startNs) / 1e6,
      status: s.status.code === 2 ? "error" : s.status.code === 1 ? "ok" : "unset",
      statusMessage: s.status.message,
      errorType: str(s.attributes["error.type"]),
      genai: facts,
      llm: isLlm(facts),
      attributes: s.attributes,
      content: spanContent(s.attributes, records),
      tool: s.attributes["gen_ai.operation.name"] === "execute_tool" ? toolCall(s.attributes) : undefined,
      evaluations: evals.length ? evals : undefined,
    });
    for (const c of children.get(s.spanId) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  for (const s of spans) visit(s, 0); // spans in a parent cycle have no root: show them at the top level
  const root = spans.find((s) => s.spanId === rows[0]?.spanId) ?? spans[0];
  return {
    traceId,
    service: str(root.resource["service.name"]) ?? "unknown service",
    rootLabel: rows[0]?.label ?? "",
    startUnixMs: Number(start / 1_000_000n),
    durationMs: Number(end - start) / 1e6,
    spanCount: spans.length,
    llmCount: rows.filter((r) => r.llm).length,
    receivedAt,
    rows,
  };
}

function seriesKey(metric, point) {
  const attrs = Object.keys(point.attributes)
    .sort()
    .map((k) => [k, point.attributes[k]]);
  return JSON.stringify([metric.resource["service.name"], metric.resource["service.instance.id"], attrs]);
}

const DISPLAY_KEYS = ["gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.response.model", "gen_ai.request.model", "gen_ai.token.type", "error.type"];

/** Merges aggregated points whose display attributes are equal (histogram buckets when the bounds match). */
function mergeSeries(points, keys = DISPLAY_KEYS) {
  const groups = new Map();
  for (const p of points) {
    const attributes = {};
    for (const k of keys) if (p.attributes[k] !== undefined) attributes[k] = p.attributes[k];
    if (attributes["gen_ai.response.model"] !== undefined) delete attributes["gen_ai.request.model"];
    const key = JSON.stringify(attributes);
    const prev = groups.get(key);
    if (!prev) {
      groups.set(key, { ...p, attributes, bucketCounts: p.bucketCounts && [...p.bucketCounts] });
      continue;
    }
    if (p.value !== undefined) prev.value = (prev.value ?? 0) + p.value;
    if (p.count !== undefined) {
      prev.count = (prev.count ?? 0) + p.count;
      if (p.sum !== undefined) prev.sum = (prev.sum ?? 0) + p.sum;
      if (p.min !== undefined) prev.min = prev.min === undefined ? p.min : Math.min(prev.min, p.min);
      if (p.max !== undefined) prev.max = prev.max === undefined ? p.max : Math.max(prev.max, p.max);
      const sameBounds = JSON.stringify(prev.explicitBounds) === JSON.stringify(p.explicitBounds);
      prev.bucketCounts = prev.bucketCounts && p.bucketCounts && sameBounds ? prev.bucketCounts.map((c, i) => c + (p.bucketCounts[i] ?? 0)) : undefined;
    }
  }
  return [...groups.values()];
}

export class Store {
  constructor() {
    /** traceId → { spans: Map(spanId → span), receivedAt } (insertion order = arrival order) */
    this.traces = new Map();
    /** name → { name, unit, type, description, series: Map(key → aggregated point) } */
    this.metrics = new Map();
    this.llmSpans = new Map();
    /** `traceId/spanId` → log records pointing at that span (insertion order = arrival order) */
    this.logs = new Map();
    this.counts = { requests: 0, traceRequests: 0, metricRequests: 0, logRequests: 0, rejected: 0, spans: 0, logRecords: 0 };
    this.version = 0;
  }

  /** Adds decoded spans; returns the trace ids they belong to (in arrival order). */
  addSpans(spans) {
    const touched = [];
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (!trace) {
        trace = { spans: new Map(), receivedAt: Date.now() };
        this.traces.set(span.traceId, trace);
        if (this.traces.size > MAX_TRACES) this.traces.delete(this.traces.keys().next().value);
      }
      trace.receivedAt = Date.now();
      trace.spans.set(span.spanId, span);
      if (isLlm(genaiFacts(span.attributes))) this.llmSpans.set(`${span.traceId}/${span.spanId}`, span);
      if (!touched.includes(span.traceId)) touched.push(span.traceId);
    }
    this.counts.spans += spans.length;
    if (spans.length) this.version++;
    return touched;
  }

  /** Adds decoded log records; returns the trace ids they point at. Records without a span are counted only. */
  addLogs(records) {
    const touched = [];
    for (const record of records) {
      if (!record.traceId || !record.spanId) continue;
      const key = `${record.traceId}/${record.spanId}`;
      const list = this.logs.get(key);
      if (list) list.push(record);
      else {
        this.logs.set(key, [record]);
        if (this.logs.size > MAX_LOGGED_SPANS) this.logs.delete(this.logs.keys().next().value);
      }
      if (!touched.includes(record.traceId)) touched.push(record.traceId);
    }
    this.counts.logRecords += records.length;
    if (records.length) this.version++;
    return touched;
  }

  addMetrics(metrics) {
    for (const m of metrics) {
      let entry = this.metrics.get(m.name);
      if (!entry) {
        entry = { name: m.name, unit: m.unit, type: m.type, description: m.description, series: new Map() };
        this.metrics.set(m.name, entry);
      }
      for (const p of m.points) {
        const key = seriesKey(m, p);
        const prev = entry.series.get(key);
        // Delta points add up; cumulative (and gauge) points replace the previous value.
        if (!prev || m.temporality !== 1) {
          entry.series.set(key, { ...p, attributes: p.attributes, bucketCounts: p.bucketCounts && [...p.bucketCounts] });
          continue;
        }
        if (m.type === "sum") prev.value = (prev.value ?? 0) + (p.value ?? 0);
        else {
          prev.count = (prev.count ?? 0) + (p.count ?? 0);
          if (p.sum !== undefined) prev.sum = (prev.sum ?? 0) + p.sum;
          if (p.min !== undefined) prev.min = prev.min === undefined ? p.min : Math.min(prev.min, p.min);
          if (p.max !== undefined) prev.max = prev.max === undefined ? p.max : Math.max(prev.max, p.max);
          const sameBounds = JSON.stringify(prev.explicitBounds) === JSON.stringify(p.explicitBounds);
          if (prev.bucketCounts && p.bucketCounts && sameBounds) prev.bucketCounts = prev.bucketCounts.map((c, i) => c + (p.bucketCounts[i] ?? 0));
          else prev.bucketCounts = undefined;
        }
        prev.timeNs = p.timeNs;
      }
    }
    if (metrics.length) this.version++;
  }

  traceView(traceId) {
    const trace = this.traces.get(traceId);
    if (!trace || trace.spans.size === 0) return undefined;
    return layoutTrace(traceId, [...trace.spans.values()], trace.receivedAt, (spanId) => this.logs.get(`${traceId}/${spanId}`) ?? []);
  }

  /** GenAI figures computed from the LLM spans received so far. */
  spanStats() {
    const spans = [...this.llmSpans.values()];
    const byModel = new Map();
    const durations = [];
    const ttfcs = [];
    let input = 0;
    let output = 0;
    let errors = 0;
    for (const s of spans) {
      const f = genaiFacts(s.attributes);
      const duration = Number(s.endNs - s.startNs) / 1e6;
      durations.push(duration);
      if (f.ttfcMs !== undefined) ttfcs.push(f.ttfcMs);
      input += f.inputTokens ?? 0;
      output += f.outputTokens ?? 0;
      if (s.status.code === 2) errors++;
      const model = f.responseModel ?? f.requestModel ?? "(unknown model)";
      const key = `${f.provider} ${model}`;
      let m = byModel.get(key);
      if (!m) byModel.set(key, (m = { provider: f.provider, model, calls: 0, inputTokens: 0, outputTokens: 0, durations: [], ttfcs: [] }));
      m.calls++;
      m.inputTokens += f.inputTokens ?? 0;
      m.outputTokens += f.outputTokens ?? 0;
      m.durations.push(duration);
      if (f.ttfcMs !== undefined) m.ttfcs.push(f.ttfcMs);
    }
    return {
      calls: spans.length,
      errors,
      inputTokens: input,
      outputTokens: output,
      durationMs: summary(durations),
      ttfcMs: summary(ttfcs),
      byModel: [...byModel.values()]
        .map(({ durations: d, ttfcs: t, ...rest }) => ({ ...rest, durationMs: summary(d), ttfcMs: summary(t) }))
        .sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model)),
    };
  }

  /**
   * Received metrics, aggregated per series, with estimated percentiles for histograms. Series are
   * shown per operation, provider, model, token type and error type; series that differ only in
   * other attributes (server address, service tier, fingerprint...) are merged.
   */
  metricStats() {
    const figures = (p) => {
      const out = { attributes: p.attributes };
      if (p.value !== undefined) out.value = p.value;
      if (p.count !== undefined) {
        out.count = p.count;
        out.sum = p.sum;
        out.min = p.min;
        out.max = p.max;
        if (p.bucketCounts) {
          out.p50 = histogramPercentile(p, 0.5);
          out.p90 = histogramPercentile(p, 0.9);
          out.p99 = histogramPercentile(p, 0.99);
        }
      }
      return out;
    };
    const metrics = [...this.metrics.values()].map((m) => {
      const points = [...m.series.values()];
      return {
        name: m.name,
        unit: m.unit,
        type: m.type,
        description: m.description,
        // All series together (token usage: per token type), then per provider/model/token type.
        total: mergeSeries(points, m.name === "gen_ai.client.token.usage" ? ["gen_ai.token.type"] : []).map(figures),
        series: mergeSeries(points).map(figures),
      };
    });
    // Token totals from the GenAI token usage histogram, by token type.
    const tokens = {};
    const usage = this.metrics.get("gen_ai.client.token.usage");
    for (const p of usage?.series.values() ?? []) {
      const type = String(p.attributes["gen_ai.token.type"] ?? "total");
      tokens[type] = (tokens[type] ?? 0) + (p.sum ?? p.value ?? 0);
    }
    return { metrics, tokens: usage ? tokens : undefined };
  }

  /** Cost by model, finish reasons, retries and errors: from the spans, and from the metrics once some arrived. */
  views() {
    return { spans: spanViews([...this.llmSpans.values()]), metrics: metricViews(this.metrics) };
  }

  /** Everything the web page shows (newest trace first). */
  state(limit = 50) {
    const ids = [...this.traces.keys()].slice(-limit).reverse();
    return {
      version: this.version,
      counts: this.counts,
      traces: ids.map((id) => this.traceView(id)).filter(Boolean),
      spanStats: this.spanStats(),
      views: this.views(),
      metrics: this.counts.metricRequests > 0 ? this.metricStats() : undefined,
    };
  }
}
