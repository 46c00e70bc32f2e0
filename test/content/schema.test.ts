/**
 * Captured content against the GenAI conventions' JSON schemas (the rules in ./schema.ts): every
 * response fixture of every format with a content reader (./schema-cases.ts), under both
 * profiles (v1.41 checked against semconv v1.41.0's schemas, latest against the genai
 * repository's), with content on spans and on the operation-details event (SPAN_AND_EVENT), tool
 * definitions at the default detail and `toolDefinitions: "full"`.
 *
 * Two passes:
 * 1. the call's core (a `GenAICall` as src/fetch/instrument.ts makes one, driven as
 *    test/content/capture.test.ts drives it): detection from the provider's real URL, the
 *    fixture through the real framing, the span's attributes (JSON strings, parsed) and the
 *    event's structured values;
 * 2. what is exported: the same calls through the instrumented `fetch` (the fixtures replayed
 *    over HTTP), and the Workers AI binding through `instrumentAI`, decoded from OTLP by the test
 *    collector: the spans' attributes and the `gen_ai.client.inference.operation.details` log
 *    records' attributes.
 *
 * A violation reads `<format> <fixture> <where>:<attribute> <json path>: <rule>`.
 */
import { readdirSync } from "node:fs";
import { type Attributes, type Span, SpanStatusCode } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES, type SemconvProfileName } from "../../src/attributes.js";
import { DEFAULT_LIMITS } from "../../src/config.js";
import { type CallRecord, GenAICall } from "../../src/genai/call.js";
import { gateForeignSpan } from "../../src/genai/content/foreign.js";
import { detect } from "../../src/genai/detect.js";
import { flush, instrumentAI, withTracing } from "../../src/index.js";
import { streamBytes } from "../genai/helpers.js";
import { type Collector, startCollector } from "../support/collector.js";
import { contentTypeFor, type Replay, startReplay } from "../support/replay.js";
import { type ContentAttribute, CONTENT_ATTRIBUTES, type Deprecation, definedPartTypes, type SchemaVersion, validateContent, validateSpanAttribute } from "./schema.js";
import { caseFor, NOT_CONTENT, type SchemaCase, workersAi } from "./schema-cases.js";

const PROFILE_NAMES: SemconvProfileName[] = ["v1.41", "latest"];
/** The schemas each profile is held to. */
const SCHEMA_OF: Record<SemconvProfileName, SchemaVersion> = { "v1.41": "v1.41", latest: "latest" };

const TOOLS = "gen_ai.tool.definitions";
const EVENT = "gen_ai.client.inference.operation.details";

// ---------------------------------------------------------------------------------------------
// The fixtures
// ---------------------------------------------------------------------------------------------

const FIXTURES_DIR = new URL("../fixtures/", import.meta.url);
const ALL_FIXTURES = readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`${d.name}/`, FIXTURES_DIR)).map((f) => `${d.name}/${f}`))
  .sort();
const CASES: SchemaCase[] = ALL_FIXTURES.map(caseFor).filter((c): c is SchemaCase => c !== undefined);
const FORMATS = [...new Set(CASES.map((c) => c.format))].sort();

// ---------------------------------------------------------------------------------------------
// What a check gathers
// ---------------------------------------------------------------------------------------------

interface Findings {
  violations: string[];
  deprecations: string[];
  /** Part types met, by attribute. */
  partTypes: Map<string, Set<string>>;
}

const newFindings = (): Findings => ({ violations: [], deprecations: [], partTypes: new Map() });

/** Checks a set of content values (span JSON strings or event structured values) and records what it finds. */
function check(f: Findings, label: string, where: string, values: Record<string, unknown>, version: SchemaVersion, only?: ContentAttribute): void {
  const onSpan = / span/.test(where);
  for (const attribute of CONTENT_ATTRIBUTES) {
    if (only && attribute !== only) continue;
    if (!(attribute in values)) continue;
    const value = values[attribute];
    const report = onSpan ? validateSpanAttribute(attribute, value, version) : validateContent(attribute, value, version);
    for (const v of report.violations) f.violations.push(`${label} ${where}:${attribute} ${v.path}: ${v.rule}`);
    for (const d of report.deprecations as Deprecation[]) f.deprecations.push(`${label} ${where}:${attribute} ${d.path}: ${d.field} is deprecated`);
    const seen = f.partTypes.get(attribute) ?? new Set<string>();
    for (const t of report.partTypes) seen.add(t);
    f.partTypes.set(attribute, seen);
  }
}

const contentOf = (attributes: Record<string, unknown>) => Object.fromEntries(CONTENT_ATTRIBUTES.filter((k) => k in attributes).map((k) => [k, attributes[k]]));

// ---------------------------------------------------------------------------------------------
// Pass 1: the call's core
// ---------------------------------------------------------------------------------------------

interface Captured {
  span: Attributes;
  event?: Record<string, unknown>;
  /** Instrumentation errors counted (a reader that threw, content that could not be serialized). */
  errors: number;
}

const SPAN_CONTEXT = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };

/** One call of `c`, answered with its fixture, capturing SPAN_AND_EVENT. */
function capture(c: SchemaCase, profile: SemconvProfileName, fullToolDefinitions: boolean, maxContentLength = DEFAULT_LIMITS.maxContentLength): Captured {
  const url = new URL(c.url);
  const headers = new Headers({ "content-type": "application/json", ...c.headers });
  const detected = detect("POST", url, headers, c.body, {});
  if (detected?.format.id !== c.format) throw new Error(`${c.fixture}: ${c.url} detected as ${detected?.format.id}, not ${c.format}`);
  const attributes: Attributes = {};
  let record: CallRecord | undefined;
  let errors = 0;
  const span = { setAttributes: (a: Attributes) => Object.assign(attributes, a), setStatus: () => {}, updateName: () => {}, end: () => {}, spanContext: () => SPAN_CONTEXT } as unknown as Span;
  const call = new GenAICall({
    span,
    detected,
    request: detected.format.request(detected.body, url, headers),
    startMs: 0,
    serverAddress: url.hostname,
    serverPort: 443,
    limits: { ...DEFAULT_LIMITS, maxContentLength },
    profile: PROFILES[profile],
    prices: {},
    content: { mode: "SPAN_AND_EVENT", url, failed: () => errors++, fullToolDefinitions },
    onEnd: (r) => {
      record = r;
    },
  });
  const response = new Response(null, { status: c.status ?? 200, headers: { "content-type": contentTypeFor(c.fixture) } });
  const observer = call.observer(response, () => 5);
  observer.chunk?.(streamBytes(c.fixture));
  observer.end("done", undefined);
  return { span: attributes, event: record?.contentEvent?.attributes, errors };
}

interface CoreRun {
  findings: Findings;
  /** Per format. */
  byFormat: Map<string, Findings>;
  captured: Map<string, Captured>;
  /** Cases whose "full" tool definitions carry a parameter schema (so the full pass checks one). */
  fullWithParameters: number;
}

const coreRuns = new Map<SemconvProfileName, CoreRun>();

function coreRun(profile: SemconvProfileName): CoreRun {
  let run = coreRuns.get(profile);
  if (run) return run;
  run = { findings: newFindings(), byFormat: new Map(), captured: new Map(), fullWithParameters: 0 };
  const version = SCHEMA_OF[profile];
  for (const c of CASES) {
    const label = `${c.format} ${c.fixture}`;
    const f = run.byFormat.get(c.format) ?? newFindings();
    run.byFormat.set(c.format, f);
    const got = capture(c, profile, false);
    run.captured.set(c.fixture, got);
    for (const target of [f, run.findings]) {
      check(target, label, `[${profile}] span`, contentOf(got.span), version);
      if (got.event) check(target, label, `[${profile}] event`, contentOf(got.event), version);
    }
    // Tool definitions with their description and parameters (`toolDefinitions: "full"`).
    const full = capture(c, profile, true);
    const fullTools = full.span[TOOLS];
    if (typeof fullTools === "string" && (JSON.parse(fullTools) as { parameters?: unknown }[]).some((d) => d.parameters !== undefined)) run.fullWithParameters++;
    for (const target of [f, run.findings]) {
      check(target, label, `[${profile}] span(full tools)`, contentOf(full.span), version, TOOLS);
      if (full.event) check(target, label, `[${profile}] event(full tools)`, contentOf(full.event), version, TOOLS);
    }
  }
  coreRuns.set(profile, run);
  return run;
}

// ---------------------------------------------------------------------------------------------
// The validator itself
// ---------------------------------------------------------------------------------------------

describe("the validator", () => {
  const rules = (attribute: ContentAttribute, value: unknown, version: SchemaVersion = "v1.41") => validateContent(attribute, value, version).violations.map((v) => `${v.path}: ${v.rule}`);

  it("passes the conventions' own examples (every part type of both versions)", () => {
    const input = [
      { role: "system", parts: [{ type: "text", content: "You are a bot." }] },
      {
        role: "user",
        name: "ann",
        parts: [
          { type: "text", content: "Weather in Paris? See photo." },
          { type: "uri", modality: "image", mime_type: "image/png", uri: "https://example.com/p.png" },
          { type: "blob", modality: "audio", mime_type: "audio/wav", content: "UklGRiQAAABXQVZF" },
          { type: "file", modality: "document", mime_type: "application/pdf", file_id: "file-abc123" },
          { type: "custom_thing", anything: [1, 2] },
        ],
      },
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "Need the weather tool." },
          { type: "tool_call", id: "call_1", name: "get_weather", arguments: { location: "Paris" } },
          { type: "tool_call", id: null, name: "no_args" },
          { type: "server_tool_call", id: "ci_1", name: "code_interpreter", server_tool_call: { type: "code_interpreter", code: "print(1)" } },
          { type: "server_tool_call_response", id: "ci_1", server_tool_call_response: { type: "code_interpreter", outputs: [] } },
        ],
      },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "rainy, 57°F" }, { type: "tool_call_response", response: null }] },
    ];
    for (const version of ["v1.41", "latest"] as const) {
      expect(rules("gen_ai.input.messages", input, version)).toEqual([]);
      expect(rules("gen_ai.output.messages", [{ role: "assistant", parts: [{ type: "text", content: "It is rainy, 57°F." }], finish_reason: "stop" }], version)).toEqual([]);
      expect(rules("gen_ai.system_instructions", [{ type: "text", content: "You are a translator." }], version)).toEqual([]);
      expect(
        rules("gen_ai.tool.definitions", [
          { type: "function", name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
          { type: "function", name: "bare" },
          { type: "web_search_preview", name: "web_search_preview", anything: true },
        ], version),
      ).toEqual([]);
    }
    // latest only: a compaction part, byte_size and transcript; no finish_reason.
    expect(
      rules(
        "gen_ai.output.messages",
        [{ role: "assistant", parts: [{ type: "compaction", id: "cmp_1", content: "summary" }, { type: "blob", modality: "audio", content: "AAAA", transcript: "hi", byte_size: 3 }] }],
        "latest",
      ),
    ).toEqual([]);
  });

  it("reports each rule with its path", () => {
    expect(rules("gen_ai.input.messages", { role: "user" })).toEqual(["$: must be an array of messages, got object"]);
    expect(rules("gen_ai.input.messages", [{ parts: [] }, { role: 1, parts: {} }, { role: "user", parts: [], name: 3 }])).toEqual([
      "$[0].role: message: role is required (string)",
      "$[1].role: message: role must be a string, got number",
      "$[1].parts: message: parts must be an array, got object",
      "$[2].name: message: name must be a string or null, got number",
    ]);
    expect(
      rules("gen_ai.input.messages", [
        {
          role: "user",
          parts: [
            "text",
            { content: "x" },
            { type: "text" },
            { type: "reasoning", content: 1 },
            { type: "tool_call", id: 5 },
            { type: "tool_call_response", id: "c" },
            { type: "server_tool_call", name: "s", server_tool_call: "x" },
            { type: "server_tool_call_response", server_tool_call_response: {} },
            { type: "blob", content: "not base64!" },
            { type: "uri", modality: "image", uri: "data:image/png;base64,iVBO" },
            { type: "file", modality: "document" },
          ],
        },
      ]),
    ).toEqual([
      "$[0].parts[0]: part must be an object, got string",
      "$[0].parts[1].type: part: type is required (string), got undefined",
      "$[0].parts[2].content: text part: content is required (string)",
      "$[0].parts[3].content: reasoning part: content must be a string, got number",
      "$[0].parts[4].name: tool_call part: name is required (string)",
      "$[0].parts[4].id: tool_call part: id must be a string or null, got number",
      "$[0].parts[5].response: tool_call_response part: response is required",
      "$[0].parts[6].server_tool_call: server_tool_call part: server_tool_call must be an object, got string",
      "$[0].parts[7].server_tool_call_response.type: server_tool_call_response part.server_tool_call_response: type is required (string)",
      "$[0].parts[8].modality: blob part: modality is required (string)",
      '$[0].parts[8].content: blob part: content SHOULD be base64, got 11 characters ending "not base64!"',
      "$[0].parts[9].uri: uri part: uri SHOULD NOT be a base64 data: URL (a blob part)",
      "$[0].parts[10].file_id: file part: file_id is required (string)",
    ]);
    // Output messages: finish_reason required by v1.41, optional (and deprecated) in latest.
    expect(rules("gen_ai.output.messages", [{ role: "assistant", parts: [] }])).toEqual(["$[0].finish_reason: output message: finish_reason is required (string)"]);
    expect(rules("gen_ai.output.messages", [{ role: "assistant", parts: [] }], "latest")).toEqual([]);
    expect(validateContent("gen_ai.output.messages", [{ role: "assistant", parts: [], finish_reason: "stop" }], "latest").deprecations).toEqual([{ path: "$[0].finish_reason", field: "finish_reason" }]);
    // compaction is a GenericPart in v1.41, a defined part in latest; transcript/byte_size only checked in latest.
    expect(rules("gen_ai.input.messages", [{ role: "u", parts: [{ type: "compaction", id: 1 }] }])).toEqual([]);
    expect(rules("gen_ai.input.messages", [{ role: "u", parts: [{ type: "compaction", id: 1 }, { type: "blob", modality: "audio", content: "", byte_size: -1 }] }], "latest")).toEqual([
      "$[0].parts[0].id: compaction part: id must be a string or null, got number",
      "$[0].parts[1].byte_size: blob part: byte_size must be an integer >= 0 or null, got -1",
    ]);
    // System instructions: latest defines only text parts (#257); v1.41 all but the server tool ones.
    expect(rules("gen_ai.system_instructions", [{ type: "text" }, { type: "blob" }], "latest")).toEqual(["$[0].content: text part: content is required (string)"]);
    expect(rules("gen_ai.system_instructions", [{ type: "blob" }, { type: "server_tool_call" }])).toEqual([
      "$[0].modality: blob part: modality is required (string)",
      "$[0].content: blob part: content is required (string)",
    ]);
    // Tool definitions: type and name; a function's parameters are a draft-07 schema.
    expect(
      rules("gen_ai.tool.definitions", [
        { name: "x" },
        { type: "function", name: "f", description: 1, parameters: "object" },
        { type: "function", name: "g", parameters: { type: "OBJECT", properties: { a: { type: "STRING" }, b: { type: ["string", "null"] } }, required: "a" } },
      ]),
    ).toEqual([
      "$[0].type: tool definition: type is required (string)",
      "$[1].description: function tool definition: description must be a string or null, got number",
      "$[1].parameters: parameters MUST conform to JSON Schema draft-07: a schema is an object or a boolean, got string",
      '$[2].parameters.type: parameters MUST conform to JSON Schema draft-07: type must be one of array, boolean, integer, null, number, object, string (or an array of them), got "OBJECT"',
      '$[2].parameters.properties.a.type: parameters MUST conform to JSON Schema draft-07: type must be one of array, boolean, integer, null, number, object, string (or an array of them), got "STRING"',
      '$[2].parameters.required: parameters MUST conform to JSON Schema draft-07: required must be an array of strings, got "a"',
    ]);
    // A span attribute that is not JSON.
    expect(validateSpanAttribute("gen_ai.input.messages", "[{", "v1.41").violations.map((v) => v.path)).toEqual(["$"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Pass 1
// ---------------------------------------------------------------------------------------------

describe("the fixtures", () => {
  it("every fixture of every content format is checked, or says why not", () => {
    const unread = ALL_FIXTURES.filter((f) => !caseFor(f) && !NOT_CONTENT[f]);
    expect(unread).toEqual([]);
    expect(FORMATS).toEqual([
      "anthropic.messages",
      "aws.bedrock.converse",
      "aws.bedrock.invoke",
      "cloudflare.workers_ai",
      "cohere.chat",
      "gcp.gemini.generate_content",
      "ollama.chat",
      "ollama.generate",
      "openai.chat_completions",
      "openai.completions",
      "openai.responses",
    ]);
  });

  it("each call records its content, the same on the span and in the event, with no instrumentation error", () => {
    for (const profile of PROFILE_NAMES) {
      for (const [fixture, got] of coreRun(profile).captured) {
        expect(got.errors, fixture).toBe(0);
        expect(typeof got.span["gen_ai.input.messages"], fixture).toBe("string");
        const parsed = Object.fromEntries(Object.entries(contentOf(got.span)).map(([k, v]) => [k, JSON.parse(v as string)]));
        expect(contentOf(got.event ?? {}), fixture).toEqual(parsed);
      }
    }
    // The content does not depend on the profile.
    for (const [fixture, got] of coreRun("v1.41").captured) expect(contentOf(coreRun("latest").captured.get(fixture)!.span), fixture).toEqual(contentOf(got.span));
  });
});

for (const profile of PROFILE_NAMES) {
  describe(`the ${profile} profile's content against the ${SCHEMA_OF[profile]} schemas (span attributes and event values)`, () => {
    for (const format of FORMATS) {
      const fixtures = CASES.filter((c) => c.format === format).map((c) => c.fixture);
      it(`${format} (${fixtures.length} fixtures): no violation`, () => {
        expect(coreRun(profile).byFormat.get(format)!.violations).toEqual([]);
      });
    }
    it('toolDefinitions: "full" was checked with parameter schemas in it (the draft-07 check ran)', () => {
      expect(coreRun(profile).fullWithParameters).toBeGreaterThanOrEqual(5);
    });
  });
}

describe("coverage", () => {
  it("every part type the package emits is met, in some fixture's content", () => {
    const seen = (attribute: ContentAttribute) => [...(coreRun("v1.41").findings.partTypes.get(attribute) ?? [])].sort();
    // Every part the schemas define but `compaction` (no provider format here has one), and the
    // package's own generic parts: OpenAI's `refusal`, Cohere's `document`, and a block a reader
    // does not know kept by its type (Anthropic's `redacted_thinking`).
    expect(seen("gen_ai.input.messages")).toEqual([
      "blob",
      "document",
      "file",
      "reasoning",
      "redacted_thinking",
      "refusal",
      "server_tool_call",
      "server_tool_call_response",
      "text",
      "tool_call",
      "tool_call_response",
      "uri",
    ]);
    expect(seen("gen_ai.output.messages")).toEqual(["reasoning", "text", "tool_call"]);
    expect(seen("gen_ai.system_instructions")).toEqual(["text"]);
    const defined = new Set(definedPartTypes("latest"));
    const all = new Set([...seen("gen_ai.input.messages"), ...seen("gen_ai.output.messages"), ...seen("gen_ai.system_instructions")]);
    expect([...defined].filter((t) => !all.has(t))).toEqual(["compaction"]);
  });

  it("latest: output messages still carry finish_reason, deprecated there (#363): reported, not a schema violation", () => {
    const deprecated = coreRun("latest").findings.deprecations;
    expect(deprecated.length).toBeGreaterThan(0);
    expect(deprecated.every((d) => d.includes("gen_ai.output.messages") && d.endsWith("finish_reason is deprecated"))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Pass 1, bounded: content over `limits.maxContentLength` is cut (strings marked, trailing
// messages dropped) and must still be valid; and content on other instrumentations' spans (the
// AI SDK's), which passes the same gate (src/genai/content/foreign.ts)
// ---------------------------------------------------------------------------------------------

/** A limit most of the rich requests' content exceeds, so that their lists are cut. */
const SMALL_LIMIT = 512;

describe(`content cut to limits.maxContentLength = ${SMALL_LIMIT}`, () => {
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: no violation in what the cut leaves (span attributes and event values)`, () => {
      const f = newFindings();
      let cutCount = 0;
      const version = SCHEMA_OF[profile];
      for (const c of CASES) {
        const label = `${c.format} ${c.fixture}`;
        const got = capture(c, profile, true, SMALL_LIMIT);
        expect(got.errors, label).toBe(0);
        const cut = got.span["gen_ai.input.messages"] as string;
        expect(cut.length, label).toBeLessThanOrEqual(SMALL_LIMIT);
        // Something is left of the list; one longer than the limit was cut (texts marked, blobs
        // shortened or messages dropped), a shorter one kept whole.
        const whole = capture(c, profile, true).span["gen_ai.input.messages"] as string;
        expect((JSON.parse(cut) as unknown[]).length, label).toBeGreaterThan(0);
        expect(cut === whole, label).toBe(whole.length <= SMALL_LIMIT);
        cutCount += cut === whole ? 0 : 1;
        check(f, label, `[${profile}, max ${SMALL_LIMIT}] span`, contentOf(got.span), version);
        if (got.event) check(f, label, `[${profile}, max ${SMALL_LIMIT}] event`, contentOf(got.event), version);
      }
      expect(cutCount).toBeGreaterThan(CASES.length / 2);
      expect(f.violations).toEqual([]);
    });
  }
});

describe("a real-sized inline image at the default limit (16 KiB)", () => {
  // An 18 KB JPEG is 24 KB of base64: more than the whole attribute may hold.
  const image = Buffer.from(Array.from({ length: 18_000 }, (_, i) => (i * 7919) % 256)).toString("base64");
  const c: SchemaCase = {
    format: "openai.chat_completions",
    fixture: "openai/chat-nonstream.json",
    url: "https://api.openai.com/v1/chat/completions",
    body: { model: "gpt-4o", messages: [{ role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image_url", image_url: { url: `data:image/jpeg;base64,${image}` } }] }] },
  };
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: the blob part that is kept is still a blob part`, () => {
      const f = newFindings();
      const got = capture(c, profile, false);
      expect(got.errors).toBe(0);
      // The image is kept, as a blob part with base64 content (cut to whole 4-character groups).
      const parts = (JSON.parse(got.span["gen_ai.input.messages"] as string) as { parts: { type: string; content?: string }[] }[]).flatMap((m) => m.parts);
      const blob = parts.find((p) => p.type === "blob");
      expect(blob?.content?.length).toBeGreaterThan(0);
      expect(blob!.content!.length % 4).toBe(0);
      expect(image.startsWith(blob!.content!)).toBe(true);
      check(f, `${c.format} ${c.fixture}+24KB-image`, `[${profile}] span`, contentOf(got.span), SCHEMA_OF[profile]);
      if (got.event) check(f, `${c.format} ${c.fixture}+24KB-image`, `[${profile}] event`, contentOf(got.event), SCHEMA_OF[profile]);
      expect(f.violations).toEqual([]);
    });
  }
});

describe("content on another instrumentation's span (the AI SDK's), gated as ours", () => {
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: valid lists stay valid, whole or cut, tool definitions at either detail`, () => {
      const f = newFindings();
      const version = SCHEMA_OF[profile];
      for (const c of CASES) {
        // Each fixture's own content (at "full" detail) as the foreign span's, the lists that are valid.
        const own = contentOf(capture(c, profile, true).span);
        const valid = Object.fromEntries(Object.entries(own).filter(([k, v]) => validateSpanAttribute(k as ContentAttribute, v, version).violations.length === 0));
        expect(Object.keys(valid).length, `${c.format} ${c.fixture}`).toBeGreaterThan(0);
        for (const fullToolDefinitions of [false, true]) {
          for (const max of [DEFAULT_LIMITS.maxContentLength, SMALL_LIMIT]) {
            const attributes: Attributes = { "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "cohere", ...valid };
            let failed = 0;
            gateForeignSpan({ attributes, events: [], status: { code: SpanStatusCode.UNSET } }, { mode: "SPAN_ONLY", fullToolDefinitions, failed: () => failed++ }, max);
            const label = `ai-sdk(${c.format}) ${c.fixture}`;
            expect(failed, label).toBe(0);
            // The valid lists are kept (cut, at the small limit), none dropped.
            expect(Object.keys(contentOf(attributes)).sort(), label).toEqual(Object.keys(valid).sort());
            check(f, label, `[${profile}, max ${max}${fullToolDefinitions ? ", full tools" : ""}] span`, contentOf(attributes), version);
          }
        }
      }
      expect(f.violations).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Pass 2: what is exported
// ---------------------------------------------------------------------------------------------

describe("exported content (instrumented fetch over replayed fixtures, the Workers AI binding; decoded OTLP)", () => {
  let collector: Collector;
  let replay: Replay;
  const exported = new Map<SemconvProfileName, { findings: Findings; calls: string[]; missing: string[] }>();
  /** Whether each exported call (by fixture, binding calls marked) recorded output messages. */
  const outputs = new Map<string, boolean>();

  const json = (c: SchemaCase): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-test", ...c.headers }, body: JSON.stringify(c.body) });

  async function exportRun(profile: SemconvProfileName, fullTools: boolean, findings: Findings, calls: string[], missing: string[]): Promise<void> {
    const key = (label: string) => label.split(" ").slice(1).join(" ");
    const config = {
      endpoint: collector.url,
      serviceName: `schema-${profile}-${fullTools ? "full" : "required"}`,
      semconv: profile,
      captureMessageContent: "SPAN_AND_EVENT" as const,
      toolDefinitions: fullTools ? ("full" as const) : ("required" as const),
      metrics: false,
      // The replay server as `localhost` is a Bedrock Runtime host (Bedrock bodies but Claude's carry nothing that says Bedrock).
      providers: { localhost: "aws.bedrock" },
    };
    const version = SCHEMA_OF[profile];
    const where = (w: string) => `[${profile}] ${w}${fullTools ? "(full tools)" : ""}`;
    /** Runs one call in its own request, exports, and checks what arrived. */
    const one = async (label: string, body: () => Promise<void>) => {
      collector.clear();
      const handler = withTracing(async () => {
        await body();
        return new Response("ok");
      }, config);
      await (await handler(new Request("http://app.test/run"))).text();
      await flush();
      const spans = collector.spans().filter((s) => "gen_ai.operation.name" in s.attributes);
      const logs = collector.logs().filter((r) => r.eventName === EVENT);
      if (spans.length !== 1 || logs.length !== 1 || !("gen_ai.input.messages" in spans[0]!.attributes)) {
        missing.push(`${label}: ${spans.length} GenAI spans, ${logs.length} ${EVENT} records`);
        return;
      }
      calls.push(label);
      outputs.set(key(label), "gen_ai.output.messages" in spans[0]!.attributes);
      check(findings, label, where("span"), contentOf(spans[0]!.attributes), version, fullTools ? TOOLS : undefined);
      check(findings, label, where("event"), contentOf(logs[0]!.attributes), version, fullTools ? TOOLS : undefined);
    };
    for (const c of CASES) {
      const real = new URL(c.url);
      let url = replay.urlFor(c.fixture, real.pathname + real.search, { gapMs: 0, ...(c.status && { status: c.status }) });
      if (c.format.startsWith("aws.bedrock")) url = url.replace("127.0.0.1", "localhost");
      await one(`${c.format} ${c.fixture}`, async () => {
        await (await fetch(url, json(c))).text();
      });
    }
    // The binding: a whole result and a stream (the bytes of the returned ReadableStream).
    const ai = (result: () => unknown) => instrumentAI({ run: async (_model: string, _inputs: unknown) => result() });
    await one("cloudflare.workers_ai workers-ai/chat.json (binding)", async () => {
      await ai(() => JSON.parse(replayText("workers-ai/chat.json"))).run("@cf/meta/llama-3.1-8b-instruct", workersAi(false));
    });
    await one("cloudflare.workers_ai workers-ai/chat-stream.sse (binding)", async () => {
      const stream = (await ai(() => new Response(streamBytes("workers-ai/chat-stream.sse") as Uint8Array<ArrayBuffer>).body).run("@cf/meta/llama-3.1-8b-instruct", workersAi(true))) as ReadableStream;
      await new Response(stream).text();
    });
  }

  const replayText = (fixture: string) => new TextDecoder().decode(streamBytes(fixture));

  beforeAll(async () => {
    collector = await startCollector();
    replay = await startReplay();
    for (const profile of PROFILE_NAMES) {
      const run = { findings: newFindings(), calls: [] as string[], missing: [] as string[] };
      for (const fullTools of [false, true]) await exportRun(profile, fullTools, run.findings, run.calls, run.missing);
      exported.set(profile, run);
    }
  }, 120_000);
  afterAll(async () => {
    await collector?.close();
    await replay?.close();
  });

  it("every call was exported with its content: one GenAI span and one operation-details record each", () => {
    for (const profile of PROFILE_NAMES) {
      const run = exported.get(profile)!;
      expect(run.missing, profile).toEqual([]);
      expect(run.calls.length, profile).toBe(2 * (CASES.length + 2));
    }
  });

  it("a call records output messages exactly when its core pass did (the binding's as the REST call's of the same fixture)", () => {
    const core = coreRun("v1.41").captured;
    const differ = [...outputs].filter(([label, has]) => has !== "gen_ai.output.messages" in core.get(label.replace(" (binding)", ""))!.span);
    expect(differ).toEqual([]);
  });

  for (const profile of PROFILE_NAMES) {
    it(`${profile}: no violation in any exported span attribute or event value`, () => {
      expect(exported.get(profile)!.findings.violations).toEqual([]);
    });
  }
});
