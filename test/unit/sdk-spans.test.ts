/**
 * An SDK's own call span and ours (src/trace/tracer.ts replaceSpan and resolveScope): ours takes
 * its place, and what the SDK starts under it afterwards (the tool spans of the AI SDK's older
 * telemetry start under its call span, after the call) goes under its parent. The e2e side, with
 * the SDKs themselves in workerd: test/e2e/content-providers-*.test.ts, genai-responses-anthropic.
 */
import { type Context, context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { sdkSpanFor, sdkSpanForRequest } from "../../src/trace/sdk-spans.js";
import type { RequestFacts } from "../../src/genai/types.js";
import { Pipeline } from "../../src/pipeline.js";
import { instrumentAI } from "../../src/runtime/bindings.js";
import { setupContext } from "../../src/trace/context.js";
import { Invocation } from "../../src/trace/invocation.js";
import type { RecordingSpan } from "../../src/trace/span.js";
import { EdgeTracer, replaceSpan, startRoot } from "../../src/trace/tracer.js";

setupContext();

function setup() {
  const pipeline = new Pipeline(resolveConfig({}, { endpoint: "http://127.0.0.1:9", metrics: false }), {}, async () => new Response(null));
  const invocation = new Invocation(pipeline);
  const root = startRoot(invocation, pipeline.scope, "POST /run", SpanKind.SERVER, {}, undefined) as RecordingSpan;
  const ctx = invocation.context(ROOT_CONTEXT, root);
  // An SDK's tracer, as it gets one from the global provider: another instrumentation scope.
  const sdk = new EdgeTracer({ name: "ai" });
  return { pipeline, invocation, root, ctx, sdk };
}

describe("an SDK's call span replaced by ours", () => {
  it("ours has its ids; a span the SDK starts under it afterwards goes under its parent; only ours and the rest are exported", () => {
    const { pipeline, invocation, root, ctx, sdk } = setup();
    const step = sdk.startSpan("ai.generateText", {}, ctx) as RecordingSpan;
    const call = sdk.startSpan("ai.generateText.doGenerate", { attributes: { "ai.operationId": "ai.generateText.doGenerate" } }, trace.setSpan(ctx, step)) as RecordingSpan;
    const ours = context.with(trace.setSpan(ctx, call), () => replaceSpan(call, pipeline.scope, "chat command-r", { kind: SpanKind.CLIENT })) as RecordingSpan;
    expect(ours.spanContext()).toEqual(call.spanContext());
    expect(ours.parent).toEqual(step.spanContext());
    ours.end();
    call.end();
    // The older telemetry starts its tool span under the call span, after the call.
    const tool = sdk.startSpan("ai.toolCall", {}, trace.setSpan(ctx, call)) as RecordingSpan;
    tool.end();
    step.end();
    expect(tool.parent?.spanId).toBe(step.spanContext().spanId);
    expect(invocation.spans.map((s) => s.name).sort()).toEqual(["ai.generateText", "ai.toolCall", "chat command-r"]);
    expect(root.spanContext().traceId).toBe(tool.spanContext().traceId);
  });
});

describe("an SDK's call span that is not the active one (the AI SDK's embed and object calls)", () => {
  const embed = (tracer: EdgeTracer, name: string, ctx: Context, model = "gemini-embedding-001") =>
    tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "embeddings", "gen_ai.request.model": model } }, ctx) as RecordingSpan;

  it("is the earliest open leaf of the same model and kind of operation; then the next; when all are taken, the latest taken", () => {
    const { invocation, ctx, sdk } = setup();
    // Two concurrent embed operations: each an operation span with its call span under it.
    const rootA = embed(sdk, "embeddings A", ctx);
    const rootB = embed(sdk, "embeddings B", ctx);
    const callA = embed(sdk, "call A", trace.setSpan(ctx, rootA));
    const callB = embed(sdk, "call B", trace.setSpan(ctx, rootB));
    const choose = (request: { operation?: string; model?: string }) => sdkSpanForRequest(sdkSpanFor(ctx, invocation), request as RequestFacts)?.replace?.name;
    const embeddings = { operation: "embeddings", model: "gemini-embedding-001" } as const;
    expect(choose(embeddings)).toBe("call A");
    callA.unexported = true; // taken by the first call
    expect(choose(embeddings)).toBe("call B");
    callB.unexported = true;
    // A retry: the latest taken, never an operation span.
    expect(choose(embeddings)).toBe("call B");
    // Not this call's: another model, no model, or a chat call.
    expect(choose({ ...embeddings, model: "other" })).toBeUndefined();
    expect(choose({ operation: "embeddings" })).toBeUndefined();
    expect(choose({ ...embeddings, operation: "generate_content" })).toBeUndefined();
  });

  it("an object call's `chat` span is taken by a format's generate_content call of its model", () => {
    const { invocation, ctx, sdk } = setup();
    sdk.startSpan("chat gemini-2.5-flash", { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gemini-2.5-flash" } }, ctx);
    const found = sdkSpanForRequest(sdkSpanFor(ctx, invocation), { operation: "generate_content", model: "gemini-2.5-flash" } as RequestFacts);
    expect(found?.replace?.name).toBe("chat gemini-2.5-flash");
  });
});

describe("the Workers AI binding under an SDK's own call span (the AI SDK over the binding)", () => {
  const MODEL = "@cf/meta/llama-3.1-8b-instruct";
  const ai = instrumentAI({ run: async (_model: string, _inputs: unknown) => ({ response: "zq-answer", usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }) });
  const chat = (sdk: EdgeTracer, ctx: Context) =>
    sdk.startSpan(`chat ${MODEL}`, { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": MODEL } }, ctx) as RecordingSpan;

  it.each([
    ["the active span", true],
    ["open, not active", false],
  ])("takes the place of %s: one chat span, ours, with its ids", async (_, active) => {
    const { invocation, ctx, sdk } = setup();
    const theirs = chat(sdk, ctx);
    await context.with(active ? trace.setSpan(ctx, theirs) : ctx, () => ai.run(MODEL, { messages: [{ role: "user", content: "hi" }] }));
    theirs.end();
    const spans = invocation.spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(spans.map((s) => [s.scope.name, s.spanContext().spanId, s.attributes["gen_ai.usage.input_tokens"]])).toEqual([["otel-genai-edge", theirs.spanContext().spanId, 5]]);
  });
});
