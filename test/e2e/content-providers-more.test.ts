/**
 * Content capture per wire format, Mistral, Cohere v2 and ollama: @mistralai/mistralai,
 * cohere-ai (CohereClientV2) and ollama's browser build in workerd, answered from fixtures,
 * through every capture setting (test/e2e/content-providers-helpers.ts).
 */
import { describe, expect, it } from "vitest";
import { CALL_ID, contentSuite, PARAMS, PROMPT, runContent, startContent, SYSTEM, TOOL_ARG, TOOL_DESC, TOOL_NAME, TOOL_RESULT, TOOLS as tools, text } from "./content-providers-helpers.js";
import { REDACTED, SMALL_CONTENT_LIMIT } from "../workers/providers/redact.js";
import { fixtureEvents, SCOPE, useHarness } from "./providers-helpers.js";

const h = useHarness(() => startContent("more"));

const reasoning = (content: string) => ({ type: "reasoning", content });
const functionTools = [{ type: "function", function: { name: TOOL_NAME, description: TOOL_DESC, parameters: PARAMS } }];
/** Chat histories keep their system message as an input message (upstream: only instructions passed apart are system instructions). */
const historyInput = (call: Record<string, unknown>, response: Record<string, unknown>, toolMessage: Record<string, unknown> = {}) => [
  { role: "system", parts: [text(SYSTEM)] },
  { role: "user", parts: [text(PROMPT)] },
  { role: "assistant", parts: [{ type: "tool_call", ...call, name: TOOL_NAME, arguments: { location: TOOL_ARG } }] },
  { role: "tool", ...toolMessage, parts: [{ type: "tool_call_response", ...response, response: TOOL_RESULT }] },
];
/** A tool message's tool name (Mistral `name`, ollama `tool_name`) is the message's participant `name`. */
const NAMED = { name: TOOL_NAME };
const ARGS = JSON.stringify({ location: TOOL_ARG });

// Mistral: camelCase in the SDK, snake_case on the wire.
const mistralParams = {
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: PROMPT },
    { role: "assistant", toolCalls: [{ id: CALL_ID, type: "function", function: { name: TOOL_NAME, arguments: ARGS } }] },
    { role: "tool", toolCallId: CALL_ID, name: TOOL_NAME, content: TOOL_RESULT },
  ],
  tools: functionTools,
};

/** An OpenAI-like stream's one choice: content joined, tool calls by index. */
function chatStreamOutput(fixture: string) {
  let content = "";
  let finish: string | undefined;
  const calls: any[] = [];
  for (const e of fixtureEvents(fixture)) {
    const choice = e.choices?.[0];
    content += choice?.delta?.content ?? "";
    for (const [i, t] of (choice?.delta?.tool_calls ?? []).entries()) {
      const at = t.index ?? i;
      calls[at] ??= { id: t.id, name: t.function.name, args: "" };
      calls[at].args += t.function.arguments ?? "";
    }
    finish = choice?.finish_reason ?? finish;
  }
  const parts = [...(content ? [text(content)] : []), ...calls.map((c) => ({ type: "tool_call", id: c.id, name: c.name, arguments: JSON.parse(c.args) }))];
  return { output: [{ role: "assistant", parts, finish_reason: finish }], answers: [content, ...calls.map((c) => c.args)] };
}

for (const fixture of ["mistral/chat-stream.sse", "mistral/chat-stream-tool-call.sse"]) {
  const model = fixtureEvents(fixture)[0].model as string;
  const { output, answers } = chatStreamOutput(fixture);
  contentSuite(h, {
    title: `@mistralai/mistralai chat.stream: ${fixture}`,
    run: { via: "mistral.stream", model, prompt: PROMPT, params: mistralParams },
    fixture,
    operation: "chat",
    expected: { input: historyInput({ id: CALL_ID }, { id: CALL_ID }, NAMED), output, tools },
    answers,
  });
}

// Cohere v2.
const cohereParams = {
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: PROMPT },
    { role: "assistant", toolCalls: [{ id: CALL_ID, type: "function", function: { name: TOOL_NAME, arguments: ARGS } }] },
    { role: "tool", toolCallId: CALL_ID, content: TOOL_RESULT },
  ],
  tools: functionTools,
};

{
  const fixture = "cohere/chat-v2.json";
  const [body] = fixtureEvents(fixture);
  contentSuite(h, {
    title: `cohere-ai chat: ${fixture}`,
    run: { via: "cohere.chat", model: "command-r", prompt: PROMPT, params: cohereParams },
    fixture,
    operation: "chat",
    expected: { input: historyInput({ id: CALL_ID }, { id: CALL_ID }), output: [{ role: "assistant", parts: body.message.content.map((c: any) => text(c.text)), finish_reason: body.finish_reason }], tools },
    answers: body.message.content.map((c: any) => c.text),
  });
}

{
  const fixture = "cohere/chat-v2-stream-tool-calls.sse";
  let plan = "";
  let content = "";
  let finish: string | undefined;
  const calls: any[] = [];
  for (const e of fixtureEvents(fixture)) {
    const m = e.delta?.message;
    if (e.type === "tool-plan-delta") plan += m.tool_plan;
    if (e.type === "content-delta") content += m.content.text ?? "";
    if (e.type === "tool-call-start") calls[e.index] = { id: m.tool_calls.id, name: m.tool_calls.function.name, args: m.tool_calls.function.arguments ?? "" };
    if (e.type === "tool-call-delta") calls[e.index].args += m.tool_calls.function.arguments ?? "";
    if (e.type === "message-end") finish = e.delta.finish_reason;
  }
  // The tool plan is the model's reasoning before its calls.
  const parts = [...(content ? [text(content)] : []), ...(plan ? [reasoning(plan)] : []), ...calls.map((c) => ({ type: "tool_call", id: c.id, name: c.name, arguments: JSON.parse(c.args) }))];
  contentSuite(h, {
    title: `cohere-ai chatStream: ${fixture}`,
    run: { via: "cohere.chatStream", model: "command-r", prompt: PROMPT, params: cohereParams },
    fixture,
    operation: "chat",
    expected: { input: historyInput({ id: CALL_ID }, { id: CALL_ID }), output: [{ role: "assistant", parts, finish_reason: finish }], tools },
    answers: [plan, content, ...calls.map((c) => c.args)],
  });
}

// ollama: object arguments, no call ids in the history, the tool message names its tool.
const ollamaRequest = {
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: PROMPT },
    { role: "assistant", content: "", tool_calls: [{ function: { name: TOOL_NAME, arguments: { location: TOOL_ARG } } }] },
    { role: "tool", content: TOOL_RESULT, tool_name: TOOL_NAME },
  ],
  tools: functionTools,
};

/** ollama NDJSON (or one object): thinking and content joined, tool calls whole, the last object's reason. */
function ollamaOutput(fixture: string, key: "message" | "response") {
  let content = "";
  let thinking = "";
  const calls: any[] = [];
  const events = fixtureEvents(fixture);
  for (const e of events) {
    content += (key === "message" ? e.message?.content : e.response) ?? "";
    thinking += (key === "message" ? e.message?.thinking : e.thinking) ?? "";
    for (const c of e.message?.tool_calls ?? []) calls.push({ type: "tool_call", ...(c.id && { id: c.id }), name: c.function.name, arguments: c.function.arguments });
  }
  const parts = [...(thinking ? [reasoning(thinking)] : []), ...(content ? [text(content)] : []), ...calls];
  return { output: [{ role: "assistant", parts, finish_reason: events.at(-1).done_reason }], answers: [content, thinking, ...calls.map((c) => JSON.stringify(c.arguments))] };
}

for (const [fixture, model, stream, knownIssues] of [
  // A long thinking text before a tool call: the reader holds more than the attribute takes, so
  // the truncation cuts the thinking (marked) and the tool call keeps its arguments.
  ["ollama/api-chat-tool-call.json", "qwen3.6", false, undefined],
  ["ollama/api-chat-stream.ndjson", "llama3", true, undefined],
] as const) {
  const { output, answers } = ollamaOutput(fixture, "message");
  contentSuite(h, {
    title: `ollama chat: ${fixture}`,
    run: { via: "ollama.chat", model, prompt: PROMPT, stream, request: ollamaRequest },
    fixture,
    operation: "chat",
    expected: { input: historyInput({}, {}, NAMED), output, tools },
    answers,
    knownIssues,
  });
}

{
  const fixture = "ollama/api-generate-stream.ndjson";
  const { output, answers } = ollamaOutput(fixture, "response");
  contentSuite(h, {
    title: `ollama generate: ${fixture}`,
    run: { via: "ollama.generate", model: "llama3", prompt: PROMPT, system: SYSTEM, stream: true },
    fixture,
    operation: "text_completion",
    expected: { input: [{ role: "user", parts: [text(PROMPT)] }], output, system: [text(SYSTEM)] },
    answers,
  });
}

describe("AI SDK 7 with its own OpenTelemetry integration (@ai-sdk/otel), inside invokeAgent", () => {
  for (const [via, fixture, model, stream] of [
    ["ai.mistral", "mistral/chat-stream.sse", "mistral-tiny", true],
    ["ai.cohere", "cohere/chat-v2.json", "command-r", false],
  ] as const) {
    it(`${via} ${stream ? "streamText" : "generateText"}: one inference span, ours, a descendant of the invoke_agent span`, async () => {
      const r = await runContent(h(), "span", { via, model, prompt: PROMPT, system: SYSTEM, stream, params: { telemetry: { isEnabled: true, functionId: "zq-fn" } } }, { fixture, gapMs: 1 }, { agent: "zq-agent" });
      const byId = new Map(r.spans.map((s) => [s.spanId, s]));
      const agent = r.spans.filter((s) => s.name === "invoke_agent zq-agent");
      expect(agent).toHaveLength(1);
      expect(agent[0]!.scope.name).toBe(SCOPE);
      expect(agent[0]!.attributes["gen_ai.agent.name"]).toBe("zq-agent");
      // One inference span per call in the whole trace, whoever made it.
      const inference = r.spans.filter((s) => ["chat", "text_completion", "generate_content"].includes(s.attributes["gen_ai.operation.name"] as string));
      expect(inference.map((s) => `${s.scope.name} ${s.name}`)).toEqual([`${SCOPE} chat ${model}`]);
      const [call] = inference;
      expect(call!.attributes["gen_ai.request.model"]).toBe(model);
      expect(JSON.parse(call!.attributes["gen_ai.input.messages"] as string)).toEqual([
        { role: "system", parts: [{ type: "text", content: SYSTEM }] },
        { role: "user", parts: [{ type: "text", content: PROMPT }] },
      ]);
      const ancestors: string[] = [];
      for (let s = byId.get(call!.parentSpanId ?? ""); s; s = byId.get(s.parentSpanId ?? "")) ancestors.push(s.spanId);
      expect(ancestors).toContain(agent[0]!.spanId);
      expect(ancestors.at(-1)).toBe(r.server.spanId);
    });
  }

});

// @ai-sdk/otel is registered at module scope (test/workers/providers-content.ts), before our tracer
// provider exists, and pins its own copy of @opentelemetry/api: its spans reach the export all the
// same, ours replaces its inference span, and its content follows our capture setting.
describe("the AI SDK's own spans (@ai-sdk/otel registered at module scope)", () => {
  const fixture = "cohere/chat-v2.json";
  const [body] = fixtureEvents(fixture);
  const answer: string = body.message.content[0].text;
  const run = { via: "ai.cohere", model: "command-r", prompt: PROMPT, system: SYSTEM, stream: false } as const;
  const CONTENT = ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions"];
  const theirs = (r: Awaited<ReturnType<typeof runContent>>) => {
    const spans = r.spans.filter((s) => s.scope.name !== SCOPE);
    expect(spans.map((s) => `${s.scope.name} ${s.name} ${s.attributes["gen_ai.operation.name"]}`).sort()).toEqual(["gen_ai invoke_agent command-r invoke_agent", "gen_ai step 1 agent_step"]);
    const agent = spans.find((s) => s.name === "invoke_agent command-r")!;
    const step = spans.find((s) => s.name === "step 1")!;
    return { agent, step };
  };

  it("invoke_agent and its step are exported; the call's one inference span is ours, in the place of theirs", async () => {
    const r = await runContent(h(), "span", run, { fixture });
    const { agent, step } = theirs(r);
    expect(agent.parentSpanId).toBe(r.server.spanId);
    expect(step.parentSpanId).toBe(agent.spanId);
    const inference = r.spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(inference.map((s) => `${s.scope.name} ${s.name}`)).toEqual([`${SCOPE} chat command-r`]);
    expect(inference[0]!.parentSpanId).toBe(step.spanId);
    // Theirs as they made them (their usage is Cohere's `tokens`; ours `billed_units`, see the README).
    expect(agent.attributes["gen_ai.usage.input_tokens"]).toBe(body.usage.tokens.input_tokens);
    expect(agent.attributes["gen_ai.usage.output_tokens"]).toBe(body.usage.tokens.output_tokens);
    // Capture on spans, no hook: their lists pass as they are.
    expect(JSON.parse(agent.attributes["gen_ai.input.messages"] as string)).toEqual([{ role: "user", parts: [text(PROMPT)] }]);
    expect(JSON.parse(agent.attributes["gen_ai.system_instructions"] as string)).toEqual([text(SYSTEM)]);
    expect(JSON.parse(agent.attributes["gen_ai.output.messages"] as string)).toEqual([{ role: "assistant", parts: [text(answer)], finish_reason: "stop" }]);
  });

  it("carry no content with capture off (the default)", async () => {
    const r = await runContent(h(), "off", run, { fixture });
    const { agent, step } = theirs(r);
    for (const span of [agent, step]) expect(Object.keys(span.attributes).filter((k) => CONTENT.includes(k))).toEqual([]);
    expect(agent.attributes["gen_ai.request.model"]).toBe("command-r");
    for (const secret of [PROMPT, SYSTEM, answer.slice(0, 40)]) expect(r.exported).not.toContain(secret);
  });

  it("pass through the redactContent hook, as ours do", async () => {
    const r = await runContent(h(), "redact", run, { fixture });
    const { agent } = theirs(r);
    expect(JSON.parse(agent.attributes["gen_ai.input.messages"] as string)).toEqual([{ role: "user", parts: [text(REDACTED)] }]);
    expect(JSON.parse(agent.attributes["gen_ai.output.messages"] as string)).toEqual([{ role: "assistant", parts: [text(REDACTED)], finish_reason: "stop" }]);
    for (const secret of [PROMPT, SYSTEM, answer.slice(0, 40)]) expect(r.exported).not.toContain(secret);
  });

  it("the older span shapes (LegacyOpenTelemetry): ours takes the place of its doGenerate span; its ai.* content follows capture", async () => {
    const legacy = { ...run, params: { telemetry: { legacy: true } } };
    for (const capture of ["span", "off"] as const) {
      const r = await runContent(h(), capture, legacy, { fixture });
      const spans = r.spans.filter((s) => s.scope.name !== SCOPE);
      expect(spans.map((s) => `${s.scope.name} ${s.name}`)).toEqual(["ai ai.generateText"]);
      const [root] = spans;
      expect(root!.parentSpanId).toBe(r.server.spanId);
      const calls = r.spans.filter((s) => s.attributes["gen_ai.usage.input_tokens"] !== undefined);
      expect(calls.map((s) => `${s.scope.name} ${s.name}`)).toEqual([`${SCOPE} chat command-r`]);
      expect(calls[0]!.parentSpanId).toBe(root!.spanId);
      if (capture === "span") {
        expect(root!.attributes["ai.response.text"]).toBe(answer);
        expect(JSON.parse(root!.attributes["ai.prompt"] as string)).toEqual({ system: SYSTEM, messages: [{ role: "user", content: PROMPT }] });
      } else {
        expect(Object.keys(root!.attributes).filter((k) => k.startsWith("ai.prompt") || k.startsWith("ai.response."))).toEqual(["ai.response.finishReason"]);
        for (const secret of [PROMPT, SYSTEM, answer.slice(0, 40)]) expect(r.exported).not.toContain(secret);
      }
    }
  });

  it("are cut to maxContentLength, still JSON", async () => {
    const r = await runContent(h(), "truncate", run, { fixture });
    const output = theirs(r).agent.attributes["gen_ai.output.messages"] as string;
    expect(output.length).toBeLessThanOrEqual(SMALL_CONTENT_LIMIT);
    expect(JSON.parse(output)[0].parts[0].content).toMatch(/^Arrrr, matey!.*…\[truncated\]$/s);
  });
});
