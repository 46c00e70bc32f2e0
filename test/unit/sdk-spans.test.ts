/**
 * An SDK's own call span and ours (src/trace/tracer.ts replaceSpan and resolveScope): ours takes
 * its place, and what the SDK starts under it afterwards (the tool spans of the AI SDK's older
 * telemetry start under its call span, after the call) goes under its parent. The e2e side, with
 * the SDKs themselves in workerd: test/e2e/content-providers-*.test.ts, genai-responses-anthropic.
 */
import { context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { Pipeline } from "../../src/pipeline.js";
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
