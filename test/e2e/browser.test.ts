/**
 * The receiver's waterfall page in a real browser: Debian's Chromium driven by playwright-core.
 * The page is opened before any trace exists and must draw the trace when it arrives (live, over
 * server-sent events): a bar per span, the eight LLM spans of the example's seven calls with their
 * models, token counts and costs, and beside them the GenAI figures and the views: cost by model,
 * finish-reason share with the truncation warning, retries, errors by error.type, from the spans
 * and then from the metrics. The screenshot goes to test-output/waterfall.png and
 * docs/waterfall.png (the README's picture) when UPDATE_SCREENSHOT=1. The stack is stopped with
 * SIGTERM (the Ctrl-C path is the start test's).
 *
 * Chromium comes from the project's set-up (scripts/setup.mjs, run by `npm test` through `pretest`, or `npm run setup`).
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPECTED_CALLS, EXPECTED_FAILED, expectedCostByModel, listening, ROOT, type Stack, startStack } from "./stack.js";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let stack: Stack | undefined;
let browser: Browser | undefined;

const MISSING =
  `Chromium is not installed at ${CHROMIUM}, so the browser test cannot run. ` +
  "`npm test` (pretest) installs it through scripts/setup.mjs when run as root on Debian/Ubuntu (apt-get install -y chromium); " +
  "run `node scripts/setup.mjs` as root, install Chromium yourself, or set CHROMIUM_PATH to a Chromium binary.";

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return; // the test fails with MISSING: never a silent skip
  [stack, browser] = await Promise.all([startStack(), chromium.launch({ executablePath: CHROMIUM, args: ARGS })]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (!stack) return;
  expect((await stack.stop("SIGTERM")).code).toBe(0);
  expect(stack.output()).toContain("SIGTERM: stopping…");
  for (const port of Object.values(stack.ports)) expect(await listening(port), `port ${port} still in use`).toBe(false);
}, 60_000);

/** The figure the page shows for a cost (dev/receiver/page/format.js formatUsd, below a dollar). */
const usd = (value: number) => `$${Number(value.toPrecision(3))}`;

describe("the waterfall web page", () => {
  it("draws a trace as it arrives: span bars, LLM spans with models and tokens, GenAI figures", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    const page = await browser!.newPage({ viewport: { width: 1440, height: 820 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${stack!.receiverUrl}/`);
    await page.waitForSelector("#status.live", { timeout: 10_000 });
    expect(await page.locator(".trace").count()).toBe(0);
    await expect(page.locator(".empty").textContent()).resolves.toContain("No traces yet");

    // Now a request to the Worker: its trace must appear without reloading the page.
    const response = await fetch(`${stack!.workerUrl}/`);
    expect(response.status, await response.text()).toBe(200);
    const llmRows = page.locator(".trace .span-row.llm");
    await page.waitForFunction(() => document.querySelectorAll(".trace .span-row.llm").length === 8, undefined, { timeout: 20_000 });

    const trace = page.locator(".trace").first();
    await expect(trace.locator(".trace-head .root").textContent()).resolves.toBe("GET /");
    const rows = trace.locator(".span-row");
    expect(await rows.count()).toBe(10); // SERVER, seven LLM calls (one sent twice), the tool span
    await expect(rows.first().getAttribute("class")).resolves.toContain("server");

    const models = await llmRows.evaluateAll((els) => els.map((el) => el.getAttribute("data-model")));
    expect(models.sort()).toEqual([...EXPECTED_CALLS.map((c) => c.responseModel), EXPECTED_FAILED.requestModel].sort());
    const failed = trace.locator(".span-row.llm.error");
    await expect(failed.count()).resolves.toBe(1);
    await expect(failed.getAttribute("data-model")).resolves.toBe(EXPECTED_FAILED.requestModel);
    await expect(failed.locator(".chip.err").textContent()).resolves.toBe(`error ${EXPECTED_FAILED.errorType}`);
    for (const expected of EXPECTED_CALLS) {
      const same = EXPECTED_CALLS.filter((c) => c.responseModel === expected.responseModel && c.input === expected.input && c.output === expected.output);
      const matching = trace.locator(`.span-row.llm[data-model="${expected.responseModel}"][data-input-tokens="${expected.input}"][data-output-tokens="${expected.output}"]`);
      await expect(matching.count(), `rows for ${expected.responseModel} ${expected.input}/${expected.output}`).resolves.toBe(same.length);
      const row = "resend" in expected ? matching.filter({ has: page.locator(".chip.retry") }) : matching.filter({ hasNot: page.locator(".chip.retry") }).first();
      if ("resend" in expected) await expect(row.locator(".chip.retry").textContent()).resolves.toBe(`retry ${expected.resend}`);
      const facts = await row.locator(".facts").textContent();
      expect(facts).toContain(`${expected.provider} · ${expected.responseModel}`);
      expect(facts).toContain(`in ${expected.input} · out ${expected.output} tokens`);
      expect(facts).toContain(expected.reasons[0]);
      await expect(row.locator(".chip.cost").textContent()).resolves.toBe(usd(expected.usd));
      if (expected.stream) {
        expect(facts).toMatch(/ttfc \d+ ms/);
        await expect(row.locator(".bar .wait").count()).resolves.toBe(1);
      }
      // The bar is drawn inside the track, on the trace's time axis.
      const bar = await row.locator(".bar").boundingBox();
      const track = await row.locator(".track").boundingBox();
      expect(bar!.width).toBeGreaterThan(2);
      expect(bar!.x).toBeGreaterThanOrEqual(track!.x - 1);
      expect(bar!.x + bar!.width).toBeLessThanOrEqual(track!.x + track!.width + 1);
    }
    const serverBar = await rows.first().locator(".bar").boundingBox();
    const serverTrack = await rows.first().locator(".track").boundingBox();
    expect(serverBar!.width).toBeGreaterThan(serverTrack!.width * 0.95); // the root spans the whole axis

    // Figures beside the waterfall.
    const text = (selector: string) => page.locator(selector).first().textContent();
    await expect(text("#total-calls")).resolves.toBe("8");
    await expect(text("#total-tokens")).resolves.toBe("542");
    await expect(page.locator("#by-model tr[data-model]").count()).resolves.toBe(4); // the 429 under the requested model

    // The views, from the spans: cost by model, finish reasons and the truncation warning, retries, errors.
    const totalUsd = EXPECTED_CALLS.reduce((sum, c) => sum + c.usd, 0);
    await expect(text("#total-cost")).resolves.toBe(usd(totalUsd));
    for (const [model, cost] of expectedCostByModel()) {
      const row = page.locator(`#cost-by-model tr[data-model="${model}"]`);
      expect(Number(await row.getAttribute("data-usd"))).toBeCloseTo(cost, 12);
      await expect(row.locator("td").nth(2).textContent()).resolves.toBe(usd(cost));
    }
    await expect(page.locator("#cost-by-model tr[data-model]").count()).resolves.toBe(4);
    await expect(page.locator(`#cost-by-model tr[data-model="gpt-4o-mini"] td`).nth(2).textContent()).resolves.toBe("no price");
    await expect(text("#truncation-warning")).resolves.toContain("1 of 7 answers truncated (14.3 %)");
    const reasons = await page.locator("#finish-reason-share tr[data-reason]").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent)));
    expect(reasons).toEqual([
      ["stop", "3", "42.9 %"],
      ["end_turn", "2", "28.6 %"],
      ["max_tokens", "1", "14.3 %"],
      ["tool_calls", "1", "14.3 %"],
    ]);
    await expect(page.locator("#finish-reason-share tr.truncation").getAttribute("data-reason")).resolves.toBe("max_tokens");
    await expect(text("#total-retries")).resolves.toBe("1");
    await expect(text("#retries .big span")).resolves.toBe("of 8 requests were resends (12.5 %)");
    await expect(page.locator('#retries-by-model tr[data-model="gpt-3.5-turbo-0125"] td').nth(1).textContent()).resolves.toBe("1");
    await expect(text("#total-errors")).resolves.toBe("1");
    const errorRow = page.locator(`#errors-by-type tr[data-error-type="${EXPECTED_FAILED.errorType}"] td`);
    await expect(errorRow.evaluateAll((tds) => tds.slice(0, 3).map((td) => td.textContent))).resolves.toEqual(["rate_limit_exceeded", "1", EXPECTED_FAILED.requestModel]);

    // Metrics panel: the package's /v1/metrics when they arrive, else a note that figures come from spans.
    await page.locator("#metric-stats", { hasText: "gen_ai.client" }).waitFor({ timeout: 10_000 });
    expect((await page.locator("#metric-stats").textContent()) ?? "").toContain("gen_ai.client.token.usage");
    // The same views from the metrics, beside the spans' figures.
    await expect(text("#metric-cost")).resolves.toBe(usd(totalUsd));
    await expect(text("#metric-retries")).resolves.toBe("1");
    await expect(text("#metric-errors")).resolves.toBe("1");
    await expect(text("#errors .big div:nth-child(2) span")).resolves.toBe("of 8 in the metrics");
    const reasonMetrics = await page.locator("#finish-reason-share tr[data-reason] td.metric").evaluateAll((tds) => tds.map((td) => td.textContent));
    expect(reasonMetrics).toEqual(["3", "2", "1", "1"]);
    await expect(page.locator(`#errors-by-type tr[data-error-type="rate_limit_exceeded"] td.metric`).textContent()).resolves.toBe("1");

    expect(errors).toEqual([]);
    const outDir = join(ROOT, "test-output");
    mkdirSync(outDir, { recursive: true });
    const shot = join(outDir, "waterfall.png");
    await page.screenshot({ path: shot, fullPage: true });
    // The README's picture is refreshed on request only, so test runs leave the tree clean.
    if (process.env.UPDATE_SCREENSHOT === "1") {
      mkdirSync(join(ROOT, "docs"), { recursive: true });
      copyFileSync(shot, join(ROOT, "docs/waterfall.png"));
    }
    await page.close();
  }, 90_000);
});
