/**
 * Content of Amazon Bedrock Runtime: Converse (`../bedrock-converse.ts`) and InvokeModel
 * (`../bedrock-invoke.ts`), whose bodies are the model vendor's own.
 *
 * Converse content blocks are keyed by kind (`{text}`, `{image}`, `{toolUse}`...); Nova's invoke
 * bodies are the same shape. Anthropic's bodies and stream events (`anthropic_version` in the
 * request, `type` or `completion` in each chunk) are read by the Anthropic Messages reader.
 * Prompt-string vendors (Llama, Mistral and Claude completions, Titan, Cohere Command) are one
 * user message with the prompt as sent, chat template included. Roles are as sent (Bedrock's are
 * already `user`/`assistant`; Cohere's `CHATBOT` is `assistant`).
 *
 * Output: one message (Converse, Anthropic, Nova, Llama) or one per choice (Mistral `outputs`/
 * `choices`, Cohere `generations`, Titan `results`/`index`), assembled from stream events by
 * content block: text and reasoning deltas joined, tool-use input fragments joined and parsed at
 * the end. `amazon-bedrock-guardrailAction: INTERVENED` makes the finish reason
 * `guardrail_intervened` whatever comes after, as in the facts.
 */
import type { ContentReader, OutputAssembler, OutputMessage, Part, ToolCallRef } from "../content.js";
import { vendorChunk } from "../bedrock-invoke.js";
import { eventJson, int, type Obj, obj, str } from "../json.js";
import type { SseEvent } from "../types.js";
import { type AnthropicAssembler, anthropicAssembler, anthropicContent } from "./anthropic-messages.js";
import { blocks, readRequest } from "./bedrock-request.js";
import { type Draft, OutputParts, type Slot } from "./output-parts.js";
import { each, eachChoice, functionCallParts, indexIn, toolCall } from "./parts.js";

const INTERVENED = "guardrail_intervened";

/** The Converse stream events a Nova chunk may hold, keyed by name (this runs per chunk). */
const CONVERSE_EVENTS = ["messageStart", "contentBlockStart", "contentBlockDelta", "messageStop"];

/** One response's output, Converse-, Anthropic- or prompt-vendor-shaped; stream blocks by their index. */
class BedrockOutput {
  readonly out: OutputParts;
  /** The tool call each content block index is assembling. */
  private readonly calls = new Map<number, Slot | undefined>();
  private intervened = false;
  /** Claude's messages, assembled by the Anthropic reader. */
  private anthropicOut?: AnthropicAssembler;

  constructor(private readonly maxChars: number) {
    this.out = new OutputParts(maxChars);
  }

  messages(): OutputMessage[] {
    if (!this.anthropicOut) return this.out.messages();
    const messages = this.anthropicOut.messages();
    if (this.intervened) messages[0] = { ...(messages[0] ?? { role: "assistant", parts: [] }), finish_reason: INTERVENED };
    return messages;
  }

  toolCalls(): ToolCallRef[] {
    return (this.anthropicOut ?? this.out).toolCalls();
  }

  private finish(index: number, reason: unknown): void {
    if (index === 0 && this.intervened) return;
    this.out.finish(this.out.message(index), str(reason));
  }

  private parts(m: Draft, parts: Part[]): void {
    for (const part of parts) this.out.part(m, part);
  }

  /** A Converse stream event by name (also Nova's invoke chunks). */
  converseEvent(name: string | undefined, e: Obj): void {
    const m = this.out.message(0);
    const index = int(e.contentBlockIndex) ?? 0;
    if (name === "messageStart") m.role = str(e.role) ?? m.role;
    else if (name === "contentBlockStart") {
      const use = obj(obj(e.start)?.toolUse);
      if (use) this.calls.set(index, this.out.streamedCall(m, use.toolUseId, use.name));
    } else if (name === "contentBlockDelta") {
      const delta = obj(e.delta) ?? {};
      this.out.text(m, "text", delta.text);
      this.out.args(this.calls.get(index), obj(delta.toolUse)?.input);
      this.out.text(m, "reasoning", obj(delta.reasoningContent)?.text);
    } else if (name === "messageStop") this.finish(0, e.stopReason);
  }

  /** A whole Converse or Nova body. */
  converseBody(v: Obj): void {
    const message = obj(obj(v.output)?.message);
    if (!message) return;
    const m = this.out.message(0);
    m.role = str(message.role) ?? m.role;
    this.parts(m, blocks(message.content));
    this.finish(0, v.stopReason);
  }

  /** Per-choice text and stop reasons of Mistral's `outputs`/`choices`, Cohere's `generations`, Titan's `results`. */
  private choices(items: unknown, textOf: (c: Obj) => unknown, reasonKeys: string[]): void {
    eachChoice(items, (c, i) => {
      const m = this.out.message(i);
      this.out.text(m, "text", textOf(c));
      const message = obj(c.message) ?? obj(c.delta);
      this.parts(m, functionCallParts(message?.tool_calls));
      for (const key of reasonKeys) if (c[key] != null) this.finish(i, c[key]);
    });
  }

  /** A vendor body or (decoded, parsed) stream chunk, by its shape. */
  invoke(v: Obj, streamed = false): void {
    if (v["amazon-bedrock-guardrailAction"] === "INTERVENED") {
      this.finish(0, INTERVENED);
      this.intervened = true;
    }
    // Claude's messages (their bodies and events are typed) and text completions, whole or streamed.
    if (typeof v.type === "string" || "completion" in v) {
      this.anthropicOut ??= anthropicAssembler(this.maxChars);
      if (streamed) this.anthropicOut.parsed(v);
      else this.anthropicOut.json(v);
      return;
    }
    this.converseBody(v);
    for (const name of CONVERSE_EVENTS) {
      const e = obj(v[name]);
      if (e) this.converseEvent(name, e);
    }
    // Llama.
    if ("generation" in v) {
      this.out.text(this.out.message(0), "text", v.generation);
      this.finish(0, v.stop_reason);
    }
    // Titan: a stream chunk (`outputText`, `index`); a whole body is `results`.
    if ("outputText" in v) {
      const i = indexIn(int(v.index) ?? 0, 128);
      if (i !== undefined) {
        this.out.text(this.out.message(i), "text", v.outputText);
        this.finish(i, v.completionReason);
      }
    }
    this.choices(v.results, (c) => c.outputText, ["completionReason"]);
    this.choices(v.outputs, (c) => c.text, ["stop_reason"]);
    this.choices(v.choices, (c) => (obj(c.message) ?? obj(c.delta))?.content, ["stop_reason", "finish_reason"]);
    this.choices(v.generations, (c) => c.text, ["finish_reason"]);
    // Cohere Command R: a whole body or a text-generation chunk (`stream-end` repeats the whole text: not counted).
    if ("event_type" in v || "finish_reason" in v) {
      if (v.event_type === undefined || v.event_type === "text-generation") this.out.text(this.out.message(0), "text", v.text);
      if (v.event_type === undefined) this.parts(this.out.message(0), cohereCalls(v.tool_calls));
      this.finish(0, v.finish_reason);
    }
  }
}

/** Cohere Command R's tool calls: `[{name, parameters}]`, no ids. */
function cohereCalls(calls: unknown): Part[] {
  return each(calls, (item) => {
    const c = obj(item);
    const name = c && str(c.name);
    return name === undefined ? undefined : toolCall(undefined, name, c!.parameters ?? {});
  });
}

function assembler(maxChars: number, json: (o: BedrockOutput, v: Obj) => void, event: (o: BedrockOutput, e: SseEvent) => void): OutputAssembler {
  const o = new BedrockOutput(maxChars);
  return {
    json(body) {
      const v = obj(body);
      if (v) json(o, v);
    },
    event: (e) => event(o, e),
    messages: () => o.messages(),
    toolCalls: () => o.toolCalls(),
  };
}

export const bedrockConverseContent: ContentReader = {
  request: (body) => readRequest(obj(body)),
  output: (maxChars) =>
    assembler(
      maxChars,
      (o, v) => o.converseBody(v),
      (o, e) => {
        // Exception frames (`throttlingException`, `:error`) carry no content.
        const data = obj(eventJson(e));
        if (data && typeof e.event === "string") o.converseEvent(e.event, data);
      },
    ),
};

export const bedrockInvokeContent: ContentReader = {
  request(body, url) {
    const b = obj(body);
    return b && typeof b.anthropic_version === "string" ? anthropicContent.request(b, url) : readRequest(b);
  },
  output: (maxChars) =>
    assembler(
      maxChars,
      (o, v) => o.invoke(v),
      (o, e) => {
        if (e.event !== "chunk") return;
        const v = vendorChunk(e);
        if (v) o.invoke(v, true);
      },
    ),
};
