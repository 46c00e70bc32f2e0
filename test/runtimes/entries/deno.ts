/**
 * Deno: `deno run --allow-net [--allow-env=OTEL_...] bundle.js <port> <mode> [endpoint]`.
 * Modes: `env` (config from Deno.env), `no-propagation` (env, and
 * `propagateTraceContext: false`), `sdk-span` (env; the call made under an SDK's own GenAI span
 * started with `startActiveSpan`; `sdk-span-slot-first`: the same, with the API's global slot made
 * at module scope), `explicit` (config from the arguments only: run it
 * without --allow-env), `netlify` (a Netlify Edge-style context with waitUntil as the 2nd
 * argument), `supabase` (Supabase's global EdgeRuntime.waitUntil). Prints `listening <port>`.
 */
import { diag, SpanKind, trace } from "@opentelemetry/api";
import { withTracing } from "../../../src/index.js";
import { chat } from "../app.js";
import { argument, type Handler, mode, serve } from "./deno-serve.js";

const endpoint = argument;

/** What the platform's waitUntil was given, for the test to read at /__stats. */
const stats = { calls: 0, settled: 0 };
const waitUntil = (promise: Promise<unknown>) => {
  stats.calls++;
  const settle = () => stats.settled++;
  promise.then(settle, settle);
};
const withStats = (handler: Handler): Handler => (request, info) =>
  new URL(request.url).pathname === "/__stats" ? Response.json(stats) : handler(request, info);

if (mode === "env") {
  serve(withTracing(chat));
} else if (mode === "no-propagation") {
  serve(withTracing(chat, { propagateTraceContext: false }));
} else if (mode === "sdk-span" || mode === "sdk-span-slot-first") {
  // The API's global slot made at module scope, before the first request (any diag.setLogger does).
  if (mode === "sdk-span-slot-first") diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} });
  // An SDK that makes its own GenAI call span through @opentelemetry/api, as the active span.
  const sdk = trace.getTracer("an-llm-sdk");
  const attributes = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini" };
  serve(
    withTracing((request: Request) =>
      sdk.startActiveSpan("an-llm-sdk.chat", { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          return await chat(request);
        } finally {
          span.end();
        }
      }),
    ),
  );
} else if (mode === "explicit") {
  serve(withTracing(chat, { endpoint, serviceName: "deno-explicit" }));
} else if (mode === "netlify") {
  // Netlify calls `(request, context)`; its context carries waitUntil.
  const traced = withTracing((request: Request, _context: { waitUntil: typeof waitUntil }) => chat(request));
  serve(withStats((request) => traced(request, { waitUntil })));
} else if (mode === "supabase") {
  (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime = { waitUntil };
  serve(withStats(withTracing(chat)));
} else {
  throw new Error(`unknown mode ${mode}`);
}
