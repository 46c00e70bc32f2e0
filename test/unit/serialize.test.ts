/** OTLP JSON encoding details the transformer alone gets wrong for us. */
import { SpanKind, TraceFlags } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../../src/attributes.js";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { serializeSpans } from "../../src/exporter/traces.js";
import { RecordingSpan } from "../../src/trace/span.js";

const sink = { limits: DEFAULT_LIMITS, spanStarted() {}, spanEnded() {} };

function encoded(attributes: Record<string, number>, doubles?: readonly string[]) {
  const span = new RecordingSpan(
    "chat gpt-4o",
    SpanKind.CLIENT,
    { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED },
    undefined,
    1_760_000_000_000.25,
    sink,
    { name: "test" },
    attributes,
  );
  span.end(1_760_000_001_000.5);
  const body = JSON.parse(new TextDecoder().decode(serializeSpans([span], { attributes: { "service.name": "t" } }, doubles)));
  const out = body.resourceSpans[0].scopeSpans[0].spans[0];
  return { span: out, values: Object.fromEntries(out.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value])) };
}

describe("span attribute length", () => {
  it("cuts plain strings at maxAttributeLength, never the content attributes' JSON (bounded when made)", () => {
    const span = new RecordingSpan("chat m", SpanKind.CLIENT, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED }, undefined, 0, {
      ...sink,
      limits: { ...DEFAULT_LIMITS, maxAttributeLength: 10 },
    }, { name: "test" });
    const json = JSON.stringify([{ role: "user", parts: [{ type: "text", content: "a long prompt" }] }]);
    span.setAttributes({ "gen_ai.input.messages": json, "gen_ai.output.messages": json, "url.full": "https://example.test/long" });
    expect(span.attributes["gen_ai.input.messages"]).toBe(json);
    expect(span.attributes["gen_ai.output.messages"]).toBe(json);
    expect(span.attributes["url.full"]).toBe("https://ex");
  });
});

describe("span serialization", () => {
  it("types gen_ai.request.top_k as each profile does: a double in v1.41, an int since", () => {
    expect(encoded({ "gen_ai.request.top_k": 40 }, PROFILES["v1.41"].doubleAttributes).values).toEqual({ "gen_ai.request.top_k": { doubleValue: 40 } });
    expect(encoded({ "gen_ai.request.top_k": 40 }, PROFILES.latest.doubleAttributes).values).toEqual({ "gen_ai.request.top_k": { intValue: 40 } });
  });

  it("keeps double-typed attributes doubles even when the value is a whole number", () => {
    const { values } = encoded({
      "gen_ai.request.temperature": 1,
      "gen_ai.request.top_p": 0.5,
      "gen_ai.request.presence_penalty": 0,
      "gen_ai.response.time_to_first_chunk": 2,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.usage.input_tokens": 22,
    });
    expect(values).toEqual({
      "gen_ai.request.temperature": { doubleValue: 1 },
      "gen_ai.request.top_p": { doubleValue: 0.5 },
      "gen_ai.request.presence_penalty": { doubleValue: 0 },
      "gen_ai.response.time_to_first_chunk": { doubleValue: 2 },
      "gen_ai.request.max_tokens": { intValue: 256 },
      "gen_ai.usage.input_tokens": { intValue: 22 },
    });
  });

  it("encodes ids as hex, kind and status as integers, and timestamps as nanosecond strings", () => {
    const { span } = encoded({});
    expect(span).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      kind: 3,
      status: { code: 0 },
      startTimeUnixNano: "1760000000000250000",
      endTimeUnixNano: "1760000001000500000",
    });
    expect(span.parentSpanId).toBeUndefined();
  });
});
