/**
 * Content capture's core: the mode from the variable and the config (any case, booleans, bad
 * values said once and off), the redactContent hook (replace, none, throw), the truncation that
 * keeps JSON valid at any limit, and what a GenAICall puts on its span and in its record in each
 * mode, driven as test/unit/genai-call.test.ts drives it.
 */
import { type Attributes, DiagLogLevel, diag, type Span } from "@opentelemetry/api";
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { PROFILES, type SemconvProfileName } from "../../src/attributes.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/config.js";
import { type CallRecord, GenAICall } from "../../src/genai/call.js";
import type { Content } from "../../src/genai/content.js";
import { bounded, type CaptureMode, type RedactContentHook, TRUNCATED } from "../../src/genai/content/capture.js";
import { openaiChat } from "../../src/genai/openai-chat.js";
import { openaiEmbeddings } from "../../src/genai/openai-embeddings.js";
import type { ProviderFormat } from "../../src/genai/types.js";
import { toolCallListener } from "../../src/trace/invocation.js";

const lines: string[] = [];
diag.setLogger({ error: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.ALL);

let resolveConfig: typeof import("../../src/config.js").resolveConfig;
beforeEach(async () => {
  lines.length = 0;
  vi.resetModules();
  ({ resolveConfig } = await import("../../src/config.js"));
});

const ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

describe("the capture mode", () => {
  it("from the variable, any case; unset, false and NO_CONTENT are off", () => {
    const cases: [string | undefined, CaptureMode][] = [
      [undefined, "NO_CONTENT"],
      ["false", "NO_CONTENT"],
      ["FALSE", "NO_CONTENT"],
      ["no_content", "NO_CONTENT"],
      ["true", "SPAN_ONLY"],
      ["True", "SPAN_ONLY"],
      ["SPAN_ONLY", "SPAN_ONLY"],
      ["span_only", "SPAN_ONLY"],
      ["Event_Only", "EVENT_ONLY"],
      ["SPAN_AND_EVENT", "SPAN_AND_EVENT"],
      [" span_and_event ", "SPAN_AND_EVENT"],
    ];
    for (const [value, mode] of cases) expect(resolveConfig(value === undefined ? {} : { [ENV]: value }).captureMessageContent, String(value)).toBe(mode);
    // A wrangler [vars] boolean arrives as a boolean.
    expect(resolveConfig({ [ENV]: true }).captureMessageContent).toBe("SPAN_ONLY");
    expect(lines).toEqual([]);
  });

  it("any other value of the variable: off, said once", () => {
    for (let i = 0; i < 3; i++) expect(resolveConfig({ [ENV]: "yes" }).captureMessageContent).toBe("NO_CONTENT");
    expect(lines).toEqual([`otel-genai-edge: ${ENV}="yes" is not true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT; using "NO_CONTENT"`]);
  });

  it("a value naming an Object member (constructor, __proto__, toString): off, said, never the member itself", () => {
    for (const value of ["constructor", "__proto__", "toString"]) expect(resolveConfig({ [ENV]: value }).captureMessageContent, value).toBe("NO_CONTENT");
    expect(lines).toEqual(
      ["constructor", "__proto__", "toString"].map((v) => `otel-genai-edge: ${ENV}="${v}" is not true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT; using "NO_CONTENT"`),
    );
  });

  it("the config field overrides the variable (booleans too); a bad field falls back to the variable, said", () => {
    expect(resolveConfig({ [ENV]: "SPAN_ONLY" }, { captureMessageContent: false }).captureMessageContent).toBe("NO_CONTENT");
    expect(resolveConfig({ [ENV]: "false" }, { captureMessageContent: true }).captureMessageContent).toBe("SPAN_ONLY");
    expect(resolveConfig({}, { captureMessageContent: "event_only" }).captureMessageContent).toBe("EVENT_ONLY");
    expect(resolveConfig({ [ENV]: "EVENT_ONLY" }, { captureMessageContent: "SPAN_AND_EVENT" }).captureMessageContent).toBe("SPAN_AND_EVENT");
    expect(lines).toEqual([]);
    expect(resolveConfig({ [ENV]: "EVENT_ONLY" }, { captureMessageContent: "all" as never }).captureMessageContent).toBe("EVENT_ONLY");
    expect(resolveConfig({}, { captureMessageContent: 1 as never }).captureMessageContent).toBe("NO_CONTENT");
    expect(lines).toEqual([
      'otel-genai-edge: config.captureMessageContent="all" is not true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT; using "EVENT_ONLY"',
      'otel-genai-edge: config.captureMessageContent=1 is not true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT; using "NO_CONTENT"',
    ]);
  });

  it("redactContent must be a function; limits.maxContentLength defaults to 16 KiB", () => {
    const hook = () => null;
    expect(resolveConfig({}, { redactContent: hook }).redactContent).toBe(hook);
    expect(resolveConfig({}, { redactContent: "x" as never }).redactContent).toBeUndefined();
    expect(resolveConfig({}).limits.maxContentLength).toBe(16384);
    expect(resolveConfig({}, { limits: { maxContentLength: 100 } }).limits.maxContentLength).toBe(100);
  });
});

interface Ended {
  attributes: Attributes;
  record: CallRecord;
  errors: number;
}

const SPAN_CONTEXT = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };

/** One OpenAI chat call with `body`, answered with SSE `sse`, in `mode`. */
function call(
  mode: CaptureMode,
  body: Record<string, unknown>,
  sse: string,
  options: { redact?: RedactContentHook; limits?: Partial<Limits>; profile?: SemconvProfileName; format?: ProviderFormat; fullToolDefinitions?: boolean } = {},
): Ended {
  const attributes: Attributes = {};
  let record: CallRecord | undefined;
  let errors = 0;
  const format = options.format ?? openaiChat;
  const url = new URL("https://api.openai.com/v1/chat/completions");
  const span = { setAttributes: (a: Attributes) => Object.assign(attributes, a), setStatus: () => {}, end: () => {}, spanContext: () => SPAN_CONTEXT } as unknown as Span;
  const c = new GenAICall({
    span,
    detected: { provider: "openai", format, body },
    request: format.request(body, url, new Headers()),
    startMs: 0,
    serverAddress: "api.openai.com",
    serverPort: 443,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    profile: PROFILES[options.profile ?? "v1.41"],
    prices: {},
    content: { mode, redact: options.redact, url, failed: () => errors++, fullToolDefinitions: options.fullToolDefinitions },
    onEnd: (r) => {
      record = r;
    },
  });
  const stream = !sse.startsWith("{");
  const observer = c.observer(new Response(sse, { headers: { "content-type": stream ? "text/event-stream" : "application/json" } }), () => 5);
  observer.chunk?.(new TextEncoder().encode(sse));
  observer.end("done");
  return { attributes, record: record!, errors };
}

const BODY = {
  model: "gpt-4o-mini",
  stream: true,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] },
  ],
  tools: [{ type: "function", function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
};

const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: "c1", model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const SSE = [
  chunk({ role: "assistant", content: "Let me " }),
  chunk({ content: "check." }),
  chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"ci' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
  chunk({}, "tool_calls"),
  "data: [DONE]\n\n",
].join("");

const INPUT = [
  { role: "system", parts: [{ type: "text", content: "Be brief." }] },
  { role: "user", parts: [{ type: "text", content: "Weather in Paris?" }, { type: "blob", modality: "image", mime_type: "image/png", content: "iVBORw0KGgo=" }] },
];
const OUTPUT = [
  {
    role: "assistant",
    parts: [
      { type: "text", content: "Let me check." },
      { type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } },
    ],
    finish_reason: "tool_calls",
  },
];
/** The conventions' default detail: required fields only. */
const TOOLS = [{ type: "function", name: "get_weather" }];
const FULL_TOOLS = [{ type: "function", name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } } } }];
const CONTENT_KEYS = ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions"];

describe("a call's content on its span and in its record", () => {
  it("SPAN_ONLY: the four attributes as JSON strings (no system instructions in a chat history), no event; both profiles", () => {
    for (const profile of ["v1.41", "latest"] as const) {
      const { attributes, record } = call("SPAN_ONLY", BODY, SSE, { profile });
      expect(attributes["gen_ai.input.messages"]).toBe(JSON.stringify(INPUT));
      expect(attributes["gen_ai.output.messages"]).toBe(JSON.stringify(OUTPUT));
      expect(attributes["gen_ai.tool.definitions"]).toBe(JSON.stringify(TOOLS));
      expect(attributes).not.toHaveProperty("gen_ai.system_instructions");
      expect(record.contentEvent).toBeUndefined();
      expect(record.toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }]);
    }
  });

  it("tool definitions: type and name only by default, description and parameters with toolDefinitions: full", () => {
    expect(call("SPAN_ONLY", BODY, SSE).attributes["gen_ai.tool.definitions"]).toBe(JSON.stringify(TOOLS));
    expect(call("SPAN_ONLY", BODY, SSE, { fullToolDefinitions: true }).attributes["gen_ai.tool.definitions"]).toBe(JSON.stringify(FULL_TOOLS));
  });

  it("EVENT_ONLY: structured values with the span's attributes and ids in the record, nothing on the span", () => {
    const { attributes, record } = call("EVENT_ONLY", BODY, SSE);
    for (const key of CONTENT_KEYS) expect(attributes).not.toHaveProperty(key);
    expect(record.contentEvent).toEqual({
      traceId: SPAN_CONTEXT.traceId,
      spanId: SPAN_CONTEXT.spanId,
      timeMs: 5,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.stream": true,
        "openai.api.type": "chat_completions",
        "gen_ai.response.id": "c1",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.response.finish_reasons": ["tool_calls"],
        "gen_ai.response.time_to_first_chunk": 0.005,
        "server.address": "api.openai.com",
        "server.port": 443,
        "gen_ai.input.messages": INPUT,
        "gen_ai.output.messages": OUTPUT,
        "gen_ai.tool.definitions": TOOLS,
      },
    });
  });

  it("SPAN_AND_EVENT: both", () => {
    const { attributes, record } = call("SPAN_AND_EVENT", BODY, SSE);
    expect(JSON.parse(attributes["gen_ai.output.messages"] as string)).toEqual(OUTPUT);
    expect(record.contentEvent?.attributes["gen_ai.output.messages"]).toEqual(OUTPUT);
  });

  it("NO_CONTENT: no content anywhere; the tool calls in the record only when executeTool is loaded (it listens)", () => {
    expect(toolCallListener.notify).toBeUndefined();
    expect(call("NO_CONTENT", BODY, SSE).record.toolCalls).toBeUndefined();
    toolCallListener.notify = () => {};
    const { attributes, record } = call("NO_CONTENT", BODY, SSE);
    toolCallListener.notify = undefined;
    const all = JSON.stringify({ attributes, record: { ...record, gaps: undefined } });
    for (const text of ["Paris", "Be brief", "Let me", "Current weather"]) expect(all).not.toContain(text);
    expect(record.toolCalls).toEqual([{ id: "call_1", name: "get_weather" }]);
    expect(record.contentEvent).toBeUndefined();
  });

  it("embeddings record no content", () => {
    const body = { model: "text-embedding-3-small", input: "secret text" };
    const { attributes, record } = call("SPAN_AND_EVENT", body, '{"data":[{"embedding":[0.1]}],"usage":{"prompt_tokens":2,"total_tokens":2}}', { format: openaiEmbeddings });
    for (const key of CONTENT_KEYS) expect(attributes).not.toHaveProperty(key);
    expect(record.contentEvent).toBeUndefined();
  });
});

describe("redactContent", () => {
  it("is called once, at the end, with the structured content and the call's info; its replacement is recorded", () => {
    const seen: [Content, unknown][] = [];
    const { attributes, record } = call("SPAN_AND_EVENT", BODY, SSE, {
      redact: (content, info) => {
        seen.push([structuredClone(content), info]);
        return { inputMessages: [{ role: "user", parts: [{ type: "text", content: "[redacted]" }] }], outputMessages: content.outputMessages };
      },
    });
    expect(seen).toEqual([[{ inputMessages: INPUT, outputMessages: OUTPUT, toolDefinitions: TOOLS }, { provider: "openai", operation: "chat", requestModel: "gpt-4o-mini" }]]);
    expect(attributes["gen_ai.input.messages"]).toBe('[{"role":"user","parts":[{"type":"text","content":"[redacted]"}]}]');
    expect(attributes).not.toHaveProperty("gen_ai.tool.definitions");
    expect(JSON.stringify(attributes)).not.toContain("Weather in Paris");
    expect(JSON.stringify(record.contentEvent)).not.toContain("Weather in Paris");
  });

  it("null or undefined: no content; the span and tool calls stay", () => {
    for (const result of [null, undefined]) {
      const { attributes, record } = call("SPAN_AND_EVENT", BODY, SSE, { redact: () => result });
      for (const key of CONTENT_KEYS) expect(attributes).not.toHaveProperty(key);
      expect(record.contentEvent).toBeUndefined();
      expect(attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
      expect(record.toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }]);
    }
  });

  it("a hook that throws: no content, one warning, counted as an instrumentation error", () => {
    for (let i = 0; i < 2; i++) {
      const { attributes, record, errors } = call("SPAN_AND_EVENT", BODY, SSE, {
        redact: () => {
          throw new Error("Weather in Paris");
        },
      });
      for (const key of CONTENT_KEYS) expect(attributes).not.toHaveProperty(key);
      expect(record.contentEvent).toBeUndefined();
      expect(errors).toBe(1);
      expect(attributes["gen_ai.response.id"]).toBe("c1");
    }
    expect(lines.filter((l) => l.includes("redactContent"))).toHaveLength(1);
    expect(lines.join()).not.toContain("Paris");
  });

  it("an async hook (returns a promise): no content, one warning, counted", () => {
    const before = lines.filter((l) => l.includes("returned a promise")).length;
    for (let i = 0; i < 2; i++) {
      const { attributes, record, errors } = call("SPAN_AND_EVENT", BODY, SSE, { redact: (async (c: unknown) => c) as unknown as RedactContentHook });
      for (const key of CONTENT_KEYS) expect(attributes).not.toHaveProperty(key);
      expect(record.contentEvent).toBeUndefined();
      expect(errors).toBe(1);
    }
    expect(lines.filter((l) => l.includes("returned a promise")).length - before).toBe(1);
  });

  it("a replacement that cannot be serialized (a cycle): no content, counted", () => {
    const cyclic: Record<string, unknown> = { type: "text" };
    cyclic.self = cyclic;
    const { attributes, errors } = call("SPAN_ONLY", BODY, SSE, { redact: () => ({ inputMessages: [{ role: "user", parts: [cyclic as never] }] }) });
    for (const key of CONTENT_KEYS) expect(attributes).not.toHaveProperty(key);
    expect(errors).toBe(1);
  });
});

describe("truncation", () => {
  it("a long text is cut and marked; ids, names and roles are kept; the JSON stays valid", () => {
    const long = "a".repeat(5000);
    const { attributes } = call("SPAN_ONLY", { ...BODY, messages: [{ role: "user", content: long }] }, SSE, { limits: { maxContentLength: 200 } });
    const json = attributes["gen_ai.input.messages"] as string;
    expect(json.length).toBeLessThanOrEqual(200);
    const [message] = JSON.parse(json);
    expect(message.role).toBe("user");
    expect(message.parts[0].content).toMatch(new RegExp(`^a+${TRUNCATED.replace(/[[\]]/g, "\\$&")}$`));
    expect(json.length).toBeGreaterThan(180);
    // Short content fits whole.
    expect(JSON.parse(attributes["gen_ai.output.messages"] as string)).toEqual(OUTPUT);
  });

  it("content attributes are bounded by maxContentLength only: the span's maxAttributeLength never cuts their JSON", () => {
    const { attributes } = call("SPAN_AND_EVENT", { ...BODY, messages: [{ role: "user", content: "b".repeat(9000) }] }, SSE, {
      limits: { maxAttributeLength: 1000, maxContentLength: 5000 },
    });
    const json = attributes["gen_ai.input.messages"] as string;
    expect(json.length).toBeGreaterThan(1000);
    expect(json.length).toBeLessThanOrEqual(5000);
    expect(JSON.parse(json)[0].parts[0].content).toMatch(/^b+…\[truncated\]$/);
  });

  it("whole trailing messages are dropped when cutting texts is not enough", () => {
    const list = Array.from({ length: 20 }, (_, i) => ({ role: "user", name: `n${i}`.repeat(10), parts: [{ type: "text", content: "x".repeat(100) }] }));
    const json = bounded(list, 300)!;
    const parsed = JSON.parse(json);
    expect(json.length).toBeLessThanOrEqual(300);
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.length).toBeLessThan(20);
    expect(parsed.map((m: { name: string }) => m.name)).toEqual(list.slice(0, parsed.length).map((m) => m.name));
  });

  it("a `__proto__` key of structured content (tool arguments as the wire sent them) is kept when texts are cut", () => {
    const args = JSON.parse(`{"__proto__": {"polluted": "yes"}, "q": "${"x".repeat(200)}"}`);
    const list = [{ role: "assistant", parts: [{ type: "tool_call", name: "f", arguments: args }] }];
    const json = bounded(list, 150)!;
    expect(json.length).toBeLessThanOrEqual(150);
    const out = JSON.parse(json)[0].parts[0].arguments;
    expect(Object.keys(out)).toEqual(["__proto__", "q"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: "yes" });
    expect(out.q).toMatch(/^x+…\[truncated\]$/);
  });

  // JSON values, some objects with keys that name Object members, as a hostile or odd body may have (fc.jsonValue makes none).
  const json = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.constantFrom("__proto__", "constructor", "toString", "q"), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1 }));
  const part = fc.oneof(
    fc.record({ type: fc.constant("text"), content: fc.string({ maxLength: 400, unit: "grapheme" }) }),
    fc.record({ type: fc.constant("tool_call"), id: fc.string({ maxLength: 10 }), name: fc.string({ maxLength: 10 }), arguments: json }),
    fc.record({ type: fc.constant("tool_call_response"), id: fc.string({ maxLength: 10 }), response: fc.oneof(fc.string({ maxLength: 300 }), json) }),
    fc.record({ type: fc.constant("reasoning"), content: fc.string({ maxLength: 200, unit: "binary" }) }),
  );
  const messages = fc.array(fc.record({ role: fc.constantFrom("user", "assistant", "tool"), parts: fc.array(part, { maxLength: 4 }) }), { maxLength: 8 });

  it("any content at any limit: valid JSON within the limit, items a prefix, strings whole or a marked prefix", () => {
    fc.assert(
      fc.property(messages, fc.integer({ min: 2, max: 3000 }), (list, max) => {
        const json = bounded(list, max)!;
        expect(json.length).toBeLessThanOrEqual(max);
        const out = JSON.parse(json) as typeof list;
        expect(out.length).toBeLessThanOrEqual(list.length);
        const check = (got: unknown, was: unknown): void => {
          if (typeof was === "string") {
            const s = got as string;
            if (s !== was) {
              expect(s.endsWith(TRUNCATED)).toBe(true);
              expect(was.startsWith(s.slice(0, -TRUNCATED.length))).toBe(true);
              expect(s.length).toBeLessThan(was.length);
            }
          } else if (Array.isArray(was)) {
            expect((got as unknown[]).length).toBe(was.length);
            for (const [i, w] of was.entries()) check((got as unknown[])[i], w);
          } else if (typeof was === "object" && was !== null) {
            expect(Object.keys(got as object)).toEqual(Object.keys(was));
            for (const k of Object.keys(was)) check((got as Record<string, unknown>)[k], (was as Record<string, unknown>)[k]);
          } else expect(got).toEqual(was);
        };
        out.forEach((m, i) => {
          expect(m.role).toBe(list[i]!.role);
          check(m, JSON.parse(JSON.stringify(list[i])));
        });
        if (JSON.stringify(list).length <= max) expect(json).toBe(JSON.stringify(list));
      }),
      { numRuns: 400 },
    );
  });
});
