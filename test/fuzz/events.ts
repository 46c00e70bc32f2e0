/**
 * Event generators for the format fuzz tests: JSON written in any style a server might use,
 * events of each format's shape with tricky values, arbitrary JSON, raw garbage, and mutations
 * of the recorded fixture events.
 */
import { jsonWithKeys } from "./arbitraries.js";
import fc from "fast-check";
import { SseParser } from "../../src/genai/sse.js";
import type { SseEvent } from "../../src/genai/types.js";
import { fixtureText } from "../genai/helpers.js";

/** How a server writes JSON: whitespace between tokens, and `\uXXXX` escapes in strings. */
export interface Style {
  /** Whitespace put before/after each token, cycled (JSON whitespace only). */
  spaces: string[];
  /** Every n-th string character is written as `\uXXXX` (0: never). */
  escapeEvery: number;
  /** Newlines inside the JSON, i.e. several `data:` lines in an event. */
  pretty: boolean;
}

export const styles: fc.Arbitrary<Style> = fc.record({
  spaces: fc.array(fc.constantFrom("", "", " ", "  ", "\t", "\r\n", "\n"), { minLength: 1, maxLength: 6 }),
  escapeEvery: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 7 })),
  pretty: fc.boolean(),
});

/** JSON text of `v` (which JSON.stringify would accept) in the given style. */
export function write(v: unknown, style: Style): string {
  if (style.pretty && style.escapeEvery === 0 && style.spaces.length === 1) return JSON.stringify(v, null, 2);
  let n = 0;
  let chars = 0;
  const ws = () => {
    const s = style.spaces[n++ % style.spaces.length];
    return style.pretty ? s : s.replace(/[\r\n]/g, "");
  };
  const str = (s: string) => {
    const plain = JSON.stringify(s);
    if (style.escapeEvery === 0) return plain;
    let out = '"';
    // Walk the characters of the already-escaped body, escaping some plain ones as \uXXXX.
    for (let i = 1; i < plain.length - 1; i++) {
      const c = plain[i];
      if (c === "\\") {
        const len = plain[i + 1] === "u" ? 6 : 2;
        out += plain.slice(i, i + len);
        i += len - 1;
      } else out += ++chars % style.escapeEvery === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c;
    }
    return `${out}"`;
  };
  const go = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map((e) => ws() + go(e) + ws()).join(",")}]`;
    if (x !== null && typeof x === "object") {
      const entries = Object.entries(x).filter(([, e]) => e !== undefined);
      return `{${entries.map(([k, e]) => `${ws()}${str(k)}${ws()}:${ws()}${go(e)}${ws()}`).join(",")}}`;
    }
    return typeof x === "string" ? str(x) : JSON.stringify(x);
  };
  return ws() + go(v) + ws();
}

/** Text that looks like the keys the fast path looks for, to put inside generated content. */
const tricky = fc.constantFrom(
  '"finish_reason": "stop"',
  '{"usage": {"prompt_tokens": 99}}',
  '"error":',
  '"type":"message_delta"',
  '"type": "error"',
  '"response": {}',
  '"content": "x"',
  "\\u0075sage",
  "\\",
  '"',
  "\u2028",
);
export const text = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 6 }) }, fc.constant(""), tricky);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** A count, or something a count must not be taken from. */
const tokens = fc.oneof({ weight: 4, arbitrary: fc.nat(5000) }, fc.constantFrom(-1, 1.5, 1e300, "7", null, 2 ** 53, 2 ** 53 - 1, 2 ** 52 + 1, -0, Number.NaN));
/** Values for keys the fold does not read: anything but an object that could hide output keys. */
const extra = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
const extras = fc.dictionary(
  fc.string({ maxLength: 6 }).filter((k) => !/content|refusal|reasoning|arguments|text|thinking|partial_json|delta/.test(k)),
  extra,
  { maxKeys: 2 },
);

const chatUsage = fc.record(
  { prompt_tokens: tokens, completion_tokens: tokens, total_tokens: tokens, prompt_tokens_details: opt(fc.record({ cached_tokens: tokens })) },
  { requiredKeys: [] },
);
const chatDelta = fc.record(
  {
    role: opt(fc.constant("assistant")),
    content: opt(fc.option(text)),
    refusal: opt(fc.option(text)),
    reasoning: opt(text),
    reasoning_content: opt(fc.option(text)),
    tool_calls: opt(
      fc.array(fc.record({ index: fc.nat(2), id: opt(fc.string({ maxLength: 4 })), function: fc.record({ name: opt(text), arguments: opt(text) }, { requiredKeys: [] }) }), {
        maxLength: 2,
      }),
    ),
  },
  { requiredKeys: [] },
);

/** A Chat Completions chunk: mostly content deltas, sometimes finish reasons, usage, errors, new identities. */
export const chatChunk = fc
  .record(
    {
      id: opt(fc.constantFrom("chatcmpl-1", "chatcmpl-2", "")),
      object: fc.constant("chat.completion.chunk"),
      created: fc.nat(),
      model: opt(fc.constantFrom("gpt-4o", "llama-3", "")),
      service_tier: opt(fc.constantFrom("default", "flex", null)),
      system_fingerprint: opt(fc.constantFrom("fp_1", "fp_2", null)),
      choices: fc.array(
        fc.record(
          { index: opt(fc.oneof(fc.nat(3), fc.constant(200))), delta: chatDelta, logprobs: fc.constant(null), finish_reason: fc.option(fc.constantFrom("stop", "length", "")) },
          { requiredKeys: ["delta"] },
        ),
        { maxLength: 2 },
      ),
      usage: opt(fc.option(chatUsage)),
      x_groq: opt(fc.record({ id: fc.constant("req_1"), usage: opt(chatUsage) }, { requiredKeys: ["id"] })),
      error: opt(fc.option(fc.record({ message: text, type: text, code: fc.option(text) }))),
      obfuscation: opt(fc.string({ maxLength: 8 })),
      extras,
    },
    { requiredKeys: ["choices", "extras"] },
  )
  .map(({ extras: more, ...chunk }) => ({ ...more, ...chunk }));

const anthropicUsage = fc.record(
  { input_tokens: tokens, output_tokens: tokens, cache_read_input_tokens: tokens, cache_creation_input_tokens: tokens },
  { requiredKeys: [] },
);
const anthropicDelta = fc.oneof(
  fc.record({ type: fc.constant("text_delta"), text }),
  fc.record({ type: fc.constant("input_json_delta"), partial_json: text }),
  fc.record({ type: fc.constant("thinking_delta"), thinking: text }),
  fc.record({ type: fc.constant("signature_delta"), signature: fc.string({ maxLength: 6 }) }),
);
/** An Anthropic Messages event with its `event:` line (usually its type, sometimes not). */
export const anthropicEvent = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant("content_block_delta"), index: fc.nat(2), delta: anthropicDelta }) },
  fc.record({
    type: fc.constant("message_start"),
    message: fc.record({ id: fc.constantFrom("msg_1", ""), model: fc.constantFrom("claude", ""), usage: anthropicUsage }, { requiredKeys: [] }),
  }),
  fc.record({ type: fc.constant("message_delta"), delta: fc.record({ stop_reason: fc.option(text) }), usage: opt(anthropicUsage) }),
  fc.record({ type: fc.constantFrom("message_stop", "ping", "content_block_stop") }),
  fc.record({ type: fc.constant("content_block_start"), index: fc.nat(2), content_block: fc.record({ type: fc.constant("text"), text: fc.constant("") }) }),
  fc.record({ type: fc.constant("error"), error: fc.record({ type: text, message: text }, { requiredKeys: [] }) }),
);

const responseObject = fc.record(
  {
    id: fc.constantFrom("resp_1", ""),
    model: fc.constantFrom("gpt-4.1", ""),
    status: fc.constantFrom("in_progress", "completed", "incomplete", "failed"),
    usage: opt(fc.record({ input_tokens: tokens, output_tokens: tokens }, { requiredKeys: [] })),
    incomplete_details: opt(fc.record({ reason: text })),
    error: opt(fc.option(fc.record({ code: text, message: text }))),
  },
  { requiredKeys: ["status"] },
);
/** An OpenAI Responses event. */
export const responsesEvent = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constantFrom("response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_summary_text.delta"),
      item_id: fc.constant("msg_1"),
      output_index: fc.nat(2),
      delta: fc.oneof({ weight: 5, arbitrary: text }, fc.constant(null), fc.nat()),
      sequence_number: fc.nat(),
    }),
  },
  fc.record({ type: fc.constantFrom("response.created", "response.in_progress", "response.completed", "response.failed"), response: responseObject }),
  fc.record({ type: fc.constant("response.output_text.done"), text }),
  fc.record({ type: fc.constant("error"), code: text, message: text }, { requiredKeys: ["type"] }),
);

/** Events recorded from real servers (the streaming fixtures), by format. */
export function fixtureEvents(paths: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser();
  for (const path of paths) {
    parser.push(fixtureText(path), (e) => events.push(e));
    parser.end((e) => events.push(e));
  }
  return events;
}

/** Replace, delete or wrap one node of a JSON value (chosen by `at`), or leave it. */
export function mutate(v: unknown, at: number, op: "replace" | "delete" | "wrap" | "stringify", value: unknown): unknown {
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (x: unknown) => {
    if (x !== null && typeof x === "object") {
      for (const [k, e] of Object.entries(x)) {
        nodes.push({ parent: x as Record<string, unknown>, key: Array.isArray(x) ? Number(k) : k });
        walk(e);
      }
    }
  };
  const root = structuredClone(v);
  walk(root);
  if (nodes.length === 0) return value;
  const { parent, key } = nodes[at % nodes.length];
  const p = parent as Record<string | number, unknown>;
  if (op === "replace") p[key] = value;
  else if (op === "wrap") p[key] = [p[key]];
  else if (op === "stringify") p[key] = JSON.stringify(p[key]) ?? "";
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete p[key];
  return root;
}

/** A fixture event mutated: at the JSON level (re-written in some style) or as raw text. */
export function mutatedFixture(events: SseEvent[]): fc.Arbitrary<SseEvent> {
  const json = fc
    .tuple(fc.nat(events.length - 1), fc.nat(), fc.constantFrom("replace", "delete", "wrap", "stringify") as fc.Arbitrary<"replace">, jsonWithKeys(2), styles)
    .map(([i, at, op, value, style]) => {
      const e = events[i];
      let parsed: unknown;
      try {
        parsed = JSON.parse(e.data);
      } catch {
        return e;
      }
      return { ...e, data: write(mutate(parsed, at, op, value), style) };
    });
  const raw = fc.tuple(fc.nat(events.length - 1), fc.nat(), fc.nat(4), fc.string({ maxLength: 4 })).map(([i, at, cut, insert]) => {
    const e = events[i];
    const pos = at % (e.data.length + 1);
    return { ...e, data: e.data.slice(0, pos) + insert + e.data.slice(pos + cut) };
  });
  return fc.oneof(json, raw, fc.constantFrom(...events));
}
