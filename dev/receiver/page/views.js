// The page's cards for the views of dev/receiver/views.mjs (state.views): cost by model, finish
// reasons with the truncation warning, retries, errors by error.type. Each shows the figures from
// the spans and, once /v1/metrics arrived, what the metrics say beside them.
import { formatInt, formatShare, formatUsd } from "./format.js";

/** A figure from the metrics for the column beside the spans' one ("–" when there is none). */
const fromMetrics = (list, key, field, value) => list?.find((x) => x[key] === value)?.[field];

export function renderViews(state, el) {
  const card = (id, title, ...children) => el("div", { class: "card", id }, el("h2", {}, title), ...children);
  const { spans: s, metrics: m } = state.views;
  const metricHead = (label) => (m ? el("th", { title: "from /v1/metrics: every call, sampled or not" }, label) : undefined);
  const metricCell = (value, format = formatInt) => (m ? el("td", { class: "metric" }, value === undefined ? "–" : format(value)) : undefined);
  const note = (text) => el("p", { class: "note" }, text);
  const cards = [];

  const cost = s.cost;
  cards.push(
    card(
      "cost",
      "Cost by model",
      el(
        "div",
        { class: "big" },
        el("div", {}, el("b", { id: "total-cost" }, formatUsd(cost.totalUsd)), el("span", {}, `${cost.pricedCalls} of ${cost.calls} calls priced`)),
        m?.cost ? el("div", {}, el("b", { id: "metric-cost" }, formatUsd(m.cost.totalUsd)), el("span", {}, "otel_genai_edge.client.cost")) : el("div"),
      ),
      el(
        "table",
        { id: "cost-by-model" },
        el("tr", {}, el("th", {}, "model"), el("th", {}, "calls"), el("th", {}, "cost"), m?.cost ? metricHead("metrics") : undefined),
        cost.byModel.map((x) =>
          el(
            "tr",
            { "data-model": x.model, "data-usd": x.pricedCalls ? x.usd : undefined },
            el("td", { title: x.provider }, x.model),
            el("td", {}, formatInt(x.calls)),
            el("td", {}, x.pricedCalls ? formatUsd(x.usd) : "no price"),
            m?.cost ? metricCell(fromMetrics(m.cost.byModel, "model", "usd", x.model), formatUsd) : undefined,
          ),
        ),
      ),
      cost.totalUsd === undefined
        ? note("No cost recorded: pass `prices` (USD per million tokens, per model) to instrument() or withTracing().")
        : note("From otel_genai_edge.usage.cost_usd on the spans (the configured price table)."),
    ),
  );

  const fr = s.finishReasons;
  cards.push(
    card(
      "finish-reasons",
      "Finish reasons",
      fr.warning &&
        el(
          "div",
          { class: "warning", id: "truncation-warning", role: "alert" },
          `⚠ ${fr.truncated} of ${fr.total} answers truncated (${formatShare(fr.truncatedShare)}): finish reason length / max_tokens, over 5 %. Raise the output limit or ask for shorter answers.`,
        ),
      el(
        "table",
        { id: "finish-reason-share" },
        el("tr", {}, el("th", {}, "reason"), el("th", {}, "answers"), el("th", { class: "share-col" }, "share"), metricHead("metrics")),
        fr.byReason.map((r) =>
          el(
            "tr",
            { "data-reason": r.reason, class: r.truncation ? "truncation" : undefined },
            el("td", {}, r.reason),
            el("td", {}, formatInt(r.count)),
            el("td", { class: "share-col" }, el("span", { class: "share-bar", style: `width:${Math.round(r.share * 60)}px` }), formatShare(r.share)),
            metricCell(fromMetrics(m?.finishReasons?.byReason, "reason", "count", r.reason)),
          ),
        ),
      ),
      note(fr.total ? "Per answer (choice), from gen_ai.response.finish_reasons." : "No finish reasons yet."),
    ),
  );

  const r = s.retries;
  cards.push(
    card(
      "retries",
      "Retries",
      el(
        "div",
        { class: "big" },
        el("div", {}, el("b", { id: "total-retries" }, formatInt(r.resends)), el("span", {}, `of ${formatInt(r.calls)} requests were resends (${formatShare(r.rate)})`)),
        m ? el("div", {}, el("b", { id: "metric-retries" }, formatInt(m.retries.resends)), el("span", {}, "otel_genai_edge.client.retries")) : el("div"),
      ),
      r.byModel.length > 0 &&
        el(
          "table",
          { id: "retries-by-model" },
          el("tr", {}, el("th", {}, "model"), el("th", {}, "resends"), metricHead("metrics")),
          r.byModel.map((x) =>
            el("tr", { "data-model": x.model }, el("td", {}, x.model), el("td", {}, formatInt(x.resends)), metricCell(fromMetrics(m?.retries.byModel, "model", "resends", x.model))),
          ),
        ),
      note("Requests an SDK sent again (http.request.resend_count, from x-stainless-retry-count)."),
    ),
  );

  const e = s.errors;
  cards.push(
    card(
      "errors",
      "Errors",
      el(
        "div",
        { class: "big" },
        el("div", {}, el("b", { id: "total-errors" }, formatInt(e.failed)), el("span", {}, `of ${formatInt(e.calls)} requests failed (${formatShare(e.rate)})`)),
        m ? el("div", {}, el("b", { id: "metric-errors" }, formatInt(m.errors.failed)), el("span", {}, `of ${formatInt(m.calls)} in the metrics`)) : el("div"),
      ),
      e.byType.length > 0 &&
        el(
          "table",
          { id: "errors-by-type" },
          el("tr", {}, el("th", {}, "error.type"), el("th", {}, "count"), el("th", {}, "models"), metricHead("metrics")),
          e.byType.map((x) =>
            el(
              "tr",
              { "data-error-type": x.type },
              el("td", { class: "err-type" }, x.type),
              el("td", {}, formatInt(x.count)),
              el("td", { class: "models" }, x.models.join(", ")),
              metricCell(fromMetrics(m?.errors.byType, "type", "count", x.type)),
            ),
          ),
        ),
    ),
  );

  return cards;
}
