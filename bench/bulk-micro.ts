/**
 * Per-event CPU of the bulk path (a fast stream read in 4 KiB pieces, many events per read), stage
 * by stage (decode; + SSE framing; + the OpenAI chat fold; the fold alone; the whole take path):
 *
 *   BENCH_ENTRY=./bulk-micro.ts npm run bench [-- --read=4096]
 */
import { STREAM_FRAMINGS } from "../src/genai/framing.ts";
import { openaiChat } from "../src/genai/openai-chat.ts";
import { Histogram, DURATION_BOUNDS } from "../src/metrics/histogram.ts";
import { newResponseFacts, type SseEvent } from "../src/genai/types.ts";
import { SseParser, STREAMING } from "../src/genai/sse.ts";
import { sseBody } from "./sse-server.ts";
import { fmt, median, table } from "./stats.ts";

export async function main(argv: string[]): Promise<void> {
  const body = sseBody({ minBytes: 2_000_000 });
  const READ = Number(argv.find((a) => a.startsWith("--read="))?.slice(7) ?? 4096);
  const pieces: Uint8Array[] = [];
  for (let o = 0; o < body.bytes.byteLength; o += READ) pieces.push(body.bytes.subarray(o, o + READ));
  const events = body.events;
  const evs: SseEvent[] = [];
  {
    const parser = new SseParser({ maxSize: 1 << 20 });
    parser.push(new TextDecoder().decode(body.bytes), (e) => evs.push(e));
  }
  const stages: Record<string, () => void> = {
    decode: () => {
      const d = new TextDecoder();
      for (const p of pieces) d.decode(p, STREAMING);
    },
    parse: () => {
      const d = new TextDecoder();
      const parser = new SseParser({ maxSize: 1 << 20 });
      const on = (_e: SseEvent) => {};
      for (const p of pieces) parser.push(d.decode(p, STREAMING), on);
    },
    fold: () => {
      const d = new TextDecoder();
      const parser = new SseParser({ maxSize: 1 << 20 });
      const facts = newResponseFacts();
      const on = (e: SseEvent) => {
        openaiChat.event(e, facts);
      };
      for (const p of pieces) parser.push(d.decode(p, STREAMING), on);
    },
    foldOnly: () => {
      const facts = newResponseFacts();
      for (const e of evs) openaiChat.event(e, facts);
    },
    full: () => {
      const facts = newResponseFacts();
      const gaps = new Histogram(DURATION_BOUNDS);
      let first: number | undefined;
      let last = 0;
      let chunks = 0;
      const obs = STREAM_FRAMINGS.sse!(1 << 20, () => performance.now(), {
        take: (e, at) => {
          if (openaiChat.event(e, facts)) {
            if (first === undefined) first = at;
            else gaps.record(Math.max(0, at - last) / 1000);
            last = at;
            chunks++;
          }
        },
        read: () => {},
        end: () => {},
      });
      for (const p of pieces) obs.chunk!(p);
      obs.end("done", undefined);
      if (chunks !== body.contentEvents - 1) throw new Error(`chunks ${chunks} vs ${body.contentEvents}`);
    },
  };
  const rounds = 15;
  const res: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(stages)) {
      const t0 = performance.now();
      fn();
      const t1 = performance.now();
      (res[name] ??= []).push(((t1 - t0) * 1000) / events);
    }
  }
  console.log(`${events} events, ${pieces.length} reads of ${READ} B`);
  console.log(table(["stage", "µs/event (median)"], Object.entries(res).map(([k, v]) => [k, fmt(median(v.slice(3)), 3)])));
}
