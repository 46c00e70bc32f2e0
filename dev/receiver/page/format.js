// Number formats shared by the web page and the terminal (an ES module both can import).

export function formatMs(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export const formatInt = (n) => (n === undefined || n === null ? "–" : Math.round(n).toLocaleString("en-US"));

/** US dollars: cents from a dollar up, three significant digits below. */
export function formatUsd(usd) {
  if (usd === undefined || usd === null || !Number.isFinite(usd)) return "–";
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toPrecision(3))}`;
}

/** A share as a percentage, to one decimal (`14.3 %`, `12.5 %`, `100 %`). */
export function formatShare(share) {
  if (share === undefined || share === null || !Number.isFinite(share)) return "–";
  return `${Number((share * 100).toFixed(1))} %`;
}
