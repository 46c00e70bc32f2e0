/**
 * Bench variant: the bare handler plus, for each /llm invocation, one POST of ~3.2 KB JSON to
 * OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces inside ctx.waitUntil: the number and size of the requests
 * otel-genai-edge's export makes per request (the traces; metrics go once per interval), without
 * building them. Its CPU minus bare's is what the subrequest costs by itself.
 */
import { app } from "./app.js";

interface Env {
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
}

const BODY = JSON.stringify({ padding: "x".repeat(3200) });

export default {
  async fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const response = await app.fetch(request, env, ctx);
    if (new URL(request.url).pathname === "/llm") {
      ctx.waitUntil(
        fetch(`${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY }).then((r) => r.text()),
      );
    }
    return response;
  },
};
