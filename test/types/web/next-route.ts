/**
 * Next.js App Router route handlers on the edge runtime: `(request: Request)` and
 * `(request: NextRequest, { params }: { params: Promise<...> })`, keeping the shape Next.js checks.
 */
import { withTracing } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

// next/server and @types/node are not installed: the parts used here.
declare class NextRequest extends Request {
  readonly nextUrl: URL;
  readonly cookies: { get(name: string): { name: string; value: string } | undefined };
}
declare const process: { env: Record<string, string | undefined> };

/** What Next.js accepts as a route's exported method (its generated route types check this). */
type RouteHandler<Params> = (
  request: NextRequest,
  context: { params: Promise<Params> },
) => Response | undefined | Promise<Response | undefined>;

export const runtime = "edge";

// As in the README ("Vercel: Next.js edge route", app/api/chat/route.ts).
export const POST = withTracing(async (request: Request) => {
  const upstream = await fetch("https://api.openai.com/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${process.env.OPENAI_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: await request.text() }] }),
  });
  return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
});
expectType<Exact<typeof POST, (request: Request) => Promise<Response>>>();
POST satisfies RouteHandler<Record<string, never>>;

// A dynamic segment (app/api/chat/[id]/route.ts), named by routeFor.
export const GET = withTracing(
  async (request: NextRequest, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    return Response.json({ id, q: request.nextUrl.searchParams.get("q"), user: request.cookies.get("user")?.value });
  },
  { routeFor: () => "/api/chat/[id]" },
);
expectType<Exact<typeof GET, (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response>>>();
GET satisfies RouteHandler<{ id: string }>;

// @ts-expect-error Next.js passes params as a Promise: a handler of another shape stays rejected
GET satisfies RouteHandler<{ slug: string[] }>;
// @ts-expect-error a route must answer a Response
withTracing(async (request: Request) => request.url);
// @ts-expect-error routeFor answers a route string
withTracing(async () => new Response(), { routeFor: () => 42 });
