/**
 * Smoke worker for test/support/harness.test.ts. A plain module Worker: it does NOT import
 * src/. It proves that a worker in workerd can reach the 127.0.0.1 collector and replay
 * servers, that ctx.waitUntil work runs after the response, and that console output is
 * captured.
 */
interface Env {
  COLLECTOR: string;
  REPLAY: string;
}

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    const url = new URL(request.url);
    console.log(`smoke: ${request.method} ${url.pathname}`);

    if (url.pathname === '/clock') {
      // How do Date.now()/performance.now() behave around CPU work and I/O?
      const t0 = Date.now();
      const p0 = performance.now();
      let x = 0;
      for (let i = 0; i < 5e7; i++) x += i;
      const t1 = Date.now();
      const p1 = performance.now();
      await fetch(`${env.COLLECTOR}/clock-io`);
      const t2 = Date.now();
      return Response.json({
        timeOrigin: performance.timeOrigin,
        p0,
        t0,
        cpuDate: t1 - t0,
        cpuPerf: p1 - p0,
        ioDate: t2 - t1,
        x: x > 0,
      });
    }

    if (url.pathname === '/reject') {
      ctx.waitUntil(Promise.reject(new Error('smoke-reject')));
      return new Response('ok');
    }

    if (url.pathname === '/chunks') {
      // Read a replay stream chunk by chunk and report when each chunk arrived.
      const target = url.searchParams.get('u') ?? `${env.REPLAY}/v1/chat/completions`;
      const started = Date.now();
      const res = await fetch(target);
      const headersAt = Date.now() - started;
      const reader = res.body!.getReader();
      const chunks: { at: number; bytes: number }[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push({ at: Date.now() - started, bytes: value.byteLength });
      }
      return Response.json({ status: res.status, headersAt, chunks });
    }

    const delay = Number(url.searchParams.get('exportDelayMs') ?? '0');
    ctx.waitUntil(
      (async () => {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        const res = await fetch(`${env.COLLECTOR}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ hello: 1 }),
        });
        console.log(`smoke: export status ${res.status}`);
      })(),
    );

    const upstream = await fetch(`${env.REPLAY}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true }),
    });
    // Buffer to make the byte-for-byte comparison independent of streaming.
    const bytes = await upstream.arrayBuffer();
    return new Response(bytes, {
      status: upstream.status,
      headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' },
    });
  },
};
