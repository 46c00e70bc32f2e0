/**
 * Plays Next.js for the App Router example in Vercel's edge runtime (`edge-runtime`, evaluated
 * as a script): `/api/chat/:id` calls the route module's `POST(request, { params })`, and the
 * platform's `waitUntil` is reachable only through Next.js's `@next/request-context` global.
 * `/__route` reports the module's `runtime` export, `/__stats` what waitUntil was given.
 *
 * JavaScript, as are the other entries here: the test project's type check must not follow
 * these imports into examples/, which type-check against their own tsconfig.
 */
import * as route from "../../../examples/nextjs-edge/app/api/chat/[id]/route.ts";

const stats = { calls: 0, settled: 0 };
const requestContext = new AsyncLocalStorage();
globalThis[Symbol.for("@next/request-context")] = { get: () => requestContext.getStore() };

addEventListener("fetch", (event) => {
  const path = new URL(event.request.url).pathname;
  if (path === "/__stats") return event.respondWith(Response.json(stats));
  if (path === "/__route") return event.respondWith(Response.json({ runtime: route.runtime }));
  const match = /^\/api\/chat\/([^/]+)$/.exec(path);
  if (!match || event.request.method !== "POST") return event.respondWith(new Response("not found", { status: 404 }));
  const waitUntil = (promise) => {
    stats.calls++;
    event.waitUntil(promise.finally(() => stats.settled++));
  };
  event.respondWith(requestContext.run({ waitUntil }, () => route.POST(event.request, { params: Promise.resolve({ id: match[1] }) })));
});
