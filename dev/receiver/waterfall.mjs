// Terminal rendering of a trace waterfall (rows from store.mjs layoutTrace) and of the running
// GenAI figures. Plain text when colour is off (pipes, NO_COLOR), ANSI colours otherwise.
import { formatInt, formatMs, formatShare, formatUsd } from "./page/format.js";

const ANSI = {
  reset: "\x1b[0m",
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  magenta: "\x1b[35m",
  cyan: "\x1b[36m",
};

/** One line of GenAI facts for a row, e.g. `gpt-4o-mini-2024-07-18 · in 22 · out 4 tokens · ttfc 310 ms · stop`. */
export function factsText(row) {
  const f = row.genai;
  if (!f) return row.errorType ? `error ${row.errorType}` : "";
  // Tool executions and other gen_ai work: the span name says it all.
  if (!row.llm) return row.errorType ? `error ${row.errorType}` : "";
  const parts = [];
  const model = f.responseModel ?? f.requestModel;
  parts.push(`${f.provider} ${model ?? "(no model)"}`);
  if (f.inputTokens !== undefined || f.outputTokens !== undefined) {
    parts.push(`in ${formatInt(f.inputTokens)} · out ${formatInt(f.outputTokens)} tokens`);
  } else parts.push("no usage reported");
  if (f.costUsd !== undefined) parts.push(formatUsd(f.costUsd));
  if (f.ttfcMs !== undefined) parts.push(`ttfc ${formatMs(f.ttfcMs)}`);
  if (f.chunks !== undefined) parts.push(`${f.chunks} chunks`);
  if (f.finishReasons.length) parts.push(f.finishReasons.join(","));
  if (f.resendCount) parts.push(`retry ${f.resendCount}`);
  if (row.errorType) parts.push(`error ${row.errorType}`);
  return parts.join(" · ");
}

function pad(text, width) {
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
  return text + " ".repeat(width - chars.length);
}

/**
 * The waterfall of one trace as lines of text. Bars share the trace's time axis; for streaming
 * LLM spans the part before the first chunk is drawn light (░) and the streaming part solid (█).
 */
export function renderTrace(view, { color = false, columns = 120, note = "" } = {}) {
  const c = (code, text) => (color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const nameWidth = Math.min(42, Math.max(16, ...view.rows.map((r) => r.depth * 2 + [...r.label].length + 1)));
  const barWidth = Math.max(20, Math.min(56, columns - nameWidth - 12 - 56));
  const total = view.durationMs > 0 ? view.durationMs : 1;
  const lines = [];
  const title = ` trace ${view.traceId.slice(0, 12)}…  ${view.service}  ${view.rootLabel}  ${formatMs(view.durationMs)}  ${view.spanCount} span${view.spanCount === 1 ? "" : "s"}, ${view.llmCount} LLM${note ? `  ${note}` : ""} `;
  lines.push(c("bold", `━━${title}${"━".repeat(Math.max(2, nameWidth + barWidth + 12 - title.length - 2))}`));
  const mid = formatMs(total / 2);
  const end = formatMs(total);
  const axisInner = barWidth - 1 - end.length;
  const midAt = Math.max(2, Math.floor(barWidth / 2 - mid.length / 2));
  let axis = "0".padEnd(midAt) + mid;
  axis = axis.padEnd(Math.max(axis.length + 1, axisInner + 1)) + end;
  lines.push(c("dim", `${" ".repeat(nameWidth)} ${axis}`));

  for (const row of view.rows) {
    const from = Math.min(barWidth - 1, Math.floor((row.offsetMs / total) * barWidth));
    const to = Math.max(from + 1, Math.min(barWidth, Math.ceil(((row.offsetMs + row.durationMs) / total) * barWidth)));
    let firstChunkCol = from;
    if (row.llm && row.genai.ttfcMs !== undefined) {
      firstChunkCol = Math.min(to - 1, Math.max(from, Math.round(((row.offsetMs + row.genai.ttfcMs) / total) * barWidth)));
    }
    const waiting = "░".repeat(firstChunkCol - from);
    const solid = "█".repeat(to - firstChunkCol);
    const colour = row.status === "error" ? "red" : row.llm ? "magenta" : row.genai ? "yellow" : row.kind === "server" ? "blue" : "cyan";
    const bar = " ".repeat(from) + c(colour, waiting + solid) + " ".repeat(barWidth - to);
    const name = pad(`${"  ".repeat(row.depth)}${row.label}`, nameWidth);
    const facts = factsText(row);
    lines.push(
      `${row.llm ? c("bold", name) : name}│${bar}│ ${formatMs(row.durationMs).padStart(8)}${facts ? `  ${row.status === "error" ? c("red", facts) : facts}` : ""}`,
    );
  }
  return lines;
}

/** Share of requests, e.g. `1 of 8 requests (13 %)`. */
const ofRequests = (n, calls) => `${n} of ${calls} request${calls === 1 ? "" : "s"} (${formatShare(calls ? n / calls : 0)})`;

/**
 * The running totals as lines: calls, tokens and latency from the LLM spans (and the metrics when
 * they arrived), then the views (views.mjs) over the spans: cost by model, finish reasons with a
 * warning when too many answers were truncated, retries and errors by error.type.
 */
export function renderTotals(spanStats, metricStats, views, { color = false } = {}) {
  if (!spanStats.calls) return "";
  const c = (code, text) => (color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const parts = [
    `${spanStats.calls} LLM call${spanStats.calls === 1 ? "" : "s"} so far`,
    `in ${formatInt(spanStats.inputTokens)} · out ${formatInt(spanStats.outputTokens)} tokens`,
  ];
  if (spanStats.durationMs) parts.push(`duration p50 ${formatMs(spanStats.durationMs.p50)} p90 ${formatMs(spanStats.durationMs.p90)}`);
  if (spanStats.ttfcMs) parts.push(`ttfc p50 ${formatMs(spanStats.ttfcMs.p50)} p90 ${formatMs(spanStats.ttfcMs.p90)}`);
  if (spanStats.errors) parts.push(`${spanStats.errors} failed`);
  let line = `Σ ${parts.join(" · ")}`;
  if (metricStats) line += `  (+ ${metricStats.metrics.length} metric${metricStats.metrics.length === 1 ? "" : "s"} on /v1/metrics)`;
  const v = views?.spans;
  if (!v) return line;
  const lines = [line];
  const { cost, finishReasons: fr, retries, errors } = v;
  const priced = cost.byModel.filter((m) => m.pricedCalls > 0);
  lines.push(
    cost.totalUsd === undefined
      ? "  cost     none recorded (no `prices` configured for these models)"
      : `  cost     ${formatUsd(cost.totalUsd)}: ${priced.map((m) => `${m.model} ${formatUsd(m.usd)}`).join(" · ")}`,
  );
  if (fr.total) lines.push(`  finish   ${fr.byReason.map((r) => `${r.reason} ${r.count} (${formatShare(r.share)})`).join(" · ")}`);
  if (fr.warning) {
    lines.push(c("yellow", `  ⚠ ${fr.truncated} of ${fr.total} answers truncated (${formatShare(fr.truncatedShare)}, finish reason length/max_tokens): over 5 %`));
  }
  const retriedModels = retries.byModel.map((m) => `${m.model} ${m.resends}`).join(" · ");
  lines.push(`  retries  ${ofRequests(retries.resends, retries.calls)}${retriedModels ? `: ${retriedModels}` : ""}`);
  const errorTypes = errors.byType.map((e) => `${e.type} ×${e.count}`).join(" · ");
  lines.push(errors.failed ? c("red", `  errors   ${ofRequests(errors.failed, errors.calls)}: ${errorTypes}`) : "  errors   none");
  return lines.join("\n");
}
