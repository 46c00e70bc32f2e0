/**
 * The handler wrappers in this Node process: a handler is called exactly once whatever happens,
 * and a ctx object reused across events (test harnesses, routers) keeps one waitUntil of ours.
 */
import { describe, expect, it } from "vitest";
import { instrument, withTracing } from "../../src/index.js";
import { startCollector } from "../support/collector.js";

const config = { endpoint: "http://127.0.0.1:9", metrics: false, timeoutMs: 200 };

describe("handler wrappers", () => {
  it("a handler that throws at once on our own export request is called once, and its error reaches the caller", async () => {
    let calls = 0;
    const handler = withTracing(() => {
      calls++;
      throw new Error("boom");
    }, config);
    const ownExport = new Request("http://app.test/v1/traces", {
      method: "POST",
      headers: { "user-agent": "OTel-OTLP-Exporter-JavaScript/otel-genai-edge" },
      body: "{}",
    });
    await expect(handler(ownExport)).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });

  it("a scheduled handler that throws at once is called once, telemetry on or off", () => {
    for (const cfg of [config, { disabled: true }]) {
      let calls = 0;
      const worker = instrument(
        {
          scheduled(_controller: { cron: string; scheduledTime: number }, _env: unknown, _ctx: { waitUntil(p: Promise<unknown>): void }) {
            calls++;
            throw new Error("cron failed");
          },
        },
        cfg,
      );
      expect(() => worker.scheduled!({ cron: "* * * * *", scheduledTime: 0 }, {}, { waitUntil() {} })).toThrow("cron failed");
      expect(calls).toBe(1);
    }
  });

  it("a ctx reused across events keeps one waitUntil of ours, which tracks work for the event it is bound to", async () => {
    const handed: Promise<unknown>[] = [];
    const ctx = {
      waitUntil(promise: Promise<unknown>) {
        handed.push(promise);
      },
    };
    let seen: unknown;
    const worker = instrument(
      {
        fetch(_request: Request, _env: unknown, c: typeof ctx) {
          seen = c.waitUntil;
          c.waitUntil(Promise.resolve("work"));
          return new Response("ok");
        },
      },
      config,
    );
    const first = await worker.fetch!(new Request("http://app.test/"), {}, ctx);
    const ours = ctx.waitUntil;
    expect(await first.text()).toBe("ok");
    for (let i = 0; i < 200; i++) await (await worker.fetch!(new Request("http://app.test/"), {}, ctx)).text();
    expect(ctx.waitUntil).toBe(ours);
    expect(seen).toBe(ours);
    // Each event handed the platform its work and its export: nothing nested, nothing lost.
    expect(handed).toHaveLength(201 * 2);
  });

  it("a class instance's other platform handlers run on the instance itself (private fields work)", async () => {
    class Handler {
      #greeting = "hello";
      fetch() {
        return new Response(this.#greeting);
      }
      email() {
        return this.#greeting;
      }
    }
    const worker = instrument(new Handler(), config) as Handler;
    expect(worker.email()).toBe("hello");
    expect(await (await worker.fetch()).text()).toBe("hello");
  });

  it("on a reused ctx an event's export never waits for the next event's work", async () => {
    const collector = await startCollector();
    try {
      const ctx = { waitUntil(_promise: Promise<unknown>) {} };
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const worker = instrument(
        {
          fetch(request: Request, _env: unknown, c: typeof ctx) {
            c.waitUntil(sleep(new URL(request.url).pathname === "/one" ? 100 : 1500));
            return new Response("ok");
          },
        },
        { endpoint: collector.url, metrics: false },
      );
      const started = Date.now();
      await (await worker.fetch!(new Request("http://app.test/one"), {}, ctx)).text();
      await (await worker.fetch!(new Request("http://app.test/two"), {}, ctx)).text();
      await collector.waitForSpans((all) => all.some((s) => s.attributes["url.path"] === "/one"), 5000);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await collector.close();
    }
  });
});
