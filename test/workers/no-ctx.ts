/** An instrumented handler called by a router without a ctx (as app.fetch(request, env) does). */
import { instrument } from "../../src/index.js";

const inner = instrument({
  async fetch(): Promise<Response> {
    return new Response("inner ok");
  },
});

export default {
  async fetch(request: Request, env: unknown): Promise<Response> {
    return (inner.fetch as (r: Request, e: unknown, c?: unknown) => Promise<Response>)(request, env);
  },
};
