/**
 * Content capture per wire format, OpenAI and Anthropic: the official `openai` SDK (Chat
 * Completions, Responses) and `@anthropic-ai/sdk` (Messages) in workerd calling api.openai.com
 * and api.anthropic.com, Workers AI over REST and a Gemini JSON-array stream by plain fetch,
 * all answered from fixtures; a request carrying marker strings in its prompt, system text, tool
 * description, tool call and tool result, through every capture setting
 * (test/e2e/content-providers-helpers.ts), and once more under `semconv: "latest"`.
 */
import { describe, expect, it } from "vitest";
import {
  CALL_ID,
  type ContentHarness,
  contentSuite,
  OPERATION_DETAILS,
  PARAMS,
  PROMPT,
  runContent,
  startContent,
  SYSTEM,
  TOOL_ARG,
  TOOL_DESC,
  TOOL_NAME,
  TOOL_RESULT,
  TOOLS as tools,
  text,
  toolCall,
  toolHistory,
} from "./content-providers-helpers.js";
import { fixtureEvents, KEYS, useHarness } from "./providers-helpers.js";

const h = useHarness(() => startContent("openai"));

/** The same workerd, each request sent to the `latest-{setting}` handler (`semconv: "latest"`, test/workers/providers-content.ts). */
const latest = (): ContentHarness => ({
  ...h(),
  worker: { ...h().worker, fetch: (path, init) => h().worker.fetch(String(path).replace("capture=", "capture=latest-"), init) },
});

const ARGS = JSON.stringify({ location: TOOL_ARG });
const functionTools = [{ type: "function", function: { name: TOOL_NAME, description: TOOL_DESC, parameters: PARAMS } }];

/** An OpenAI-style history (Chat Completions, Workers AI): the system message stays in it (upstream: only instructions passed apart are system instructions). */
const chatMessages = [
  { role: "system", content: SYSTEM },
  { role: "user", content: PROMPT },
  { role: "assistant", content: null, tool_calls: [{ id: CALL_ID, type: "function", function: { name: TOOL_NAME, arguments: ARGS } }] },
  { role: "tool", tool_call_id: CALL_ID, content: TOOL_RESULT },
];
const chatInput = [{ role: "system", parts: [text(SYSTEM)] }, ...toolHistory("tool")];

/** A Chat Completions body or stream (or Workers AI's native one): text joined, tool calls by index, the last finish reason. */
function chatOutput(fixture: string) {
  let content = "";
  let finish: string | undefined;
  const calls: { id?: string; name: string; args: string }[] = [];
  for (const e of fixtureEvents(fixture)) {
    const body = e.result ?? e;
    const choice = body.choices?.[0];
    const d = choice?.delta ?? choice?.message ?? {};
    content += d.content ?? body.response ?? "";
    const held = calls.length;
    for (const [i, t] of (d.tool_calls ?? []).entries()) {
      // A stream numbers its fragments; a whole message's calls follow those held.
      const at = t.index ?? held + i;
      calls[at] ??= { id: t.id, name: t.function.name, args: "" };
      calls[at]!.args += t.function.arguments ?? "";
    }
    finish = choice?.finish_reason ?? finish;
  }
  const parts = [...(content ? [text(content)] : []), ...calls.map((c) => toolCall(c.id, c.name, JSON.parse(c.args)))];
  return { output: [{ role: "assistant", parts, ...(finish && { finish_reason: finish }) }], answers: [content, ...calls.map((c) => c.args)] };
}

for (const [fixture, stream] of [
  ["openai/chat-stream-parallel-tool-calls.sse", true],
  ["openai/chat-nonstream-tool-calls.json", false],
] as const) {
  const { output, answers } = chatOutput(fixture);
  contentSuite(h, {
    title: `openai chat.completions.create${stream ? " (stream)" : ""}: ${fixture}`,
    run: { via: "openai.chat", model: "gpt-4o-mini", prompt: PROMPT, stream, request: { messages: chatMessages, tools: functionTools } },
    fixture,
    operation: "chat",
    expected: { input: chatInput, output, tools },
    answers,
  });
}

// Anthropic Messages: `system` apart, the tool result a block of the next user message.
const anthropicRequest = {
  messages: [
    { role: "user", content: PROMPT },
    { role: "assistant", content: [{ type: "tool_use", id: CALL_ID, name: TOOL_NAME, input: { location: TOOL_ARG } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: CALL_ID, content: TOOL_RESULT }] },
  ],
  tools: [{ name: TOOL_NAME, description: TOOL_DESC, input_schema: PARAMS }],
};

/** An Anthropic stream: blocks by index, text deltas joined, `input_json_delta` fragments joined and parsed. */
function anthropicOutput(fixture: string) {
  const blocks: { block: any; text: string; json: string }[] = [];
  let finish: string | undefined;
  for (const e of fixtureEvents(fixture)) {
    if (e.type === "content_block_start") blocks[e.index] = { block: e.content_block, text: "", json: "" };
    if (e.type === "content_block_delta") {
      blocks[e.index]!.text += e.delta.text ?? "";
      blocks[e.index]!.json += e.delta.partial_json ?? "";
    }
    if (e.type === "message_delta") finish = e.delta.stop_reason;
  }
  const parts = blocks.map((b) => (b.block.type === "text" ? text(b.text) : toolCall(b.block.id, b.block.name, JSON.parse(b.json))));
  return { output: [{ role: "assistant", parts, finish_reason: finish }], answers: blocks.map((b) => b.text || b.json) };
}

{
  const fixture = "anthropic/messages-stream-tool-use.sse";
  const { output, answers } = anthropicOutput(fixture);
  contentSuite(h, {
    title: `@anthropic-ai/sdk messages.create (stream, system): ${fixture}`,
    run: { via: "anthropic.messages", model: "claude-3-5-sonnet-20240620", prompt: PROMPT, system: SYSTEM, stream: true, request: anthropicRequest },
    fixture,
    operation: "chat",
    expected: {
      input: toolHistory("user"),
      output,
      system: [text(SYSTEM)],
      tools,
    },
    answers,
  });
}

// OpenAI Responses: `instructions` apart, input items (a message, a function call, its output).
{
  const fixture = "openai-responses/responses-stream-function-call.sse";
  const completed = fixtureEvents(fixture).find((e) => e.type === "response.completed").response;
  // The terminal Response lists the output: the authority over the deltas.
  const calls = completed.output.filter((o: any) => o.type === "function_call");
  contentSuite(h, {
    title: `openai responses.create (stream, instructions): ${fixture}`,
    run: {
      via: "openai.responses",
      model: "gpt-4o",
      prompt: PROMPT,
      system: SYSTEM,
      stream: true,
      request: {
        input: [
          { role: "user", content: PROMPT },
          { type: "function_call", call_id: CALL_ID, name: TOOL_NAME, arguments: ARGS },
          { type: "function_call_output", call_id: CALL_ID, output: TOOL_RESULT },
        ],
        tools: [{ type: "function", name: TOOL_NAME, description: TOOL_DESC, parameters: PARAMS, strict: false }],
      },
    },
    fixture,
    operation: "chat",
    expected: {
      input: toolHistory("tool"),
      output: [{ role: "assistant", parts: calls.map((c: any) => toolCall(c.call_id, c.name, JSON.parse(c.arguments))), finish_reason: completed.status }],
      system: [text(SYSTEM)],
      tools,
    },
    answers: calls.map((c: any) => c.arguments),
  });
}

// Workers AI over REST: plain fetch, the binding's inputs as the JSON body; the whole answer in the REST envelope.
const WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";
const workersAiRun = (stream: boolean) => ({
  via: "fetch" as const,
  model: WORKERS_AI_MODEL,
  prompt: PROMPT,
  url: `https://api.cloudflare.com/client/v4/accounts/abc/ai/run/${WORKERS_AI_MODEL}`,
  headers: { authorization: "Bearer cf-e2e-content-3f8a1c-SECRET" },
  body: { messages: chatMessages, tools: functionTools, ...(stream && { stream: true }) },
});
for (const [fixture, stream] of [
  ["workers-ai/chat-stream.sse", true],
  ["workers-ai/rest-chat.json", false],
] as const) {
  const { output, answers } = chatOutput(fixture);
  // Native results carry no finish reason: a finished answer stopped, or stopped for its tool calls (v1.41's output schema requires one).
  const finished = output.map((m) => ({ ...m, finish_reason: m.parts.some((p: { type: string }) => p.type === "tool_call") ? "tool_call" : "stop" }));
  contentSuite(h, {
    title: `Workers AI REST /ai/run${stream ? " (stream)" : ""}: ${fixture}`,
    run: workersAiRun(stream),
    fixture,
    operation: "chat",
    expected: { input: chatInput, output: finished, tools },
    answers,
  });
}

// Both semconv profiles end to end: the Chat Completions stream again under `semconv: "latest"`.
{
  const fixture = "openai/chat-stream-parallel-tool-calls.sse";
  const { output, answers } = chatOutput(fixture);
  contentSuite(latest, {
    title: `semconv "latest": openai chat.completions.create (stream): ${fixture}`,
    run: { via: "openai.chat", model: "gpt-4o-mini", prompt: PROMPT, stream: true, request: { messages: chatMessages, tools: functionTools } },
    fixture,
    operation: "chat",
    expected: { input: chatInput, output, tools },
    answers,
  });
}

describe("the two semconv profiles", () => {
  const run = { via: "openai.chat" as const, model: "gpt-4o-mini", prompt: PROMPT, stream: true, request: { messages: chatMessages, tools: functionTools } };
  for (const [profile, harness, schemaUrl] of [
    ["v1.41 (default)", h, "https://opentelemetry.io/schemas/1.41.0"],
    ["latest", latest, "https://opentelemetry.io/schemas/gen-ai-dev/1.42.0-dev"],
  ] as const) {
    it(`${profile}: the call's span and its operation-details record under the profile's schema URL`, async () => {
      const r = await runContent(harness(), "both", run, { fixture: "openai/chat-stream-parallel-tool-calls.sse", gapMs: 1 }, { logs: true });
      expect(r.genai.map((s) => s.scope.schemaUrl)).toEqual([schemaUrl]);
      expect(r.logs.filter((l) => l.eventName === OPERATION_DETAILS).map((l) => [l.spanId, l.scope.schemaUrl])).toEqual([[r.genai[0]!.spanId, schemaUrl]]);
    });
  }
});

// Gemini `streamGenerateContent` without `alt=sse`: one JSON array (application/json) read element by element.
{
  const fixture = "google/gemini-stream-text-array.json";
  const [chunks] = fixtureEvents(fixture) as any[][];
  const candidates = chunks!.map((c) => c.candidates?.[0]);
  const joined = candidates.flatMap((c) => c?.content?.parts ?? []).map((p: any) => p.text ?? "").join("");
  const finish = candidates.map((c) => c?.finishReason).filter(Boolean).at(-1);
  contentSuite(h, {
    title: `Gemini JSON-array stream by fetch: ${fixture}`,
    run: {
      via: "fetch",
      model: "gemini-2.0-flash",
      prompt: PROMPT,
      url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent",
      headers: { "x-goog-api-key": KEYS.GEMINI_KEY },
      body: {
        contents: [
          { role: "user", parts: [{ text: PROMPT }] },
          { role: "model", parts: [{ functionCall: { id: CALL_ID, name: TOOL_NAME, args: { location: TOOL_ARG } } }] },
          { role: "user", parts: [{ functionResponse: { id: CALL_ID, name: TOOL_NAME, response: { result: TOOL_RESULT } } }] },
        ],
        systemInstruction: { parts: [{ text: SYSTEM }] },
        tools: [{ functionDeclarations: [{ name: TOOL_NAME, description: TOOL_DESC, parameters: PARAMS }] }],
      },
    },
    fixture,
    operation: "generate_content",
    expected: {
      input: toolHistory("user", { result: TOOL_RESULT }),
      output: [{ role: "assistant", parts: [text(joined)], finish_reason: finish }],
      system: [text(SYSTEM)],
      tools,
    },
    answers: [joined],
  });
}
