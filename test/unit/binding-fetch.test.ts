/**
 * The service-binding fetch (traceBindings) against the same calls made bare, in this Node
 * process: the binding receives exactly what the app sent, plus trace context, whatever shape the
 * call took, and the app gets the binding's own response object back.
 */
import { describe, expect, it } from "vitest";
import { traceBindings, withTracing } from "../../src/index.js";
import { startCollector } from "../support/collector.js";

/** Named like workerd's binding class, which is how traceBindings recognises a service binding. */
class Fetcher {
  readonly seen: { url: string; method: string; headers: [string, string][]; body: string | null; traceparent: string | null }[] = [];
  readonly answers: Response[] = [];
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    this.seen.push({
      url: request.url,
      method: request.method,
      headers: [...request.headers].filter(([name]) => !/^trace(parent|state)$/.test(name)),
      body: request.body ? await request.text() : null,
      traceparent: request.headers.get("traceparent"),
    });
    const answer = new Response("ok", { headers: { "x-answer": "1" } });
    this.answers.push(answer);
    return answer;
  }
}

const CALLS: Record<string, (svc: Fetcher, incoming: Request) => Promise<Response>> = {
  "url and init": (svc) => svc.fetch("http://svc/add?by=2", { method: "POST", headers: { "x-a": "1" }, body: "payload" }),
  "a Request alone": (svc) => svc.fetch(new Request("http://svc/add", { method: "PUT", headers: { "x-b": "2" }, body: "put body" })),
  "the proxy idiom: a Request as init": (svc, incoming) => svc.fetch("http://svc/proxied", incoming as unknown as RequestInit),
  "a header list with a repeated name": (svc) =>
    svc.fetch("http://svc/h", {
      headers: [
        ["x-dup", "1"],
        ["x-dup", "2"],
      ],
    }),
};

const incoming = () => new Request("http://app.test/in", { method: "POST", headers: { "x-in": "y", "content-type": "text/plain" }, body: "from the client" });

describe("service-binding fetch, bare vs wrapped", () => {
  it("sends what the bare call sends (plus traceparent) and hands back the binding's response itself", async () => {
    const collector = await startCollector();
    try {
      for (const [name, call] of Object.entries(CALLS)) {
        const bare = new Fetcher();
        const bareResponse = await call(bare, incoming());

        const wrapped = new Fetcher();
        let wrappedResponse: Response | undefined;
        const app = withTracing(
          async (request: Request) => {
            const env = traceBindings({ SVC: wrapped });
            wrappedResponse = await call(env.SVC, request);
            return new Response("done");
          },
          { endpoint: collector.url, metrics: false },
        );
        await (await app(incoming())).text();

        const strip = ({ traceparent: _, ...rest }: Fetcher["seen"][number]) => rest;
        expect({ name, seen: wrapped.seen.map(strip) }).toEqual({ name, seen: bare.seen.map(strip) });
        expect(bare.seen[0].traceparent).toBeNull();
        expect(wrapped.seen[0].traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
        expect(wrappedResponse).toBe(wrapped.answers[0]);
        expect(await bareResponse.text()).toBe("ok");
      }
    } finally {
      await collector.close();
    }
  });
});
