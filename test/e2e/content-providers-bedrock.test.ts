/**
 * Content capture per wire format, Bedrock Runtime: @aws-sdk/client-bedrock-runtime in workerd
 * (Converse, ConverseStream, InvokeModel and its stream with Anthropic Messages and Titan bodies),
 * answered from fixtures, through every capture setting (test/e2e/content-providers-helpers.ts).
 */
import {
  CALL_ID,
  contentSuite,
  PARAMS,
  PROMPT,
  startContent,
  SYSTEM,
  TOOL_ARG,
  TOOL_DESC,
  TOOL_NAME,
  TOOL_RESULT,
  TOOLS as tools,
  text,
  toolHistory,
} from "./content-providers-helpers.js";
import { eventStreamFrames, fixtureEvents, useHarness } from "./providers-helpers.js";

const h = useHarness(() => startContent("bedrock"));

const system = [text(SYSTEM)];

// Converse: keyed blocks.
const converseParams = {
  messages: [
    { role: "user", content: [{ text: PROMPT }] },
    { role: "assistant", content: [{ toolUse: { toolUseId: CALL_ID, name: TOOL_NAME, input: { location: TOOL_ARG } } }] },
    { role: "user", content: [{ toolResult: { toolUseId: CALL_ID, content: [{ text: TOOL_RESULT }] } }] },
  ],
  toolConfig: { tools: [{ toolSpec: { name: TOOL_NAME, description: TOOL_DESC, inputSchema: { json: PARAMS } } }] },
};
// A tool result of one text block is recorded as that text (as Anthropic's string `content`).
const converseInput = toolHistory("user");

{
  const fixture = "bedrock/converse-llama.json";
  const model = "meta.llama3-2-1b-instruct-v1:0";
  const [body] = fixtureEvents(fixture);
  const answer = body.output.message.content[0].text as string;
  contentSuite(h, {
    title: `ConverseCommand: ${fixture}`,
    run: { via: "bedrock.converse", model, prompt: PROMPT, system: SYSTEM, params: converseParams },
    fixture,
    operation: "chat",
    expected: { input: converseInput, output: [{ role: "assistant", parts: [text(answer)], finish_reason: body.stopReason }], system, tools },
    answers: [answer],
  });
}

{
  const fixture = "bedrock/converse-stream-claude-tool-use.b64";
  const model = "anthropic.claude-3-sonnet-20240229-v1:0";
  // The reference: blocks assembled by hand from the frames.
  const blocks: { text: string; tool?: { id: string; name: string }; input: string }[] = [];
  let stop: string | undefined;
  for (const { type, payload } of eventStreamFrames(fixture)) {
    if (type === "contentBlockStart") blocks[payload.contentBlockIndex] = { text: "", input: "", tool: payload.start.toolUse && { id: payload.start.toolUse.toolUseId, name: payload.start.toolUse.name } };
    if (type === "contentBlockDelta") {
      blocks[payload.contentBlockIndex] ??= { text: "", input: "" };
      blocks[payload.contentBlockIndex]!.text += payload.delta.text ?? "";
      blocks[payload.contentBlockIndex]!.input += payload.delta.toolUse?.input ?? "";
    }
    if (type === "messageStop") stop = payload.stopReason;
  }
  const parts = blocks.map((b) => (b.tool ? { type: "tool_call", id: b.tool.id, name: b.tool.name, arguments: JSON.parse(b.input) } : text(b.text)));
  contentSuite(h, {
    title: `ConverseStreamCommand: ${fixture}`,
    run: { via: "bedrock.converseStream", model, prompt: PROMPT, system: SYSTEM, params: converseParams },
    fixture,
    operation: "chat",
    expected: { input: converseInput, output: [{ role: "assistant", parts, finish_reason: stop }], system, tools },
    answers: blocks.map((b) => b.text || b.input),
  });
}

// InvokeModel with an Anthropic Messages body: typed blocks, `system` apart.
const claudeBody = {
  anthropic_version: "bedrock-2023-05-31",
  max_tokens: 100,
  system: SYSTEM,
  messages: [
    { role: "user", content: PROMPT },
    { role: "assistant", content: [{ type: "tool_use", id: CALL_ID, name: TOOL_NAME, input: { location: TOOL_ARG } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: CALL_ID, content: TOOL_RESULT }] },
  ],
  tools: [{ name: TOOL_NAME, description: TOOL_DESC, input_schema: PARAMS }],
};

{
  const fixture = "bedrock/invoke-claude-messages.json";
  const model = "anthropic.claude-3-sonnet-20240229-v1:0";
  const [body] = fixtureEvents(fixture);
  contentSuite(h, {
    title: `InvokeModelCommand, Anthropic messages: ${fixture}`,
    run: { via: "bedrock.invoke", model, prompt: PROMPT, body: claudeBody },
    fixture,
    operation: "chat",
    expected: { input: toolHistory("user"), output: [{ role: "assistant", parts: [text(body.content[0].text)], finish_reason: body.stop_reason }], system, tools },
    answers: [body.content[0].text],
  });
}

/** InvokeModelWithResponseStream: the model's own JSON chunks, base64 in each frame's `bytes`. */
const invokeChunks = (fixture: string): any[] => eventStreamFrames(fixture).map((f) => JSON.parse(Buffer.from(f.payload.bytes, "base64").toString()));

{
  const fixture = "bedrock/invoke-stream-claude.b64";
  const model = "anthropic.claude-3-5-sonnet-20240620-v1:0";
  const chunks = invokeChunks(fixture);
  const answer = chunks.map((c) => c.delta?.text ?? "").join("");
  contentSuite(h, {
    title: `InvokeModelWithResponseStreamCommand, Anthropic messages: ${fixture}`,
    run: { via: "bedrock.invokeStream", model, prompt: PROMPT, body: claudeBody },
    fixture,
    operation: "chat",
    expected: { input: toolHistory("user"), output: [{ role: "assistant", parts: [text(answer)], finish_reason: chunks.find((c) => c.type === "message_delta").delta.stop_reason }], system, tools },
    answers: [answer],
  });
}

// Titan text: a prompt string, the user's one message.
{
  const fixture = "bedrock/invoke-titan.json";
  const model = "amazon.titan-text-express-v1";
  const [body] = fixtureEvents(fixture);
  contentSuite(h, {
    title: `InvokeModelCommand, Titan text: ${fixture}`,
    run: { via: "bedrock.invoke", model, prompt: PROMPT, body: { inputText: PROMPT, textGenerationConfig: { maxTokenCount: 10 } } },
    fixture,
    operation: "text_completion",
    expected: {
      input: [{ role: "user", parts: [text(PROMPT)] }],
      output: body.results.map((r: any) => ({ role: "assistant", parts: [text(r.outputText)], finish_reason: r.completionReason })),
    },
    answers: body.results.map((r: any) => r.outputText),
  });
}

{
  const fixture = "bedrock/invoke-stream-titan.b64";
  const model = "amazon.titan-text-express-v1";
  const chunks = invokeChunks(fixture);
  const answer = chunks.map((c) => c.outputText ?? "").join("");
  contentSuite(h, {
    title: `InvokeModelWithResponseStreamCommand, Titan text: ${fixture}`,
    run: { via: "bedrock.invokeStream", model, prompt: PROMPT, body: { inputText: PROMPT } },
    fixture,
    operation: "text_completion",
    expected: {
      input: [{ role: "user", parts: [text(PROMPT)] }],
      output: [{ role: "assistant", parts: [text(answer)], finish_reason: chunks.map((c) => c.completionReason).filter(Boolean).at(-1) }],
    },
    answers: [answer],
  });
}
