/**
 * With content capture on, a streamed event is parsed once, not once by the format's fold and
 * again by its content reader: the first to ask keeps the parse on the event (`eventJson`), and
 * both read the same facts and messages as when each parsed for itself. An InvokeModel chunk's
 * vendor body (base64 inside the event's JSON) is likewise decoded and parsed once.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONTENT_READERS } from "../../src/genai/content/readers.js";
import { STREAM_FRAMINGS } from "../../src/genai/framing.js";
import { FORMATS } from "../../src/genai/registry.js";
import { newResponseFacts, type SseEvent } from "../../src/genai/types.js";
import { framingOfFixture, streamBytes } from "../genai/helpers.js";

afterEach(() => vi.restoreAllMocks());

const CASES = [
  ["anthropic.messages", "anthropic/messages-stream-tool-use.sse"],
  ["gcp.gemini.generate_content", "google/gemini-stream-thinking.sse"],
  ["cohere.chat", "cohere/chat-v2-stream-tool-calls.sse"],
  ["openai.responses", "openai-responses/responses-stream-function-call.sse"],
  ["aws.bedrock.invoke", "bedrock/invoke-stream-claude.b64"],
] as const;

/** An InvokeModel chunk's vendor body, as text (undefined for any other event). */
const vendorText = (d: string): string | undefined => {
  const bytes = JSON.parse(d).bytes;
  return typeof bytes === "string" ? Buffer.from(bytes, "base64").toString("utf8") : undefined;
};

/** The fixture through its real framing into the format's fold and the content reader; what JSON.parse saw. */
function run(formatId: string, path: string) {
  const format = FORMATS.find((f) => f.id === formatId)!;
  const out = CONTENT_READERS[formatId].output(1_000_000);
  const facts = newResponseFacts();
  const events: SseEvent[] = [];
  const parse = vi.spyOn(JSON, "parse");
  const observer = STREAM_FRAMINGS[framingOfFixture(path)]!(1 << 20, () => 0, {
    take: (e: SseEvent) => {
      events.push(e.event === undefined ? { data: e.data } : { event: e.event, data: e.data });
      format.event(e, facts);
      out.event(e);
    },
    end: () => {},
  });
  observer.chunk?.(streamBytes(path));
  observer.end("done", undefined);
  const parsed = parse.mock.calls.map(([text]: unknown[]) => text);
  parse.mockRestore();
  return { facts, messages: out.messages(), events, parsed };
}

describe("capture on: each event is parsed once between the format and its reader", () => {
  for (const [formatId, path] of CASES) {
    it(`${formatId}: ${path}`, () => {
      const { facts, messages, events, parsed } = run(formatId, path);
      const data = events.map((e) => e.data);
      const json = data.filter((d) => d.trimStart().startsWith("{"));
      expect(json.length).toBeGreaterThan(3);
      for (const d of json) expect(parsed.filter((p) => p === d).length, d).toBeLessThanOrEqual(1);
      if (formatId === "aws.bedrock.invoke") {
        const bodies = json.map(vendorText);
        expect(bodies.filter((b) => b !== undefined).length).toBe(json.length);
        for (const b of bodies) expect(parsed.filter((p) => p === b).length, b).toBe(bodies.filter((o) => o === b).length);
      }
      // The same results as the format and the reader reading separate copies of each event.
      const format = FORMATS.find((f) => f.id === formatId)!;
      const alone = newResponseFacts();
      const out = CONTENT_READERS[formatId].output(1_000_000);
      for (const e of events) {
        format.event({ ...e }, alone);
        out.event({ ...e });
      }
      expect(facts).toEqual(alone);
      expect(messages).toEqual(out.messages());
      expect(messages.length).toBeGreaterThan(0);
    });
  }
});
