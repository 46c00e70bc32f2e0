/** Finding waitUntil, in its documented order, and flush() for runtimes that have none. */
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { flush, withTracing } from "../../src/index.js";
import { findWaitUntil, keepAlive } from "../../src/runtime/wait-until.js";
import { type Collector, startCollector } from "../support/collector.js";

type Global = Record<string | symbol, unknown>;
const g = globalThis as Global;
const VERCEL = Symbol.for("@vercel/request-context");
const NEXT = Symbol.for("@next/request-context");

/** A waitUntil that records which platform it stands for. */
function recorder(name: string, log: string[]) {
  return { waitUntil: (_promise: Promise<unknown>) => void log.push(name) };
}

function installAll(log: string[]) {
  g[VERCEL] = { get: () => recorder("vercel", log) };
  g[NEXT] = { get: () => recorder("next", log) };
  g.Netlify = { context: recorder("netlify", log) };
  g.EdgeRuntime = recorder("supabase", log);
}

afterEach(() => {
  for (const key of [VERCEL, NEXT, "Netlify", "EdgeRuntime"]) delete g[key];
});

describe("findWaitUntil", () => {
  it("finds nothing on a bare runtime (Node, Bun, plain Deno, Deno Deploy)", () => {
    expect(findWaitUntil([])).toBeUndefined();
    expect(findWaitUntil([{ remoteAddr: {} }, undefined, null, 42, "x"])).toBeUndefined();
  });

  it("looks in order: context argument, Vercel, Next.js, Netlify, Supabase", () => {
    const log: string[] = [];
    installAll(log);
    const found: string[] = [];
    const take = (args: unknown[]) => {
      const f = findWaitUntil(args);
      if (f) {
        f.waitUntil(Promise.resolve());
        found.push(f.source);
      }
    };
    take([recorder("context", log)]);
    take([]);
    delete g[VERCEL];
    take([]);
    delete g[NEXT];
    take([]);
    delete g.Netlify;
    take([]);
    delete g.EdgeRuntime;
    take([]);
    expect(found).toEqual(["context", "vercel", "next", "netlify", "supabase"]);
    expect(log).toEqual(["context", "vercel", "next", "netlify", "supabase"]);
  });

  it("takes the first argument after the request that has waitUntil (a Worker's ctx is the 3rd)", () => {
    const log: string[] = [];
    const env = { OPENAI_API_KEY: "k" };
    findWaitUntil([env, recorder("ctx", log)])?.waitUntil(Promise.resolve());
    expect(log).toEqual(["ctx"]);
  });

  it("skips providers that are absent, empty, of the wrong shape or throwing", () => {
    const log: string[] = [];
    g[VERCEL] = { get: () => undefined }; // outside a request
    g[NEXT] = {
      get: () => {
        throw new Error("no request scope");
      },
    };
    g.Netlify = { context: null }; // Netlify.context is null locally
    g.EdgeRuntime = "edge-runtime"; // Vercel's EdgeRuntime is a string
    expect(findWaitUntil([{ waitUntil: "not a function" }])).toBeUndefined();
    g.EdgeRuntime = recorder("supabase", log);
    expect(findWaitUntil([])?.source).toBe("supabase");
  });

  it("keeps `this` for the platform's method", () => {
    const seen: unknown[] = [];
    const ctx = {
      waitUntil(this: unknown, _p: Promise<unknown>) {
        seen.push(this);
      },
    };
    findWaitUntil([ctx])!.waitUntil(Promise.resolve());
    expect(seen).toEqual([ctx]);
  });
});

describe("keepAlive and flush", () => {
  it("flush() waits for every kept promise, including ones added while it waits", async () => {
    let resolveFirst!: () => void;
    const first = new Promise<void>((r) => (resolveFirst = r));
    keepAlive(first, undefined);
    let flushed = false;
    const flushing = flush().then(() => (flushed = true));
    const second = new Promise<void>((r) => setTimeout(r, 30));
    keepAlive(second, undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(flushed).toBe(false);
    resolveFirst();
    await flushing;
    expect(flushed).toBe(true);
    await expect(flush()).resolves.toBeUndefined(); // nothing pending: at once
  });

  it("a waitUntil that throws does not break the request", () => {
    const found = {
      source: "context" as const,
      waitUntil: () => {
        throw new Error("too late");
      },
    };
    expect(() => keepAlive(Promise.resolve(), found)).not.toThrow();
  });
});

describe("withTracing without any waitUntil (in this Node process)", () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.close();
  });

  it("answers first, exports after the body has streamed, and flush() awaits the export", async () => {
    collector.clear();
    collector.behave({ status: 200, delayMs: 150 });
    let pull!: (value: string | null) => void;
    const handler = withTracing(
      () =>
        new Response(
          new ReadableStream<string>({
            async pull(controller) {
              const chunk = await new Promise<string | null>((r) => (pull = r));
              if (chunk === null) controller.close();
              else controller.enqueue(chunk);
            },
          }).pipeThrough(new TextEncoderStream()),
          // An event stream is watched to its end (a body that is not streaming LLM output is not).
          { headers: { "content-type": "text/event-stream" } },
        ),
      { endpoint: collector.url, serviceName: "flush-test" },
    );
    const response = await handler(new Request("http://app.test/stream"));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const reading = reader.read();
    await new Promise((r) => setTimeout(r, 5));
    pull("hello");
    expect(new TextDecoder().decode((await reading).value)).toBe("hello");
    // Still streaming: nothing exported yet.
    await new Promise((r) => setTimeout(r, 50));
    expect(collector.requests).toHaveLength(0);

    const ending = reader.read();
    pull(null);
    expect((await ending).done).toBe(true);
    const started = Date.now();
    await flush();
    // The collector answers after 150 ms: flush() waited for the answer, not just the send.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    const spans = collector.spans();
    expect(spans.map((s) => s.name)).toEqual(["GET"]);
    expect(spans[0].resource).toMatchObject({ "service.name": "flush-test", "process.runtime.name": "nodejs" });
  });
});

describe("withTracing with a context.waitUntil", () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.close();
  });

  it("hands the export to it and holds the flush for the work the handler gave it", async () => {
    const given: Promise<unknown>[] = [];
    const context = { waitUntil: (promise: Promise<unknown>) => void given.push(promise), region: "test" };
    let backgroundDone = 0;
    const handler = withTracing(
      (_request: Request, ctx: typeof context) => {
        expect(ctx.region).toBe("test"); // the rest of the context is untouched
        ctx.waitUntil(new Promise((r) => setTimeout(r, 100)).then(() => (backgroundDone = Date.now())));
        return new Response("ok");
      },
      { endpoint: collector.url, serviceName: "context-wait-until" },
    );
    const response = await handler(new Request("http://app.test/"), context);
    expect(await response.text()).toBe("ok");
    // Ours (the export) first, at the start of the request; then the handler's.
    expect(given).toHaveLength(2);
    await Promise.all(given);
    const [request] = await collector.waitFor((r) => r.path === "/v1/traces");
    expect(backgroundDone).toBeGreaterThan(0);
    expect(request.receivedAt).toBeGreaterThanOrEqual(backgroundDone);
  });
});
