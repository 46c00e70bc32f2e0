/**
 * Plays the platform for the Deno examples, which call `Deno.serve(handler)` as they would
 * deployed: here it listens on a free loopback port and prints `listening <port>`. With
 * `supabase` as its argument it also offers Supabase's global `EdgeRuntime.waitUntil`, and
 * reports what it was given at `/__stats`. Called before the example is imported.
 */
export function playPlatform() {
  const serve = Deno.serve.bind(Deno);
  const stats = { calls: 0, settled: 0 };
  if (Deno.args[0] === "supabase") {
    globalThis.EdgeRuntime = {
      waitUntil(promise) {
        stats.calls++;
        const settle = () => stats.settled++;
        promise.then(settle, settle);
      },
    };
  }
  Object.defineProperty(Deno, "serve", {
    configurable: true,
    value: (handler) =>
      serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening ${port}`) }, (request, info) =>
        new URL(request.url).pathname === "/__stats" ? Response.json(stats) : handler(request, info),
      ),
  });
}
