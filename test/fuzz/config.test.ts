/**
 * Fuzzing configuration with arbitrary environment bags and explicit objects. Only the contract
 * is tested (config.ts is being reworked): nothing throws, and every resolved field has its
 * documented type, with numbers finite and in range.
 */
import { DiagLogLevel, diag } from "@opentelemetry/api";
import fc from "fast-check";
import { OTEL_KEYS } from "../../src/runtime/env.js";
import { beforeAll, describe, expect, it } from "vitest";
import { PROFILES } from "../../src/attributes.js";
import { DEFAULT_LIMITS, type ResolvedConfig, resolveConfig } from "../../src/config.js";
import { parseKeyValueList } from "../../src/config-values.js";
import { ADV_KEY, utf16 } from "./arbitraries.js";

beforeAll(() => {
  // Bad values are warned about; keep the fuzz output readable.
  const quiet = () => {};
  diag.setLogger({ error: quiet, warn: quiet, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.ALL);
});

// Every variable the code reads.
const ENV_KEYS = [...OTEL_KEYS];
const tricky = fc.constantFrom(
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "NaN",
  "Infinity",
  "0.5",
  "2",
  "true",
  "FALSE",
  "none",
  "otlp",
  "traceidratio",
  "http://collector:4318",
  "https://x.example/v1/traces/",
  "ftp://x",
  "not a url",
  "a=b,c=%ZZ,=x,k=v%0A,__proto__=1",
  "x-team=caf%E2%82%AC,Authorization=Bearer%20t",
  "http://user:p%40ss@collector.test:4318/?tenant=1",
  "gzip",
  "grpc",
  "none",
  "service.name=svc",
  "gen_ai_latest_experimental",
  "debug",
);
// ADV_KEY as a value too: a value naming an Object member must not find one in a table of choices.
const envValue = fc.oneof({ weight: 4, arbitrary: tricky }, ADV_KEY, fc.string({ maxLength: 30 }), fc.double(), fc.boolean(), fc.anything({ key: ADV_KEY, maxDepth: 1 }));
const env = fc.oneof(
  fc.dictionary(fc.constantFrom(...ENV_KEYS), envValue),
  fc.dictionary(ADV_KEY, fc.anything({ key: ADV_KEY, maxDepth: 1 })),
  fc.constantFrom(undefined, {}),
);
const CONFIG_KEYS = ["serviceName", "endpoint", "tracesEndpoint", "headers", "timeoutMs", "compression", "acceptTraceContext", "sampler", "samplerRatio", "disabled", "metrics", "metricExportIntervalMs", "semconv", "propagateTraceContext", "excludePropagationHosts", "providers", "flushGraceMs", "flushDeadlineMs", "limits", "prices", "resourceAttributes", "sdkSpans", "allowQueryParams", "captureMessageContent", "redactContent", "toolDefinitions", "logsEndpoint", "identify"];
const explicit = fc.oneof(
  fc.dictionary(fc.constantFrom(...CONFIG_KEYS), fc.oneof(envValue, fc.double(), fc.dictionary(ADV_KEY, fc.oneof(envValue, fc.double())))),
  fc.anything({ key: ADV_KEY, maxDepth: 2 }),
);

const finite = (v: unknown, min: number, open = false) => typeof v === "number" && Number.isFinite(v) && (open ? v > min : v >= min);
const isRecordOf = (v: unknown, ok: (x: unknown) => boolean) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(ok);
const httpUrl = (v: unknown) => v === undefined || (typeof v === "string" && /^https?:$/.test(new URL(v).protocol));
const headerValue = (v: unknown) => typeof v === "string" && /^[\t\x20-\x7e\x80-\xff]*$/.test(v);
const nonEmpty = (v: unknown) => typeof v === "string" && v.length > 0;

const CONTRACT: Record<keyof ResolvedConfig, (v: unknown) => boolean> = {
  serviceName: nonEmpty,
  serviceVersion: (v) => v === undefined || nonEmpty(v),
  resourceAttributes: (v) => isRecordOf(v, (x) => typeof x === "string" || typeof x === "boolean" || finite(x, -Infinity)),
  tracesUrl: httpUrl,
  metricsUrl: httpUrl,
  logsUrl: httpUrl,
  headers: (v) => isRecordOf(v, headerValue),
  timeoutMs: (v) => finite(v, 0, true) && (v as number) < 2 ** 31,
  compression: (v) => v === "gzip" || v === "none",
  // Every signal: headers fetch accepts (lower-cased names), a usable deadline, a known encoding.
  exports: (v) =>
    isRecordOf(
      v,
      (x) =>
        isRecordOf((x as { headers: unknown }).headers, headerValue) &&
        Object.keys((x as { headers: object }).headers).every((k) => k === k.toLowerCase()) &&
        finite((x as { timeoutMs: unknown }).timeoutMs, 0, true) &&
        ["gzip", "none"].includes((x as { compression: string }).compression),
    ) && Object.keys(v as object).sort().join() === "logs,metrics,traces",
  sampler: (v) => ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"].includes(v as string),
  samplerRatio: (v) => finite(v, 0) && (v as number) <= 1,
  disabled: (v) => typeof v === "boolean",
  metrics: (v) => typeof v === "boolean",
  metricExportIntervalMs: (v) => finite(v, 0),
  semconv: (v) => typeof v === "string" && Object.hasOwn(PROFILES, v),
  acceptTraceContext: (v) => typeof v === "boolean",
  continueTraceContext: (v) => typeof v === "boolean",
  propagateTraceContext: (v) => typeof v === "boolean" || typeof v === "function",
  excludePropagationHosts: (v) => Array.isArray(v) && v.every((h) => typeof h === "string"),
  providers: (v) => isRecordOf(v, nonEmpty),
  addStreamUsage: (v) => typeof v === "boolean",
  routeFor: (v) => v === undefined || typeof v === "function",
  urlPolicy: (v) => typeof v === "object" && v !== null,
  sdkSpans: (v) => v === "replace" || v === "keep",
  flushGraceMs: (v) => finite(v, 0),
  flushDeadlineMs: (v) => finite(v, 0, true),
  captureMessageContent: (v) => ["NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"].includes(v as string),
  exceptionSignal: (v) => ["spans", "logs", "logs/dup"].includes(v as string),
  redactContent: (v) => v === undefined || typeof v === "function",
  identify: (v) => v === undefined || typeof v === "function",
  toolDefinitions: (v) => v === "required" || v === "full",
  // Exactly the known limits: an unknown name (one only Object has, like `constructor`, too) is not copied.
  limits: (v) => isRecordOf(v, (x) => finite(x, 0, true)) && JSON.stringify(Object.keys(v as object).sort()) === JSON.stringify(Object.keys(DEFAULT_LIMITS).sort()),
  prices: (v) => isRecordOf(v, (p) => isRecordOf(p, (x) => x === undefined || finite(x, 0)) && finite((p as { input: unknown }).input, 0) && finite((p as { output: unknown }).output, 0)),
};

function breaches(config: ResolvedConfig): string[] {
  const out: string[] = [];
  for (const [key, ok] of Object.entries(CONTRACT)) {
    const v = (config as unknown as Record<string, unknown>)[key];
    let valid = false;
    try {
      valid = ok(v);
    } catch {}
    if (!valid) out.push(`${key}: ${typeof v === "function" ? "function" : JSON.stringify(v)}`);
  }
  return out;
}

describe("resolveConfig", () => {
  it("never throws and resolves every field to its documented type, whatever env and config hold", () => {
    fc.assert(
      fc.property(env, fc.option(explicit, { nil: undefined }), (e, c) => {
        const config = resolveConfig(e as Record<string, unknown> | undefined, c as never);
        expect(breaches(config)).toEqual([]);
      }),
      { numRuns: 600 },
    );
  });
});

describe("parseKeyValueList", () => {
  it("never throws and returns string values under non-empty keys", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), utf16(), tricky), fc.constantFrom("headers" as const, "resource" as const), (value, kind) => {
        const out = parseKeyValueList(value, "list", kind);
        expect(Object.entries(out).every(([k, v]) => k.length > 0 && typeof v === "string")).toBe(true);
        // Headers: what fetch accepts (a lower-cased token name, a Latin-1 value without control characters but tab).
        if (kind === "headers") expect(Object.entries(out).every(([k, v]) => /^[!#$%&'*+.^_`|~\da-z-]+$/.test(k) && /^[\t\x20-\x7e\x80-\xff]*$/.test(v))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("reads back a list of header names and percent-encoded values", () => {
    // `__proto__` is the known failure below.
    const key = fc
      .oneof(fc.stringMatching(/^[!#$%&'*+.^_`|~\da-z-]{1,12}$/), fc.constantFrom("constructor", "tostring", "hasownproperty"))
      .filter((k) => k !== "__proto__");
    const value = fc.string({ maxLength: 12 }).filter((v) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), (entries) => {
        const list = Object.entries(entries)
          .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
          .join(",");
        expect(parseKeyValueList(list, "list", "headers")).toEqual(entries);
      }),
      { numRuns: 300 },
    );
  });

  it("reads back a list of resource attributes, keys and values percent-encoded", () => {
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__");
    fc.assert(
      fc.property(fc.dictionary(text, fc.string({ maxLength: 12 }), { maxKeys: 5 }), (entries) => {
        const list = Object.entries(entries)
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .join(",");
        expect(parseKeyValueList(list, "list", "resource")).toEqual(entries);
      }),
      { numRuns: 300 },
    );
  });
});

// Found by this fuzzer: entries were assigned into a plain object, so a `__proto__` key was lost
// (and, in `entries()`, an object value under it became the record's prototype).
it("parseKeyValueList keeps a __proto__ key", () => {
  expect(parseKeyValueList("__proto__=x", "list", "headers")).toEqual({ ["__proto__"]: "x" });
  expect(parseKeyValueList("__proto__=x", "list", "resource")).toEqual({ ["__proto__"]: "x" });
});

it("a model named like an Object.prototype member has no price (the table is looked up by own keys only)", async () => {
  const { costOf } = await import("../../src/metrics/cost.js");
  const prices = { "gpt-4o": { input: 1, output: 2 } };
  expect(costOf(prices, ["constructor", "gpt-4o"], { input: 1000, output: 10 })).toBeCloseTo(0.00102, 10);
  expect(costOf(prices, ["toString"], { input: 1000, output: 10 })).toBeUndefined();
});
