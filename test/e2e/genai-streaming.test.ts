/**
 * Streaming in workerd, through plain fetch from the instrumented Worker:
 * - split delivery: every streaming fixture served cut at arbitrary byte offsets (inside
 *   events, inside multi-byte characters, between the two newlines of an event's end) passes
 *   through byte for byte and gives the same attributes as event-aligned delivery (every
 *   single-byte split is unit tested in test/genai; here a few plans per fixture go through
 *   real sockets and workerd's streams);
 * - a consumer that cancels after the first chunk ends the span at once, as cancelled;
 * - a cancelled n=2 stream: the latest profile pads the finish reasons with "error".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventBoundaries, fixtureBytes, type ReplayOptions } from "../support/replay.js";
import type { RunRequest } from "../workers/genai-app.js";
import {
  API_KEY,
  type Attrs,
  base,
  type CallRun,
  expectGenaiSpan,
  expectNoSecrets,
  type Harness,
  httpAttributes,
  messages,
  PROMPT,
  QUOTA_MESSAGE,
  RESPONSE,
  runCall,
  SCHEMA_LATEST,
  startHarness,
} from "./genai-helpers.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    default: () => ({}),
    latest: () => ({ OTEL_SEMCONV_STABILITY_OPT_IN: "gen_ai_latest_experimental" }),
  });
});

afterAll(async () => {
  await h?.close();
});

const userOnly = [{ role: "user", content: PROMPT }];
const CHAT = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "openai.api.type": "chat_completions" };
const RESPONSES = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "openai.api.type": "responses" };
const ANTHROPIC = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic" };

interface StreamCall {
  /** The plain-fetch call, without `base`. */
  run: Omit<RunRequest, "base">;
  subPath: string;
  name: string;
  /** Request-side attributes (provider and operation included). */
  request: Attrs;
  errorMessage?: string;
}

function chat(model: string, extra: Record<string, unknown> = {}, request: Attrs = {}): StreamCall {
  return {
    run: {
      via: "fetch",
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${API_KEY}` },
      body: { model, messages, stream: true, ...extra },
      passThrough: true,
    },
    subPath: "/v1/chat/completions",
    name: `chat ${model}`,
    request: { ...CHAT, "gen_ai.request.model": model, "gen_ai.request.stream": true, ...request },
  };
}

function responses(model: string): StreamCall {
  return {
    run: {
      via: "fetch",
      path: "/v1/responses",
      headers: { authorization: `Bearer ${API_KEY}` },
      body: { model, input: PROMPT, stream: true },
      passThrough: true,
    },
    subPath: "/v1/responses",
    name: `chat ${model}`,
    request: { ...RESPONSES, "gen_ai.request.model": model, "gen_ai.request.stream": true },
  };
}

function anthropic(model: string): StreamCall {
  return {
    run: {
      via: "fetch",
      path: "/v1/messages",
      headers: { "x-api-key": API_KEY, "anthropic-version": "2023-06-01" },
      body: { model, max_tokens: 256, messages: userOnly, stream: true },
      passThrough: true,
    },
    subPath: "/v1/messages",
    name: `chat ${model}`,
    request: { ...ANTHROPIC, "gen_ai.request.model": model, "gen_ai.request.stream": true, "gen_ai.request.max_tokens": 256 },
  };
}

const AZURE_PATH = "/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21";

const STREAMS: Record<string, StreamCall> = {
  "openai/chat-stream-include-usage.sse": chat("gpt-4o-mini", { stream_options: { include_usage: true } }),
  "openai/chat-stream-parallel-tool-calls.sse": chat("gpt-4o-mini"),
  "openai/chat-stream-tool-call-include-usage.sse": chat("gpt-4o-mini", { stream_options: { include_usage: true } }),
  "openai/chat-stream-n2-multiple-choices.sse": chat("gpt-4o-mini", { n: 2 }, { "gen_ai.request.choice.count": 2 }),
  // Azure: no model in the body, the deployment in the path stands in for it.
  "openai/azure-chat-stream-prompt-filter.sse": {
    run: { via: "fetch", path: AZURE_PATH, headers: { "api-key": API_KEY }, body: { messages, stream: true }, passThrough: true },
    subPath: AZURE_PATH,
    name: "chat gpt-35-turbo",
    request: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "azure.ai.openai",
      "gen_ai.request.model": "gpt-35-turbo",
      "gen_ai.request.stream": true,
    },
  },
  "openai-responses/responses-stream-text.sse": responses("gpt-4o-mini"),
  "openai-responses/responses-stream-function-call.sse": responses("gpt-4o"),
  "openai-responses/responses-stream-error-insufficient-quota.sse": { ...responses("gpt-5-nano"), errorMessage: QUOTA_MESSAGE },
  "anthropic/messages-stream-text.sse": anthropic("claude-3-opus-20240229"),
  "anthropic/messages-stream-tool-use.sse": anthropic("claude-3-5-sonnet-20240620"),
  "anthropic/messages-stream-thinking.sse": anthropic("claude-sonnet-4-6"),
};

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Plan {
  label: string;
  options: ReplayOptions;
}

/** At most `max` of the offsets, evenly spread (the plan travels in the URL, and url.full is capped). */
function spread(offsets: number[], max = 120): number[] {
  if (offsets.length <= max) return offsets;
  return Array.from({ length: max }, (_, i) => offsets[Math.floor((i * offsets.length) / max)]);
}

/**
 * Split plans for a fixture. Every plan waits at least 1 ms before the first byte, so the
 * time to first chunk is measurable (workerd's clock only moves with I/O).
 */
function plans(fixture: string): Plan[] {
  const bytes = fixtureBytes(fixture);
  const n = bytes.length;
  const ends = eventBoundaries(bytes, "sse");
  const rnd = random(n);
  // Dense at the start, where the first output chunk is.
  const every7 = Array.from({ length: Math.min(120, Math.floor((n - 1) / 7)) }, (_, i) => (i + 1) * 7);
  const randomCuts = Array.from({ length: 40 }, () => 1 + Math.floor(rnd() * (n - 1)));
  // Between the two newlines that end each event.
  const blankLine = spread(ends.map((end) => end - 1));
  // Inside every multi-byte UTF-8 character, and inside the field name that starts each event.
  const inside: number[] = [];
  for (let i = 1; i < n; i++) if ((bytes[i] & 0xc0) === 0x80) inside.push(i);
  inside.push(...spread([2, ...ends.map((end) => end + 2)], 120 - inside.length));
  return [
    { label: "every 7 bytes, written back to back", options: { gapMs: 0, headersDelayMs: 2, splits: every7 } },
    { label: "40 random cuts", options: { gapMs: 2, splits: randomCuts } },
    { label: "between the two newlines ending each event", options: { gapMs: 1, splits: blankLine } },
    { label: "inside multi-byte characters and field names", options: { gapMs: 1, splits: inside } },
  ];
}

function expectStreamSpan(r: CallRun, fixture: string, b: string, text: string): void {
  const call = STREAMS[fixture];
  expectGenaiSpan(r, {
    name: call.name,
    attributes: { ...call.request, ...RESPONSE[fixture], ...httpAttributes(h, b, call.subPath, 200) },
    errorMessage: call.errorMessage,
  });
  expect(new TextEncoder().encode(text)).toEqual(fixtureBytes(fixture));
}

describe("split delivery gives the same attributes and bytes", () => {
  for (const fixture of Object.keys(STREAMS)) {
    it(fixture, async () => {
      const call = STREAMS[fixture];
      // Event-aligned delivery, compared with the bare Worker once.
      const aligned = base(h, fixture, { gapMs: 1 });
      const reference = await runCall(h, { ...call.run, base: aligned });
      expect(reference.traced.text).toBe(reference.bare!.text);
      expectStreamSpan(reference, fixture, aligned, reference.traced.text);
      expectNoSecrets(reference.exported, [fixture]);
      // The split plans, at once; the Worker reads the body itself and reports each read.
      const ends = new Set(eventBoundaries(fixtureBytes(fixture), "sse"));
      await Promise.all(
        plans(fixture).map(async (plan) => {
          const b = base(h, fixture, plan.options);
          const r = await runCall(h, { ...call.run, passThrough: false, countReads: true, base: b }, { bare: false });
          expect(r.tracedRequest.options.splits, plan.label).toEqual(plan.options.splits);
          expectStreamSpan(r, fixture, b, r.traced.json.result.text);
          // The cuts reached the Worker: some read ended inside an event.
          const reads: number[] = r.traced.json.result.reads;
          let at = 0;
          const offsets = reads.map((size) => (at += size));
          expect(offsets.some((offset) => !ends.has(offset)), `${plan.label}: reads ${reads.join(",")}`).toBe(true);
        }),
      );
    });
  }
});

/** The bytes up to the end of the event-aligned write `count` (1-based). */
function afterEvents(fixture: string, count: number): number {
  return eventBoundaries(fixtureBytes(fixture), "sse")[count - 1];
}

/** The bytes up to the end of the first event containing `marker`. */
function afterEventWith(fixture: string, marker: string): number {
  const text = new TextDecoder().decode(fixtureBytes(fixture));
  const at = new TextEncoder().encode(text.slice(0, text.indexOf(marker))).length;
  return eventBoundaries(fixtureBytes(fixture), "sse").find((end) => end > at)!;
}

describe("a consumer that cancels after the first chunk", () => {
  const cases: [string, Attrs][] = [
    [
      "openai/chat-stream-include-usage.sse",
      {
        "gen_ai.response.id": "chatcmpl-BuDrRRWybY6JHzabaUyR2OtaEGp79",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "openai.response.service_tier": "default",
      },
    ],
    [
      "openai-responses/responses-stream-text.sse",
      {
        "gen_ai.response.id": "resp_0ed97e9f646758460069d790d994888195be760e0f744275b3",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        // `auto` as requested, in response.created (the tier used comes at the end).
        "openai.response.service_tier": "auto",
      },
    ],
    [
      "anthropic/messages-stream-text.sse",
      {
        "gen_ai.response.id": "msg_0178nRhNdfNKxFcZRFqApVgL",
        "gen_ai.response.model": "claude-3-opus-20240229",
        // message_start's usage.
        "gen_ai.usage.input_tokens": 17,
        "gen_ai.usage.output_tokens": 1,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.cache_creation.input_tokens": 0,
      },
    ],
  ];
  for (const [fixture, response] of cases) {
    it(`${fixture}: one reader.read(), then reader.cancel()`, async () => {
      const call = STREAMS[fixture];
      // The server sends the first event and then nothing until the consumer goes away.
      const b = base(h, fixture, { stallAfterBytes: afterEvents(fixture, 1) });
      const started = Date.now();
      const r = await runCall(h, { ...call.run, passThrough: false, cancelAfterFirst: true, base: b });
      expect(r.traced.json).toEqual(r.bare!.json);
      expect(r.traced.json.result.text).toBe(new TextDecoder().decode(fixtureBytes(fixture).subarray(0, afterEvents(fixture, 1))));
      const span = expectGenaiSpan(r, {
        name: call.name,
        attributes: {
          ...call.request,
          ...response,
          "otel_genai_edge.stream.chunks": 0,
          "otel_genai_edge.stream.outcome": "cancelled",
          "error.type": "cancelled",
          ...httpAttributes(h, b, call.subPath, 200),
        },
      });
      expect(span.status.message).toBe("the response stream was cancelled by its consumer");
      // Ended by the cancel, not by the flush grace period (2 s) of a span left open.
      expect(Date.now() - started).toBeLessThan(1500);
      expect(Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6).toBeLessThan(1000);
    });
  }
});

describe("a cancelled n=2 stream", () => {
  const fixture = "openai/chat-stream-n2-multiple-choices.sse";
  const call = STREAMS[fixture];
  const common = (b: string): Attrs => ({
    ...call.request,
    "gen_ai.response.id": RESPONSE[fixture]["gen_ai.response.id"],
    "gen_ai.response.model": RESPONSE[fixture]["gen_ai.response.model"],
    "openai.response.service_tier": "default",
    "otel_genai_edge.stream.outcome": "cancelled",
    "error.type": "cancelled",
    ...httpAttributes(h, b, call.subPath, 200),
  });

  async function cancelAfter(marker: string, variant: string): Promise<{ r: CallRun; b: string }> {
    const b = base(h, fixture, { stallAfterBytes: afterEventWith(fixture, marker) });
    const r = await runCall(h, { ...call.run, passThrough: false, cancelAfterText: marker, base: b }, { variant, bare: false });
    return { r, b };
  }

  it("latest: after choice 0 finished, choice 1's reason is padded with error", async () => {
    const { r, b } = await cancelAfter('"finish_reason":"stop"', "latest");
    const span = expectGenaiSpan(r, {
      name: call.name,
      attributes: { ...common(b), "otel_genai_edge.stream.chunks": 6, "gen_ai.response.finish_reasons": ["stop", "error"] },
    });
    expect(span.scope.schemaUrl).toBe(SCHEMA_LATEST);
  });

  it("latest: before either choice finished, both are error", async () => {
    const { r, b } = await cancelAfter('"Southern"', "latest");
    expectGenaiSpan(r, {
      name: call.name,
      attributes: { ...common(b), "otel_genai_edge.stream.chunks": 4, "gen_ai.response.finish_reasons": ["error", "error"] },
    });
  });

  it("v1.41: only the reasons received", async () => {
    const { r, b } = await cancelAfter('"finish_reason":"stop"', "default");
    expectGenaiSpan(r, {
      name: call.name,
      attributes: { ...common(b), "otel_genai_edge.stream.chunks": 6, "gen_ai.response.finish_reasons": ["stop"] },
    });
  });
});

describe("nothing secret anywhere", () => {
  it("no exported request (traces or metrics) holds the key, the prompt or generated content", () => {
    const all = h.collector.requests.map((r) => r.text).join("\n");
    expect(h.collector.requests.some((r) => r.path.endsWith("/v1/traces"))).toBe(true);
    expectNoSecrets(all, Object.keys(STREAMS));
  });
});
