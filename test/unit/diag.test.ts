/** Our diagnostics: once per problem, through a user's diag logger when there is one, never replacing it. */
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import { beforeEach, describe, expect, it, vi } from "vitest";

type DiagModule = typeof import("../../src/diag.js");

/** A fresh copy of src/diag.ts (its once-set is module state) and an empty global registry. */
async function fresh(): Promise<DiagModule> {
  diag.disable();
  vi.resetModules();
  return import("../../src/diag.js");
}

function recorder(): { lines: string[]; logger: DiagLogger } {
  const lines: string[] = [];
  // Only ours: the API logs its own registrations at DEBUG.
  const at = (level: string) => (message: string) => void (message.startsWith("otel-genai-edge:") && lines.push(`${level} ${message}`));
  return { lines, logger: { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug"), verbose: at("verbose") } };
}

const registry = () => (globalThis as Record<symbol, { diag?: unknown }>)[Symbol.for("opentelemetry.js.api.1")];

beforeEach(() => diag.disable());

describe("diag", () => {
  it("says each problem once, prefixed, at its level, through the logger the user registered", async () => {
    const { warnOnce, debug } = await fresh();
    const { lines, logger } = recorder();
    diag.setLogger(logger, DiagLogLevel.ALL);
    warnOnce("a", "first problem");
    warnOnce("a", "first problem, said again");
    warnOnce("b", "second problem");
    debug("detail");
    debug("detail");
    expect(lines).toEqual([
      "warn otel-genai-edge: first problem",
      "warn otel-genai-edge: second problem",
      "debug otel-genai-edge: detail",
      "debug otel-genai-edge: detail",
    ]);
  });

  it("leaves the user's logger and its level alone", async () => {
    const { warnOnce, debug, setLogLevel } = await fresh();
    const { lines, logger } = recorder();
    diag.setLogger(logger, DiagLogLevel.WARN);
    const theirs = registry()?.diag;
    setLogLevel("ALL");
    warnOnce("w", "shown");
    debug("below the user's threshold");
    expect(registry()?.diag).toBe(theirs);
    expect(lines).toEqual(["warn otel-genai-edge: shown"]);
  });

  it("with no logger registered, registers a console logger once, and yields to one registered later", async () => {
    const { warnOnce } = await fresh();
    expect(registry()?.diag).toBeUndefined();
    warnOnce("x", "to the console (expected in the test output)");
    const ours = registry()?.diag;
    expect(ours).toBeDefined();
    warnOnce("y", "to the console again (expected in the test output)");
    expect(registry()?.diag).toBe(ours);
    const { lines, logger } = recorder();
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    warnOnce("z", "to the user's logger now");
    expect(lines).toEqual(["warn otel-genai-edge: to the user's logger now"]);
  });

  it("OTEL_LOG_LEVEL names are case-insensitive; an unknown one is warned about and means WARN", async () => {
    const { setLogLevel, warnOnce } = await fresh();
    const { lines, logger } = recorder();
    diag.setLogger(logger, DiagLogLevel.ALL);
    for (const name of ["none", "Error", "WARN", "info", "debug", "verbose", "all"]) setLogLevel(name);
    setLogLevel("loud");
    setLogLevel("loud");
    warnOnce("k", "after");
    expect(lines).toEqual([
      "warn otel-genai-edge: OTEL_LOG_LEVEL=\"loud\" is not one of NONE,ERROR,WARN,INFO,DEBUG,VERBOSE,ALL; using WARN",
      "warn otel-genai-edge: after",
    ]);
  });

  it("a logger that throws is contained", async () => {
    const { warnOnce, debug } = await fresh();
    const boom = (message: string) => {
      if (message.startsWith("otel-genai-edge:")) throw new Error("logger failed");
    };
    diag.setLogger({ error: boom, warn: boom, info: boom, debug: boom, verbose: boom }, DiagLogLevel.ALL);
    expect(() => {
      warnOnce("t", "x");
      debug("y");
    }).not.toThrow();
    diag.disable();
  });
});
