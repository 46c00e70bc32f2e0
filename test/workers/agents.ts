/**
 * An agent flow in a Worker, wrapped with `instrument`: `invokeAgent` around an LLM call (plain
 * fetch to the replay server) that answers with tool calls, one `executeTool` per tool call,
 * then a second LLM call with the tools' results. `POST /run` takes the two replay bases and
 * what to vary (`RunAgent`); config comes from the OTEL_* variables (endpoint, capture mode).
 */
import { executeTool, invokeAgent } from "../../src/agents.js";
import { instrument } from "../../src/index.js";

export interface RunAgent {
  /** Replay base answering with tool calls. */
  first: string;
  /** Replay base answering with text. */
  second: string;
  /** Pass each tool call's id to executeTool (else it is found from the first response). */
  giveIds?: boolean;
  /** The tool throws a ToolError. */
  failTool?: boolean;
  /** Leave out executeTool's `arguments`: they are taken from the model's tool call. */
  omitArguments?: boolean;
}

class ToolError extends Error {
  name = "ToolError";
}

interface ToolCall {
  id: string;
  function: { name: string; arguments: string };
}

async function chat(base: string, messages: unknown[]): Promise<{ role: string; content: string | null; tool_calls?: ToolCall[] }> {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-agents-e2e" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages, tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] }),
  });
  const body = (await response.json()) as { choices: { message: { role: string; content: string | null; tool_calls?: ToolCall[] } }[] };
  return body.choices[0]!.message;
}

async function agent(run: RunAgent): Promise<string | null> {
  const messages: unknown[] = [{ role: "user", content: "What is the weather in New York City and London?" }];
  const asked = await chat(run.first, messages);
  messages.push(asked);
  for (const call of asked.tool_calls ?? []) {
    const result = await executeTool(
      {
        name: call.function.name,
        description: "Current weather",
        ...(run.omitArguments ? {} : { arguments: call.function.arguments }),
        ...(run.giveIds ? { callId: call.id } : {}),
      },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (run.failTool) throw new ToolError("weather service down");
        const { location } = JSON.parse(call.function.arguments) as { location: string };
        return { location, temperature_c: location === "London" ? 14 : 22 };
      },
    );
    messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
  }
  return (await chat(run.second, messages)).content;
}

export default instrument({
  async fetch(request: Request): Promise<Response> {
    const run = (await request.json()) as RunAgent;
    try {
      const answer = await invokeAgent({ name: "weather-agent", id: "asst_e2e", description: "Answers weather questions" }, () => agent(run));
      return Response.json({ answer });
    } catch (error) {
      return Response.json({ error: (error as Error).name, message: (error as Error).message }, { status: 500 });
    }
  },
});
