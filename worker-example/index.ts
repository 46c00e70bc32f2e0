/**
 * The example Worker behind `npm start`. One request to `/` runs an agent (`invokeAgent`) that
 * makes seven LLM calls, so a single `curl` shows everything otel-genai-edge records:
 *
 *   1. Anthropic Messages with plain fetch, not streaming, with a system prompt
 *   2. OpenAI Chat Completions through the official `openai` SDK, not streaming
 *   3. OpenAI through the SDK, streaming        } both at once
 *   4. Anthropic with plain fetch, streaming    }
 *   5. OpenAI with plain fetch, streaming, with a tool; the tool then runs in `executeTool`
 *   6. Anthropic with plain fetch, cut short by its max_tokens          } both at once
 *   7. OpenAI through the SDK, rate limited (429) once and retried       }
 *
 * Each call becomes a `gen_ai.*` span (model, token usage, cost from the price table below, time
 * to first chunk, finish reasons; the retried call is two spans: the 429 and the resend, with
 * `http.request.resend_count`) under the agent's `invoke_agent` span, itself under the request's
 * SERVER span. Content capture is on for this demo (see the config at the bottom): the spans
 * carry the prompts and answers, and after the response answer 3 is graded and the grade recorded
 * with `recordEvaluation`. The trace is exported to OTEL_EXPORTER_OTLP_ENDPOINT after the
 * response, through ctx.waitUntil. `/stream` passes a model's stream straight to the caller.
 *
 * `npm start` points OPENAI_BASE_URL / ANTHROPIC_BASE_URL at a local stand-in that replays
 * recorded responses (whatever model is asked for, the recorded model answers), or at the real
 * APIs when OPENAI_API_KEY / ANTHROPIC_API_KEY are set (then call 7 is not made to fail).
 */
import { trace } from "@opentelemetry/api";
import OpenAI from "openai";
import { executeTool, instrument, invokeAgent, recordEvaluation, type WorkerContext } from "../src/index.js";

interface Env {
  OPENAI_BASE_URL: string;
  ANTHROPIC_BASE_URL: string;
  OPENAI_MODEL: string;
  ANTHROPIC_MODEL: string;
  OPENAI_API_KEY?: string;
  ANTHROPIC_API_KEY?: string;
}

const JOKE = "Tell me a joke about OpenTelemetry.";
const SYSTEM = "You are a friendly assistant who explains observability with humour.";
const OCEAN = "Answer in up to 3 words: Which ocean contains Bouvet Island?";
const SUM = "What is 6 times 7? Use the multiply tool.";

const MULTIPLY_TOOL = {
  type: "function",
  function: {
    name: "multiply",
    description: "Multiply two numbers.",
    parameters: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
  },
};

/** The JSON payloads of a server-sent-events response, as they arrive. */
async function* sseData(response: Response): AsyncGenerator<any> {
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += read.value;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const data = line.startsWith("data:") ? line.slice(5).trim() : "";
      if (data && data !== "[DONE]") yield JSON.parse(data);
    }
  }
}

function anthropic(env: Env, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": env.ANTHROPIC_API_KEY || "sk-ant-local-stand-in",
    },
    body: JSON.stringify({ model: env.ANTHROPIC_MODEL, max_tokens: 300, ...body }),
  });
}

/** 1. Anthropic, plain fetch, not streaming, with a system prompt (recorded as `gen_ai.system_instructions`). */
async function anthropicJson(env: Env): Promise<string> {
  const response = await anthropic(env, { system: SYSTEM, messages: [{ role: "user", content: JOKE }] });
  if (!response.ok) throw new Error(`Anthropic: HTTP ${response.status}: ${await response.text()}`);
  const message = (await response.json()) as { model: string; content: { type: string; text?: string }[] };
  return `${message.model}: ${message.content.find((c) => c.type === "text")?.text ?? ""}`;
}

/** 2. OpenAI through the SDK, not streaming. */
async function openaiSdkJson(openai: OpenAI, env: Env): Promise<string> {
  const completion = await openai.chat.completions.create({ model: env.OPENAI_MODEL, messages: [{ role: "user", content: JOKE }] });
  return `${completion.model}: ${completion.choices[0]?.message.content ?? ""}`;
}

/** 3. OpenAI through the SDK, streaming (include_usage, so the stream reports token usage); also returns the response id and the text. */
async function openaiSdkStream(openai: OpenAI, env: Env): Promise<{ line: string; responseId: string; text: string }> {
  const stream = await openai.chat.completions.create({
    model: env.OPENAI_MODEL,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: OCEAN }],
  });
  let model = "";
  let responseId = "";
  let text = "";
  for await (const chunk of stream) {
    model ||= chunk.model;
    responseId ||= chunk.id;
    text += chunk.choices[0]?.delta.content ?? "";
  }
  return { line: `${model}: ${text}`, responseId, text };
}

/** 4. Anthropic, plain fetch, streaming. */
async function anthropicStream(env: Env): Promise<string> {
  const response = await anthropic(env, { stream: true, messages: [{ role: "user", content: JOKE }] });
  let model = "";
  let text = "";
  for await (const event of sseData(response)) {
    if (event.type === "message_start") model = event.message.model;
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
  }
  return `${model}: ${text}`;
}

/** 6. Anthropic, plain fetch, not streaming, with too few max_tokens for the answer: stop reason `max_tokens`. */
async function anthropicCut(env: Env): Promise<string> {
  const response = await anthropic(env, { max_tokens: 24, messages: [{ role: "user", content: JOKE }] });
  if (!response.ok) throw new Error(`Anthropic: HTTP ${response.status}: ${await response.text()}`);
  const message = (await response.json()) as { model: string; stop_reason: string; content: { type: string; text?: string }[] };
  return `${message.model} (${message.stop_reason}): ${message.content.find((c) => c.type === "text")?.text ?? ""}…`;
}

/**
 * 7. OpenAI through the SDK, not streaming; the stand-in answers its first attempt with 429
 * (asked for with a header only the stand-in reads) and the SDK sends it again.
 */
async function openaiRetried(openai: OpenAI, env: Env): Promise<string> {
  const headers = env.OPENAI_API_KEY ? {} : { "x-llm-standin-fail-first": "429" };
  const completion = await openai.chat.completions.create({ model: env.OPENAI_MODEL, messages: [{ role: "user", content: JOKE }] }, { headers });
  return `${completion.model}: ${completion.choices[0]?.message.content ?? ""}`;
}

/** 5. OpenAI, plain fetch, streaming with a tool; then the tool runs in `executeTool`. */
async function openaiToolCall(env: Env): Promise<string> {
  const response = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY || "sk-local-stand-in"}` },
    body: JSON.stringify({
      model: env.OPENAI_MODEL,
      stream: true,
      stream_options: { include_usage: true },
      tools: [MULTIPLY_TOOL],
      tool_choice: "required",
      messages: [{ role: "user", content: SUM }],
    }),
  });
  let model = "";
  let name = "";
  let args = "";
  for await (const chunk of sseData(response)) {
    model ||= chunk.model;
    for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
      name += call.function?.name ?? "";
      args += call.function?.arguments ?? "";
    }
  }
  // An `execute_tool multiply` span: its call id comes from the response above; with content
  // capture on, the arguments and the result are recorded on it too.
  const result = await executeTool({ name, arguments: args }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 25)); // stands in for real work
    const { a, b } = JSON.parse(args || "{}") as { a?: number; b?: number };
    return (a ?? Number.NaN) * (b ?? Number.NaN);
  });
  return `${model}: ${name}(${args}) = ${result}`;
}

/**
 * USD per million tokens, for `otel_genai_edge.usage.cost_usd` and the cost counter. Looked up by
 * the response model, then the requested one: the stand-in answers with its recordings' models.
 * List prices when this was written; check your provider's pricing page.
 */
const PRICES = {
  "gpt-4o-mini": { input: 0.15, output: 0.6, cacheRead: 0.075 },
  "gpt-4o-mini-2024-07-18": { input: 0.15, output: 0.6, cacheRead: 0.075 },
  "gpt-3.5-turbo-0125": { input: 0.5, output: 1.5 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  "claude-3-opus-20240229": { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
};

const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 110 ? `${flat.slice(0, 109)}…` : flat;
};

/**
 * Grades answer 3 after the response, as an evaluation job would (here a plain check standing in
 * for an LLM judge), and records the grade on that call's span with `recordEvaluation`.
 */
async function gradeOcean(answer: { responseId: string; text: string }): Promise<void> {
  const right = /south atlantic/i.test(answer.text);
  recordEvaluation({
    name: "correctness",
    scoreValue: right ? 1 : 0,
    scoreLabel: right ? "pass" : "fail",
    explanation: right ? "Bouvet Island lies in the South Atlantic Ocean." : "Bouvet Island lies in the South Atlantic Ocean; the answer names another ocean.",
    responseId: answer.responseId,
  });
}

/** The seven calls of `/`, one line per answer. */
async function agent(openai: OpenAI, env: Env, ctx: WorkerContext): Promise<[string, string][]> {
  const results: [string, string][] = [];
  results.push(["1. Anthropic · fetch · JSON", await anthropicJson(env)]);
  results.push(["2. OpenAI · SDK · JSON", await openaiSdkJson(openai, env)]);
  const [sdkStream, fetchStream] = await Promise.all([openaiSdkStream(openai, env), anthropicStream(env)]);
  results.push(["3. OpenAI · SDK · stream", sdkStream.line], ["4. Anthropic · fetch · stream", fetchStream]);
  ctx.waitUntil(gradeOcean(sdkStream)); // after the response, before the export
  results.push(["5. OpenAI · fetch · stream · tool", await openaiToolCall(env)]);
  const [cut, retried] = await Promise.all([anthropicCut(env), openaiRetried(openai, env)]);
  results.push(["6. Anthropic · fetch · JSON · max_tokens", cut], ["7. OpenAI · SDK · JSON · retried", retried]);
  return results;
}

export default instrument({
  async fetch(request: Request, env: Env, ctx: WorkerContext): Promise<Response> {
    const url = new URL(request.url);
    // The SDK picks up the global fetch when it is constructed: make it inside the handler.
    const openai = new OpenAI({ apiKey: env.OPENAI_API_KEY || "sk-local-stand-in", baseURL: env.OPENAI_BASE_URL });

    if (url.pathname === "/stream") {
      // The model's stream goes straight to the caller; its span ends when the caller has read it.
      const upstream = await openai.chat.completions
        .create({ model: env.OPENAI_MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: OCEAN }] })
        .asResponse();
      return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
    }
    if (url.pathname !== "/") return new Response("Not found. Try / or /stream.\n", { status: 404 });

    try {
      // One `invoke_agent example-agent` span: the LLM calls and the tool below are its children.
      const results = await invokeAgent({ name: "example-agent", description: "Answers the example's seven questions" }, () => agent(openai, env, ctx));

      const traceId = trace.getActiveSpan()?.spanContext().traceId;
      const lines = [
        `otel-genai-edge example: ${results.length} LLM calls${traceId ? ` in trace ${traceId}` : ""}`,
        "",
        ...results.map(([what, answer]) => `${what.padEnd(40)} ${oneLine(answer)}`),
        "",
        "The trace is exported to OTEL_EXPORTER_OTLP_ENDPOINT once this response has been sent.",
        "",
      ];
      return new Response(lines.join("\n"), { headers: { "content-type": "text/plain; charset=utf-8" } });
    } catch (error) {
      return new Response(`An LLM call failed: ${(error as Error).message}\n`, { status: 502 });
    }
  },
}, {
  prices: PRICES,
  // For this local demo only: record the prompts and answers (span attributes and one
  // gen_ai.client.inference.operation.details log record per call), so the viewer can show them.
  // Content capture is off by default because prompts and answers are sensitive: in your own
  // Worker, turn it on deliberately (and consider `redactContent`).
  captureMessageContent: "SPAN_AND_EVENT",
  // The viewer shows each tool's description too (by default only its type and name are recorded).
  toolDefinitions: "full",
});
