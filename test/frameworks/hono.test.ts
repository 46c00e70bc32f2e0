/**
 * `otel-genai-edge/hono` in this Node process: a real Hono 4 app wrapped by `withTracing`, its
 * SERVER spans as the real OTLP receiver decoded them. The route is the one of the handler
 * that answered (never a middleware's `/*`), it wins over `routeFor`, and the middleware does
 * nothing where there is no span to name.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otelRoute } from "../../src/hono.js";
import { type Config, flush, withTracing } from "../../src/index.js";
import { gzipSync } from "node:zlib";
import { bundlePackage } from "../support/bundle.js";
import { type Collector, type DecodedSpan, startCollector } from "../support/collector.js";

let collector: Collector;

beforeAll(async () => {
  collector = await startCollector();
});

afterAll(async () => {
  await flush();
  await collector?.close();
});

const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

/** Sends one request through `withTracing(app.fetch)` and returns its response text and SERVER span. */
async function serverSpan(app: Hono, method: string, path: string, config: Config = {}): Promise<{ text: string; status: number; span: DecodedSpan }> {
  const traceId = hex(16);
  const handler = withTracing((request: Request) => app.fetch(request), { endpoint: collector.url, serviceName: "hono-test", metrics: false, ...config });
  const response = await handler(new Request(`http://app.test${path}`, { method, headers: { traceparent: `00-${traceId}-${hex(8)}-01` } }));
  const text = await response.text();
  await flush();
  const spans = await collector.waitForSpans((all) => all.some((s) => s.traceId === traceId && s.kind === 2), 5000);
  return { text, status: response.status, span: spans.find((s) => s.traceId === traceId && s.kind === 2)! };
}

function chatApp(): Hono {
  const app = new Hono();
  app.use(otelRoute());
  // Middleware registered after ours, matching every path: its `/*` must not become the route.
  app.use("*", async (c, next) => {
    await next();
    c.header("x-seen", "1");
  });
  app.get("/chat/:id", (c) => c.text(`get ${c.req.param("id")}`));
  app.post("/chat/:id", (c) => c.text(`post ${c.req.param("id")}`));
  app.get("/boom", () => {
    throw new Error("handler failed");
  });
  // A middleware that answers on its own (no route answered) and a route's own middleware that does (its route did).
  app.use("/admin/*", async (c, next) => (c.req.header("authorization") ? next() : c.text("sign in", 401)));
  app.get("/admin/stats", (c) => c.text("stats"));
  app.post(
    "/items/:id",
    async (c, next) => (c.req.header("content-type") === "application/json" ? next() : c.text("json only", 415)),
    (c) => c.text("created", 201),
  );
  app.onError((_error, c) => c.text("failed", 500));
  const api = new Hono();
  api.get("/models/:model{[a-z0-9-]+}", (c) => c.text(c.req.param("model")));
  app.route("/api", api);
  return app;
}

describe("otelRoute()", () => {
  it("names the SERVER span `{method} {route}` and sets http.route from the handler that answered", async () => {
    const { text, span } = await serverSpan(chatApp(), "POST", "/chat/42");
    expect(text).toBe("post 42");
    expect(span.name).toBe("POST /chat/:id");
    expect(span.attributes).toMatchObject({ "http.route": "/chat/:id", "url.path": "/chat/42", "http.request.method": "POST", "http.response.status_code": 200 });
  });

  it("gives a mounted sub-app's route with its base path, the pattern as written", async () => {
    const { text, span } = await serverSpan(chatApp(), "GET", "/api/models/gpt-4o");
    expect(text).toBe("gpt-4o");
    expect(span.name).toBe("GET /api/models/:model{[a-z0-9-]+}");
    expect(span.attributes["http.route"]).toBe("/api/models/:model{[a-z0-9-]+}");
  });

  it("leaves a 404 unnamed when only middleware matched (no route answered)", async () => {
    const { status, span } = await serverSpan(chatApp(), "GET", "/nowhere");
    expect(status).toBe(404);
    expect(span.name).toBe("GET");
    expect(span.attributes["http.route"]).toBeUndefined();
  });

  it("a middleware's own reply names no route; a route's own middleware names its route", async () => {
    const denied = await serverSpan(chatApp(), "GET", "/admin/stats");
    expect([denied.status, denied.span.name, denied.span.attributes["http.route"]]).toEqual([401, "GET", undefined]);
    const rejected = await serverSpan(chatApp(), "POST", "/items/3");
    expect([rejected.status, rejected.span.name, rejected.span.attributes["http.route"]]).toEqual([415, "POST /items/:id", "/items/:id"]);
  });

  it("names the route of a handler that threw (Hono answers 500 through onError)", async () => {
    const { status, span } = await serverSpan(chatApp(), "GET", "/boom");
    expect(status).toBe(500);
    expect(span.name).toBe("GET /boom");
    expect(span.attributes).toMatchObject({ "http.route": "/boom", "http.response.status_code": 500, "error.type": "500" });
  });

  it("wins over config.routeFor; where no route answered, routeFor's stands", async () => {
    const routeFor = () => "/from-config";
    const routed = await serverSpan(chatApp(), "GET", "/chat/7", { routeFor });
    expect(routed.span.name).toBe("GET /chat/:id");
    expect(routed.span.attributes["http.route"]).toBe("/chat/:id");
    const unrouted = await serverSpan(chatApp(), "GET", "/nowhere", { routeFor });
    expect(unrouted.span.name).toBe("GET /from-config");
    expect(unrouted.span.attributes["http.route"]).toBe("/from-config");
  });

  it("with a single matching handler and the middleware alone (Hono's one-route fast path)", async () => {
    const app = new Hono();
    app.use("/only/*", otelRoute());
    app.get("/only/:x", (c) => c.text("ok"));
    app.get("/direct", (c) => c.text("direct"));
    expect((await serverSpan(app, "GET", "/only/1")).span.name).toBe("GET /only/:x");
    // Only the handler matched, the middleware did not run: the span keeps its plain name.
    expect((await serverSpan(app, "GET", "/direct")).span.name).toBe("GET");
  });

  it("does nothing outside withTracing or when the request is not sampled, and the app answers the same", async () => {
    const app = chatApp();
    const bare = await app.fetch(new Request("http://app.test/chat/1", { method: "POST" }));
    expect([bare.status, await bare.text(), bare.headers.get("x-seen")]).toEqual([200, "post 1", "1"]);
    const handler = withTracing((request: Request) => app.fetch(request), { endpoint: collector.url, sampler: "always_off", metrics: false });
    const unsampled = await handler(new Request("http://app.test/chat/2", { method: "POST" }));
    expect([unsampled.status, await unsampled.text()]).toEqual([200, "post 2"]);
  });

  it("never throws into the app, whatever the context looks like", async () => {
    const middleware = otelRoute();
    const odd = {
      req: {
        raw: new Request("http://app.test/"),
        get routeIndex(): number {
          throw new Error("not this Hono");
        },
      },
    };
    let ran = false;
    await middleware(odd, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    await expect(middleware({ req: { raw: new Request("http://app.test/"), routeIndex: 0, matchedRoutes: [] } }, async () => {})).resolves.toBeUndefined();
  });

  it("is tiny: what it adds to a Worker's bundle, and what it pulls in alone", async () => {
    const worker = 'import { instrument } from "./src/index.ts"; export default instrument({ fetch: (r) => fetch(r) });';
    const gzipped = async (contents: string) => gzipSync((await bundlePackage(true, { contents })).code).length;
    const added = (await gzipped(`${worker} import { otelRoute } from "./src/hono.ts"; export const route = otelRoute();`)) - (await gzipped(worker));
    expect(added).toBeLessThan(300); // 223 B measured
    const { metafile } = await bundlePackage(true, { contents: 'export { otelRoute } from "./src/hono.ts";' });
    const used = Object.entries(Object.values(metafile.outputs)[0].inputs).filter(([, input]) => input.bytesInOutput > 0);
    expect(used.map(([path]) => path).sort()).toEqual(["src/attributes.ts", "src/bind.ts", "src/hono.ts"]);
  });
});
