/**
 * What a span, its events and its links keep of the attributes they are given (the common spec's
 * "Attribute" and "Attribute Limits"): valid AnyValues only, a non-empty key, strings and bytes cut
 * at any depth, the per-span count limit; what is cut counted. The newest events are kept, and
 * recordException follows the exceptions spec with secrets scrubbed. Asserted on the exported
 * OTLP JSON.
 */
import { type Attributes, type Link, SpanKind } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type Limits } from "../../src/config.js";
import { serializeSpans } from "../../src/exporter/traces.js";
import { RecordingSpan } from "../../src/trace/span.js";

const CONTEXT = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 };
const LINKED = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };

function span(limits: Partial<Limits> = {}, attributes?: Attributes, links?: Link[]): RecordingSpan {
  const sink = { limits: { ...DEFAULT_LIMITS, ...limits }, spanStarted() {}, spanEnded() {} };
  return new RecordingSpan("op", SpanKind.INTERNAL, CONTEXT, undefined, 1_760_000_000_000, sink, { name: "test" }, attributes, links);
}

type KeyValue = { key: string; value: unknown };
const values = (attributes: KeyValue[]) => Object.fromEntries(attributes.map((a) => [a.key, a.value]));

/** The span as exported, its attribute lists as key → value objects. */
function exported(s: RecordingSpan) {
  s.end(1_760_000_000_001);
  const body = JSON.parse(new TextDecoder().decode(serializeSpans([s], { attributes: { "service.name": "t" } })));
  const out = body.resourceSpans[0].scopeSpans[0].spans[0];
  return {
    attributes: values(out.attributes),
    droppedAttributesCount: out.droppedAttributesCount,
    droppedEventsCount: out.droppedEventsCount,
    events: out.events.map((e: { name: string; attributes: KeyValue[]; droppedAttributesCount: number }) => ({
      name: e.name,
      attributes: values(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    links: out.links.map((l: { spanId: string; attributes: KeyValue[]; droppedAttributesCount: number }) => ({
      spanId: l.spanId,
      attributes: values(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
    })),
  };
}

const str = (stringValue: string) => ({ stringValue });

describe("attribute values", () => {
  it("drops a circular value and counts it; the span still serializes", () => {
    const cycle: Record<string, unknown> = { a: "x" };
    cycle.self = cycle;
    const list: unknown[] = ["x"];
    list.push(list);
    const s = span({}, { ok: "kept", cycle } as never);
    s.setAttribute("list", list as never);
    s.setAttributes({ deep: { inner: { back: cycle } } } as never);
    s.addEvent("e", { cycle } as never);
    const out = exported(s);
    expect(out.attributes).toEqual({ ok: str("kept") });
    expect(out.droppedAttributesCount).toBe(3);
    expect(out.events).toEqual([{ name: "e", attributes: {}, droppedAttributesCount: 1 }]);
    // A value seen twice is no cycle.
    const shared = { a: 1 };
    const map = { kvlistValue: { values: [{ key: "a", value: { intValue: 1 } }] } };
    expect(exported(span({}, { pair: [shared, shared] } as never)).attributes).toEqual({ pair: { arrayValue: { values: [map, map] } } });
  });

  it("drops a bigint, symbol, function, Date or class instance, at the top or nested, and counts each", () => {
    const s = span();
    s.setAttributes({
      big: 1n,
      sym: Symbol("s"),
      fn: () => 1,
      date: new Date(0),
      map: new Map([["a", 1]]),
      nestedBig: { n: [1n] },
      nestedDate: [new Date(0)],
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ok: [true, null, 2.5],
      plain: Object.assign(Object.create(null), { k: "v" }),
    } as never);
    const out = exported(s);
    expect(out.attributes).toEqual({
      ok: { arrayValue: { values: [{ boolValue: true }, {}, { doubleValue: 2.5 }] } },
      plain: { kvlistValue: { values: [{ key: "k", value: str("v") }] } },
    });
    expect(out.droppedAttributesCount).toBe(9);
  });

  it("an invalid value for a key already set keeps the value there, and is counted", () => {
    const s = span({}, { k: "v" });
    s.setAttribute("k", 1n as never);
    const out = exported(s);
    expect(out.attributes).toEqual({ k: str("v") });
    expect(out.droppedAttributesCount).toBe(1);
  });

  it("rejects an empty key, counted; undefined and null are ignored as before", () => {
    const s = span({}, { "": "x", a: "y" });
    s.setAttribute("", "z");
    s.setAttribute("b", undefined);
    s.setAttribute("c", null as never);
    const out = exported(s);
    expect(out.attributes).toEqual({ a: str("y") });
    expect(out.droppedAttributesCount).toBe(2);
  });

  it("a `__proto__` key is refused (it would set the attributes object's prototype), counted", () => {
    const s = span();
    s.setAttribute("__proto__", { polluted: "yes" } as never);
    s.setAttribute("a", 1);
    expect(Object.getPrototypeOf(s.attributes)).toBe(Object.prototype);
    const out = exported(s);
    expect(out.attributes).toEqual({ a: { intValue: 1 } });
    expect(out.droppedAttributesCount).toBe(1);
  });

  it("a `__proto__` key inside a map value (parsed JSON) is exported as a key, the map's prototype untouched", () => {
    const s = span();
    s.setAttribute("m", JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as never);
    expect(Object.getPrototypeOf(s.attributes.m)).toBe(Object.prototype);
    expect(exported(s).attributes.m).toEqual({
      kvlistValue: { values: [{ key: "__proto__", value: { kvlistValue: { values: [{ key: "x", value: { intValue: 1 } }] } } }, { key: "y", value: { intValue: 2 } }] },
    });
  });

  it("never throws into the app: a throwing getter, 40 levels of nesting, or a shared-reference graph of millions of paths are dropped, counted", () => {
    const s = span();
    const getter = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    // 22 levels, each holding the one below twice: 2^22 paths through 23 objects.
    let shared: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 22; i++) shared = { a: shared, b: shared };
    expect(() => s.setAttributes({ getter, deep, shared, ok: { list: Array.from({ length: 1000 }, (_, i) => i) } } as never)).not.toThrow();
    const out = exported(s);
    expect(Object.keys(out.attributes)).toEqual(["ok"]);
    expect(out.droppedAttributesCount).toBe(3);
  });

  it("cuts strings and bytes at maxAttributeLength at any depth", () => {
    const s = span({ maxAttributeLength: 3 });
    s.setAttributes({
      top: "abcdef",
      bytes: new Uint8Array([1, 2, 3, 4, 5]),
      list: ["abcdef", "ab"],
      map: { s: "abcdef", inner: { list: ["abcdef", 7] }, b: new Uint8Array([1, 2, 3, 4]) },
    } as never);
    const out = exported(s);
    const bytes3 = { bytesValue: Buffer.from([1, 2, 3]).toString("base64") };
    expect(out.attributes).toEqual({
      top: str("abc"),
      bytes: bytes3,
      list: { arrayValue: { values: [str("abc"), str("ab")] } },
      map: {
        kvlistValue: {
          values: [
            { key: "s", value: str("abc") },
            { key: "inner", value: { kvlistValue: { values: [{ key: "list", value: { arrayValue: { values: [str("abc"), { intValue: 7 }] } } }] } } },
            { key: "b", value: bytes3 },
          ],
        },
      },
    });
    expect(out.droppedAttributesCount).toBe(0);
  });
});

describe("event and link attributes", () => {
  it("are held to the span's count and length limits, what is cut exported as their dropped count", () => {
    const limits = { maxAttributes: 2, maxAttributeLength: 4 };
    const s = span(limits, { a: 1 }, [{ context: LINKED, attributes: { l1: "abcdef", "": "x", l2: 2, l3: 3 } }]);
    s.addLink({ context: LINKED, attributes: { f: () => 1 } as never });
    s.addLinks([{ context: LINKED }]);
    s.addEvent("e", { e1: "abcdef", e2: { deep: "abcdef" }, e3: "over", e4: 1n } as never);
    s.addEvent("timed", 1_760_000_000_000);
    const out = exported(s);
    expect(out.droppedAttributesCount).toBe(0);
    expect(out.links).toEqual([
      { spanId: LINKED.spanId, attributes: { l1: str("abcd"), l2: { intValue: 2 } }, droppedAttributesCount: 2 },
      { spanId: LINKED.spanId, attributes: {}, droppedAttributesCount: 1 },
      { spanId: LINKED.spanId, attributes: {}, droppedAttributesCount: 0 },
    ]);
    expect(out.events).toEqual([
      { name: "e", attributes: { e1: str("abcd"), e2: { kvlistValue: { values: [{ key: "deep", value: str("abcd") }] } } }, droppedAttributesCount: 2 },
      { name: "timed", attributes: {}, droppedAttributesCount: 0 },
    ]);
  });
});

describe("the event limit", () => {
  it("drops the oldest events, counted, so the final exception is kept", () => {
    const s = span({ maxEvents: 2 });
    s.addEvent("first");
    s.addEvent("second");
    s.addEvent("third");
    s.recordException(new TypeError("boom"));
    const out = exported(s);
    expect(out.events.map((e: { name: string }) => e.name)).toEqual(["third", "exception"]);
    expect(out.events[1].attributes["exception.type"]).toEqual(str("TypeError"));
    expect(out.droppedEventsCount).toBe(2);
  });
});

describe("recordException", () => {
  it("scrubs secrets from the message and the stack, as failSpan does", () => {
    const error = new Error("fetch https://api.example/v1?key=SECRET failed");
    error.stack = "Error: fetch https://api.example/v1?key=SECRET failed\n    at handler (worker.js:1:1)";
    const s = span();
    s.recordException(error);
    const [event] = exported(s).events;
    expect(event.attributes).toEqual({
      "exception.type": str("Error"),
      "exception.message": str("fetch https://api.example/v1?key=REDACTED failed"),
      "exception.stacktrace": str("Error: fetch https://api.example/v1?key=REDACTED failed\n    at handler (worker.js:1:1)"),
    });
    expect(JSON.stringify(event)).not.toContain("SECRET");
  });

  it("adds nothing without a type or a message, and invents no type", () => {
    const s = span();
    for (const nothing of [null, undefined, {}, 42, { message: "" }, "", { stack: "at x" }]) s.recordException(nothing as never);
    expect(exported(s).events).toEqual([]);
    const t = span();
    t.recordException("plain text");
    t.recordException({ message: "no type" });
    t.recordException({ code: "ECONNRESET" });
    t.recordException({ code: 503, message: "unavailable" } as never);
    expect(exported(t).events.map((e: { attributes: unknown }) => e.attributes)).toEqual([
      { "exception.message": str("plain text") },
      { "exception.message": str("no type") },
      { "exception.type": str("ECONNRESET") },
      { "exception.type": str("503"), "exception.message": str("unavailable") },
    ]);
  });
});
