/**
 * Trace flags from an incoming `traceparent`: the sampled bit decides as before, and the random
 * bit (0x02, W3C Trace Context Level 2) is kept, on the spans continuing the trace (OTLP `flags`:
 * the low byte is the trace flags, 0x100 says whether the parent is remote, 0x200 that it is) and
 * on the `traceparent` they send. Unknown bits are dropped.
 */
import { expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { CHAT_FIXTURE, chatApp, oneCall, useServers } from "../support/beside-app-sdk.js";

const servers = useServers();
const SPAN = "00f067aa0ba902b7";

/** One request with `traceparent` (if any) through a handler making one OpenAI call: the spans exported and the traceparent sent. */
async function serve(service: string, traceparent?: string, config: { sampler?: "traceidratio"; samplerRatio?: number } = {}) {
  const { collector, replay } = servers;
  const handler = withTracing(chatApp(replay.baseFor(CHAT_FIXTURE, { gapMs: 0 })), { endpoint: collector.url, serviceName: service, ...config });
  const headers: Record<string, string> = traceparent ? { traceparent } : {};
  const sent = await oneCall(replay, () => handler(new Request("http://app.test/hello", { headers })));
  await flush();
  const spans = collector.spans().filter((s) => s.resource["service.name"] === service);
  const server = spans.find((s) => s.kind === 2);
  const chat = spans.find((s) => s.kind === 3);
  return { spans, server, chat, sent: sent.headers.traceparent as string };
}

it.each([
  ["03 (sampled, random)", "03", 0x303, 0x103],
  ["01 (sampled)", "01", 0x301, 0x101],
  ["ff (unknown bits dropped)", "ff", 0x303, 0x103],
  ["0b (unknown bit 0x08 dropped)", "0b", 0x303, 0x103],
  ["05 (unknown bit 0x04 dropped)", "05", 0x301, 0x101],
])("an incoming -%s is continued with its sampled and random bits, and sent on", async (_what, flags, serverFlags, chatFlags) => {
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const { spans, server, chat, sent } = await serve(`flags-${flags}`, `00-${trace}-${SPAN}-${flags}`);
  expect(spans).toHaveLength(2);
  expect(server).toMatchObject({ traceId: trace, parentSpanId: SPAN, flags: serverFlags });
  expect(chat).toMatchObject({ traceId: trace, parentSpanId: server?.spanId, flags: chatFlags });
  expect(sent).toBe(`00-${trace}-${chat?.spanId}-${(serverFlags & 0xff).toString(16).padStart(2, "0")}`);
});

it.each([
  ["02 (random, not sampled)", "02", "02"],
  ["00 (not sampled)", "00", "00"],
])("an incoming -%s is not recorded: nothing exported, the flags sent on", async (_what, flags, sentFlags) => {
  const trace = "0af7651916cd43dd8448eb211c80319c";
  const { spans, sent } = await serve(`flags-${flags}`, `00-${trace}-${SPAN}-${flags}`);
  expect(spans).toEqual([]);
  expect(sent).toMatch(new RegExp(`^00-${trace}-(?!${SPAN})[0-9a-f]{16}-${sentFlags}$`));
});

it("a trace of our own starts sampled and random (its id is drawn from crypto.getRandomValues): flags 0x103, traceparent -03", async () => {
  const { server, chat, sent } = await serve("flags-own");
  expect(server?.parentSpanId).toBeUndefined();
  expect(server?.flags).toBe(0x103);
  expect(chat?.flags).toBe(0x103);
  expect(sent).toBe(`00-${server?.traceId}-${chat?.spanId}-03`);
});

it.each([
  // traceidratio (not parent-based) decides by the trace id alone, the incoming sampled bit notwithstanding.
  ["a low trace id is sampled, though the caller did not", "4bf92f3577b34da6a300000000000001", "02", 0x303, "03"],
  ["a high trace id is not, though the caller did", "4bf92f3577b34da6a3ffffffffffffff", "03", undefined, "02"],
])("traceidratio 0.5: %s; the random bit stays", async (_what, trace, flags, serverFlags, sentFlags) => {
  const { server, chat, sent } = await serve(`flags-ratio-${flags}`, `00-${trace}-${SPAN}-${flags}`, { sampler: "traceidratio", samplerRatio: 0.5 });
  expect(server?.flags).toBe(serverFlags);
  expect(sent).toMatch(new RegExp(`^00-${trace}-${chat?.spanId ?? "[0-9a-f]{16}"}-${sentFlags}$`));
});
