/**
 * The Grafana dashboards and Prometheus alerting rules in dashboards/ against what the package
 * really exports. In this Node process, an app wrapped by `withTracing` makes LLM calls through
 * the official `openai` and `@anthropic-ai/sdk` clients (streams, plain answers, one cut at the
 * token limit, failures, embeddings, one rate-limited request the SDK retries) to a local
 * upstream, once per semantic-convention profile; the metrics the OTLP receiver decoded are
 * translated the way a Collector's Prometheus exporter names them (test/support/prometheus.ts),
 * and every metric, label and literal label value the profile's dashboard and rules query must
 * be among them.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { flush, withTracing } from "../src/index.js";
import { type Collector, type DecodedMetric, type LoopbackServer, listenLoopback, readBody, startCollector } from "./support/collector.js";
import { type Exposition, exposition, missing, parseYaml, promLabel, promName, scanPromQL } from "./support/prometheus.js";
import { fixtureChunks, fixtureText } from "./support/replay.js";

const PROFILES = ["v1.41", "latest"] as const;
type Profile = (typeof PROFILES)[number];
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import placeholder, not a template.
const DS_INPUT = "${DS_PROMETHEUS}";
const file = (name: string) => readFileSync(new URL(`../dashboards/${name}`, import.meta.url), "utf8");
const PRICES = { "gpt-4o-mini-2024-07-18": { input: 0.15, output: 0.6 }, "claude-3-opus-20240229": { input: 15, output: 75 } };

let upstream: LoopbackServer;
let collector: Collector;
const attempts: string[] = [];

/**
 * `/flaky/…` answers a first attempt with 429 (`retry-after-ms: 0`, so the SDK retries at once);
 * `/length/…` ends the answer at the token limit; `/bad/…` fails with 400.
 */
async function serve(path: string, retryCount: string, body: { stream?: boolean }): Promise<{ status: number; type: string; chunks: Uint8Array[]; headers?: Record<string, string> }> {
  const json = (text: string, status = 200) => ({ status, type: "application/json", chunks: [new TextEncoder().encode(text)] });
  if (path.startsWith("/bad/")) return json(fixtureText("openai/error-400-invalid-image-url.json"), 400);
  if (path.startsWith("/flaky/") && retryCount === "0") {
    return { ...json('{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}', 429), headers: { "retry-after-ms": "0" } };
  }
  const cut = path.startsWith("/length/");
  if (path.endsWith("/embeddings")) return json(fixtureText("openai/embeddings-base64.json"));
  const anthropic = path.endsWith("/messages");
  if (body.stream) {
    const fixture = anthropic ? "anthropic/messages-stream-text.sse" : "openai/chat-stream-include-usage.sse";
    return { status: 200, type: "text/event-stream", chunks: fixtureChunks(fixture) };
  }
  const text = fixtureText(anthropic ? "anthropic/messages-nonstream.json" : "openai/chat-nonstream.json");
  return json(cut ? text.replace('"stop_reason":"end_turn"', '"stop_reason":"max_tokens"').replace('"finish_reason": "stop"', '"finish_reason": "length"') : text);
}

async function calls(): Promise<void> {
  const messages = [{ role: "user" as const, content: "dashboards please" }];
  const openai = (prefix = "", maxRetries = 0) => new OpenAI({ apiKey: "sk-test", baseURL: `${upstream.url}${prefix}/v1`, maxRetries });
  const anthropic = (prefix = "") => new Anthropic({ apiKey: "sk-ant-test", baseURL: `${upstream.url}${prefix}`, maxRetries: 0 });
  const stream = await openai().chat.completions.create({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages });
  for await (const _ of stream);
  await openai().chat.completions.create({ model: "gpt-3.5-turbo", messages });
  await openai("/flaky", 2).chat.completions.create({ model: "gpt-4o", messages });
  await openai("/length").chat.completions.create({ model: "gpt-4o-mini", max_tokens: 5, messages });
  await expect(openai("/bad").chat.completions.create({ model: "gpt-4o", messages })).rejects.toThrow();
  await openai().embeddings.create({ model: "text-embedding-3-small", input: "hello" });
  await expect(openai("/bad").embeddings.create({ model: "text-embedding-3-small", input: "hello" })).rejects.toThrow();
  const claude = await anthropic().messages.create({ model: "claude-3-opus-20240229", max_tokens: 256, stream: true, messages });
  for await (const _ of claude);
  await anthropic("/length").messages.create({ model: "claude-3-opus-20240229", max_tokens: 5, messages });
}

const exported = new Map<Profile, { metrics: DecodedMetric[]; series: Exposition }>();

beforeAll(async () => {
  collector = await startCollector();
  upstream = await listenLoopback(async (req, res) => {
    const retryCount = String(req.headers["x-stainless-retry-count"] ?? "");
    attempts.push(`${req.url} ${retryCount}`);
    const answer = await serve(req.url ?? "/", retryCount, JSON.parse(new TextDecoder().decode(await readBody(req)) || "{}"));
    res.writeHead(answer.status, { "content-type": answer.type, ...answer.headers });
    for (const chunk of answer.chunks) {
      res.write(chunk);
      await new Promise((r) => setTimeout(r, 2));
    }
    res.end();
  });
  for (const profile of PROFILES) {
    const serviceName = `dashboards-${profile}`;
    const app = withTracing(
      async () => {
        await calls();
        return new Response("ok");
      },
      { endpoint: collector.url, serviceName, semconv: profile, prices: PRICES },
    );
    expect(await (await app(new Request("http://app.test/"))).text()).toBe("ok");
    await flush();
    const metrics = collector.metrics().filter((m) => m.resource["service.name"] === serviceName);
    exported.set(profile, { metrics, series: exposition(metrics) });
  }
});

afterAll(async () => {
  await flush();
  await upstream?.close();
  await collector?.close();
});

describe("the Prometheus translation", () => {
  it("gives the otlptranslator's documented names", () => {
    expect(promName("http.server.request.duration", "s", "histogram")).toBe("http_server_request_duration_seconds");
    expect(promName("requests.count", "1", "counter")).toBe("requests_count_total");
    expect(promName("memory.usage", "By", "gauge")).toBe("memory_usage_bytes");
    expect(promName("system.network.io", "By/s", "gauge")).toBe("system_network_io_bytes_per_second");
    expect(promName("gen_ai.client.token.usage", "{token}", "histogram")).toBe("gen_ai_client_token_usage");
    expect(promName("otel_genai_edge.client.cost", "USD", "counter")).toBe("otel_genai_edge_client_cost_USD_total");
    expect(["http.method", "123invalid", "_private", "__reserved__"].map(promLabel)).toEqual(["http_method", "key_123invalid", "key_private", "__reserved__"]);
  });

  it("the check reports a metric without its unit or type suffix, a missing label and a value never sent", () => {
    const { series } = exported.get("v1.41")!;
    expect(missing('sum by (le) (rate(gen_ai_client_operation_duration_bucket{job="dashboards-v1.41"}[5m]))', series)).toEqual([
      "gen_ai_client_operation_duration_bucket: no such series",
    ]);
    expect(missing("rate(otel_genai_edge_client_retries[5m])", series)).toEqual(["otel_genai_edge_client_retries: no such series"]);
    expect(missing('sum by (error_type, gen_ai_token_type) (rate(gen_ai_client_token_usage_sum{gen_ai_token_type="completion"}[5m]))', series)).toEqual([
      'gen_ai_client_token_usage_sum: gen_ai_token_type is never "completion"',
      "gen_ai_client_token_usage_sum: no label error_type (grouped on)",
    ]);
    expect(() => scanPromQL("sum(rate(x[5m])")).toThrow("unbalanced (");
    expect(() => scanPromQL("sumx(rate(x[5m]))")).toThrow("unknown function sumx");
  });
});

describe("retries", () => {
  it("the SDK's second attempt carries http.request.resend_count 1 and counts once per model, in both profiles", async () => {
    expect(attempts.filter((a) => a.startsWith("/flaky/"))).toEqual(["/flaky/v1/chat/completions 0", "/flaky/v1/chat/completions 1", "/flaky/v1/chat/completions 0", "/flaky/v1/chat/completions 1"]);
    const spans = collector.spans().filter((s) => s.attributes["url.full"] === `${upstream.url}/flaky/v1/chat/completions`);
    const seen = spans.map((s) => [s.name, s.attributes["http.request.resend_count"], s.attributes["error.type"]]);
    expect(seen.sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      ["chat gpt-4o", 1, undefined],
      ["chat gpt-4o", 1, undefined],
      ["chat gpt-4o", undefined, "rate_limit_exceeded"],
      ["chat gpt-4o", undefined, "rate_limit_exceeded"],
    ]);
    // Every other call was a first attempt: nothing else carries the attribute.
    expect(collector.spans().filter((s) => s.attributes["http.request.resend_count"] !== undefined)).toHaveLength(2);
    for (const profile of PROFILES) {
      const retries = exported.get(profile)!.metrics.find((m) => m.name === "otel_genai_edge.client.retries")!;
      expect(retries).toMatchObject({ type: "sum", isMonotonic: true, unit: "{request}", temporality: 1 });
      expect(retries.points.map((p) => [p.attributes["gen_ai.request.model"], p.value])).toEqual([["gpt-4o", 1]]);
    }
  });
});

/** Labels a legend or annotation template names: `{{label}}` and `$labels.label`. */
const templated = (text: string) => [...text.matchAll(/\{\{\s*([a-zA-Z_]\w*)\s*\}\}|\$labels\.([a-zA-Z_]\w*)/g)].map((m) => m[1] ?? m[2]);

describe.each(PROFILES)("profile %s", (profile) => {
  const dashboard = () => JSON.parse(file(`genai-${profile}.json`));

  it(`the dashboard is an importable Grafana export over the ${DS_INPUT} input`, () => {
    const d = dashboard();
    expect(d.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    expect(d.schemaVersion).toBe(39);
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const text = file(`genai-${profile}.json`);
    expect([...new Set(text.match(/\$\{DS_[A-Z_]+\}/g))]).toEqual([DS_INPUT]);
    const ids = d.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels) {
      expect(p.datasource).toEqual({ type: "prometheus", uid: DS_INPUT });
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.datasource).toEqual(p.datasource);
    }
    expect(d.templating.list.map((v: { name: string }) => v.name)).toEqual(["job", "model"]);
  });

  it("every metric, label and label value the dashboard queries is exported", () => {
    const { series } = exported.get(profile)!;
    const d = dashboard();
    const problems: string[] = [];
    for (const p of d.panels) {
      for (const t of p.targets) {
        problems.push(...missing(t.expr, series).map((m) => `${p.title}: ${m}`));
        const grouped = scanPromQL(t.expr).grouping;
        for (const label of templated(t.legendFormat ?? "")) if (!grouped.includes(label)) problems.push(`${p.title}: legend ${label} is not grouped on`);
      }
    }
    for (const v of d.templating.list) {
      const [, selector, label] = /^label_values\((.+), ([a-zA-Z_]\w*)\)$/.exec(v.query) ?? [];
      problems.push(...missing(`sum by (${label}) (${selector})`, series).map((m) => `variable ${v.name}: ${m}`));
    }
    expect(problems).toEqual([]);
  });

  it("the dashboard shows every metric the profile exports but the per-call token histograms", () => {
    const { series } = exported.get(profile)!;
    const queried = new Set<string>();
    for (const p of dashboard().panels) for (const t of p.targets) for (const s of scanPromQL(t.expr).selectors) queried.add(s.metric.replace(/_(bucket|sum|count)$/, ""));
    const families = [...series.keys()].map((name) => name.replace(/_(bucket|sum|count)$/, ""));
    expect([...new Set(families.filter((f) => !queried.has(f)))].sort()).toEqual(
      profile === "latest" ? ["gen_ai_client_inference_operation_input_tokens", "gen_ai_client_inference_operation_output_tokens"] : [],
    );
  });

  it("the alerting rules parse, name their severity and summary, and query only what is exported", () => {
    const { series } = exported.get(profile)!;
    const doc = parseYaml(file(`alerts-${profile}.yaml`)) as { groups: { name: string; rules: Record<string, any>[] }[] };
    expect(doc.groups.map((g) => g.name)).toEqual([`otel-genai-edge-${profile}`]);
    const rules = doc.groups[0].rules;
    expect(rules.map((r) => r.alert)).toEqual(["GenAIAnswersTruncated", "GenAIRetryRateHigh", "GenAIErrorRateHigh", "GenAIDailyCostHigh"]);
    const problems: string[] = [];
    for (const r of rules) {
      expect(Object.keys(r).sort()).toEqual(["alert", "annotations", "expr", "for", "labels"]);
      expect(r.for).toMatch(/^[0-9]+[smh]$/);
      expect(["warning", "critical"]).toContain(r.labels.severity);
      expect(Object.keys(r.annotations)).toEqual(["summary", "description"]);
      problems.push(...missing(r.expr, series).map((m) => `${r.alert}: ${m}`));
      const grouped = scanPromQL(r.expr).grouping;
      for (const label of templated(`${r.annotations.summary} ${r.annotations.description}`)) {
        if (!grouped.includes(label)) problems.push(`${r.alert}: annotation names ${label}, which the alert does not keep`);
      }
    }
    expect(problems).toEqual([]);
    // The thresholds the issue asks for.
    expect(rules[0].expr).toContain(") > 0.05\n");
    expect(rules[0].expr).toContain('=~"length|max_tokens|max_output_tokens|MAX_TOKENS"');
    expect(rules[1].expr).toContain(") > 0.1\n");
  });
});

describe("dashboards/build.mjs", () => {
  it("the committed files are exactly what it writes", async () => {
    const { build } = await import(new URL("../dashboards/build.mjs", import.meta.url).href);
    const files = build() as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(["alerts-latest.yaml", "alerts-v1.41.yaml", "genai-latest.json", "genai-v1.41.json"]);
    for (const [name, text] of Object.entries(files)) expect(file(name), name).toBe(text);
  });
});
