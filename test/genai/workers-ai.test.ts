import { describe, expect, it } from "vitest";
import { workersAi, workersAiRequest } from "../../src/genai/workers-ai.js";
import { newResponseFacts } from "../../src/genai/types.js";
import { fixtureBytes, foldJson, foldSse, foldSsePieces, splitAt } from "./helpers.js";

describe("workersAiRequest", () => {
  it("maps the operation from the inputs and the parameters", () => {
    expect(
      workersAiRequest("@cf/meta/llama-3.1-8b-instruct", {
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        max_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        seed: 7,
        frequency_penalty: 0.5,
        presence_penalty: 0.25,
        repetition_penalty: 1.1,
      }),
    ).toStrictEqual({
      operation: "chat",
      model: "@cf/meta/llama-3.1-8b-instruct",
      stream: true,
      maxTokens: 64,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      seed: 7,
      frequencyPenalty: 0.5,
      presencePenalty: 0.25,
    });
    expect(workersAiRequest("m", { prompt: "Hi", stream: false })).toStrictEqual({ operation: "text_completion", model: "m" });
    expect(workersAiRequest("m", { text: ["a"] })).toStrictEqual({ operation: "embeddings", model: "m" });
  });

  it("is not a GenAI call for other inputs", () => {
    expect(workersAiRequest("@cf/openai/whisper", { audio: [1, 2] })).toBeUndefined();
    expect(workersAiRequest("m", undefined)).toBeUndefined();
    expect(workersAiRequest("m", "text")).toBeUndefined();
  });
});

describe("workersAi format", () => {
  it("ignores negative counts and dimensions", () => {
    const facts = newResponseFacts();
    workersAi.json({ response: "hi", usage: { prompt_tokens: -3, completion_tokens: 2 }, shape: [1, -768] }, facts);
    expect(workersAi.event({ data: '{"response":"","usage":{"prompt_tokens":4,"completion_tokens":-1}}' }, facts)).toBe(false);
    expect(facts).toEqual({ finishReasons: [], usage: { input: 4, output: 2 } });
  });

  it("chat.json: usage, no id and no finish reason", () => {
    expect(foldJson(workersAi, "workers-ai/chat.json")).toEqual({ finishReasons: [], usage: { input: 21, output: 10 } });
  });

  it("embeddings.json: dimensions from the shape", () => {
    expect(foldJson(workersAi, "workers-ai/embeddings.json")).toEqual({ finishReasons: [], usage: {}, embeddingDimensions: 8 });
  });

  it("chat-stream.sse: text events are chunks, usage from the last event, complete at [DONE], however split", () => {
    const expected = { finishReasons: [], usage: { input: 21, output: 6 }, chunks: 3, complete: true };
    expect(foldSse(workersAi, "workers-ai/chat-stream.sse")).toEqual(expected);
    const bytes = fixtureBytes("workers-ai/chat-stream.sse");
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(foldSsePieces(workersAi, splitAt(bytes, [cut]))).toEqual(expected);
    }
  });

  it("reads a finish reason, tool calls, the REST envelope and OpenAI-shaped results", () => {
    const facts = newResponseFacts();
    expect(workersAi.event({ data: '{"response":"","tool_calls":[{"name":"f","arguments":{}}],"finish_reason":"tool_calls"}' }, facts)).toBe(true);
    expect(facts.finishReasons).toEqual(["tool_calls"]);

    const envelope = newResponseFacts();
    workersAi.json({ result: { response: "x", usage: { prompt_tokens: 3, completion_tokens: 1 } }, success: true }, envelope);
    expect(envelope.usage).toEqual({ input: 3, output: 1 });

    const openai = newResponseFacts();
    workersAi.json(
      {
        id: "chatcmpl-1",
        model: "@cf/openai/gpt-oss-120b",
        choices: [{ index: 0, message: { content: "hi" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 5, completion_tokens: 2 },
      },
      openai,
    );
    expect(openai).toMatchObject({ id: "chatcmpl-1", model: "@cf/openai/gpt-oss-120b", finishReasons: ["stop"], usage: { input: 5, output: 2 } });

    const chunk = newResponseFacts();
    expect(workersAi.event({ data: '{"choices":[{"index":0,"delta":{"content":"hi"}}]}' }, chunk)).toBe(true);
    expect(workersAi.event({ data: "not json" }, chunk)).toBe(false);
  });
});
