/**
 * An LLM proxy Worker behind a service binding (not instrumented: it plays someone else's
 * service). It forwards the request body and the trace context it received to the replay
 * server, which answers with the recorded OpenAI chat stream, and hands that stream back.
 */
interface Env {
  /** Replay base URL serving test/fixtures/openai/chat-stream-include-usage.sse. */
  UPSTREAM: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const headers: Record<string, string> = { "content-type": request.headers.get("content-type") ?? "" };
    const traceparent = request.headers.get("traceparent");
    if (traceparent) headers["x-received-traceparent"] = traceparent;
    headers["x-received-length"] = request.headers.get("content-length") ?? "none";
    return fetch(`${env.UPSTREAM}${new URL(request.url).pathname}`, { method: request.method, headers, body: await request.arrayBuffer() });
  },
};
