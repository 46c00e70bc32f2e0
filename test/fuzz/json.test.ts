/** Fuzzing the untrusted-JSON readers and the fast path's guards (src/genai/json.ts). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  choiceIndex,
  count,
  dropUndefined,
  fact,
  guard,
  hasText,
  int,
  MAX_FACT_LENGTH,
  nonEmptyText,
  notNull,
  num,
  obj,
  parseJson,
  str,
  strings,
} from "../../src/genai/json.js";
import { ADV_KEY, jsonWithKeys, utf16 } from "./arbitraries.js";
import { mutate, styles, write } from "./events.js";

const anything = fc.anything({ key: ADV_KEY, maxDepth: 2, withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withBigInt: true });

describe("readers", () => {
  it("never throw and return only what their names promise", () => {
    fc.assert(
      fc.property(anything, fc.integer({ min: -5, max: 300 }), (v, position) => {
        expect(obj(v)).toBe(typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined);
        expect(str(v)).toBe(typeof v === "string" && v !== "" ? v : undefined);
        const f = fact(v);
        expect(f === undefined ? str(v) : (str(v) as string).slice(0, MAX_FACT_LENGTH)).toBe(f);
        expect(num(v)).toBe(typeof v === "number" && Number.isFinite(v) ? v : undefined);
        expect(int(v)).toBe(Number.isSafeInteger(v) ? v : undefined);
        expect(count(v)).toBe(Number.isSafeInteger(v) && (v as number) >= 0 ? v : undefined);
        expect(hasText(v)).toBe(typeof v === "string" && v !== "");
        const s = strings(v);
        if (s !== undefined) expect(s.length > 0 && s.every((x) => typeof x === "string")).toBe(true);
        const o = obj(v);
        if (o !== undefined) {
          const i = choiceIndex(o, position);
          if (i !== undefined) expect(Number.isInteger(i) && i >= 0 && i < 128).toBe(true);
          const copy = { ...o };
          dropUndefined(copy);
          expect(Object.values(copy).includes(undefined)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("parseJson is JSON.parse without the throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), utf16()), (text) => {
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expected = undefined;
        }
        expect(parseJson(text)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe("fast-path guards", () => {
  const keys = ["finish_reason", "usage", "error"];
  const FACTS = guard([notNull(keys)]);
  const IDENTITY = guard([nonEmptyText(["model"])]);

  it("match any JSON, in any style, with one of the keys at any depth holding a non-null value", () => {
    fc.assert(
      fc.property(jsonWithKeys(3), fc.nat(), fc.constantFrom(...keys), jsonWithKeys(1), styles, (base, at, key, value, style) => {
        fc.pre(value !== null);
        // Put {key: value} somewhere in an arbitrary document.
        expect(FACTS.test(write(mutate({ root: base }, at, "replace", { [key]: value }), style))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("match any non-empty string of an identity key, in any style", () => {
    fc.assert(
      fc.property(jsonWithKeys(2), fc.nat(), fc.string({ minLength: 1, maxLength: 6 }), styles, (base, at, model, style) => {
        expect(IDENTITY.test(write(mutate({ root: base }, at, "replace", { model }), style))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("do not match generated text, however it reads (no parse forced by content)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), utf16(), fc.constantFrom('"usage": {"a": 1}', '"finish_reason":"stop"', "\\u0075sage")), (content) => {
        const chunk = JSON.stringify({ choices: [{ delta: { content }, finish_reason: null }], usage: null, error: null });
        expect(FACTS.test(chunk)).toBe(false);
        expect(FACTS.test(chunk.replaceAll(":", ": ").replaceAll(",", ", "))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
