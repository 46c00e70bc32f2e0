/** A Netlify Edge Function: `export default withTracing(async (request, context) => ...)` with its config. */
import { withTracing } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

// @netlify/edge-functions is not installed here: the parts of Context and Config used.
interface Context {
  ip: string;
  requestId: string;
  geo: { city?: string; country?: { code?: string; name?: string } };
  params: Record<string, string>;
  next(): Promise<Response>;
  waitUntil(promise: Promise<unknown>): void;
}
interface Config {
  path?: `/${string}` | `/${string}`[];
  method?: string | string[];
}

// README, "Netlify Edge Functions" (netlify/edge-functions/chat.ts).
const chat = withTracing(async (request: Request, context: Context) => {
  if (request.method !== "POST") return context.next();
  context.waitUntil(fetch("https://example.com/audit", { method: "POST", body: context.requestId }));
  return fetch("https://api.anthropic.com/v1/messages", { method: "POST", body: await request.text() });
});
export default chat;
export const config: Config = { path: "/api/chat" };

expectType<Exact<typeof chat, (request: Request, context: Context) => Promise<Response>>>();

// Netlify Functions (v2, not edge) have the same shape.
export const fn = withTracing(async (request: Request, context: Context) => Response.json({ ip: context.ip, url: request.url }));

// @ts-expect-error the wrapped function still needs what the handler declared
chat(new Request("https://example.com/"), { ip: "127.0.0.1" });
