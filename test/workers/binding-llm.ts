/**
 * A Worker calling an LLM API through a service binding (`LLM`, a Worker fronting an
 * OpenAI-compatible proxy, test/workers/binding-llm-standin.ts): `/url-init` with a URL and an
 * init, `/request-alone` with a Request alone and no Content-Length (the official Mistral SDK's
 * way). Each streams the answer back to the client.
 */
import { instrument, traceBindings } from "../../src/index.js";

interface Env {
  LLM: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> };
}

const URL_OF_PROXY = "https://llm-proxy.internal/v1/chat/completions";
export const PROMPT = {
  model: "gpt-4o-mini",
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0.3,
  max_tokens: 50,
  messages: [{ role: "user", content: "Say hi" }],
};
const init = (): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" }, body: JSON.stringify(PROMPT) });

export default instrument({
  async fetch(request: Request, rawEnv: Env): Promise<Response> {
    const env = traceBindings(rawEnv);
    const path = new URL(request.url).pathname;
    const response = path === "/request-alone" ? await env.LLM.fetch(new Request(URL_OF_PROXY, init())) : await env.LLM.fetch(URL_OF_PROXY, init());
    return new Response(response.body, { status: response.status, headers: response.headers });
  },
});
