/** Reading OTEL_* configuration and the runtime's name without touching forbidden APIs. */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { OTEL_KEYS, readRuntimeEnv, runtimeResource } from "../../src/runtime/env.js";

type Global = Record<string, unknown>;
const g = globalThis as Global;

afterEach(() => {
  delete g.Deno;
  delete g.Bun;
  delete g.EdgeRuntime;
});

/** A Deno namespace whose env permission is `state` overall and `granted` for the listed variables. */
function fakeDeno(state: string, grantedVars: string[], env: Record<string, string>) {
  const calls: string[] = [];
  return {
    calls,
    version: { deno: "2.9.6" },
    permissions: {
      querySync({ variable }: { name: "env"; variable?: string }) {
        if (variable === undefined) return { state };
        return { state: state === "granted" || grantedVars.includes(variable) ? "granted" : state };
      },
    },
    env: {
      toObject() {
        calls.push("toObject");
        if (state !== "granted") throw new Error('NotCapable: Requires env access, run again with the --allow-env flag');
        return { ...env };
      },
      get(key: string) {
        calls.push(`get ${key}`);
        if (state !== "granted" && !grantedVars.includes(key)) throw new Error(`NotCapable: Requires env access to "${key}"`);
        return env[key];
      },
    },
  };
}

describe("readRuntimeEnv", () => {
  it("knows every OTEL_* variable the configuration reads (resolveConfig, and the logs URL)", () => {
    const source = ["../../src/config.ts", "../../src/exporter/logs.ts"].map((f) => readFileSync(new URL(f, import.meta.url), "utf8")).join("\n");
    const read = new Set([...source.matchAll(/"(OTEL_[A-Z_]+)"/g)].map((m) => m[1]));
    // A signal's own variables are named from a template: OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_<name>.
    for (const [, name] of source.matchAll(/key\("([A-Z]+)"\)/g)) for (const signal of ["TRACES", "METRICS", "LOGS"]) read.add(`OTEL_EXPORTER_OTLP_${signal}_${name}`);
    expect(new Set(OTEL_KEYS)).toEqual(read);
  });

  it("Node, Bun, Vercel: process.env, OTEL_* variables only", () => {
    process.env.OTEL_SERVICE_NAME = "from-process-env";
    process.env.OTEL_NOT_A_KEY_WE_READ = "x";
    try {
      const env = readRuntimeEnv() as Record<string, string>;
      expect(env.OTEL_SERVICE_NAME).toBe("from-process-env");
      expect(Object.keys(env).every((k) => (OTEL_KEYS as readonly string[]).includes(k))).toBe(true);
      expect(env.PATH).toBeUndefined();
    } finally {
      delete process.env.OTEL_SERVICE_NAME;
      delete process.env.OTEL_NOT_A_KEY_WE_READ;
    }
  });

  it("Deno with --allow-env: the whole environment, filtered", () => {
    const deno = fakeDeno("granted", [], { OTEL_SERVICE_NAME: "deno-app", SECRET: "s" });
    g.Deno = deno;
    expect(readRuntimeEnv()).toEqual({ OTEL_SERVICE_NAME: "deno-app" });
    expect(deno.calls).toEqual(["toObject"]);
  });

  it("Deno with --allow-env=OTEL_...: each granted variable, never one that would prompt", () => {
    const deno = fakeDeno("prompt", ["OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT"], {
      OTEL_SERVICE_NAME: "deno-app",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector",
      OTEL_RESOURCE_ATTRIBUTES: "not=granted",
    });
    g.Deno = deno;
    expect(readRuntimeEnv()).toEqual({ OTEL_SERVICE_NAME: "deno-app", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector" });
    expect(deno.calls).toEqual(["get OTEL_SERVICE_NAME", "get OTEL_EXPORTER_OTLP_ENDPOINT"]);
  });

  it("Deno without --allow-env: nothing read, nothing thrown", () => {
    const deno = fakeDeno("prompt", [], { OTEL_SERVICE_NAME: "x" });
    g.Deno = deno;
    expect(readRuntimeEnv()).toEqual({});
    expect(deno.calls).toEqual([]);
  });

  it("a Deno-like runtime without the permission API whose env throws: empty", () => {
    g.Deno = {
      env: {
        toObject() {
          throw new Error("denied");
        },
        get() {
          throw new Error("denied");
        },
      },
    };
    expect(readRuntimeEnv()).toEqual({});
  });
});

describe("runtimeResource", () => {
  it("names the runtime (process.runtime.name) and never claims a cloud.provider", () => {
    expect(runtimeResource()).toEqual({ "process.runtime.name": "nodejs", "process.runtime.version": process.versions.node });
    g.EdgeRuntime = "edge-runtime";
    expect(runtimeResource()).toEqual({ "process.runtime.name": "edge-light" });
    g.Bun = { version: "1.4.5" };
    expect(runtimeResource()).toEqual({ "process.runtime.name": "bun", "process.runtime.version": "1.4.5" });
    g.Deno = fakeDeno("granted", [], {});
    expect(runtimeResource()).toEqual({ "process.runtime.name": "deno", "process.runtime.version": "2.9.6" });
  });
});
