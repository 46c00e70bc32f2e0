/**
 * A bad config value, explicit or from the environment, never throws: it falls back (to the
 * environment's value, else the default) and is said once, naming the field, the bad value
 * (never a header's value) and what was used instead.
 */
import { DiagLogLevel, diag } from "@opentelemetry/api";
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { PROFILES } from "../../src/attributes.js";
import { type Config, DEFAULT_LIMITS, type EnvSource, type ResolvedConfig } from "../../src/config.js";
import { Pipeline } from "../../src/pipeline.js";

const lines: string[] = [];
diag.setLogger(
  {
    error: (m: string) => void lines.push(`error ${m}`),
    warn: (m: string) => void lines.push(`warn ${m}`),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.ALL,
);

let resolveConfig: typeof import("../../src/config.js").resolveConfig;

beforeEach(async () => {
  lines.length = 0;
  // A fresh once-set per test: each test sees its own warnings.
  vi.resetModules();
  ({ resolveConfig } = await import("../../src/config.js"));
});

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test:4318" };
const said = () => lines.map((l) => l.replace("warn otel-genai-edge: ", ""));

describe("explicit config: a bad value falls back with one warning", () => {
  it('semconv "1.41" (the reported case): the default profile, said once however often the config is resolved', () => {
    for (let i = 0; i < 3; i++) expect(resolveConfig(ENDPOINT, { semconv: "1.41" as never }).semconv).toBe("v1.41");
    expect(said()).toEqual(['config.semconv="1.41" is not one of v1.41,latest; using "v1.41"']);
  });

  it("falls back to the environment's value when there is one", () => {
    const env = { ...ENDPOINT, OTEL_SEMCONV_STABILITY_OPT_IN: "gen_ai_latest_experimental", OTEL_EXPORTER_OTLP_TIMEOUT: "3000", OTEL_SERVICE_NAME: "from-env" };
    const c = resolveConfig(env, { semconv: "latest-ish" as never, timeoutMs: "5000" as never, serviceName: 42 as never });
    expect([c.semconv, c.timeoutMs, c.serviceName]).toEqual(["latest", 3000, "from-env"]);
    expect(said()).toEqual([
      'config.timeoutMs="5000" is not a number of milliseconds; using 3000',
      'config.serviceName=42 is not a non-empty string; using "from-env"',
      'config.semconv="latest-ish" is not one of v1.41,latest; using "latest"',
    ]);
  });

  it("every field: wrong types and values", () => {
    const route = (r: Request) => new URL(r.url).pathname;
    const c = resolveConfig(ENDPOINT, {
      serviceName: "",
      serviceVersion: 2 as never,
      resourceAttributes: { "deployment.environment": "prod", bad: { nested: 1 } as never, nan: Number.NaN },
      headers: { "x-api-key": 123 as never, "bad name": "s3cret-value", ok: "fine" },
      timeoutMs: -1,
      sampler: "ratio" as never,
      samplerRatio: 1.5,
      disabled: "no" as never,
      metrics: "yes" as never,
      acceptTraceContext: 0 as never,
      propagateTraceContext: "always" as never,
      excludePropagationHosts: ["a.test", 7 as never],
      providers: { "llm.internal": "openai", "other.internal": null as never },
      addStreamUsage: 1 as never,
      routeFor: "/users/:id" as never,
      identify: { "user.id": "u" } as never,
      flushGraceMs: Number.POSITIVE_INFINITY,
      flushDeadlineMs: 2 ** 31,
      limits: { maxSpans: 0, maxEvents: Number.NaN, maxLinks: 8, maxSpansPerTrace: 9 } as never,
      prices: { "gpt-4o": { input: 2.5, output: 10 }, "gpt-x": { input: "2.5", output: 10 } as never, "gpt-y": { input: 1, output: 2, cacheRead: -1 } },
    });
    expect(c).toEqual({
      serviceName: "unknown_service:edge",
      serviceVersion: undefined,
      resourceAttributes: { "deployment.environment": "prod" },
      tracesUrl: "http://collector.test:4318/v1/traces",
      metricsUrl: "http://collector.test:4318/v1/metrics",
      logsUrl: "http://collector.test:4318/v1/logs",
      headers: { ok: "fine" },
      timeoutMs: 10000,
      compression: "none",
      exports: {
        traces: { headers: { ok: "fine" }, timeoutMs: 10000, compression: "none" },
        metrics: { headers: { ok: "fine" }, timeoutMs: 10000, compression: "none" },
        logs: { headers: { ok: "fine" }, timeoutMs: 10000, compression: "none" },
      },
      sampler: "parentbased_always_on",
      samplerRatio: 1,
      disabled: false,
      metrics: true,
      metricExportIntervalMs: 10000,
      semconv: "v1.41",
      acceptTraceContext: true,
      continueTraceContext: true,
      propagateTraceContext: true,
      excludePropagationHosts: ["a.test"],
      providers: { "llm.internal": "openai" },
      addStreamUsage: false,
      routeFor: undefined,
      identify: undefined,
      urlPolicy: expect.objectContaining({ allow: expect.any(Set) }),
      sdkSpans: "replace",
      flushGraceMs: 2000,
      flushDeadlineMs: 25000,
      captureMessageContent: "NO_CONTENT",
      exceptionSignal: "spans",
      redactContent: undefined,
      toolDefinitions: "required",
      limits: { ...DEFAULT_LIMITS, maxLinks: 8 },
      prices: { "gpt-4o": { input: 2.5, output: 10 } },
    } satisfies ResolvedConfig);
    expect(said()).toEqual([
      'config.headers["x-api-key"] is invalid: ignored',
      'config.headers["bad name"] is invalid: ignored',
      "config.timeoutMs=-1 is not a number of milliseconds; using 10000",
      'config.resourceAttributes["bad"]={"nested":1} is invalid: ignored',
      'config.resourceAttributes["nan"]=NaN is invalid: ignored',
      'config.serviceName="" is not a non-empty string; using "unknown_service:edge"',
      'config.metrics="yes" is not a boolean; using true',
      'config.limits["maxSpans"]=0 is invalid: ignored',
      'config.limits["maxEvents"]=NaN is invalid: ignored',
      "config.limits.maxSpansPerTrace is not a known limit: ignored",
      "config.serviceVersion=2 is not a non-empty string; using none",
      'config.sampler="ratio" is not one of always_on,always_off,traceidratio,parentbased_always_on,parentbased_always_off,parentbased_traceidratio; using "parentbased_always_on"',
      "config.samplerRatio=1.5 is not a number in [0, 1]; using 1",
      'config.disabled="no" is not true or false; using false',
      "config.acceptTraceContext=0 is not a boolean; using true",
      'config.propagateTraceContext="always" is not a boolean or a function; using true',
      "config.excludePropagationHosts: 7 is not a string: ignored",
      'config.providers["other.internal"]=null is invalid: ignored',
      "config.addStreamUsage=1 is not a boolean; using false",
      'config.routeFor="/users/:id" is not a function; using none',
      'config.identify={"user.id":"u"} is not a function; using none',
      "config.flushGraceMs=Infinity is not a number of milliseconds; using 2000",
      "config.flushDeadlineMs=2147483648 is not a number of milliseconds; using 25000",
      'config.prices["gpt-x"]={"input":"2.5","output":10} is invalid: ignored',
      'config.prices["gpt-y"]={"input":1,"output":2,"cacheRead":-1} is invalid: ignored',
    ]);
    // A header's value is never said, valid or not.
    expect(lines.join("\n")).not.toContain("s3cret");
    expect(c.propagateTraceContext).toBe(true);
    expect(resolveConfig(ENDPOINT, { propagateTraceContext: (u: URL) => u.host === "x", routeFor: route }).routeFor).toBe(route);
  });

  it("good values pass untouched and say nothing", () => {
    const propagate = (u: URL) => u.host === "x";
    const c = resolveConfig(
      {},
      {
        endpoint: "https://otlp.example.com/base/",
        serviceName: "svc",
        timeoutMs: 2500,
        sampler: "traceidratio",
        samplerRatio: 0,
        disabled: false,
        metrics: false,
        semconv: "latest",
        propagateTraceContext: propagate,
        flushGraceMs: 0,
        limits: { maxSpans: 10 },
        prices: { m: { input: 0, output: 1, cacheRead: 0.5 } },
      },
    );
    expect(c).toMatchObject({
      tracesUrl: "https://otlp.example.com/base/v1/traces",
      metricsUrl: undefined,
      serviceName: "svc",
      timeoutMs: 2500,
      sampler: "traceidratio",
      samplerRatio: 0,
      semconv: "latest",
      flushGraceMs: 0,
      limits: { ...DEFAULT_LIMITS, maxSpans: 10 },
    });
    expect(c.propagateTraceContext).toBe(propagate);
    expect(lines).toEqual([]);
  });

  it("values that cannot be shown are described, not thrown", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(resolveConfig(ENDPOINT, { serviceName: cyclic as never, serviceVersion: Object.create(null), sampler: Symbol("s") as never }).serviceName).toBe(
      "unknown_service:edge",
    );
    expect(said()).toEqual([
      'config.serviceName=<object> is not a non-empty string; using "unknown_service:edge"',
      "config.serviceVersion={} is not a non-empty string; using none",
      'config.sampler=Symbol(s) is not one of always_on,always_off,traceidratio,parentbased_always_on,parentbased_always_off,parentbased_traceidratio; using "parentbased_always_on"',
    ]);
  });

  it("a config that is not an object, and unknown options, are said and ignored", () => {
    expect(resolveConfig(ENDPOINT, "fast" as never).tracesUrl).toBe("http://collector.test:4318/v1/traces");
    expect(resolveConfig(ENDPOINT, { serviceNmae: "typo" } as never).serviceName).toBe("unknown_service:edge");
    expect(said()).toEqual(["config (string) is not an object: ignored", "config.serviceNmae is not a known option: ignored"]);
  });
});

describe("logs URL (GenAI events): resolved as the traces and metrics ones", () => {
  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" }, {}, "http://c:4318/v1/logs"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://l:1/x" }, {}, "http://l:1/x"],
    // An explicit base wins over the environment's per-signal URL, an explicit logsEndpoint over both.
    [{ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://l:1/x" }, { endpoint: "http://e:2" }, "http://e:2/v1/logs"],
    [{ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://l:1/x" }, { endpoint: "http://e:2", logsEndpoint: "http://o:3/logs" }, "http://o:3/logs"],
    [{ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://l:1/x" }, {}, "http://l:1/x"],
    // OTEL_LOGS_EXPORTER=none: off, however the URL would come, unless logsEndpoint is passed.
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_LOGS_EXPORTER: "none" }, {}, undefined],
    [{ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://l:1/x", OTEL_LOGS_EXPORTER: "NONE" }, {}, undefined],
    [{ OTEL_LOGS_EXPORTER: "none" }, { endpoint: "http://e:2" }, undefined],
    [{ OTEL_LOGS_EXPORTER: "none" }, { logsEndpoint: "http://o:3/logs" }, "http://o:3/logs"],
    [{ OTEL_LOGS_EXPORTER: "otlp", OTEL_TRACES_EXPORTER: "none" }, { endpoint: "http://e:2" }, "http://e:2/v1/logs"],
    [{}, {}, undefined],
  ] as [Record<string, string>, Config, string | undefined][])("%o, %o → %s, nothing said", (env, explicit, logsUrl) => {
    expect(resolveConfig(env, explicit).logsUrl).toBe(logsUrl);
    expect(lines).toEqual([]);
  });

  it("a bad logsEndpoint or OTEL_LOGS_EXPORTER is said once and falls back; the traces URL is untouched", () => {
    for (let i = 0; i < 2; i++) {
      const c = resolveConfig({ ...ENDPOINT, OTEL_LOGS_EXPORTER: "console" }, { logsEndpoint: "collector:4318/v1/logs" });
      expect([c.logsUrl, c.tracesUrl]).toEqual(["http://collector.test:4318/v1/logs", "http://collector.test:4318/v1/traces"]);
    }
    // A bad explicit logsEndpoint does not override OTEL_LOGS_EXPORTER=none: only a usable one does.
    expect(resolveConfig({ ...ENDPOINT, OTEL_LOGS_EXPORTER: "none" }, { logsEndpoint: "ftp://x/logs" }).logsUrl).toBeUndefined();
    expect(said()).toEqual([
      'config.logsEndpoint="collector:4318/v1/logs" is not an http(s) URL (e.g. http://collector:4318): not used',
      'OTEL_LOGS_EXPORTER="console" is not supported (otlp or none); using otlp',
      'config.logsEndpoint="ftp://x/logs" is not an http(s) URL (e.g. http://collector:4318): not used',
    ]);
  });

  it("a base endpoint given with /v1/logs is stripped, once, for every signal", () => {
    const c = resolveConfig({}, { endpoint: "http://e:2/v1/logs" });
    expect([c.tracesUrl, c.metricsUrl, c.logsUrl]).toEqual(["http://e:2/v1/traces", "http://e:2/v1/metrics", "http://e:2/v1/logs"]);
    expect(said()).toEqual(['config.endpoint="http://e:2/v1/logs" already ends in /v1/logs; /v1/<signal> is appended to it, so http://e:2/ is used']);
  });
});

describe("identify", () => {
  it("a function is kept as is; anything else is said once and none is used", () => {
    const identify = (r: Request) => ({ "user.id": r.headers.get("x-user") });
    expect(resolveConfig(ENDPOINT, { identify }).identify).toBe(identify);
    expect(lines).toEqual([]);
    for (let i = 0; i < 2; i++) expect(resolveConfig(ENDPOINT, { identify: "user.id" as never }).identify).toBeUndefined();
    expect(said()).toEqual(['config.identify="user.id" is not a function; using none']);
  });
});

describe("metricExportIntervalMs", () => {
  it("the config field wins over OTEL_METRIC_EXPORT_INTERVAL; a bad one is said once and the variable used", () => {
    expect(resolveConfig({ ...ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL: "30000" }, { metricExportIntervalMs: 0 }).metricExportIntervalMs).toBe(0);
    expect(resolveConfig({ ...ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL: "30000" }, { metricExportIntervalMs: "5s" as never }).metricExportIntervalMs).toBe(30000);
    expect(said()).toEqual(['config.metricExportIntervalMs="5s" is not a number of milliseconds (0 or more); using 30000']);
  });
});

describe("environment: a bad value falls back with one warning", () => {
  it.each([
    [{ OTEL_TRACES_SAMPLER: "ratio" }, "sampler", "parentbased_always_on", 'OTEL_TRACES_SAMPLER="ratio" is not one of always_on,always_off,traceidratio,parentbased_always_on,parentbased_always_off,parentbased_traceidratio; using "parentbased_always_on"'],
    [{ OTEL_TRACES_SAMPLER_ARG: "abc" }, "samplerRatio", 1, 'OTEL_TRACES_SAMPLER_ARG="abc" is not a number in [0, 1]; using 1'],
    [{ OTEL_TRACES_SAMPLER_ARG: "2" }, "samplerRatio", 1, 'OTEL_TRACES_SAMPLER_ARG="2" is not a number in [0, 1]; using 1'],
    [{ OTEL_EXPORTER_OTLP_TIMEOUT: "10s" }, "timeoutMs", 10000, 'OTEL_EXPORTER_OTLP_TIMEOUT="10s" is not a number of milliseconds; using 10000'],
    [{ OTEL_METRIC_EXPORT_INTERVAL: "30000" }, "metricExportIntervalMs", 30000, ""],
    [{ OTEL_METRIC_EXPORT_INTERVAL: "0" }, "metricExportIntervalMs", 0, ""],
    [{ OTEL_METRIC_EXPORT_INTERVAL: "60s" }, "metricExportIntervalMs", 10000, 'OTEL_METRIC_EXPORT_INTERVAL="60s" is not a number of milliseconds (0 or more); using 10000'],
    [{ OTEL_METRIC_EXPORT_INTERVAL: "-1" }, "metricExportIntervalMs", 10000, 'OTEL_METRIC_EXPORT_INTERVAL="-1" is not a number of milliseconds (0 or more); using 10000'],
    [{ OTEL_SDK_DISABLED: "yes" }, "disabled", false, 'OTEL_SDK_DISABLED="yes" is not true or false; using false'],
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, "tracesUrl", "http://collector.test:4318/v1/traces", 'OTEL_TRACES_EXPORTER="zipkin" is not supported (otlp or none); using otlp'],
    [
      { OTEL_EXPORTER_OTLP_HEADERS: "Authorization: Bearer x" },
      "headers",
      {},
      'OTEL_EXPORTER_OTLP_HEADERS: entry "Authorization" is not key=value (percent-encoded value): ignored',
    ],
    [
      { OTEL_EXPORTER_OTLP_HEADERS: "x-ok=1,sk-live-abcdef,Authorization: Bearer x=y" },
      "headers",
      { "x-ok": "1" },
      'OTEL_EXPORTER_OTLP_HEADERS: entry #2 is not key=value (percent-encoded value): ignored\nOTEL_EXPORTER_OTLP_HEADERS: entry "Authorization" is not key=value (percent-encoded value): ignored',
    ],
    [{ OTEL_RESOURCE_ATTRIBUTES: "team=genai,oops" }, "resourceAttributes", { team: "genai" }, "OTEL_RESOURCE_ATTRIBUTES: entry #2 is not key=value (percent-encoded value): ignored"],
    [{ OTEL_SEMCONV_STABILITY_OPT_IN: "http,database/dup,gen_ai_latest_experimental" }, "semconv", "latest", ""],
    [{ OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "NONE" }, "tracesUrl", undefined, ""],
  ] as [Record<string, string>, keyof ResolvedConfig, unknown, string][])("%o → %s", (env, field, value, warning) => {
    const c = resolveConfig({ ...ENDPOINT, ...env });
    resolveConfig({ ...ENDPOINT, ...env });
    expect(c[field]).toEqual(value);
    expect(said().join("\n")).toBe(warning);
    expect(lines.join("\n")).not.toMatch(/Bearer|sk-live/);
  });

  it("an endpoint without a scheme: said at config time, that signal off (never a guessed http://)", () => {
    const c = resolveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" });
    expect([c.tracesUrl, c.metricsUrl]).toEqual([undefined, undefined]);
    const only = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "localhost:4318/v1/traces" });
    // The signal's own endpoint is bad: the base endpoint stands in for it.
    expect([only.tracesUrl, only.metricsUrl]).toEqual(["http://collector.test:4318/v1/traces", "http://collector.test:4318/v1/metrics"]);
    expect(resolveConfig({ ...ENDPOINT }, { tracesEndpoint: "ftp://x/v1/traces", metrics: false }).tracesUrl).toBe("http://collector.test:4318/v1/traces");
    expect(said()).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not an http(s) URL (e.g. http://collector:4318): not used',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="localhost:4318/v1/traces" is not an http(s) URL (e.g. http://collector:4318): not used',
      'config.tracesEndpoint="ftp://x/v1/traces" is not an http(s) URL (e.g. http://collector:4318): not used',
    ]);
  });

  it("a base endpoint already ending in /v1/traces is used as is, not as /v1/traces/v1/traces", () => {
    const c = resolveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test:4318/v1/traces/" });
    expect([c.tracesUrl, c.metricsUrl]).toEqual(["http://collector.test:4318/v1/traces", "http://collector.test:4318/v1/metrics"]);
    expect(said()).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT="http://collector.test:4318/v1/traces/" already ends in /v1/traces/; /v1/<signal> is appended to it, so http://collector.test:4318/ is used',
    ]);
  });

  it("Worker vars that are numbers or booleans are read as their text; other bindings are said and ignored", () => {
    const c = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TIMEOUT: 1500, OTEL_SDK_DISABLED: true, OTEL_SERVICE_NAME: { kv: true } });
    expect([c.timeoutMs, c.disabled, c.serviceName]).toEqual([1500, true, "unknown_service:edge"]);
    expect(said()).toEqual(["OTEL_SERVICE_NAME is not a string: ignored"]);
  });

  it("OTEL_LOG_LEVEL: an unknown level is said and WARN is used", () => {
    resolveConfig({ ...ENDPOINT, OTEL_LOG_LEVEL: "chatty" });
    expect(said()).toEqual(['OTEL_LOG_LEVEL="chatty" is not one of NONE,ERROR,WARN,INFO,DEBUG,VERBOSE,ALL; using WARN']);
  });
});

describe("never throws", () => {
  const value = fc.oneof(
    fc.anything(),
    fc.constantFrom(-1, 0, 1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, "", "1.41", "latest", "traceidratio", () => true, [1], { input: 1 }),
  );
  const keys = fc.constantFrom(
    ...(
      "serviceName serviceVersion resourceAttributes endpoint tracesEndpoint metricsEndpoint logsEndpoint headers timeoutMs sampler samplerRatio disabled " +
      "metrics metricExportIntervalMs semconv acceptTraceContext propagateTraceContext excludePropagationHosts providers addStreamUsage routeFor identify flushGraceMs " +
      "flushDeadlineMs limits prices"
    ).split(" "),
    "constructor",
    "__proto__",
  );
  const envKeys = fc.constantFrom(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_LOGS_EXPORTER",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SDK_DISABLED",
    "OTEL_LOG_LEVEL",
    "OTEL_SERVICE_NAME",
  );

  it("any explicit object and env bag resolve to a config whose every value is usable", () => {
    fc.assert(
      fc.property(fc.dictionary(keys, value), fc.dictionary(envKeys, fc.oneof(fc.string(), value)), (explicit, env) => {
        const c = resolveConfig(env as EnvSource, explicit as never);
        const ms = (n: number) => Number.isFinite(n) && n >= 0 && n < 2 ** 31;
        expect(Object.keys(PROFILES)).toContain(c.semconv);
        expect(ms(c.timeoutMs) && c.timeoutMs > 0 && ms(c.flushGraceMs) && ms(c.flushDeadlineMs)).toBe(true);
        expect(c.samplerRatio >= 0 && c.samplerRatio <= 1).toBe(true);
        expect(Object.values(c.limits).every((n) => Number.isFinite(n) && n > 0)).toBe(true);
        expect(Object.values(c.headers).every((v) => typeof v === "string")).toBe(true);
        expect(c.excludePropagationHosts.every((h) => typeof h === "string")).toBe(true);
        for (const u of [c.tracesUrl, c.metricsUrl, c.logsUrl]) if (u !== undefined) expect(u).toMatch(/^https?:\/\//);
        // The pipeline builds from it (the reported case threw here, in every request).
        expect(new Pipeline(c, {}).profile).toBe(PROFILES[c.semconv]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("URL policy and SDK spans", () => {
  it("allowQueryParams extends the recorded query names, redactUrl is kept, sdkSpans is replace or keep", () => {
    const hook = (url: URL) => url.origin;
    const c = resolveConfig({}, { allowQueryParams: ["N", 3 as never], redactUrl: hook, sdkSpans: "keep" });
    expect(c.urlPolicy.allow.has("n")).toBe(false);
    expect(lines).toEqual([expect.stringContaining("config.allowQueryParams")]);
    const d = resolveConfig({}, { allowQueryParams: ["N"], redactUrl: hook, sdkSpans: "keep" });
    expect([...d.urlPolicy.allow]).toContain("n");
    expect(d.urlPolicy.allow.has("alt")).toBe(true);
    expect(d.urlPolicy.redactUrl).toBe(hook);
    expect(d.sdkSpans).toBe("keep");
    lines.length = 0;
    expect(resolveConfig({}, { sdkSpans: "drop" as never }).sdkSpans).toBe("replace");
    expect(lines).toEqual([expect.stringContaining("config.sdkSpans")]);
  });
});

describe("the OTLP exporter's variables (the exporter spec's per-signal options)", () => {
  const signals = (c: ResolvedConfig) => [c.exports.traces, c.exports.metrics, c.exports.logs];

  it("headers: the general variable, each signal's over it, the config field over both; names in any case override", () => {
    const c = resolveConfig(
      {
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_HEADERS: "x-team=genai,Authorization=Bearer%20general",
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: "authorization=Bearer%20metrics,X-Dataset=llm-metrics",
      },
      { headers: { "X-Team": "from-config" } },
    );
    expect(c.exports.traces.headers).toEqual({ "x-team": "from-config", authorization: "Bearer general" });
    expect(c.exports.metrics.headers).toEqual({ "x-team": "from-config", authorization: "Bearer metrics", "x-dataset": "llm-metrics" });
    expect(c.exports.logs.headers).toEqual(c.exports.traces.headers);
    expect(said()).toEqual([]);
    // The explicit field wins over a signal's variable too, whatever the case of its name.
    const d = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_HEADERS: "Authorization=Bearer%20traces" }, { headers: { AUTHORIZATION: "Bearer cfg" } });
    expect(signals(d).map((s) => s.headers)).toEqual([{ authorization: "Bearer cfg" }, { authorization: "Bearer cfg" }, { authorization: "Bearer cfg" }]);
  });

  it("a header value fetch would refuse (outside Latin-1, a control character) is left out with a warning naming its key only", () => {
    const c = resolveConfig(
      { ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: "x-team=caf%E2%82%AC,x-ok=1,x-bell=a%07b" },
      { headers: { "x-cfg": "s3cret\u0001", "x-fine": "ok" } },
    );
    expect(c.exports.traces.headers).toEqual({ "x-ok": "1", "x-fine": "ok" });
    expect(said()).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS: entry "x-team" has a character an HTTP header cannot carry: ignored',
      'OTEL_EXPORTER_OTLP_HEADERS: entry "x-bell" has a character an HTTP header cannot carry: ignored',
      'config.headers["x-cfg"] is invalid: ignored',
    ]);
    expect(lines.join("\n")).not.toMatch(/caf|s3cret/);
  });

  it("a limit named like an Object member (constructor, toString, __proto__) is not a known limit: said, not set", () => {
    const c = resolveConfig(ENDPOINT, { limits: JSON.parse('{"constructor": 5, "toString": 7, "__proto__": 3}') });
    expect(c.limits).toStrictEqual(DEFAULT_LIMITS);
    expect(Object.keys(c.limits)).toEqual(Object.keys(DEFAULT_LIMITS));
    expect(said()).toEqual(["constructor", "toString", "__proto__"].map((k) => `config.limits.${k} is not a known limit: ignored`));
  });

  it("the SDK's limit variables: a span's own over the general one, the limits field over both; a bad one said, the default kept", () => {
    const c = resolveConfig({
      ...ENDPOINT,
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "1000",
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "2000",
      OTEL_ATTRIBUTE_COUNT_LIMIT: "50",
      OTEL_SPAN_EVENT_COUNT_LIMIT: "10",
      OTEL_SPAN_LINK_COUNT_LIMIT: "5",
    });
    expect(c.limits).toEqual({ ...DEFAULT_LIMITS, maxAttributeLength: 2000, maxAttributes: 50, maxEvents: 10, maxLinks: 5 });
    expect(resolveConfig({ ...ENDPOINT, OTEL_ATTRIBUTE_COUNT_LIMIT: "50" }, { limits: { maxAttributes: 20 } }).limits.maxAttributes).toBe(20);
    expect(said()).toEqual([]);
    const d = resolveConfig({ ...ENDPOINT, OTEL_SPAN_EVENT_COUNT_LIMIT: "1.5", OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "-3" });
    expect([d.limits.maxEvents, d.limits.maxAttributeLength]).toEqual([DEFAULT_LIMITS.maxEvents, DEFAULT_LIMITS.maxAttributeLength]);
    expect(said()).toEqual([
      'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT="-3" is not a positive integer; using 4096',
      'OTEL_SPAN_EVENT_COUNT_LIMIT="1.5" is not a positive integer; using 64',
    ]);
  });

  it("timeouts: a signal's over the general one, the field over both; 0 is no limit of its own", () => {
    const c = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TIMEOUT: "3000", OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "500", OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "0" });
    expect(signals(c).map((s) => s.timeoutMs)).toEqual([3000, 500, 2 ** 31 - 1]);
    expect(resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TIMEOUT: "0" }).timeoutMs).toBe(2 ** 31 - 1);
    expect(signals(resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "500" }, { timeoutMs: 2500 })).map((s) => s.timeoutMs)).toEqual([2500, 2500, 2500]);
    expect(said()).toEqual([]);
    resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "5s", OTEL_EXPORTER_OTLP_TIMEOUT: "4000" });
    expect(said()).toEqual(['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="5s" is not a number of milliseconds; using 4000']);
    // One bad value, one warning: a bad field is said once, and each signal then takes its own variable.
    lines.length = 0;
    const d = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "4000" }, { timeoutMs: -1, compression: "br" as never });
    expect(signals(d).map((s) => [s.timeoutMs, s.compression])).toEqual([
      [4000, "none"],
      [10000, "none"],
      [10000, "none"],
    ]);
    expect(said()).toEqual(["config.timeoutMs=-1 is not a number of milliseconds; using 10000", 'config.compression="br" is not "gzip" or "none"; using "none"']);
  });

  it("compression: gzip or none, per signal, the field over the variables; another value falls back to none", () => {
    const c = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_COMPRESSION: "GZIP", OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: "none" });
    expect(signals(c).map((s) => s.compression)).toEqual(["gzip", "gzip", "none"]);
    expect(signals(resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" }, { compression: "none" })).map((s) => s.compression)).toEqual(["none", "none", "none"]);
    expect(said()).toEqual([]);
    expect(resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "br" }).exports.traces.compression).toBe("none");
    expect(said()).toEqual(['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="br" is not "gzip" or "none"; using "none"']);
  });

  it("protocol and metrics temporality: only http/json and delta are sent; another value is said once, with what is done", () => {
    resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "Delta" });
    resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "lowmemory" });
    expect(said()).toEqual([]);
    for (let i = 0; i < 2; i++) {
      resolveConfig({
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "cumulative",
      });
    }
    expect(said()).toEqual([
      `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="http/protobuf": only http/json is sent, to an OTLP/HTTP port (4318, not gRPC's 4317)`,
      `OTEL_EXPORTER_OTLP_PROTOCOL="grpc": only http/json is sent, to an OTLP/HTTP port (4318, not gRPC's 4317)`,
      `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="cumulative": GenAI metrics are delta (a Collector's deltatocumulative processor converts them)`,
    ]);
  });

  it("OTEL_PROPAGATORS without tracecontext: no traceparent sent, none continued; the config fields still decide when given", () => {
    for (const value of ["none", "baggage", "b3,baggage"]) {
      const c = resolveConfig({ ...ENDPOINT, OTEL_PROPAGATORS: value });
      expect([c.propagateTraceContext, c.continueTraceContext, c.acceptTraceContext]).toEqual([false, false, true]);
    }
    expect(said()).toEqual(['OTEL_PROPAGATORS: "b3" is not supported (tracecontext is): ignored']);
    const on = resolveConfig({ ...ENDPOINT, OTEL_PROPAGATORS: "tracecontext,baggage" });
    expect([on.propagateTraceContext, on.continueTraceContext]).toEqual([true, true]);
    const given = resolveConfig({ ...ENDPOINT, OTEL_PROPAGATORS: "none" }, { propagateTraceContext: true, acceptTraceContext: true });
    expect([given.propagateTraceContext, given.continueTraceContext]).toEqual([true, true]);
    const refused = resolveConfig(ENDPOINT, { acceptTraceContext: false });
    expect([refused.propagateTraceContext, refused.continueTraceContext, refused.acceptTraceContext]).toEqual([true, false, false]);
  });

  it("OTEL_RESOURCE_ATTRIBUTES: keys are percent-decoded too and need not be header tokens; bad percent-encoding drops the entry, said", () => {
    const c = resolveConfig({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: "my%2Ckey=a%3Db,app/owner=team-llm,ratio=50%,ok=1" });
    expect(c.resourceAttributes).toEqual({ "my,key": "a=b", "app/owner": "team-llm", ok: "1" });
    expect(said()).toEqual(['OTEL_RESOURCE_ATTRIBUTES: entry "ratio" is not valid percent-encoding: ignored']);
  });

  it("service.name: config.serviceName, then the config's resourceAttributes, then OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES", () => {
    const env = { ...ENDPOINT, OTEL_SERVICE_NAME: "env-name", OTEL_RESOURCE_ATTRIBUTES: "service.name=env-resource" };
    expect(resolveConfig(env, { serviceName: "cfg-name", resourceAttributes: { "service.name": "cfg-resource" } }).serviceName).toBe("cfg-name");
    expect(resolveConfig(env, { resourceAttributes: { "service.name": "cfg-resource" } }).serviceName).toBe("cfg-resource");
    expect(resolveConfig(env).serviceName).toBe("env-name");
    expect(resolveConfig({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: "service.name=env-resource" }).serviceName).toBe("env-resource");
    expect(said()).toEqual([]);
  });

  it("a base endpoint's query string stays a query string; credentials in an endpoint become a Basic authorization header (fetch refuses them in a URL)", () => {
    const q = resolveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example/ingest/?tenant=t1" });
    expect([q.tracesUrl, q.metricsUrl, q.logsUrl]).toEqual([
      "https://otlp.example/ingest/v1/traces?tenant=t1",
      "https://otlp.example/ingest/v1/metrics?tenant=t1",
      "https://otlp.example/ingest/v1/logs?tenant=t1",
    ]);
    // UTF-8, as RFC 7617 and curl encode it.
    const utf8 = resolveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://al%C3%A9:p%C3%A9@otlp.example" });
    expect(utf8.exports.traces.headers.authorization).toBe("Basic YWzDqTpww6k=");
    const c = resolveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://svc%40acct:p%3Ass@otlp.example:4318" });
    expect(c.tracesUrl).toBe("https://otlp.example:4318/v1/traces");
    expect(signals(c).map((s) => s.headers.authorization)).toEqual(Array(3).fill(`Basic ${btoa("svc@acct:p:ss")}`));
    // A configured authorization header wins; a signal URL's credentials are that signal's only.
    const d = resolveConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://m:pw@metrics.example/v1/metrics", OTEL_EXPORTER_OTLP_TRACES_HEADERS: "authorization=Bearer%20t" }, { tracesEndpoint: "http://t:pw@traces.example/v1/traces" });
    expect(signals(d).map((s) => s.headers.authorization)).toEqual(["Bearer t", `Basic ${btoa("m:pw")}`, undefined]);
    expect([d.tracesUrl, d.metricsUrl]).toEqual(["http://traces.example/v1/traces", "http://metrics.example/v1/metrics"]);
    expect(said()).toEqual(["an OTLP endpoint has credentials in its URL, which fetch refuses: they are sent as a Basic authorization header instead (unless one is configured)"]);
    expect(lines.join("\n")).not.toMatch(/p%3Ass|pw@/);
  });
});
