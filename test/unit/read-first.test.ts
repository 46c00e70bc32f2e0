/**
 * The read-first path (a call parsed before its send: the opt-in `addStreamUsage`, or an SDK span
 * ours takes the ids of), bare against wrapped on Node: the stream body read before the send and
 * replayed, the app's list of headers kept a list (what Node then makes of a repeated name, as bare), and a stream that
 * pauses past the 10 ms the read waits for replayed whole, the read under way included. The
 * upstream records each request as it arrived (raw header lines, body bytes).
 */
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { readBody } from "../support/collector.js";
import { useCollectorAnd } from "../support/servers.js";

interface Arrived {
  method: string;
  headers: [string, string][];
  body: string;
}
const arrived = new Map<string, Arrived>();
const servers = useCollectorAnd(async (req, res) => {
  const body = Buffer.from(await readBody(req)).toString();
  const raw = (req as unknown as { rawHeaders: string[] }).rawHeaders;
  const headers: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name !== "traceparent" && name !== "tracestate") headers.push([name, raw[i + 1]!]);
  }
  arrived.set(req.url!, { method: req.method!, headers, body });
  res.writeHead(200, { "content-type": "application/json" }).end('{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[]}');
});

const encoder = new TextEncoder();
const CHAT = JSON.stringify({ model: "gpt-4o-mini", stream: false, messages: [{ role: "user", content: "hi" }] });

/** The chat body as a stream of two pieces, `pauseMs` apart. */
function twoPieces(pauseMs: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent === 1) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      controller.enqueue(encoder.encode(sent === 0 ? CHAT.slice(0, 20) : CHAT.slice(20)));
      if (++sent === 2) controller.close();
    },
  });
}

async function both(name: string, pauseMs: number): Promise<{ bare: Arrived; wrapped: Arrived }> {
  const call = (path: string) =>
    fetch(`${servers.upstream.url}${path}/v1/chat/completions`, {
      method: "POST",
      headers: [
        ["content-type", "application/json"],
        ["x-dup", "1"],
        ["x-dup", "2"],
      ],
      body: twoPieces(pauseMs),
      duplex: "half",
    } as RequestInit).then((r) => r.text());
  await call(`/bare-${name}`);
  const handler = withTracing(async () => new Response(await call(`/wrapped-${name}`)), { endpoint: servers.collector.url, serviceName: "read-first", metrics: false, addStreamUsage: true });
  await (await handler(new Request("http://app.test/"))).text();
  await flush();
  return { bare: arrived.get(`/bare-${name}/v1/chat/completions`)!, wrapped: arrived.get(`/wrapped-${name}/v1/chat/completions`)! };
}

it.each([
  ["a stream whose pieces come at once", 0],
  ["a stream that pauses 50 ms (the read stops waiting at 10 ms; the replay takes the read under way)", 50],
])("%s: the same request arrives as bare, the body whole", async (_what, pauseMs) => {
  const { bare, wrapped } = await both(String(pauseMs), pauseMs);
  expect(bare.body).toBe(CHAT);
  expect(bare.headers.filter(([name]) => name === "x-dup").length).toBeGreaterThan(0);
  expect(wrapped).toEqual(bare);
});
