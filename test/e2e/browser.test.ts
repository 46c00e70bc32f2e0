/**
 * The receiver's waterfall page in a real browser: Debian's Chromium driven by playwright-core.
 * The page is opened before any trace exists and must draw the trace when it arrives (live, over
 * server-sent events): a bar per span, the five LLM spans with their models and token counts, and
 * the GenAI figures beside them. The screenshot goes to test-output/waterfall.png and
 * docs/waterfall.png (the README's picture) when UPDATE_SCREENSHOT=1.
 *
 * Chromium comes from the project's set-up (scripts/setup.mjs, run by `npm test` through `pretest`, or `npm run setup`).
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPECTED_CALLS, ROOT, type Stack, startStack } from "./stack.js";

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
  if (stack) expect((await stack.stop()).code).toBe(0);
}, 60_000);

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
    await page.waitForFunction(() => document.querySelectorAll(".trace .span-row.llm").length === 5, undefined, { timeout: 20_000 });

    const trace = page.locator(".trace").first();
    await expect(trace.locator(".trace-head .root").textContent()).resolves.toBe("GET /");
    const rows = trace.locator(".span-row");
    expect(await rows.count()).toBe(7); // SERVER, five LLM calls, the tool span
    await expect(rows.first().getAttribute("class")).resolves.toContain("server");

    const models = await llmRows.evaluateAll((els) => els.map((el) => el.getAttribute("data-model")));
    expect(models.sort()).toEqual(EXPECTED_CALLS.map((c) => c.responseModel).sort());
    for (const expected of EXPECTED_CALLS) {
      const row = trace.locator(`.span-row.llm[data-model="${expected.responseModel}"][data-input-tokens="${expected.input}"][data-output-tokens="${expected.output}"]`);
      await expect(row.count(), `row for ${expected.responseModel} ${expected.input}/${expected.output}`).resolves.toBe(1);
      const facts = await row.locator(".facts").textContent();
      expect(facts).toContain(`${expected.provider} · ${expected.responseModel}`);
      expect(facts).toContain(`in ${expected.input} · out ${expected.output} tokens`);
      expect(facts).toContain(expected.reasons[0]);
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
    await expect(page.locator("#total-calls").textContent()).resolves.toBe("5");
    await expect(page.locator("#total-tokens").textContent()).resolves.toBe("466");
    await expect(page.locator("#by-model tr[data-model]").count()).resolves.toBe(3);
    // Metrics panel: the package's /v1/metrics when they arrive, else a note that figures come from spans.
    await page.locator("#metric-stats", { hasText: "gen_ai.client" }).waitFor({ timeout: 10_000 });
    expect((await page.locator("#metric-stats").textContent()) ?? "").toContain("gen_ai.client.token.usage");

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
