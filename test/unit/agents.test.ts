/**
 * invokeAgent and executeTool in this Node process (AsyncLocalStorage): span names, kinds,
 * exact attributes per semconv profile, parentage across awaits (agent → LLM call → tool), sync
 * and async functions, errors recorded and rethrown, nothing traced outside an invocation, tool
 * call ids from the model's responses, and tool content only when capture puts it on spans.
 */
import { readFileSync } from "node:fs";
import { context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { executeTool, invokeAgent } from "../../src/agents.js";
import { noteToolCalls } from "../../src/tool-calls.js";
import { type Config, DEFAULT_LIMITS, resolveConfig } from "../../src/config.js";
import type { CallRecord } from "../../src/genai/call.js";
import type { ToolCallRef } from "../../src/genai/content.js";
import { CallContent, type ContentOptions } from "../../src/genai/content/record.js";
import type { RequestFacts } from "../../src/genai/types.js";
import { Pipeline } from "../../src/pipeline.js";
import { setupContext } from "../../src/trace/context.js";
import { Invocation } from "../../src/trace/invocation.js";
import type { RecordingSpan } from "../../src/trace/span.js";
import { registerGlobalTracerProvider, startRoot } from "../../src/trace/tracer.js";

setupContext();
registerGlobalTracerProvider();

const INTERNAL = SpanKind.INTERNAL;
const ERROR = 2;

function setup(config: Config = {}) {
  const resolved = resolveConfig({}, { endpoint: "http://127.0.0.1:9", metrics: false, ...config });
  const pipeline = new Pipeline(resolved, {}, async () => new Response(null));
  const invocation = new Invocation(pipeline);
  const root = startRoot(invocation, pipeline.scope, "POST /run", SpanKind.SERVER, {}, undefined) as RecordingSpan;
  const ctx = invocation.context(ROOT_CONTEXT);
  const run = <T>(fn: () => T): T => context.with(ctx, fn);
  const span = (name: string) => {
    const found = invocation.spans.filter((s) => s.name === name);
    expect(found, `one span ${name}`).toHaveLength(1);
    return found[0]!;
  };
  return { invocation, root, run, span };
}

/** A GenAI CLIENT span as an LLM call makes it, under the active span. */
async function llmCall(provider = "openai"): Promise<string> {
  const tracer = trace.getTracer("sdk-under-test");
  return tracer.startActiveSpan("chat gpt-4o-mini", { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": provider } }, async (span) => {
    await new Promise((r) => setTimeout(r, 2));
    span.end();
    return span.spanContext().spanId;
  });
}

const tick = () => new Promise((r) => setTimeout(r, 1));
const TOOL_RESPONSE = JSON.parse(readFileSync("test/fixtures/openai/chat-nonstream-tool-calls.json", "utf8"));

describe("invokeAgent and executeTool", () => {
  it("an async agent: agent → LLM call → tool across awaits, exact attributes (v1.41), the result returned", async () => {
    const { root, run, span } = setup();
    const out = await run(() =>
      invokeAgent({ name: "weather", id: "asst_42", description: "Answers weather questions" }, async () => {
        await tick();
        await llmCall();
        await tick();
        return executeTool({ name: "get_weather", callId: "call_1", description: "Current weather" }, async () => {
          await tick();
          return { temperature: 12 };
        });
      }),
    );
    expect(out).toEqual({ temperature: 12 });
    const agent = span("invoke_agent weather");
    const chat = span("chat gpt-4o-mini");
    const tool = span("execute_tool get_weather");
    expect(agent.kind).toBe(INTERNAL);
    expect(tool.kind).toBe(INTERNAL);
    expect(agent.attributes).toEqual({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "weather",
      "gen_ai.agent.id": "asst_42",
      "gen_ai.agent.description": "Answers weather questions",
      // v1.41 requires the provider on invoke_agent: the one its LLM calls used.
      "gen_ai.provider.name": "openai",
    });
    expect(tool.attributes).toEqual({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "get_weather",
      "gen_ai.tool.type": "function",
      "gen_ai.tool.description": "Current weather",
      "gen_ai.tool.call.id": "call_1",
    });
    expect(agent.parent?.spanId).toBe(root.spanContext().spanId);
    expect(chat.parent?.spanId).toBe(agent.spanContext().spanId);
    expect(tool.parent?.spanId).toBe(agent.spanContext().spanId);
    for (const s of [agent, chat, tool]) expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(agent.status.code).toBe(0);
    expect(agent.startMs).toBeLessThanOrEqual(chat.startMs);
    expect(agent.endMs).toBeGreaterThanOrEqual(tool.endMs!);
  });

  it("latest profile: no provider or agent id on the internal agent span; the tool carries the agent's name", async () => {
    const { run, span } = setup({ semconv: "latest" });
    await run(() =>
      invokeAgent({ name: "weather", id: "asst_42" }, async () => {
        await llmCall();
        await tick();
        executeTool({ name: "lookup", type: "datastore" }, () => 1);
      }),
    );
    expect(span("invoke_agent weather").attributes).toEqual({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather" });
    expect(span("execute_tool lookup").attributes).toEqual({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "lookup",
      "gen_ai.tool.type": "datastore",
      "gen_ai.agent.name": "weather",
    });
  });

  it("latest profile: gen_ai.invoke_agent.duration and gen_ai.execute_tool.duration, the span's duration, error.type on a failure, sampled or not; v1.41 has none", async () => {
    for (const [sampler, profile] of [["always_on", "latest"], ["always_off", "latest"], ["always_on", "v1.41"]] as const) {
      const { run, invocation } = setup({ semconv: profile, sampler });
      await run(() =>
        invokeAgent({ name: "weather" }, async () => {
          await tick();
          await executeTool({ name: "lookup", type: "datastore" }, async () => 1);
          await executeTool({ name: "save" }, async () => {
            throw new RangeError("full");
          }).catch(() => undefined);
        }),
      );
      const samples = invocation.samples.map((s) => [s.descriptor.name, s.attributes]);
      if (profile === "v1.41") {
        expect(samples).toEqual([]);
        continue;
      }
      expect(samples, sampler).toEqual([
        ["gen_ai.execute_tool.duration", { "gen_ai.tool.name": "lookup", "gen_ai.tool.type": "datastore", "gen_ai.agent.name": "weather" }],
        ["gen_ai.execute_tool.duration", { "gen_ai.tool.name": "save", "gen_ai.tool.type": "function", "gen_ai.agent.name": "weather", "error.type": "RangeError" }],
        ["gen_ai.invoke_agent.duration", { "gen_ai.agent.name": "weather" }],
      ]);
      expect(invocation.samples.map((s) => [s.descriptor.unit, s.descriptor.kind, s.descriptor.bounds?.[0]])).toEqual([
        ["s", "histogram", 0.01],
        ["s", "histogram", 0.01],
        ["s", "histogram", 0.1],
      ]);
      if (sampler === "always_on") {
        // The span's own duration, to the clock's resolution.
        const agent = invocation.spans.find((s) => s.name === "invoke_agent weather")!;
        expect(Math.abs(invocation.samples[2]!.value - (agent.endMs! - agent.startMs) / 1000)).toBeLessThan(0.002);
      } else expect(invocation.spans.filter((s) => s.name.startsWith("invoke_agent"))).toEqual([]);
    }
  });

  it("v1.41 leaves the provider out when the agent's calls went to two providers", async () => {
    const { run, span } = setup();
    await run(() =>
      invokeAgent({ name: "router" }, async () => {
        await llmCall("openai");
        await llmCall("anthropic");
      }),
    );
    expect(span("invoke_agent router").attributes).toEqual({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "router" });
  });

  it("a sync function returns synchronously, its span already ended; nested tool under the agent", () => {
    const { run, span, invocation } = setup();
    const out = run(() => invokeAgent({ name: "sync" }, () => executeTool({ name: "add" }, () => 1 + 2)));
    expect(out).toBe(3);
    expect(invocation.spans.map((s) => s.name)).toEqual(["execute_tool add", "invoke_agent sync"]);
    expect(span("execute_tool add").parent?.spanId).toBe(span("invoke_agent sync").spanContext().spanId);
  });

  it("a thrown error and a rejection are rethrown as they are and recorded: ERROR, error.type, one exception event", async () => {
    class ToolFailure extends Error {}
    const { run, span } = setup();
    const thrown = new ToolFailure("disk full");
    expect(() => run(() => executeTool({ name: "save" }, () => { throw thrown; }))).toThrow(thrown);
    const rejected = new RangeError("too far");
    await expect(run(() => invokeAgent({ name: "bad" }, async () => { await tick(); throw rejected; }))).rejects.toBe(rejected);

    const tool = span("execute_tool save");
    expect(tool.status).toEqual({ code: ERROR, message: "disk full" });
    expect(tool.attributes["error.type"]).toBe("ToolFailure");
    expect(tool.events.map((e) => [e.name, e.attributes["exception.message"]])).toEqual([["exception", "disk full"]]);
    const agent = span("invoke_agent bad");
    expect(agent.status).toEqual({ code: ERROR, message: "too far" });
    expect(agent.attributes["error.type"]).toBe("RangeError");
    expect(agent.ended).toBe(true);
  });

  it("outside any invocation: fn runs once, untraced; its value and errors pass through", async () => {
    let calls = 0;
    expect(invokeAgent({ name: "free" }, () => ++calls)).toBe(1);
    expect(await executeTool({ name: "t" }, async () => ++calls)).toBe(2);
    const e = new Error("x");
    expect(() => invokeAgent({ name: "free" }, () => { throw e; })).toThrow(e);
    // Bad options never break the app either.
    expect(invokeAgent(null as never, () => "ok")).toBe("ok");
    expect(trace.getSpan(context.active())).toBeUndefined();
  });

  it("bad options inside an invocation: fn still runs once, with its result", () => {
    const { run, invocation } = setup();
    let calls = 0;
    expect(run(() => executeTool(undefined as never, () => ++calls))).toBe(1);
    expect(calls).toBe(1);
    expect(invocation.spans).toHaveLength(0);
  });
});

describe("tool call ids", () => {
  it("from the model's latest response: parallel calls of one tool in order, then the last again; a given id wins", () => {
    const { run, invocation } = setup();
    noteToolCalls(invocation, [{ id: "call_A", name: "get_weather" }, { id: "call_old", name: "search" }]);
    noteToolCalls(invocation, [
      { id: "call_W1", name: "get_weather" },
      { name: "no_id" },
      { id: "call_W2", name: "get_weather" },
    ]);
    const ids = run(() => [
      executeTool({ name: "get_weather" }, () => trace.getActiveSpan()),
      executeTool({ name: "get_weather", callId: "given" }, () => trace.getActiveSpan()),
      executeTool({ name: "get_weather" }, () => trace.getActiveSpan()),
      executeTool({ name: "get_weather" }, () => trace.getActiveSpan()),
      executeTool({ name: "search" }, () => trace.getActiveSpan()),
      executeTool({ name: "no_id" }, () => trace.getActiveSpan()),
    ]).map((s) => (s as RecordingSpan).attributes["gen_ai.tool.call.id"]);
    expect(ids).toEqual(["call_W1", "given", "call_W2", "call_W2", "call_old", undefined]);
  });

  it("a tool run before its LLM response was recorded (the app read the body first) gets its id when the record lands", () => {
    const { run, invocation, span } = setup();
    const fast = run(() => executeTool({ name: "lookup" }, () => trace.getActiveSpan())) as RecordingSpan;
    const slow = run(() => executeTool({ name: "get_weather" }, () => trace.getActiveSpan())) as RecordingSpan;
    expect(fast.ended).toBe(true);
    expect(fast.attributes["gen_ai.tool.call.id"]).toBeUndefined();
    noteToolCalls(invocation, [{ id: "call_L", name: "lookup" }, { id: "call_W1", name: "get_weather" }, { id: "call_W2", name: "get_weather" }], fast.startMs);
    expect(span("execute_tool lookup").attributes["gen_ai.tool.call.id"]).toBe("call_L");
    expect(slow.attributes["gen_ai.tool.call.id"]).toBe("call_W1");
    // The next one takes the response's next call.
    run(() => executeTool({ name: "get_weather" }, () => 0));
    expect(invocation.spans.filter((s) => s.name === "execute_tool get_weather").map((s) => s.attributes["gen_ai.tool.call.id"])).toEqual(["call_W1", "call_W2"]);
  });

  it("a late id on an ended tool span at its attribute limit is dropped and counted; under the limit it is cut like any value", () => {
    const full = setup({ limits: { maxAttributes: 3 } });
    const tool = full.run(() => executeTool({ name: "lookup" }, () => trace.getActiveSpan())) as RecordingSpan;
    noteToolCalls(full.invocation, [{ id: "call_L", name: "lookup" }], tool.startMs);
    expect(tool.attributes).toEqual({ "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", "gen_ai.tool.type": "function" });
    expect(tool.droppedAttributes).toBe(1);
    const short = setup({ limits: { maxAttributeLength: 6 } });
    const cut = short.run(() => executeTool({ name: "lookup" }, () => trace.getActiveSpan())) as RecordingSpan;
    noteToolCalls(short.invocation, [{ id: "call_0123456789", name: "lookup" }], cut.startMs);
    expect(cut.attributes["gen_ai.tool.call.id"]).toBe("call_0");
    expect(cut.droppedAttributes).toBe(0);
  });

  it("a response from a call started after the tool started does not rename it", () => {
    const { run, invocation } = setup();
    noteToolCalls(invocation, [{ id: "call_1", name: "t" }]);
    run(() => executeTool({ name: "t" }, () => 0));
    const again = run(() => executeTool({ name: "t" }, () => trace.getActiveSpan())) as RecordingSpan;
    noteToolCalls(invocation, [{ id: "call_2", name: "t" }], again.startMs + 1);
    expect(invocation.spans.map((s) => s.attributes["gen_ai.tool.call.id"])).toEqual(["call_1", "call_1"]);
  });

  it("another invocation's tool calls are not this one's", () => {
    const a = setup();
    const b = setup();
    noteToolCalls(a.invocation, [{ id: "call_A", name: "get_weather" }]);
    b.run(() => executeTool({ name: "get_weather" }, () => 0));
    expect(b.span("execute_tool get_weather").attributes["gen_ai.tool.call.id"]).toBeUndefined();
  });
});

describe("tool content", () => {
  const runTool = (config: Config, args: unknown, fn: () => unknown) => {
    const { run, span } = setup(config);
    try {
      run(() => executeTool({ name: "get_weather", callId: "call_1", arguments: args }, fn));
    } catch {
      // recorded
    }
    const { "gen_ai.tool.call.arguments": a, "gen_ai.tool.call.result": r } = span("execute_tool get_weather").attributes;
    return { arguments: a, result: r };
  };

  it("off by default and with EVENT_ONLY (no tool event upstream): nothing recorded", () => {
    expect(runTool({}, '{"location":"Paris"}', () => ({ t: 12 }))).toEqual({ arguments: undefined, result: undefined });
    expect(runTool({ captureMessageContent: "EVENT_ONLY" }, { location: "Paris" }, () => "x")).toEqual({ arguments: undefined, result: undefined });
  });

  it("SPAN_ONLY / SPAN_AND_EVENT: arguments (JSON text parsed) and result as JSON", () => {
    expect(runTool({ captureMessageContent: "SPAN_ONLY" }, '{"location": "Paris"}', () => ({ t: 12, sky: "rain" }))).toEqual({
      arguments: '{"location":"Paris"}',
      result: '{"t":12,"sky":"rain"}',
    });
    expect(runTool({ captureMessageContent: true }, "not json", () => "rainy")).toEqual({ arguments: '"not json"', result: '"rainy"' });
    expect(runTool({ captureMessageContent: "span_and_event" }, undefined, () => undefined)).toEqual({ arguments: undefined, result: undefined });
    expect(runTool({ captureMessageContent: "SPAN_ONLY" }, { q: 1 }, () => { throw new Error("x"); })).toEqual({ arguments: '{"q":1}', result: undefined });
  });

  it("redactContent sees a tool call and its response, and what it returns is recorded; a throwing hook records none", () => {
    const seen: unknown[] = [];
    const redactContent: Config["redactContent"] = (content, info) => {
      seen.push(content, info);
      return {
        inputMessages: [{ role: "assistant", parts: [{ type: "tool_call", name: "get_weather", arguments: { location: "[city]" } }] }],
      };
    };
    expect(runTool({ captureMessageContent: "SPAN_ONLY", redactContent }, { location: "Paris" }, () => "secret result")).toEqual({
      arguments: '{"location":"[city]"}',
      result: undefined,
    });
    expect(seen).toEqual([
      {
        inputMessages: [{ role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { location: "Paris" } }] }],
        outputMessages: [{ role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "secret result" }] }],
      },
      { provider: "", operation: "execute_tool" },
    ]);
    const throwing = () => {
      throw new Error("hook");
    };
    expect(runTool({ captureMessageContent: "SPAN_ONLY", redactContent: throwing }, { location: "Paris" }, () => "r")).toEqual({ arguments: undefined, result: undefined });
  });

  it("longer than limits.maxContentLength: still valid JSON, long strings shortened and marked", () => {
    const long = "x".repeat(500);
    const out = runTool({ captureMessageContent: "SPAN_ONLY", limits: { maxContentLength: 120 } }, { text: long, n: 1 }, () => ({ body: long }));
    for (const v of [out.arguments, out.result]) {
      expect(typeof v).toBe("string");
      expect((v as string).length).toBeLessThanOrEqual(120);
      expect(JSON.stringify(JSON.parse(v as string))).toBe(v);
      expect(v).toContain("…[truncated]");
    }
    expect(JSON.parse(out.arguments as string).n).toBe(1);
  });
});

describe("tool call arguments from the model's response (no `arguments` option)", () => {
  const [NY, LDN] = ["call_PXP2udMH0QECumyxuh4lpn3y", "call_TKk9c7b7gvDqCQzv80Loc7fT"];
  const asked = (capture: ContentOptions | undefined) => {
    const content = new CallContent("openai.chat_completions", { operation: "chat", model: "gpt-4o-mini" } as RequestFacts, capture, DEFAULT_LIMITS);
    content.json(TOOL_RESPONSE);
    return content.toolCalls();
  };
  const options = (mode: ContentOptions["mode"]): ContentOptions => ({ mode, url: new URL("https://api.openai.com/v1/chat/completions"), failed: () => {} });
  /** An LLM call's record as GenAICall makes it, landing in the invocation (which tells agents.ts). */
  const land = (invocation: Invocation, toolCalls: ToolCallRef[] | undefined, startMs = 0) =>
    invocation.recordCall({ provider: "openai", requestModel: "gpt-4o-mini", toolCalls, endMs: startMs, durationS: 0 } as unknown as CallRecord);

  it("a response's tool calls keep their arguments only when capture is on", () => {
    const ids = [
      { id: NY, name: "get_weather" },
      { id: LDN, name: "get_weather" },
    ];
    expect(asked(options("SPAN_ONLY"))).toEqual([
      { ...ids[0], arguments: { location: "New York City" } },
      { ...ids[1], arguments: { location: "London" } },
    ]);
    expect(asked(options("EVENT_ONLY"))?.map((c) => c.arguments)).toEqual([{ location: "New York City" }, { location: "London" }]);
    for (const off of [undefined, options("NO_CONTENT")]) expect(asked(off)).toEqual(ids);
  });

  it("SPAN_ONLY: each tool span records the arguments of the call whose id it carries; a given id finds its call; given arguments win", () => {
    const seen: unknown[] = [];
    const { run, invocation } = setup({
      captureMessageContent: "SPAN_ONLY",
      redactContent: (content, info) => {
        seen.push(info);
        return content;
      },
    });
    land(invocation, asked(options("SPAN_ONLY")));
    run(() => {
      executeTool({ name: "get_weather" }, () => "22C");
      executeTool({ name: "get_weather", callId: NY }, () => "22C");
      executeTool({ name: "get_weather", arguments: '{"location":"Paris"}' }, () => "14C");
    });
    expect(invocation.spans.map((s) => [s.attributes["gen_ai.tool.call.id"], s.attributes["gen_ai.tool.call.arguments"]])).toEqual([
      [NY, '{"location":"New York City"}'],
      [NY, '{"location":"New York City"}'],
      [LDN, '{"location":"Paris"}'],
    ]);
    // The hook is told which LLM call asked for the tool.
    expect(seen).toEqual(Array(3).fill({ provider: "openai", requestModel: "gpt-4o-mini", operation: "execute_tool" }));
  });

  it("capture off: ids only, no arguments anywhere", () => {
    const { run, invocation } = setup();
    land(invocation, asked(undefined));
    run(() => executeTool({ name: "get_weather" }, () => "22C"));
    expect(invocation.spans[0]!.attributes).toEqual({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "get_weather",
      "gen_ai.tool.type": "function",
      "gen_ai.tool.call.id": NY,
    });
  });

  it("a tool that ended before its LLM call's record landed gets the arguments with the id", () => {
    const { run, invocation } = setup({ captureMessageContent: "SPAN_ONLY" });
    const tool = run(() => executeTool({ name: "get_weather" }, () => trace.getActiveSpan())) as RecordingSpan;
    expect(tool.ended).toBe(true);
    expect(tool.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
    land(invocation, asked(options("SPAN_ONLY")), tool.startMs);
    expect(tool.attributes["gen_ai.tool.call.id"]).toBe(NY);
    expect(tool.attributes["gen_ai.tool.call.arguments"]).toBe('{"location":"New York City"}');
  });
});

describe("promise-like results are returned as they are", () => {
  /** A thenable with methods of its own, like OpenAI's APIPromise. */
  class ApiPromise<T> implements PromiseLike<T> {
    thens = 0;
    constructor(private readonly inner: Promise<T>) {}
    // biome-ignore lint/suspicious/noThenProperty: a thenable under test
    then<A = T, B = never>(onFulfilled?: ((v: T) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
      this.thens++;
      return this.inner.then(onFulfilled, onRejected);
    }
    withResponse() {
      return this.inner.then((data) => ({ data, response: "raw" }));
    }
  }

  it("the very object fn returned, its extra methods kept; the span ends when it settles", async () => {
    const { run, span } = setup();
    const api = new ApiPromise(tick().then(() => ({ id: "chatcmpl-1" })));
    const out = run(() => executeTool({ name: "call_api" }, () => api));
    expect(out).toBe(api);
    expect(await out.withResponse()).toEqual({ data: { id: "chatcmpl-1" }, response: "raw" });
    expect(await out).toEqual({ id: "chatcmpl-1" });
    await tick();
    expect(span("execute_tool call_api").ended).toBe(true);
    expect(span("execute_tool call_api").status.code).toBe(0);
    // Ours (watching) and the app's await.
    expect(api.thens).toBe(2);

    const native = tick().then(() => 7);
    expect(run(() => invokeAgent({ name: "n" }, () => native))).toBe(native);
    const plain = { id: "not a promise" };
    expect(run(() => invokeAgent({ name: "p" }, () => plain))).toBe(plain);
  });

  it("a rejection: ERROR on the span, the app sees it exactly once, no unhandled rejection of ours", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { run, span } = setup();
      const error = new TypeError("bad request");
      const makers: [string, () => PromiseLike<never>][] = [
        ["native", () => tick().then(() => Promise.reject(error))],
        ["thenable", () => new ApiPromise<never>(tick().then(() => Promise.reject(error)))],
      ];
      for (const [name, make] of makers) {
        const out = run(() => executeTool({ name }, make));
        let caught = 0;
        await Promise.resolve(out).then(undefined, (e) => {
          caught++;
          expect(e).toBe(error);
        });
        await tick();
        expect(caught).toBe(1);
        const s = span(`execute_tool ${name}`);
        expect([s.ended, s.status, s.attributes["error.type"]]).toEqual([true, { code: ERROR, message: "bad request" }, "TypeError"]);
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
