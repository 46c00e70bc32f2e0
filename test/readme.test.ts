/**
 * The README's "Configuration" table against the code: every variable the package reads
 * (src/runtime/env.ts OTEL_KEYS) and every config field it accepts (the `Config` interface and the
 * FIELDS list of src/config.ts) is in the table, nothing else is, the defaults shown are the ones
 * `resolveConfig` gives, and the `limits` row lists every limit with its default. Every attribute
 * name of src/attributes.ts, our own `otel_genai_edge.*` ones included, is documented.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, resolveConfig } from "../src/config.js";
import { OTEL_KEYS } from "../src/runtime/env.js";

const root = new URL("../", import.meta.url);
const README = readFileSync(new URL("README.md", root), "utf8");
const CONFIG_SOURCE = readFileSync(new URL("src/config.ts", root), "utf8");
const ATTRIBUTES_SOURCE = readFileSync(new URL("src/attributes.ts", root), "utf8");

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README section "## ${title}"`).toBeGreaterThan(-1);
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

/** Rows of the section's first table, as cells (pipes escaped as `\|` stay inside a cell). */
function tableRows(text: string): string[][] {
  const lines = text.split("\n").filter((line) => line.startsWith("|"));
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
}

const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

const rows = tableRows(section("Configuration"));
const variables = rows.flatMap(([variable]) => codes(variable));
const fields = rows.flatMap(([, field]) => codes(field));

/** The FIELDS list config.ts checks options against (unknown ones are warned about). */
function fieldsList(): string[] {
  const match = /const FIELDS = new Set\(\s*"([^"]+)"\.split/.exec(CONFIG_SOURCE);
  expect(match, "the FIELDS list in src/config.ts").not.toBeNull();
  return match![1].split(" ");
}

/** The fields of `export interface Config<E = any> { ... }` in config.ts. */
function configInterfaceFields(): string[] {
  const start = CONFIG_SOURCE.indexOf("export interface Config<E = any> {");
  expect(start).toBeGreaterThan(-1);
  const body = CONFIG_SOURCE.slice(start, CONFIG_SOURCE.indexOf("\n}\n", start));
  return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
}

describe("README configuration table", () => {
  it("lists every variable the code reads, once, and no other", () => {
    expect(new Set(variables).size, `a variable listed twice: ${variables}`).toBe(variables.length);
    expect([...variables].sort()).toEqual([...OTEL_KEYS].sort());
  });

  it("lists every config field (the Config interface, the FIELDS list), once, and no other", () => {
    expect(configInterfaceFields().sort()).toEqual(fieldsList().sort());
    expect(new Set(fields).size, `a field listed twice: ${fields}`).toBe(fields.length);
    expect([...fields].sort()).toEqual(fieldsList().sort());
  });

  it("shows the defaults resolveConfig gives", () => {
    const resolved = resolveConfig(undefined, {}) as unknown as Record<string, unknown>;
    // `metrics` shows its variable's default (`otlp`), which resolves to `true`; `allowQueryParams`
    // (`[]`: no names beyond the built-in list) resolves into the URL policy.
    const variableDefaults = new Set(["metrics", "allowQueryParams"]);
    let compared = 0;
    for (const [, fieldCell, defaultCell] of rows) {
      const [field] = codes(fieldCell);
      const shown = /^`([^`]*)`$/.exec(defaultCell)?.[1];
      if (!field || shown === undefined || variableDefaults.has(field)) continue;
      const actual = resolved[field];
      let value: unknown = shown;
      try {
        value = JSON.parse(shown);
      } catch {
        // a bare word: compared as a string
      }
      expect(actual, `default of ${field}`).toEqual(value);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(10);
  });

  it("lists every limit with its default", () => {
    const row = rows.find(([, field]) => codes(field).includes("limits"));
    expect(row).toBeDefined();
    const shown = Object.fromEntries(
      [...row![3].matchAll(/`(\w+)` \((\d+)(?: (KiB|MiB))?/g)].map(([, name, n, unit]) => [name, Number(n) * (unit === "MiB" ? 1024 ** 2 : unit === "KiB" ? 1024 : 1)]),
    );
    expect(shown).toEqual({ ...DEFAULT_LIMITS });
  });
});

describe("README attribute lists", () => {
  const names = [...ATTRIBUTES_SOURCE.matchAll(/^export const \w+ = "([a-z][\w.]*)";/gm)].map((m) => m[1]);

  it("name every otel_genai_edge.* attribute of src/attributes.ts", () => {
    const own = names.filter((n) => n.startsWith("otel_genai_edge."));
    expect(own.length).toBeGreaterThanOrEqual(8);
    expect(own.filter((n) => !README.includes(`\`${n}\``))).toEqual([]);
  });

  it("name every other attribute of src/attributes.ts (`.x` after its namespace's first name counts)", () => {
    // The LLM span table abbreviates `gen_ai.request.temperature` to `.temperature` after `gen_ai.request.max_tokens`.
    const documented = (name: string) => {
      if (README.includes(`\`${name}\``) || README.includes(` \`${name}\` `)) return true;
      const [, prefix, rest] = /^(\w+\.\w+)\.(.+)$/.exec(name) ?? [];
      return prefix !== undefined && README.split("\n").some((line) => line.includes(`\`${prefix}.`) && line.includes(`\`.${rest}\``));
    };
    expect(names.length).toBeGreaterThan(60);
    expect(names.filter((n) => !documented(n))).toEqual([]);
  });
});
