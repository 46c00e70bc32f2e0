/**
 * The logs e2e Worker (test/e2e/logs.test.ts): `identify` from request headers, an OpenAI call
 * against the replay server, and an evaluation of its answer recorded in `ctx.waitUntil` after
 * the response has been sent.
 *
 * - `POST /chat` `{ base, evaluate?: "match" | "other" | "none" }`: one chat completion through
 *   the official SDK; answers `{ id }` at once; then, in waitUntil, after a pause, records an
 *   evaluation of that response id (or of an id no call of this invocation gave).
 * - `GET /plain`: no call, no evaluation. `GET /stats`: telemetryStats().
 * - identify: `x-user` → `user.id`, `x-conversation` → `gen_ai.conversation.id`, `x-tier` → a
 *   number; `x-identify: throw` throws, `x-identify: object` returns a nested value.
 */
import OpenAI from "openai";
import { instrument, recordEvaluation, telemetryStats } from "../../src/index.js";

interface Env {
  API_KEY: string;
}

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

// Outside any invocation (module scope): a no-op, never a throw (the Worker would not start).
recordEvaluation({ name: "at-module-scope" });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const app = {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/plain") return new Response("plain");
    if (url.pathname === "/stats") return Response.json(telemetryStats());
    const { base, evaluate = "match" } = (await request.json()) as { base: string; evaluate?: string };
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: env.API_KEY, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "hi" }] });
    if (evaluate !== "none") {
      ctx.waitUntil(
        (async () => {
          // Well after the response has gone out.
          await pause(100);
          recordEvaluation({
            name: "relevance",
            scoreValue: 1,
            scoreLabel: "relevant",
            explanation: "answers the question",
            responseId: evaluate === "match" ? completion.id : "chatcmpl-not-from-here",
          });
        })(),
      );
    }
    return Response.json({ id: completion.id });
  },
};

export default instrument(app, {
  identify(request: Request) {
    const mode = request.headers.get("x-identify");
    if (mode === "throw") throw new Error("identify failed");
    const user = request.headers.get("x-user");
    if (!user) return undefined;
    return {
      "user.id": user,
      "gen_ai.conversation.id": request.headers.get("x-conversation") ?? undefined,
      "app.tier": Number(request.headers.get("x-tier") ?? 0),
      ...(mode === "object" ? { "app.nested": { a: 1 } } : {}),
    };
  },
});
