// The receiver's web page: draws the waterfalls and GenAI figures from /api/state, kept live by
// server-sent events on /api/events (polling /api/state when EventSource is unavailable).
import { evaluationChips, renderContent } from "./content.js";
import { formatInt, formatMs, formatUsd } from "./format.js";
import { renderViews } from "./views.js";

const $ = (selector) => document.querySelector(selector);
const expanded = new Set();
let lastState;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style") node.setAttribute("style", value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A metric value in its unit: seconds and milliseconds as durations, the rest as numbers. */
function formatUnit(value, unit) {
  if (value === undefined || value === null) return "–";
  if (unit === "s") return formatMs(value * 1000);
  if (unit === "ms") return formatMs(value);
  if (unit === "USD") return formatUsd(value);
  return Number.isInteger(value) ? formatInt(value) : value.toPrecision(4);
}

function chips(row) {
  return [...genaiChips(row), ...evaluationChips(row, el)];
}

function genaiChips(row) {
  const f = row.genai;
  if (!f) return row.errorType ? [el("span", { class: "chip err" }, `error ${row.errorType}`)] : [];
  // Tool executions and other gen_ai work: the span name says it all.
  if (!row.llm) return row.errorType ? [el("span", { class: "chip err" }, `error ${row.errorType}`)] : [];
  const out = [el("span", { class: "chip model", title: `provider ${f.provider}; requested ${f.requestModel ?? "?"}` }, `${f.provider} · ${f.responseModel ?? f.requestModel ?? "(no model)"}`)];
  if (f.inputTokens !== undefined || f.outputTokens !== undefined) {
    out.push(el("span", { class: "chip tokens" }, `in ${formatInt(f.inputTokens)} · out ${formatInt(f.outputTokens)} tokens`));
  } else out.push(el("span", { class: "chip" }, "no usage"));
  if (f.costUsd !== undefined) out.push(el("span", { class: "chip cost", title: "otel_genai_edge.usage.cost_usd" }, formatUsd(f.costUsd)));
  if (f.ttfcMs !== undefined) out.push(el("span", { class: "chip ttfc", title: "gen_ai.response.time_to_first_chunk" }, `ttfc ${formatMs(f.ttfcMs)}`));
  if (f.chunks !== undefined) out.push(el("span", { class: "chip" }, `${f.chunks} chunks`));
  if (f.finishReasons.length) out.push(el("span", { class: "chip reason" }, f.finishReasons.join(", ")));
  if (f.resendCount) out.push(el("span", { class: "chip retry", title: "http.request.resend_count" }, `retry ${f.resendCount}`));
  if (row.errorType) out.push(el("span", { class: "chip err" }, `error ${row.errorType}`));
  return out;
}

function ticks(total) {
  return [0, 0.25, 0.5, 0.75, 1].map((q) => ({ q, label: q === 0 ? "0" : formatMs(total * q) }));
}

function renderTrace(view) {
  const total = view.durationMs > 0 ? view.durationMs : 1;
  const section = el(
    "section",
    { class: "trace", "data-trace-id": view.traceId },
    el(
      "div",
      { class: "trace-head" },
      el("span", { class: "root" }, view.rootLabel),
      el("span", { class: "meta" }, view.service),
      el("span", { class: "meta" }, formatMs(view.durationMs)),
      el("span", { class: "meta" }, `${view.spanCount} spans · ${view.llmCount} LLM`),
      el("span", { class: "meta mono" }, view.traceId),
      el("span", { class: "meta" }, new Date(view.startUnixMs).toLocaleTimeString()),
    ),
    el(
      "div",
      { class: "grid-row axis" },
      el("div"),
      el("div", { class: "track" }, ticks(total).map((t) => el("span", { class: "tick", style: `left:${t.q * 100}%` }, t.label))),
      el("div"),
    ),
  );
  for (const row of view.rows) {
    const left = (row.offsetMs / total) * 100;
    const width = Math.max(0.2, (row.durationMs / total) * 100);
    const waitPct = row.llm && row.genai.ttfcMs !== undefined && row.durationMs > 0 ? Math.min(100, (row.genai.ttfcMs / row.durationMs) * 100) : 0;
    const classes = ["grid-row", "span-row", row.kind, row.genai && "genai", row.llm && "llm", row.llm && row.genai.stream && "streaming", row.status === "error" && "error"];
    const model = row.genai ? (row.genai.responseModel ?? row.genai.requestModel) : undefined;
    const rowEl = el(
      "div",
      {
        class: classes.filter(Boolean).join(" "),
        "data-span-id": row.spanId,
        "data-span-name": row.name,
        "data-model": model,
        "data-input-tokens": row.genai?.inputTokens,
        "data-output-tokens": row.genai?.outputTokens,
        title: `${row.name} (${row.kind}) · starts at +${formatMs(row.offsetMs)} · ${formatMs(row.durationMs)}${row.statusMessage ? ` · ${row.statusMessage}` : ""}`,
        onclick: () => {
          if (expanded.has(row.spanId)) expanded.delete(row.spanId);
          else expanded.add(row.spanId);
          render(lastState);
        },
      },
      el("div", { class: "name", style: `padding-left:${row.depth * 16}px` }, row.label, el("span", { class: "kind" }, row.kind)),
      el(
        "div",
        { class: "track" },
        [25, 50, 75].map((q) => el("div", { class: "grid", style: `left:${q}%` })),
        el("div", { class: "bar", style: `left:${left}%;width:${width}%` }, waitPct > 0 && el("div", { class: "wait", style: `width:${waitPct}%` })),
      ),
      el("div", { class: "dur" }, formatMs(row.durationMs)),
      el("div", { class: "facts" }, chips(row)),
    );
    section.append(rowEl);
    if (expanded.has(row.spanId)) {
      const attrs = Object.entries(row.attributes ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join("\n");
      // Captured content first (what was asked and answered), then every attribute as received.
      section.append(
        el(
          "div",
          { class: "grid-row" },
          el(
            "div",
            { class: "details", "data-span-id": row.spanId },
            renderContent(row, el),
            el("div", { class: "attributes mono" }, `span ${row.spanId}${row.parentSpanId ? ` ← parent ${row.parentSpanId}` : ""}\n${attrs}`),
          ),
        ),
      );
    }
  }
  section.append(
    el(
      "div",
      { class: "legend" },
      el("span", {}, el("i", { style: "background:var(--server)" }), "server"),
      el("span", {}, el("i", { style: "background:var(--llm)" }), "LLM call"),
      el("span", {}, el("i", { style: "background:var(--wait)" }), "waiting for first chunk"),
      el("span", {}, el("i", { style: "background:var(--tool)" }), "tool / other gen_ai"),
      el("span", {}, el("i", { style: "background:var(--client)" }), "other fetch"),
      el("span", {}, el("i", { style: "background:var(--error)" }), "error"),
    ),
  );
  return section;
}

function percentileCells(summary, format = formatMs) {
  return summary ? [format(summary.p50), format(summary.p90), format(summary.p99)] : ["–", "–", "–"];
}

function renderStats(state) {
  const s = state.spanStats;
  const fromSpans = el(
    "div",
    { class: "card", id: "span-stats" },
    el("h2", {}, "LLM calls"),
    el(
      "div",
      { class: "big" },
      el("div", {}, el("b", { id: "total-calls" }, formatInt(s.calls)), el("span", {}, `calls${s.errors ? ` · ${s.errors} failed` : ""}`)),
      el("div", {}, el("b", { id: "total-tokens" }, formatInt(s.inputTokens + s.outputTokens)), el("span", {}, `tokens · in ${formatInt(s.inputTokens)} · out ${formatInt(s.outputTokens)}`)),
    ),
    el(
      "table",
      {},
      el("tr", {}, el("th", {}, "latency"), el("th", {}, "p50"), el("th", {}, "p90"), el("th", {}, "p99")),
      el("tr", {}, el("td", {}, "duration"), ...percentileCells(s.durationMs).map((v) => el("td", {}, v))),
      el("tr", {}, el("td", {}, "time to first chunk"), ...percentileCells(s.ttfcMs).map((v) => el("td", {}, v))),
    ),
    el("h3", {}, "By model"),
    el(
      "table",
      { id: "by-model" },
      el("tr", {}, el("th", {}, "model"), el("th", {}, "calls"), el("th", {}, "in"), el("th", {}, "out"), el("th", {}, "p50"), el("th", {}, "ttfc p50")),
      s.byModel.map((m) =>
        el(
          "tr",
          { "data-model": m.model },
          el("td", { title: m.provider }, m.model),
          el("td", {}, formatInt(m.calls)),
          el("td", {}, formatInt(m.inputTokens)),
          el("td", {}, formatInt(m.outputTokens)),
          el("td", {}, formatMs(m.durationMs?.p50)),
          el("td", {}, formatMs(m.ttfcMs?.p50)),
        ),
      ),
    ),
    el("p", { class: "note" }, "Computed from the gen_ai spans received."),
  );

  const metricsCard = el("div", { class: "card", id: "metric-stats" }, el("h2", {}, "Metrics (/v1/metrics)"));
  if (!state.metrics) {
    metricsCard.append(el("p", { class: "note" }, "No /v1/metrics received yet: the figures above come from the spans."));
  } else {
    if (state.metrics.tokens) {
      metricsCard.append(
        el("div", { class: "big" }, Object.entries(state.metrics.tokens).map(([type, value]) => el("div", {}, el("b", {}, formatInt(value)), el("span", {}, `${type} tokens`)))),
      );
    }
    // One row per metric (token usage: per token type); the per-model series fold out below.
    const label = (a) =>
      [a["gen_ai.provider.name"], a["gen_ai.response.model"] ?? a["gen_ai.request.model"], a["gen_ai.token.type"], a["error.type"] && `error ${a["error.type"]}`]
        .filter(Boolean)
        .join(" · ") || "all";
    const shortName = (name) => name.replace(/^(gen_ai|otel_genai_edge)\.client\.(operation\.)?/, "");
    const row = (m, p, name, withSum = true) =>
      p.count !== undefined
        ? el(
            "tr",
            { "data-metric": m.name },
            el("td", { class: "series", title: `${m.name}${m.description ? `: ${m.description}` : ""}` }, name),
            el("td", {}, formatInt(p.count)),
            withSum && el("td", {}, formatUnit(p.sum, m.unit)),
            el("td", {}, formatUnit(p.p50, m.unit)),
            el("td", {}, formatUnit(p.p90, m.unit)),
            el("td", {}, formatUnit(p.p99, m.unit)),
          )
        : el("tr", { "data-metric": m.name }, el("td", { class: "series", title: m.name }, name), el("td", {}, formatUnit(p.value, m.unit)), withSum && el("td"), el("td"), el("td"), el("td"));
    const head = (withSum = true) =>
      el("tr", {}, el("th", {}, withSum ? "series" : "metric"), el("th", {}, "count"), withSum && el("th", {}, "sum"), el("th", {}, "p50"), el("th", {}, "p90"), el("th", {}, "p99"));
    metricsCard.append(
      el(
        "table",
        { id: "metric-totals" },
        head(false),
        state.metrics.metrics.flatMap((m) =>
          m.total.map((p) => row(m, p, `${shortName(m.name)}${p.attributes["gen_ai.token.type"] ? ` (${p.attributes["gen_ai.token.type"]})` : ""}`, false)),
        ),
      ),
    );
    for (const m of state.metrics.metrics) {
      metricsCard.append(
        el(
          "details",
          {},
          el("summary", {}, `${m.name}${m.unit ? ` (${m.unit})` : ""} by model`),
          el("table", {}, head(), m.series.map((p) => row(m, p, label(p.attributes)))),
        ),
      );
    }
    metricsCard.append(el("p", { class: "note" }, "Percentiles estimated from the histogram buckets."));
  }
  return [fromSpans, metricsCard];
}

function render(state) {
  if (!state) return;
  lastState = state;
  const traces = $("#traces");
  traces.replaceChildren(
    ...(state.traces.length
      ? state.traces.map(renderTrace)
      : [el("p", { class: "empty" }, "No traces yet. Send a request to the example Worker (e.g. ", el("code", {}, "curl http://127.0.0.1:8787/"), "); its trace arrives here a moment after the response.")]),
  );
  $("#stats").replaceChildren(...renderStats(state));
  // The views appear with the first LLM call.
  $("#views").replaceChildren(...(state.views.spans.cost.calls ? renderViews(state, el) : []));
  const c = state.counts;
  $("#counts").textContent = `${state.traces.length} traces · ${c.spans} spans · ${c.traceRequests} /v1/traces · ${c.metricRequests} /v1/metrics · ${c.logRequests ?? 0} /v1/logs${c.rejected ? ` · ${c.rejected} rejected` : ""}`;
  document.body.dataset.version = String(state.version);
}

function setStatus(kind, text) {
  const status = $("#status");
  status.className = `status ${kind}`;
  status.textContent = text;
}

async function poll() {
  try {
    const response = await fetch("/api/state", { cache: "no-store" });
    render(await response.json());
    setStatus("live", "live (polling)");
  } catch {
    setStatus("down", "receiver unreachable");
  }
  setTimeout(poll, 2000);
}

if (typeof EventSource === "function") {
  const events = new EventSource("/api/events");
  events.addEventListener("state", (event) => {
    render(JSON.parse(event.data));
    setStatus("live", "live");
  });
  events.onerror = () => setStatus("down", "reconnecting…");
} else {
  poll();
}
