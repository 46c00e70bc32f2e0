/**
 * Vercel's edge runtime (the `edge-runtime` package), evaluated as a script by
 * `new EdgeRuntime({ initialCode })`. It plays the platform: `/edge-function` calls the handler
 * as a Vercel Edge Function, `(request, context)` with `context.waitUntil`; every other path
 * calls it as a Next.js edge route handler, `(request, { params })`, with the platform's
 * `waitUntil` reachable only through the `Symbol.for("@vercel/request-context")` global.
 */
import { withTracing } from "../../../src/index.js";
import { chat } from "../app.js";

interface FetchEvent {
  request: Request;
  respondWith(response: Response | Promise<Response>): void;
  waitUntil(promise: Promise<unknown>): void;
}
interface Als<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}
declare const AsyncLocalStorage: new <T>() => Als<T>;
declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

const stats = { context: { calls: 0, settled: 0 }, requestContext: { calls: 0, settled: 0 } };
const counted = (event: FetchEvent, counter: { calls: number; settled: number }) => (promise: Promise<unknown>) => {
  counter.calls++;
  event.waitUntil(promise.finally(() => counter.settled++));
};

const requestContext = new AsyncLocalStorage<{ waitUntil(promise: Promise<unknown>): void }>();
(globalThis as Record<symbol, unknown>)[Symbol.for("@vercel/request-context")] = { get: () => requestContext.getStore() };

// Typed for both callers below: an Edge Function's context, or a route handler's `{ params }`.
const traced = withTracing((request: Request, _context: object) => chat(request));

addEventListener("fetch", (event) => {
  const path = new URL(event.request.url).pathname;
  if (path === "/__stats") return event.respondWith(Response.json(stats));
  // Both are offered on /edge-function: the context argument must win.
  const viaContext = counted(event, stats.context);
  const viaRequestContext = counted(event, stats.requestContext);
  event.respondWith(
    requestContext.run({ waitUntil: viaRequestContext }, () =>
      path === "/edge-function"
        ? traced(event.request, { waitUntil: viaContext })
        : traced(event.request, { params: Promise.resolve({}) }),
    ),
  );
});
