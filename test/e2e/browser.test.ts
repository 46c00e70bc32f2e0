/**
 * The receiver's waterfall page in a real browser: Debian's Chromium driven by playwright-core.
 * The page is opened before any trace exists and must draw the trace when it arrives (live, over
 * server-sent events): a bar per span, the eight LLM spans of the example's seven calls with their
 * models, token counts and costs, and beside them the GenAI figures and the views: cost by model,
 * finish-reason share with the truncation warning, retries, errors by error.type, from the spans
 * and then from the metrics. Content capture is on in the demo: a clicked span shows what was
 * asked and answered (system instructions, messages, tool calls, tools offered), a tool span its
 * call, the graded call its evaluation; content arriving over OTLP is shown as text, never run as
 * HTML. The screenshot goes to test-output/waterfall.png and
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
    expect(await rows.count()).toBe(11); // SERVER, the agent, seven LLM calls (one sent twice), the tool span
    await expect(rows.nth(1).getAttribute("data-span-name")).resolves.toBe("invoke_agent example-agent");
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

    // Captured content (the demo turns capture on): open a span, see what was asked and answered.
    const open = async (row: ReturnType<typeof trace.locator>) => {
      const id = await row.getAttribute("data-span-id");
      await row.locator(".name").click();
      const details = page.locator(`.details[data-span-id="${id}"]`);
      await details.waitFor({ timeout: 5_000 });
      return details;
    };
    const rowOf = (model: string, input: number) => trace.locator(`.span-row.llm[data-model="${model}"][data-input-tokens="${input}"]`);
    const texts = (locator: ReturnType<typeof page.locator>) => locator.evaluateAll((els) => els.map((el) => el.textContent));

    // The graded call (3): the question, the recorded answer with its finish reason, its evaluation.
    const ocean = rowOf("gpt-4o-mini-2024-07-18", 22);
    await ocean.locator(".chip.eval").waitFor({ timeout: 15_000 }); // the evaluation comes on /v1/logs, after the response
    await expect(ocean.locator(".chip.eval").textContent()).resolves.toBe("correctness · 1 · pass");
    const oceanDetails = await open(ocean);
    await expect(texts(oceanDetails.locator(".input-messages .message .role"))).resolves.toEqual(["user"]);
    await expect(texts(oceanDetails.locator('.input-messages .message[data-role="user"] .part.text'))).resolves.toEqual([
      "Answer in up to 3 words: Which ocean contains Bouvet Island?",
    ]);
    await expect(texts(oceanDetails.locator('.output-messages .message[data-role="assistant"] .part.text'))).resolves.toEqual(["South Atlantic Ocean."]);
    await expect(oceanDetails.locator(".output-messages .message .finish").textContent()).resolves.toBe("finish: stop");
    const evaluation = await oceanDetails.locator('.evaluations tr[data-evaluation="correctness"] td').evaluateAll((tds) => tds.map((td) => td.textContent));
    expect(evaluation).toEqual(["correctness", "1", "pass", "Bouvet Island lies in the South Atlantic Ocean."]);
    await expect(page.locator(".chip.eval").count()).resolves.toBe(1); // on that span only

    // The tool call (5): the question, the model's tool call with its arguments and id, the tools offered.
    const toolTurn = await open(rowOf("gpt-4o-mini-2024-07-18", 59));
    await expect(texts(toolTurn.locator(".input-messages .part.text"))).resolves.toEqual(["What is 6 times 7? Use the multiply tool."]);
    const call = toolTurn.locator('.output-messages .part.tool-call[data-tool-name="multiply"]');
    await expect(call.textContent()).resolves.toBe('tool callmultiply({"a":6,"b":7})call_6KQlxELWhphiY7wr0DV9WW5S');
    await expect(toolTurn.locator(".output-messages .message .finish").textContent()).resolves.toBe("finish: tool_calls");
    await expect(texts(toolTurn.locator(".tool-definitions .chip.tool-def"))).resolves.toEqual(["multiply"]);
    await expect(toolTurn.locator(".tool-definitions .chip.tool-def").getAttribute("title")).resolves.toBe("Multiply two numbers.");

    // The tool's own span: the call id it ran for, its arguments and its result.
    const toolSpan = await open(trace.locator('.span-row[data-span-name="execute_tool multiply"]'));
    await expect(toolSpan.locator(".tool-call .call-id").textContent()).resolves.toBe("call_6KQlxELWhphiY7wr0DV9WW5S");
    await expect(toolSpan.locator(".tool-arguments .mono").textContent()).resolves.toBe('{"a":6,"b":7}');
    await expect(toolSpan.locator(".tool-result .mono").textContent()).resolves.toBe("42");

    // Call 1: the system prompt passed apart from the messages, and the recorded answer.
    const first = await open(trace.locator('.span-row.llm[data-model="claude-3-opus-20240229"][data-output-tokens="137"]'));
    await expect(texts(first.locator(".system-instructions .part.text"))).resolves.toEqual(["You are a friendly assistant who explains observability with humour."]);
    await expect(texts(first.locator(".input-messages .part.text"))).resolves.toEqual(["Tell me a joke about OpenTelemetry."]);
    expect(await first.locator(".output-messages .part.text").textContent()).toMatch(/^Sure! Here's a joke about OpenTelemetry:\n\nWhy did the developer choose OpenTelemetry/);
    await expect(first.locator(".output-messages .message .finish").textContent()).resolves.toBe("finish: end_turn");
    await expect(page.locator(".details").count()).resolves.toBe(4);

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

  it("shows content from OTLP as text: markup in a prompt is never run or parsed as HTML", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    const page = await browser!.newPage({ viewport: { width: 1440, height: 820 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${stack!.receiverUrl}/`);
    await page.waitForSelector("#status.live", { timeout: 10_000 });
    const hostile = '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script>';
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = {
      traceId,
      spanId: "b7ad6b7169203331",
      name: "chat evil-model",
      kind: 3,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 5_000_000n),
      attributes: [
        str("gen_ai.operation.name", "chat"),
        str("gen_ai.provider.name", "openai"),
        str("gen_ai.request.model", "evil-model"),
        str("gen_ai.input.messages", JSON.stringify([{ role: hostile, parts: [{ type: "text", content: hostile }] }])),
      ],
    };
    const posted = await fetch(`${stack!.receiverUrl}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }),
    });
    expect(posted.status).toBe(200);
    const row = page.locator(`.trace[data-trace-id="${traceId}"] .span-row.llm`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator(".name").click();
    const details = page.locator('.details[data-span-id="b7ad6b7169203331"]');
    await details.waitFor({ timeout: 5_000 });
    await expect(details.locator(".input-messages .part.text").textContent()).resolves.toBe(hostile);
    await expect(details.locator(".input-messages .message .role").textContent()).resolves.toBe(hostile);
    await expect(details.locator(".input-messages .message").getAttribute("data-role")).resolves.toBe(hostile);
    await expect(page.locator("img, .details script").count()).resolves.toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __owned?: number }).__owned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
