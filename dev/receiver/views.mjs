// The receiver's views of what went on with the LLM calls it has seen: cost by model, the share
// of each finish reason (with a warning when too many answers were truncated), retries and
// errors by error.type. Each is computed from the gen_ai spans and, once /v1/metrics arrived, from
// the package's metrics too (they count every call, sampled or not).

/** Finish reasons that mean the answer hit the output token limit (the alert rules list the same; `MAX_TOKENS` matches case-insensitively). */
export const TRUNCATION_REASONS = ["length", "max_tokens", "max_output_tokens"];
/** Above this share of truncated answers the views warn (the same threshold as the alert rule). */
export const TRUNCATION_WARNING = 0.05;

const isTruncation = (reason) => TRUNCATION_REASONS.includes(String(reason).toLowerCase());
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const modelOf = (a) => String(a["gen_ai.response.model"] ?? a["gen_ai.request.model"] ?? "(unknown model)");
const providerOf = (a) => (a["gen_ai.provider.name"] === undefined ? undefined : String(a["gen_ai.provider.name"]));

function bump(map, key, init) {
  let entry = map.get(key);
  if (!entry) map.set(key, (entry = init()));
  return entry;
}

function reasonShares(counts) {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const byReason = [...counts]
    .map(([reason, count]) => ({ reason, count, share: total ? count / total : 0, truncation: isTruncation(reason) }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const truncated = byReason.filter((r) => r.truncation).reduce((sum, r) => sum + r.count, 0);
  const truncatedShare = total ? truncated / total : 0;
  return { total, byReason, truncated, truncatedShare, warning: truncatedShare > TRUNCATION_WARNING };
}

/** The views from LLM spans (decoded OTLP spans whose attributes name a GenAI provider). */
export function spanViews(spans) {
  const cost = new Map();
  const reasons = new Map();
  const retries = new Map();
  const errors = new Map();
  let totalUsd = 0;
  let pricedCalls = 0;
  let resends = 0;
  let failed = 0;
  for (const span of spans) {
    const a = span.attributes;
    const model = modelOf(a);
    const usd = num(a["otel_genai_edge.usage.cost_usd"]);
    const c = bump(cost, model, () => ({ model, provider: providerOf(a), calls: 0, pricedCalls: 0, usd: 0 }));
    c.calls++;
    if (usd !== undefined) {
      c.pricedCalls++;
      c.usd += usd;
      pricedCalls++;
      totalUsd += usd;
    }
    const list = a["gen_ai.response.finish_reasons"];
    for (const reason of Array.isArray(list) ? list : list === undefined ? [] : [list]) reasons.set(String(reason), (reasons.get(String(reason)) ?? 0) + 1);
    if ((num(a["http.request.resend_count"]) ?? 0) > 0) {
      resends++;
      bump(retries, model, () => ({ model, resends: 0 })).resends++;
    }
    if (a["error.type"] !== undefined) {
      failed++;
      const type = String(a["error.type"]);
      const e = bump(errors, type, () => ({ type, count: 0, models: [] }));
      e.count++;
      if (!e.models.includes(model)) e.models.push(model);
    }
  }
  const calls = spans.length;
  return {
    cost: {
      totalUsd: pricedCalls ? totalUsd : undefined,
      pricedCalls,
      calls,
      byModel: [...cost.values()].sort((x, y) => y.usd - x.usd || y.calls - x.calls || x.model.localeCompare(y.model)),
    },
    finishReasons: reasonShares(reasons),
    retries: { calls, resends, rate: calls ? resends / calls : 0, byModel: [...retries.values()].sort((x, y) => y.resends - x.resends || x.model.localeCompare(y.model)) },
    errors: { calls, failed, rate: calls ? failed / calls : 0, byType: [...errors.values()].sort((x, y) => y.count - x.count || x.type.localeCompare(y.type)) },
  };
}

const DURATIONS = ["gen_ai.client.operation.duration", "gen_ai.client.inference.duration"];

/**
 * The same views from received metrics (store.metrics: name → { series: Map → point }), or
 * undefined when none arrived. Calls and errors come from the duration histograms (one sample
 * per call, `error.type` on failures), cost, finish reasons and retries from our counters.
 */
export function metricViews(metrics) {
  if (!metrics || metrics.size === 0) return undefined;
  const points = (name) => [...(metrics.get(name)?.series.values() ?? [])];
  const sumBy = (name, keyOf) => {
    const out = new Map();
    for (const p of points(name)) out.set(keyOf(p.attributes), (out.get(keyOf(p.attributes)) ?? 0) + (p.value ?? p.sum ?? 0));
    return out;
  };
  let calls = 0;
  const errors = new Map();
  for (const name of DURATIONS) {
    for (const p of points(name)) {
      calls += p.count ?? 0;
      const type = p.attributes["error.type"];
      if (type !== undefined) errors.set(String(type), (errors.get(String(type)) ?? 0) + (p.count ?? 0));
    }
  }
  const failed = [...errors.values()].reduce((s, n) => s + n, 0);
  const cost = sumBy("otel_genai_edge.client.cost", modelOf);
  const retries = sumBy("otel_genai_edge.client.retries", modelOf);
  const resends = [...retries.values()].reduce((s, n) => s + n, 0);
  return {
    calls,
    cost: metrics.has("otel_genai_edge.client.cost")
      ? { totalUsd: [...cost.values()].reduce((s, n) => s + n, 0), byModel: [...cost].map(([model, usd]) => ({ model, usd })).sort((x, y) => y.usd - x.usd) }
      : undefined,
    finishReasons: metrics.has("otel_genai_edge.client.finish_reasons")
      ? reasonShares(sumBy("otel_genai_edge.client.finish_reasons", (a) => String(a["otel_genai_edge.response.finish_reason"] ?? "(none)")))
      : undefined,
    retries: { resends, rate: calls ? resends / calls : 0, byModel: [...retries].map(([model, n]) => ({ model, resends: n })) },
    errors: { failed, rate: calls ? failed / calls : 0, byType: [...errors].map(([type, count]) => ({ type, count })).sort((x, y) => y.count - x.count) },
  };
}
