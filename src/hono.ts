/**
 * `otel-genai-edge/hono`: Hono middleware that names the SERVER span by the route that
 * answered (`POST /chat/:id`, HTTP semantic conventions) and sets `http.route`.
 *
 * No dependency on Hono, not even in the declarations: it reads Hono's context structurally.
 * It finds the span through the incoming Request (`c.req.raw`), which the wrapper bound to its
 * invocation, so it works without AsyncLocalStorage. Outside `instrument`/`withTracing`, or when
 * the request is not sampled, it does nothing.
 */
import { HTTP_REQUEST_METHOD, HTTP_ROUTE } from "./attributes.js";
import { serverSpanOf } from "./bind.js";

/** What this middleware reads of Hono's `Context` (Hono 4). */
export interface HonoContextLike {
  req: {
    raw: Request;
    /** Index in `matchedRoutes` of the route being run; after `next()`, of the deepest one run. */
    routeIndex?: number;
    matchedRoutes?: readonly { path: string; method?: string; handler?: unknown }[];
  };
}

export type OtelRouteMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<void>;

/** `app.use(otelRoute())`, before the routes it should name. */
export function otelRoute(): OtelRouteMiddleware {
  return async function otelRoute(c, next) {
    // Where this middleware sits among the matched routes: if nothing deeper runs, no route answered (404).
    const own = readRouteIndex(c);
    try {
      await next();
    } finally {
      nameByRoute(c, own);
    }
  };
}

function readRouteIndex(c: HonoContextLike): number | undefined {
  try {
    const index = c.req.routeIndex;
    return typeof index === "number" ? index : undefined;
  } catch {
    return undefined;
  }
}

function nameByRoute(c: HonoContextLike, own: number | undefined): void {
  try {
    const index = readRouteIndex(c);
    if (index === undefined || index === own) return;
    // `matchedRoutes` and `routeIndex` are what Hono's own `routePath(c)` (hono/route) reads.
    const entry = c.req.matchedRoutes?.[index];
    // Registered by `app.use` (every method, takes `next`: Hono's logger's test for a
    // middleware): no route answered, only a 404 after it or the middleware's own reply.
    if (!entry || (entry.method === "ALL" && typeof entry.handler === "function" && entry.handler.length >= 2)) return;
    const route = entry.path;
    const span = serverSpanOf(c.req.raw);
    if (!span || typeof route !== "string" || !route) return;
    const method = span.attributes[HTTP_REQUEST_METHOD];
    span.setAttribute(HTTP_ROUTE, route);
    span.updateName(`${method === "_OTHER" || typeof method !== "string" ? "HTTP" : method} ${route}`);
  } catch {
    // a Hono whose context reads differently: the span keeps its name
  }
}
