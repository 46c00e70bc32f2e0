/**
 * Content capture per wire format, Gemini: @google/genai in workerd calling
 * generativelanguage.googleapis.com, answered from fixtures; a request carrying marker strings in
 * its prompt, system instruction, tool declaration, function call and function response, through
 * every capture setting (test/e2e/content-providers-helpers.ts); and the AI SDK's embed call with its own spans.
 */
import { describe, expect, it } from "vitest";
import { CALL_ID, contentSuite, PARAMS, PROMPT, runContent, startContent, SYSTEM, TOOL_ARG, TOOL_DESC, TOOL_NAME, TOOL_RESULT, toolHistory } from "./content-providers-helpers.js";
import { fixtureEvents, SCOPE, useHarness } from "./providers-helpers.js";

const h = useHarness(() => startContent("google"));

const request = {
  contents: [
    { role: "user", parts: [{ text: PROMPT }] },
    { role: "model", parts: [{ functionCall: { id: CALL_ID, name: TOOL_NAME, args: { location: TOOL_ARG } } }] },
    { role: "user", parts: [{ functionResponse: { id: CALL_ID, name: TOOL_NAME, response: { result: TOOL_RESULT } } }] },
  ],
};
const params = { tools: [{ functionDeclarations: [{ name: TOOL_NAME, description: TOOL_DESC, parameters: PARAMS }] }] };
const input = toolHistory("user", { result: TOOL_RESULT });
const system = [{ type: "text", content: SYSTEM }];
// The SDK sends the schema's types in the API's enum spelling: what the provider received is what is recorded.
const WIRE_PARAMS = { type: "OBJECT", properties: { location: { type: "STRING" } }, required: ["location"] };
const tools = [{ type: "function", name: TOOL_NAME, description: TOOL_DESC, parameters: WIRE_PARAMS }];

/** A Gemini response's (or its stream's) one candidate: parts joined as the conventions have them. */
function geminiOutput(fixture: string) {
  const parts: any[] = [];
  let finish: string | undefined;
  for (const chunk of fixtureEvents(fixture)) {
    const candidate = chunk.candidates?.[0];
    for (const p of candidate?.content?.parts ?? []) {
      const last = parts.at(-1);
      if (typeof p.text === "string" && last?.type === "text") last.content += p.text;
      else if (typeof p.text === "string") parts.push({ type: "text", content: p.text });
      else if (p.functionCall) parts.push({ type: "tool_call", name: p.functionCall.name, arguments: p.functionCall.args });
    }
    finish = candidate?.finishReason ?? finish;
  }
  return { message: { role: "assistant", parts, finish_reason: finish }, answers: parts.map((p) => p.content ?? JSON.stringify(p.arguments)) };
}

for (const [via, fixture, model] of [
  ["gemini.generate", "google/gemini-generate-content.json", "gemini-2.5-flash"],
  ["gemini.stream", "google/gemini-stream-function-calls.sse", "gemini-2.0-flash"],
] as const) {
  const { message, answers } = geminiOutput(fixture);
  contentSuite(h, {
    title: `@google/genai ${via}: ${fixture}`,
    run: { via, model, prompt: PROMPT, system: SYSTEM, params, request },
    fixture,
    operation: "generate_content",
    expected: { input, output: [message], system, tools },
    answers,
  });
}

// The AI SDK's own spans (@ai-sdk/otel is registered in this Worker): embed runs its provider call
// outside its call span's context, so ours finds that span open in the invocation (same model)
// and takes its place. test/e2e/content-providers-more.test.ts has the text calls.
describe("the AI SDK's embed call", () => {
  it("gives one embeddings call span, ours, in the place of the AI SDK's (under its operation span)", async () => {
    const fixture = "google/embed-content.json";
    const r = await runContent(h(), "off", { via: "ai.google.embed", model: "gemini-embedding-001", prompt: PROMPT }, { fixture });
    expect(r.result.result).toEqual({ dimensions: [fixtureEvents(fixture)[0].embedding.values.length], usage: { tokens: null } });
    const theirs = r.spans.filter((s) => s.scope.name !== SCOPE);
    // The AI SDK's operation span stays; its call span (a child of it) is replaced by ours.
    expect(theirs.map((s) => `${s.scope.name} ${s.name} ${s.kind}`)).toEqual(["gen_ai embeddings gemini-embedding-001 3"]);
    const ours = r.spans.filter((s) => s.scope.name === SCOPE && s.attributes["gen_ai.operation.name"] === "embeddings");
    expect(ours).toHaveLength(1);
    expect(ours[0]!.parentSpanId).toBe(theirs[0]!.spanId);
    expect(ours[0]!.attributes["gen_ai.embeddings.dimension.count"]).toBe(3072);
    expect(theirs[0]!.parentSpanId).toBe(r.server.spanId);
  });
});
