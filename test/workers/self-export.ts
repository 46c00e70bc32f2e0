/**
 * A Worker that logs every request it gets (`request <method> <path> <user-agent>`) and answers
 * OTLP paths like a collector (200 `{}`): pointed at itself, it shows whether exports loop.
 */
import { instrument } from "../../src/index.js";

export default instrument({
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    console.log(`request ${request.method} ${url.pathname} ${request.headers.get("user-agent") ?? "-"}`);
    await request.arrayBuffer();
    if (url.pathname.startsWith("/v1/")) return Response.json({});
    return new Response("hello");
  },
});
