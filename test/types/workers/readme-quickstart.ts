// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the README's Worker quickstart, verbatim (declarations.test.ts)
import { instrument } from "otel-genai-edge";

export default instrument({
  async fetch(request, env, ctx) {
    // Any fetch here is traced; LLM calls become gen_ai.* spans.
    return fetch("https://api.openai.com/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Hi" }] }),
    });
  },
});
