/**
 * The handler wrappers in this Node process: a handler is called exactly once whatever happens,
 * and a ctx object reused across events (test harnesses, routers) keeps one waitUntil of ours.
 */
import { describe, expect, it } from "vitest";
import { instrument, withTracing } from "../../src/index.js";

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
});
