/**
 * Per-event CPU of three wire-format layers, before and after their per-chunk fast paths:
 *
 *   BENCH_ENTRY=./formats-micro.ts npm run bench [-- --rounds=9 --ms=300]
 *
 * - Cohere chat (SSE) and Ollama chat/generate (NDJSON): every event of each streamed fixture
 *   through `format.event` (after) and through the full parse-and-fold path (before), in order,
 *   fresh facts per pass, as a stream is folded.
 * - AWS event-stream framing (Bedrock): each `.b64` stream fixture's bytes through the framing
 *   (after: src/genai/eventstream.ts; before: the frozen copy in test/genai/eventstream-reference.ts), twenty
 *   copies of the body as one stream per pass, µs per frame.
 *
 * Each measure is the median over rounds (before and after interleaved) of µs per event. Not part
 * of `npm test`: a measurement, run it on an idle machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cohereChat, foldCohereEvent } from "../src/genai/cohere-chat.ts";
import { eventStreamFraming } from "../src/genai/eventstream.ts";
import { STREAM_FRAMINGS } from "../src/genai/framing.ts";
import { foldOllamaChatLine, foldOllamaGenerateLine, ollamaChat, ollamaGenerate } from "../src/genai/ollama.ts";
import { newResponseFacts, type ResponseFacts, type SseEvent, type WireFormat } from "../src/genai/types.ts";
import { referenceEventStreamFraming } from "../test/genai/eventstream-reference.ts";
import { fmt, median, table } from "./stats.ts";

const fixtures = new URL("../test/fixtures/", import.meta.url);

function bytesOf(path: string): Uint8Array {
  const raw = readFileSync(new URL(path, fixtures));
  return new Uint8Array(path.endsWith(".b64") ? Buffer.from(raw.toString("utf8").trim(), "base64") : raw);
}

/** A fixture's events, cut by its framing once (the framing is not what is measured for text formats). */
function eventsOf(path: string): SseEvent[] {
  const events: SseEvent[] = [];
  const make = STREAM_FRAMINGS[path.endsWith(".ndjson") ? "ndjson" : "sse"];
  if (!make) throw new Error("no framing");
  const observer = make(1 << 20, () => 0, { take: (e) => events.push(e), end: () => {} });
  observer.chunk?.(bytesOf(path));
  observer.end("done", undefined);
  return events;
}

/** Runs `pass` (which handles `perPass` events) for about `ms`, returns µs per event. */
function time(pass: () => number, perPass: number, ms: number): number {
  let sink = 0;
  let passes = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 20; i++) sink += pass();
    passes += 20;
    now = performance.now();
  }
  if (sink === -1) console.log(sink);
  return ((now - start) * 1000) / (passes * perPass);
}

type Fold = (event: SseEvent, facts: ResponseFacts) => boolean;

function foldAll(events: SseEvent[], fold: Fold): () => number {
  return () => {
    const facts = newResponseFacts();
    let chunks = 0;
    for (const e of events) if (fold(e, facts)) chunks++;
    return chunks;
  };
}

function frameAll(pieces: Uint8Array[], framing: typeof eventStreamFraming): () => number {
  return () => {
    let frames = 0;
    const observer = framing(1 << 20, () => 0, { take: () => frames++, end: () => {} });
    for (const piece of pieces) observer.chunk?.(piece);
    observer.end("done", undefined);
    return frames;
  };
}

/** The fixtures also measured in small reads. */
const SPLIT = new Set(["converse-stream-claude-tool-use.b64", "invoke-stream-nova-guardrail.b64"]);

interface Case {
  name: string;
  events: number;
  before: () => number;
  after: () => number;
}

function cases(): Case[] {
  const out: Case[] = [];
  const text: [string, WireFormat, Fold][] = [];
  for (const f of readdirSync(new URL("cohere/", fixtures))) if (f.endsWith(".sse")) text.push([`cohere/${f}`, cohereChat, foldCohereEvent]);
  text.push(["ollama/api-chat-stream.ndjson", ollamaChat, foldOllamaChatLine]);
  text.push(["ollama/api-generate-stream.ndjson", ollamaGenerate, foldOllamaGenerateLine]);
  for (const [path, format, full] of text) {
    const events = eventsOf(path);
    const after = foldAll(events, (e, facts) => format.event(e, facts));
    const before = foldAll(events, full);
    // Same chunk count both ways, or the comparison means nothing.
    if (after() !== before()) throw new Error(`${path}: fast path and full parse disagree`);
    out.push({ name: path, events: events.length, before, after });
  }
  for (const f of readdirSync(new URL("bedrock/", fixtures))) {
    if (!f.endsWith(".b64") || f.startsWith("vector-")) continue;
    // Twenty copies of the body as one stream: the framing's own set-up (a TextDecoder, buffers)
    // is not what is measured.
    const one = bytesOf(`bedrock/${f}`);
    const bytes = new Uint8Array(one.length * 20);
    for (let i = 0; i < 20; i++) bytes.set(one, i * one.length);
    // As one chunk (every frame lies whole in it, the common case), and in 64-byte pieces (every
    // frame of these fixtures is split across reads: gathered in a buffer, the worst case).
    const pieces64: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 64) pieces64.push(bytes.subarray(at, at + 64));
    for (const [label, pieces] of [["", [bytes]], [", 64-byte reads", pieces64]] as [string, Uint8Array[]][]) {
      if (label && !SPLIT.has(f)) continue;
      const before = frameAll(pieces, referenceEventStreamFraming);
      const after = frameAll(pieces, eventStreamFraming);
      if (after() !== before()) throw new Error(`${f}: frame counts differ`);
      out.push({ name: `bedrock/${f} (framing${label})`, events: after(), before, after });
    }
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
  const rounds = arg("rounds", 9);
  const ms = arg("ms", 300);
  console.log(`formats-micro: Node ${process.version}, ${rounds} rounds of ${ms} ms per side and case (median µs per event)\n`);
  const rows: string[][] = [];
  for (const c of cases()) {
    time(c.before, c.events, ms);
    time(c.after, c.events, ms);
    const before: number[] = [];
    const after: number[] = [];
    for (let r = 0; r < rounds; r++) {
      before.push(time(c.before, c.events, ms));
      after.push(time(c.after, c.events, ms));
    }
    const b = median(before);
    const a = median(after);
    rows.push([c.name, String(c.events), fmt(b, 3), fmt(a, 3), `${fmt((1 - a / b) * 100, 0)} %`]);
  }
  console.log(table(["fixture", "events", "before µs/event", "after µs/event", "saved"], rows));
}
