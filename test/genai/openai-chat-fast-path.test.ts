import { describe, expect, it } from "vitest";
import { foldChatEvent, openaiChat } from "../../src/genai/openai-chat.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { foldSsePieces } from "./helpers.js";

/**
 * The per-chunk fast path classifies output deltas without parsing them. Every stream below must
 * fold to exact facts, and to the same facts as parsing every event (`foldChatEvent`).
 */
describe("openaiChat fast path", () => {
  /** JSON as Python's `json.dumps` writes it by default (vLLM, LiteLLM, many proxies): `", "` and `": "`. */
  const py = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(py).join(", ")}]`
      : v !== null && typeof v === "object"
        ? `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`).join(", ")}}`
        : JSON.stringify(v);
  const compact = (v: unknown) => JSON.stringify(v);
  const chunk = (delta: unknown, finish: string | null = null, extra: object = {}) => ({
    id: "chatcmpl-7f3a",
    object: "chat.completion.chunk",
    created: 1730000000,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  });
  const sse = (datas: string[]) => new TextEncoder().encode(datas.map((d) => `data: ${d.split("\n").join("\ndata: ")}\n\n`).join(""));
  const fold = (datas: string[]) => foldSsePieces(openaiChat, [sse(datas)]);
  /** The same events, each parsed and folded: what the fast path must agree with. */
  const foldParsed = (datas: string[]) => {
    const facts = newResponseFacts();
    let chunks = 0;
    for (const d of datas) {
      if (d === "[DONE]") facts.complete = true;
      else if (foldChatEvent(d, facts)) chunks++;
    }
    return { ...facts, chunks };
  };
  const identity = { id: "chatcmpl-7f3a", model: "meta-llama/Llama-3.1-8B-Instruct" };
  const stream = [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hello" }),
    chunk({ content: " world" }),
    // The last content comes with the finish reason (llama.cpp's server, Ollama, ...).
    chunk({ content: "!" }, "stop"),
    { ...chunk(null), choices: [], usage: { prompt_tokens: 12, total_tokens: 15, completion_tokens: 3 } },
  ];

  it("reads finish reason and usage from spaced JSON (Python json.dumps)", () => {
    const datas = [...stream.map(py), "[DONE]"];
    const expected = { ...identity, finishReasons: ["stop"], usage: { input: 12, output: 3 }, chunks: 3, complete: true };
    expect(fold(datas)).toEqual(expected);
    expect(foldParsed(datas)).toEqual(expected);
  });

  it("reads pretty-printed JSON sent as several data: lines", () => {
    const datas = [...stream.map((c) => JSON.stringify(c, null, 2)), "[DONE]"];
    expect(datas[1].split("\n").length).toBe(16);
    expect(fold(datas)).toEqual({ ...identity, finishReasons: ["stop"], usage: { input: 12, output: 3 }, chunks: 3, complete: true });
  });

  it("reads usage and finish reason inline in the last content chunk (Groq's x_groq, top-level usage)", () => {
    const usage = { prompt_tokens: 18, completion_tokens: 2, total_tokens: 20 };
    const last = [
      chunk({ content: "!" }, "stop", { x_groq: { id: "req_01", usage } }),
      chunk({ content: "!" }, "stop", { usage }),
      // No finish reason in that chunk: usage alone must not be skipped.
      chunk({ content: "!" }, null, { usage }),
    ];
    for (const write of [compact, py]) {
      for (const end of last) {
        const datas = [chunk({ role: "assistant", content: "" }), chunk({ content: "Hi" }), end].map(write);
        const facts = fold(datas);
        expect(facts.usage).toEqual({ input: 18, output: 2 });
        expect(facts.finishReasons).toEqual(end.choices[0].finish_reason ? ["stop"] : []);
        expect(facts.chunks).toBe(2);
        expect(facts).toEqual(foldParsed(datas));
      }
    }
  });

  it("reads a finish reason sent with content in the same chunk, for any choice", () => {
    const n2 = (index: number, content: string, finish: string | null) => ({ ...chunk(null), choices: [{ index, delta: { content }, finish_reason: finish }] });
    for (const write of [compact, py]) {
      const datas = [n2(0, "a", null), n2(1, "b", null), n2(1, "c", "length"), n2(0, "d", "stop")].map(write);
      const facts = fold(datas);
      expect(facts.finishReasons).toEqual(["stop", "length"]);
      expect(facts.chunks).toBe(4);
      expect(facts).toEqual(foldParsed(datas));
    }
  });

  it("does not take escaped quotes in content for a finish reason, but reads an escaped key", () => {
    // Content `"finish_reason": "stop"` written with \u0022 quotes: output text, not a finish reason.
    const spoof = py(chunk({ content: "X" })).replace('"X"', '"\\u0022finish_reason\\u0022: \\u0022stop\\u0022"');
    expect(JSON.parse(spoof).choices[0].delta.content).toBe('"finish_reason": "stop"');
    const datas = [py(chunk({ role: "assistant", content: "" })), spoof];
    expect(fold(datas)).toEqual({ ...identity, finishReasons: [], usage: {}, chunks: 1 });
    // The key itself spelled with an escape is still the key JSON.parse reads.
    const escapedKey = py(chunk({ content: "." }, "length")).replace('"finish_reason"', '"\\u0066inish_reason"');
    expect(fold([...datas, escapedKey])).toEqual({ ...identity, finishReasons: ["length"], usage: {}, chunks: 2 });
  });

  it('does not take "usage": inside content for usage', () => {
    const text = 'Here: {"usage": {"prompt_tokens": 99}, "finish_reason": "stop", "error": {}}';
    for (const write of [compact, py]) {
      const datas = [chunk({ role: "assistant", content: "" }), chunk({ content: text }), chunk({ content: text }, "stop"), stream[4]].map(write);
      expect(datas[1]).toContain('\\"usage\\": {');
      const facts = fold(datas);
      expect(facts).toEqual({ ...identity, finishReasons: ["stop"], usage: { input: 12, output: 3 }, chunks: 2 });
      expect(facts).toEqual(foldParsed(datas));
    }
  });

  it("keeps the first non-empty id and model of a stream", () => {
    const datas = [chunk({ content: "a" }), { ...chunk({ content: "b" }), id: "other", model: "other" }, { ...chunk({}, "stop"), model: "" }].map(py);
    expect(fold(datas)).toEqual({ ...identity, finishReasons: ["stop"], usage: {}, chunks: 2 });
    expect(foldParsed(datas)).toEqual(fold(datas));
  });
});
