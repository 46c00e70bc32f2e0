/**
 * The handler every bench variant runs (bare, otel-genai-edge, @microlabs/otel-cf-workers): the
 * variants differ only in how this object is wrapped. The upstream URL comes in the query (`u`).
 *
 *   GET /consume?u=URL  POST a streaming OpenAI chat request to URL and read the whole body
 *                       inside the Worker (chunks discarded); answer with the byte/read counts
 *                       and the Worker's own Date.now() deltas.
 *   GET /pass?u=URL     the same request, its streaming response returned to the caller as is.
 *   GET /llm?u=URL      one non-streaming chat completion (plain fetch + response.json()).
 *   GET /spin?ms=N      busy-loop N ms of Date.now() (checks whether the Worker's clock advances
 *                       during pure CPU work in this workerd).
 */

export interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

const HEADERS = { authorization: "Bearer sk-bench-not-a-key", "content-type": "application/json" };

function chatBody(stream: boolean): string {
  return JSON.stringify({
    model: "gpt-4o-mini",
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    temperature: 0.2,
    max_tokens: 1024,
    messages: [
      { role: "system", content: "You are a benchmark." },
      { role: "user", content: "Write a very long answer." },
    ],
  });
}

function upstream(url: URL): string {
  const u = url.searchParams.get("u");
  if (!u) throw new Error("missing ?u=");
  return u;
}

export const app = {
  async fetch(request: Request, _env: unknown, _ctx: Ctx): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/consume": {
        const t0 = Date.now();
        const res = await fetch(upstream(url), { method: "POST", headers: HEADERS, body: chatBody(true) });
        const tHeaders = Date.now();
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let bytes = 0;
        let reads = 0;
        let tFirst = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (reads === 0) tFirst = Date.now();
          reads++;
          bytes += value.byteLength;
        }
        const t1 = Date.now();
        return Response.json({ status: res.status, bytes, reads, ms: t1 - t0, headersMs: tHeaders - t0, firstMs: tFirst - t0 });
      }
      case "/pass":
        return fetch(upstream(url), { method: "POST", headers: HEADERS, body: chatBody(true) });
      case "/llm": {
        const res = await fetch(upstream(url), { method: "POST", headers: HEADERS, body: chatBody(false) });
        const json = (await res.json()) as { id?: string; usage?: unknown; choices?: { message?: { content?: string } }[] };
        return Response.json({ id: json.id, usage: json.usage, content: json.choices?.[0]?.message?.content });
      }
      case "/spin": {
        const ms = Number(url.searchParams.get("ms") ?? "50");
        const p0 = performance.now();
        const d0 = Date.now();
        let x = 0;
        // A fixed amount of pure CPU work, no I/O: do the clocks move while it runs?
        for (let i = 0; i < ms * 200_000; i++) x = (x * 31 + i) | 0;
        return Response.json({ dateMs: Date.now() - d0, perfMs: performance.now() - p0, x });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
