/**
 * Nothing that can wait for the network runs before an LLM request is sent (issue 13): the
 * request leaves within the app's own fetch call, before its body is parsed (a string body) or
 * read (a Request's body); the span is made afterwards, while the provider thinks, with the ids
 * its `traceparent` already carried. Shown through a service binding's fetch (the same tracer
 * as the global fetch) whose `send` records what had happened by the time it was called.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { traceBindings, withTracing } from "../../src/index.js";
import { startCollector } from "../support/collector.js";

const ANSWER = readFileSync(new URL("../fixtures/openai/chat-nonstream.json", import.meta.url), "utf8");
const URL_ = "https://api.openai.com/v1/chat/completions";
const BODY = JSON.stringify({ model: "gpt-4o-mini", temperature: 0.25, messages: [{ role: "user", content: "hi" }] });

/** Named like workerd's binding class, which is how traceBindings recognises a service binding. */
class Fetcher {
  calledSync = false;
  parsedBeforeSend = false;
  traceparent: string | null = null;
  inFetch = false;
  constructor(private readonly parse: ReturnType<typeof vi.spyOn>) {}
  readonly traceparents: (string | null)[] = [];
  /** When set, every call fails with it (after a turn, as a network failure does). */
  failWith: Error | undefined;
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    this.calledSync = this.inFetch;
    // Was the prompt parsed by anyone before it was handed to the network?
    this.parsedBeforeSend = this.parse.mock.calls.some(([text]: unknown[]) => typeof text === "string" && text.includes('"gpt-4o-mini"'));
    this.traceparent = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get("traceparent");
    this.traceparents.push(this.traceparent);
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(new Response(ANSWER, { headers: { "content-type": "application/json" } }));
  }
}

const POST = { method: "POST", headers: { "content-type": "application/json" } };

afterEach(() => vi.restoreAllMocks());

describe("an LLM request is sent before it is parsed", () => {
  for (const [name, call] of [
    ["a string body in an init", (svc: Fetcher) => svc.fetch(URL_, { method: "POST", headers: { "content-type": "application/json" }, body: BODY })],
    ["a Request with a body (read from a clone)", (svc: Fetcher) => svc.fetch(new Request(URL_, { method: "POST", headers: { "content-type": "application/json" }, body: BODY }))],
    ["a Blob body", (svc: Fetcher) => svc.fetch(URL_, { ...POST, body: new Blob([BODY]) })],
  ] as const) {
    it(`${name}: sent synchronously, unparsed; the span has the sent ids and the request's attributes`, async () => {
      const collector = await startCollector();
      const parse = vi.spyOn(JSON, "parse");
      const svc = new Fetcher(parse);
      try {
        const app = withTracing(
          async () => {
            const env = traceBindings({ SVC: svc });
            svc.inFetch = true;
            const pending = call(env.SVC);
            svc.inFetch = false;
            const json = (await (await pending).json()) as { id: string };
            return new Response(json.id);
          },
          { endpoint: collector.url, metrics: false },
        );
        expect(await (await app(new Request("http://app.test/"))).text()).toBe(JSON.parse(ANSWER).id);
        expect({ calledSync: svc.calledSync, parsedBeforeSend: svc.parsedBeforeSend }).toEqual({ calledSync: true, parsedBeforeSend: false });
        const spans = await collector.waitForSpans((s) => s.some((x) => x.name === "chat gpt-4o-mini"));
        const chat = spans.find((s) => s.name === "chat gpt-4o-mini")!;
        expect(svc.traceparent).toBe(`00-${chat.traceId}-${chat.spanId}-03`);
        expect(chat.attributes["gen_ai.request.temperature"]).toBe(0.25);
        expect(chat.attributes["gen_ai.usage.input_tokens"]).toBe(JSON.parse(ANSWER).usage.prompt_tokens);
        const server = spans.find((s) => s.kind === 2)!;
        expect(chat.parentSpanId).toBe(server.spanId);
        expect(chat.startTimeUnixNano).toBeGreaterThanOrEqual(server.startTimeUnixNano);
      } finally {
        await collector.close();
      }
    });
  }
});

describe("sent before it is parsed: failures and concurrency", () => {
  it("a failed send: the app gets the very error, the span (with the ids sent) records it", async () => {
    const collector = await startCollector();
    const svc = new Fetcher(vi.spyOn(JSON, "parse"));
    svc.failWith = new TypeError("network down");
    try {
      let caught: unknown;
      const app = withTracing(
        async () => {
          const env = traceBindings({ SVC: svc });
          caught = await env.SVC.fetch(URL_, { ...POST, body: BODY }).catch((e: unknown) => e);
          return new Response("done");
        },
        { endpoint: collector.url, metrics: false },
      );
      expect(await (await app(new Request("http://app.test/"))).text()).toBe("done");
      expect(caught).toBe(svc.failWith);
      const spans = await collector.waitForSpans((s) => s.some((x) => x.name === "chat gpt-4o-mini"));
      const chat = spans.find((s) => s.name === "chat gpt-4o-mini")!;
      expect(svc.traceparent).toBe(`00-${chat.traceId}-${chat.spanId}-03`);
      expect(chat.status.code).toBe(2);
      expect(chat.attributes["error.type"]).toBe("TypeError");
      expect(chat.attributes["gen_ai.request.temperature"]).toBe(0.25);
    } finally {
      await collector.close();
    }
  });

  it("two calls in flight at once: each span has the ids its own request carried", async () => {
    const collector = await startCollector();
    const svc = new Fetcher(vi.spyOn(JSON, "parse"));
    try {
      const app = withTracing(
        async () => {
          const env = traceBindings({ SVC: svc });
          const other = BODY.replace("gpt-4o-mini", "gpt-4.1-nano");
          await Promise.all([env.SVC.fetch(URL_, { ...POST, body: BODY }), env.SVC.fetch(URL_, { ...POST, body: other })].map(async (p) => (await p).text()));
          return new Response("done");
        },
        { endpoint: collector.url, metrics: false },
      );
      await (await app(new Request("http://app.test/"))).text();
      const spans = await collector.waitForSpans((s) => s.filter((x) => x.name.startsWith("chat ")).length === 2);
      const byModel = Object.fromEntries(spans.filter((x) => x.name.startsWith("chat ")).map((x) => [x.attributes["gen_ai.request.model"], `00-${x.traceId}-${x.spanId}-03`]));
      expect(svc.traceparents).toEqual([byModel["gpt-4o-mini"], byModel["gpt-4.1-nano"]]);
    } finally {
      await collector.close();
    }
  });
});
