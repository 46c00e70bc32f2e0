import { afterAll, beforeAll, expect, it } from "vitest";
import { type Collector, startCollector } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

let collector: Collector;
let replay: Replay;
let w: StartedWorker;
let bare: StartedWorker;
beforeAll(async () => {
  collector = await startCollector();
  replay = await startReplay();
  const t0 = Date.now();
  [w, bare] = await Promise.all([
    startWorker({ entry: "test/workers/genai.ts", compatibilityFlags: ["nodejs_compat"], env: { API_KEY: "sk-test-KEY", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } }),
    startWorker({ entry: "test/workers/genai-bare.ts", compatibilityFlags: ["nodejs_compat"], env: { API_KEY: "sk-test-KEY" } }),
  ]);
  console.log("start ms", Date.now() - t0);
});
afterAll(async () => { await w?.close(); await bare?.close(); await collector?.close(); await replay?.close(); });

it("scratch", async () => {
  const cases = [
    { via: "openai.chat", base: replay.baseFor("openai/chat-stream-include-usage.sse"), body: { model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] } },
    { via: "anthropic.messages", base: replay.baseFor("anthropic/messages-stream-text.sse"), body: { model: "claude-3-opus-20240229", max_tokens: 100, stream: true, messages: [{ role: "user", content: "hi" }] } },
    { via: "ai.openai.responses", stream: true, base: replay.baseFor("openai-responses/responses-stream-text.sse"), body: { model: "gpt-4o-mini", prompt: "hi" } },
    { via: "openai.responses", base: replay.baseFor("openai-responses/responses-stream-error-insufficient-quota.sse"), body: { model: "gpt-5-nano", input: "hi", stream: true } },
  ];
  for (const c of cases) {
    const t0 = Date.now();
    const r = await w.fetch("/run", { method: "POST", body: JSON.stringify(c) });
    const text = await r.text();
    const r2 = await bare.fetch("/run", { method: "POST", body: JSON.stringify(c) });
    const text2 = await r2.text();
    console.log(c.via, Date.now() - t0, text.slice(0, 300), text === text2);
  }
  const spans = await collector.waitForSpans((s) => s.filter((x) => x.kind === 2).length >= 4);
  for (const s of spans) console.log(s.scope.name, s.name, s.kind, JSON.stringify(s.attributes), s.status);
  console.log(replay.requests.map((r) => [r.subPath, r.headers.traceparent]));
  expect(1).toBe(1);
});
