/**
 * The consumer's application (copied into the scratch project next to its entries): a streaming
 * OpenAI-format chat call made with plain `fetch` to the upstream named by the `x-upstream`
 * header, its body returned as is. The same request as test/runtimes/app.ts.
 */
export const MODEL = "gpt-4o-mini";

export async function chat(request) {
  const upstream = request.headers.get("x-upstream");
  if (!upstream) return new Response("x-upstream header missing", { status: 400 });
  const response = await fetch(`${upstream}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" },
    body: JSON.stringify({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Say hi" }],
    }),
  });
  return new Response(response.body, {
    status: response.status,
    headers: { "content-type": response.headers.get("content-type") ?? "text/event-stream" },
  });
}
