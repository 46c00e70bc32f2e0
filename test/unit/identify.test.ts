/**
 * `addIdentity` (src/identify.ts): the request's identity on an ended span, a value the span
 * already has kept. "Already has" means its own attributes: a name only Object's prototype has
 * (`toString`, `constructor`) is an identity attribute like any other.
 */
import { SpanKind } from "@opentelemetry/api";
import { expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { addIdentity } from "../../src/identify.js";
import { RecordingSpan } from "../../src/trace/span.js";

it("adds each identity attribute the span does not have, names like toString included; keeps the span's own", () => {
  const sink = { limits: DEFAULT_LIMITS, spanStarted() {}, spanEnded() {} };
  const span = new RecordingSpan("chat m", SpanKind.CLIENT, { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }, undefined, 0, sink as never, {
    name: "test",
  } as never);
  span.setAttribute("gen_ai.conversation.id", "from-request");
  span.end(1);
  addIdentity(span, { "user.id": "u-1", "gen_ai.conversation.id": "from-identify", toString: "t", constructor: "c" });
  expect(span.attributes).toEqual({ "gen_ai.conversation.id": "from-request", "user.id": "u-1", toString: "t", constructor: "c" });
});
