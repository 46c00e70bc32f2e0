/**
 * A validator for captured content, encoding the rules of the GenAI conventions' JSON schemas
 * (no schema file is copied here; each rule below names where it comes from):
 *
 * - "v1.41": open-telemetry/semantic-conventions v1.41.0 (e018fe6f),
 *   docs/gen-ai/gen-ai-input-messages.json, gen-ai-output-messages.json,
 *   gen-ai-system-instructions.json and gen-ai-tool-definitions.json.
 * - "latest": open-telemetry/semantic-conventions-genai, model/gen-ai/ (the same four files as
 *   of 2026-08/09: output messages @ ae14c021 and 2b902ce, input messages @ 2b902ce and 7568a24,
 *   system instructions @ 16c5f010, tool definitions @ d357ce21). What changed from v1.41:
 *   a `compaction` part; `document` joins the modality enum (any string was allowed anyway);
 *   optional `transcript` (string|null) and `byte_size` (integer >= 0|null) on blob/uri/file;
 *   an output message's `finish_reason` is optional, nullable and deprecated (#363: report
 *   finish reasons in `gen_ai.response.finish_reasons`); system instructions are a text part or
 *   any part whose type is not "text" (#257). Where the stored versions differ on whether an
 *   optional id or MIME type may be null (7568a24 "distinguish omitted and null"), null is
 *   accepted: this package never writes either as null.
 *
 * How the schemas' `anyOf [..., GenericPart]` is read: a part whose `type` is one the schema
 * defines (text, tool_call, blob...) must satisfy that definition; only a part of any other type
 * is a GenericPart (`{type: string}`, anything else allowed). Read literally, JSON Schema would
 * let `{type: "text"}` without content pass as a GenericPart; the schemas' intent (and the
 * conventions' prose) is the discriminated reading, which is what this checks. The same goes for
 * tool definitions: `type: "function"` must be a FunctionToolDefinition.
 *
 * Rules marked SHOULD come from the schemas' descriptions rather than their structure: a blob's
 * content is base64; a uri part's uri is not a base64 data: URL (that is a blob).
 */

export type SchemaVersion = "v1.41" | "latest";

export const CONTENT_ATTRIBUTES = ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions"] as const;
export type ContentAttribute = (typeof CONTENT_ATTRIBUTES)[number];

export interface Violation {
  /** JSON path inside the attribute's value, `$[0].parts[1].content`. */
  path: string;
  rule: string;
}

/** Where a deprecated field is used (valid, but reported apart). */
export interface Deprecation {
  path: string;
  field: string;
}

export interface Report {
  violations: Violation[];
  deprecations: Deprecation[];
  /** Every part `type` met (messages and system instructions), for coverage. */
  partTypes: Set<string>;
}

/** The part types each schema defines (anything else is a GenericPart). */
const MESSAGE_PART_TYPES: Record<SchemaVersion, readonly string[]> = {
  "v1.41": ["text", "tool_call", "tool_call_response", "server_tool_call", "server_tool_call_response", "blob", "file", "uri", "reasoning"],
  latest: ["text", "tool_call", "tool_call_response", "server_tool_call", "server_tool_call_response", "blob", "file", "uri", "reasoning", "compaction"],
};
/** v1.41's system instructions list every part but the server tool ones; latest's only text (#257). */
const SYSTEM_PART_TYPES: Record<SchemaVersion, readonly string[]> = {
  "v1.41": ["text", "tool_call", "tool_call_response", "blob", "file", "uri", "reasoning"],
  latest: ["text"],
};

/** The part types a schema version defines for messages (a GenericPart is any other). */
export const definedPartTypes = (version: SchemaVersion): readonly string[] => MESSAGE_PART_TYPES[version];

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const key = (path: string, k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);

/** Standard or URL-safe base64, padded or not. */
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;
function isBase64(s: string): boolean {
  if (!BASE64.test(s)) return false;
  const body = s.replace(/=+$/, "");
  if (body.length % 4 === 1) return false;
  return !s.endsWith("=") || s.length % 4 === 0;
}

class Checker {
  readonly violations: Violation[] = [];
  readonly deprecations: Deprecation[] = [];
  readonly partTypes = new Set<string>();

  constructor(readonly version: SchemaVersion) {}

  fail(path: string, rule: string): void {
    this.violations.push({ path, rule });
  }

  /** `o[k]` present (not undefined) and a string. */
  requiredString(o: Obj, k: string, path: string, what: string): void {
    if (!(k in o)) this.fail(key(path, k), `${what}: ${k} is required (string)`);
    else if (typeof o[k] !== "string") this.fail(key(path, k), `${what}: ${k} must be a string, got ${typeName(o[k])}`);
  }

  /** `o[k]` absent, a string, or (when allowed) null. */
  optionalString(o: Obj, k: string, path: string, what: string, nullable = true): void {
    if (!(k in o)) return;
    const v = o[k];
    if (typeof v === "string" || (nullable && v === null)) return;
    this.fail(key(path, k), `${what}: ${k} must be a string${nullable ? " or null" : ""}, got ${typeName(v)}`);
  }

  required(o: Obj, k: string, path: string, what: string): void {
    if (!(k in o) || o[k] === undefined) this.fail(key(path, k), `${what}: ${k} is required`);
  }

  /** `{type: string, ...}` (GenericServerToolCall / GenericServerToolCallResponse). */
  typedObject(o: Obj, k: string, path: string, what: string): void {
    if (!(k in o)) {
      this.fail(key(path, k), `${what}: ${k} is required (an object with a string type)`);
      return;
    }
    const v = o[k];
    if (!isObj(v)) {
      this.fail(key(path, k), `${what}: ${k} must be an object, got ${typeName(v)}`);
      return;
    }
    this.requiredString(v, "type", key(path, k), `${what}.${k}`);
  }

  /** The fields blob, uri and file share: modality (required), mime_type, and latest's transcript and byte_size. */
  media(p: Obj, path: string, what: string): void {
    this.requiredString(p, "modality", path, what);
    this.optionalString(p, "mime_type", path, what);
    if (this.version === "latest") {
      this.optionalString(p, "transcript", path, what);
      if ("byte_size" in p && p.byte_size !== null && !(Number.isInteger(p.byte_size) && (p.byte_size as number) >= 0)) {
        this.fail(key(path, "byte_size"), `${what}: byte_size must be an integer >= 0 or null, got ${JSON.stringify(p.byte_size)}`);
      }
    }
  }

  part(p: unknown, path: string, defined: readonly string[]): void {
    if (!isObj(p)) {
      this.fail(path, `part must be an object, got ${typeName(p)}`);
      return;
    }
    if (typeof p.type !== "string") {
      this.fail(key(path, "type"), `part: type is required (string), got ${typeName(p.type)}`);
      return;
    }
    const type = p.type;
    this.partTypes.add(type);
    if (!defined.includes(type)) return; // GenericPart: {type: string}, anything else allowed.
    const what = `${type} part`;
    switch (type) {
      case "text":
      case "reasoning":
        this.requiredString(p, "content", path, what);
        break;
      case "tool_call":
        this.requiredString(p, "name", path, what);
        this.optionalString(p, "id", path, what);
        break;
      case "tool_call_response":
        this.required(p, "response", path, what);
        this.optionalString(p, "id", path, what);
        break;
      case "server_tool_call":
        this.requiredString(p, "name", path, what);
        this.optionalString(p, "id", path, what);
        this.typedObject(p, "server_tool_call", path, what);
        break;
      case "server_tool_call_response":
        this.optionalString(p, "id", path, what);
        this.typedObject(p, "server_tool_call_response", path, what);
        break;
      case "blob":
        this.media(p, path, what);
        this.requiredString(p, "content", path, what);
        if (typeof p.content === "string" && !isBase64(p.content)) {
          this.fail(key(path, "content"), `${what}: content SHOULD be base64, got ${p.content.length} characters ending ${JSON.stringify(p.content.slice(-24))}`);
        }
        break;
      case "uri":
        this.media(p, path, what);
        this.requiredString(p, "uri", path, what);
        if (typeof p.uri === "string" && /^data:[^,]*;base64,/i.test(p.uri)) this.fail(key(path, "uri"), `${what}: uri SHOULD NOT be a base64 data: URL (a blob part)`);
        break;
      case "file":
        this.media(p, path, what);
        this.requiredString(p, "file_id", path, what);
        break;
      case "compaction":
        this.optionalString(p, "id", path, what);
        this.optionalString(p, "content", path, what);
        break;
    }
  }

  messages(value: unknown, output: boolean): void {
    if (!Array.isArray(value)) {
      this.fail("$", `must be an array of messages, got ${typeName(value)}`);
      return;
    }
    const what = output ? "output message" : "message";
    for (const [i, m] of value.entries()) {
      const path = `$[${i}]`;
      if (!isObj(m)) {
        this.fail(path, `${what} must be an object, got ${typeName(m)}`);
        continue;
      }
      this.requiredString(m, "role", path, what);
      this.optionalString(m, "name", path, what);
      if (!("parts" in m)) this.fail(`${path}.parts`, `${what}: parts is required (array)`);
      else if (!Array.isArray(m.parts)) this.fail(`${path}.parts`, `${what}: parts must be an array, got ${typeName(m.parts)}`);
      else for (const [j, p] of m.parts.entries()) this.part(p, `${path}.parts[${j}]`, MESSAGE_PART_TYPES[this.version]);
      if (!output) continue;
      if (this.version === "v1.41") this.requiredString(m, "finish_reason", path, what);
      else if ("finish_reason" in m) {
        this.optionalString(m, "finish_reason", path, what);
        this.deprecations.push({ path: `${path}.finish_reason`, field: "finish_reason" });
      }
    }
  }

  systemInstructions(value: unknown): void {
    if (!Array.isArray(value)) {
      this.fail("$", `must be an array of parts, got ${typeName(value)}`);
      return;
    }
    for (const [i, p] of value.entries()) this.part(p, `$[${i}]`, SYSTEM_PART_TYPES[this.version]);
  }

  toolDefinitions(value: unknown): void {
    if (!Array.isArray(value)) {
      this.fail("$", `must be an array of tool definitions, got ${typeName(value)}`);
      return;
    }
    for (const [i, d] of value.entries()) {
      const path = `$[${i}]`;
      if (!isObj(d)) {
        this.fail(path, `tool definition must be an object, got ${typeName(d)}`);
        continue;
      }
      this.requiredString(d, "type", path, "tool definition");
      this.requiredString(d, "name", path, "tool definition");
      if (d.type !== "function") continue; // GenericToolDefinition: {type, name}, anything else allowed.
      this.optionalString(d, "description", path, "function tool definition");
      if ("parameters" in d && d.parameters !== null) draft07(d.parameters, `${path}.parameters`, this);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON Schema draft-07 (a function tool's `parameters` "MUST conform to JSON Schema draft-07"):
// the keywords of the draft-07 meta-schema whose values it constrains. Unknown keywords are
// allowed (the meta-schema has no additionalProperties: false).
// ---------------------------------------------------------------------------------------------

const SIMPLE_TYPES = ["array", "boolean", "integer", "null", "number", "object", "string"];
const SCHEMA_KEYWORDS = ["additionalItems", "additionalProperties", "contains", "propertyNames", "not", "if", "then", "else"];
const SCHEMA_MAPS = ["properties", "patternProperties", "definitions"];
const SCHEMA_ARRAYS = ["allOf", "anyOf", "oneOf"];
const NON_NEGATIVE_INTEGERS = ["maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties"];
const NUMBERS = ["maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"];
const STRINGS = ["$id", "$schema", "$ref", "$comment", "title", "description", "format", "pattern", "contentMediaType", "contentEncoding"];
const BOOLEANS = ["readOnly", "writeOnly", "uniqueItems"];

function draft07(schema: unknown, path: string, c: Checker, depth = 0): void {
  const fail = (at: string, rule: string) => c.fail(at, `parameters MUST conform to JSON Schema draft-07: ${rule}`);
  if (typeof schema === "boolean") return;
  if (!isObj(schema)) {
    fail(path, `a schema is an object or a boolean, got ${typeName(schema)}`);
    return;
  }
  if (depth > 64) return;
  const at = (k: string) => key(path, k);
  if ("type" in schema) {
    const t = schema.type;
    const list = Array.isArray(t) ? t : [t];
    for (const item of list) if (typeof item !== "string" || !SIMPLE_TYPES.includes(item)) fail(at("type"), `type must be one of ${SIMPLE_TYPES.join(", ")} (or an array of them), got ${JSON.stringify(item)}`);
    if (Array.isArray(t) && new Set(t).size !== t.length) fail(at("type"), "type's items must be unique");
  }
  for (const k of SCHEMA_KEYWORDS) if (k in schema) draft07(schema[k], at(k), c, depth + 1);
  for (const k of SCHEMA_MAPS) {
    if (!(k in schema)) continue;
    const m = schema[k];
    if (!isObj(m)) fail(at(k), `${k} must be an object of schemas, got ${typeName(m)}`);
    else for (const [name, s] of Object.entries(m)) draft07(s, key(at(k), name), c, depth + 1);
  }
  for (const k of SCHEMA_ARRAYS) {
    if (!(k in schema)) continue;
    const a = schema[k];
    if (!Array.isArray(a) || a.length === 0) fail(at(k), `${k} must be a non-empty array of schemas`);
    else for (const [i, s] of a.entries()) draft07(s, `${at(k)}[${i}]`, c, depth + 1);
  }
  if ("items" in schema) {
    const items = schema.items;
    if (Array.isArray(items)) for (const [i, s] of items.entries()) draft07(s, `${at("items")}[${i}]`, c, depth + 1);
    else draft07(items, at("items"), c, depth + 1);
  }
  if ("dependencies" in schema) {
    const deps = schema.dependencies;
    if (!isObj(deps)) fail(at("dependencies"), "dependencies must be an object");
    else for (const [name, d] of Object.entries(deps)) if (!(Array.isArray(d) && d.every((x) => typeof x === "string"))) draft07(d, key(at("dependencies"), name), c, depth + 1);
  }
  if ("required" in schema) {
    const r = schema.required;
    if (!Array.isArray(r) || !r.every((x) => typeof x === "string")) fail(at("required"), `required must be an array of strings, got ${JSON.stringify(r)}`);
    else if (new Set(r).size !== r.length) fail(at("required"), "required's items must be unique");
  }
  if ("enum" in schema && !Array.isArray(schema.enum)) fail(at("enum"), `enum must be an array, got ${typeName(schema.enum)}`);
  if ("examples" in schema && !Array.isArray(schema.examples)) fail(at("examples"), `examples must be an array, got ${typeName(schema.examples)}`);
  for (const k of NON_NEGATIVE_INTEGERS) if (k in schema && !(Number.isInteger(schema[k]) && (schema[k] as number) >= 0)) fail(at(k), `${k} must be a non-negative integer, got ${JSON.stringify(schema[k])}`);
  for (const k of NUMBERS) if (k in schema && typeof schema[k] !== "number") fail(at(k), `${k} must be a number, got ${JSON.stringify(schema[k])}`);
  if ("multipleOf" in schema && !(typeof schema.multipleOf === "number" && schema.multipleOf > 0)) fail(at("multipleOf"), `multipleOf must be a number > 0, got ${JSON.stringify(schema.multipleOf)}`);
  for (const k of STRINGS) if (k in schema && typeof schema[k] !== "string") fail(at(k), `${k} must be a string, got ${typeName(schema[k])}`);
  for (const k of BOOLEANS) if (k in schema && typeof schema[k] !== "boolean") fail(at(k), `${k} must be a boolean, got ${typeName(schema[k])}`);
}

/** Checks one content attribute's value (structured, or already parsed from its JSON string) against a schema version. */
export function validateContent(attribute: ContentAttribute, value: unknown, version: SchemaVersion): Report {
  const c = new Checker(version);
  if (attribute === "gen_ai.input.messages") c.messages(value, false);
  else if (attribute === "gen_ai.output.messages") c.messages(value, true);
  else if (attribute === "gen_ai.system_instructions") c.systemInstructions(value);
  else c.toolDefinitions(value);
  return { violations: c.violations, deprecations: c.deprecations, partTypes: c.partTypes };
}

/** A span attribute's value: a JSON string (what this package puts on spans), parsed; a parse failure is a violation. */
export function validateSpanAttribute(attribute: ContentAttribute, value: unknown, version: SchemaVersion): Report {
  if (typeof value !== "string") return validateContent(attribute, value, version);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return { violations: [{ path: "$", rule: `not valid JSON (${(error as Error).message})` }], deprecations: [], partTypes: new Set() };
  }
  return validateContent(attribute, parsed, version);
}
