/**
 * A Worker that handles and makes requests full of secrets, for the secrets battery
 * (test/e2e/secrets.test.ts). Its outbound fetches go to Miniflare's outbound service, which
 * the test answers itself (so real hosts such as hooks.slack.com are never contacted).
 */
import { instrument } from "../../src/index.js";

interface Call {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export default instrument({
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    // /proxy/<host>/<path>?<query> is forwarded to https://<host>/<path>?<query> with the incoming headers.
    if (url.pathname.startsWith("/proxy/")) {
      const [, , host, ...rest] = url.pathname.split("/");
      const headers = new Headers(request.headers);
      headers.delete("host");
      const upstream = await fetch(`https://${host}/${rest.join("/")}${url.search}`, { method: request.method, headers });
      return new Response(upstream.body, { status: upstream.status });
    }
    // POST /calls [{url, method, headers, body}]: each call made in turn; failures reported, not thrown.
    if (url.pathname === "/calls") {
      const results: unknown[] = [];
      for (const call of (await request.json()) as Call[]) {
        try {
          const response = await fetch(call.url, { method: call.method ?? "GET", headers: call.headers, body: call.body });
          results.push({ status: response.status, body: await response.text() });
        } catch (error) {
          results.push({ error: String((error as Error)?.message) });
        }
      }
      return Response.json(results);
    }
    // POST /throw <url>: a fetch whose failure escapes the handler.
    if (url.pathname === "/throw") {
      await fetch(await request.text());
      return new Response("unexpected success");
    }
    return new Response("not found", { status: 404 });
  },
});
