/**
 * OpenAI (Chat Completions, Responses) through the official `openai` SDK and Anthropic Messages
 * through `@anthropic-ai/sdk`, at their default hosts (api.openai.com, api.anthropic.com), which
 * the test routes to its fixtures. The keys are made up: no request leaves the test.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { ProviderRun } from "../providers-app.js";
import { clean, collect } from "./common.js";

const OPENAI_KEY = "sk-e2e-content-openai-4d7c1f-SECRET";
const ANTHROPIC_KEY = "sk-ant-e2e-content-9b2e6a-SECRET";

const userMessages = (run: ProviderRun) => [{ role: "user", content: run.prompt }];

/** The SDK's answer as JSON: every stream event, or the whole body. */
async function settle(response: unknown, stream: boolean | undefined): Promise<unknown> {
  return stream ? collect(response as AsyncIterable<unknown>) : clean(response);
}

export async function run(run: ProviderRun): Promise<unknown> {
  switch (run.via) {
    case "openai.chat": {
      const client = new OpenAI({ apiKey: OPENAI_KEY, maxRetries: 0 });
      const system = run.system ? [{ role: "system", content: run.system }] : [];
      const body = { model: run.model, messages: [...system, ...userMessages(run)], stream: run.stream ?? false, ...run.params, ...run.request };
      return settle(await client.chat.completions.create(body as never), run.stream);
    }
    case "openai.responses": {
      const client = new OpenAI({ apiKey: OPENAI_KEY, maxRetries: 0 });
      const body = { model: run.model, instructions: run.system, input: run.prompt, stream: run.stream ?? false, ...run.params, ...run.request };
      return settle(await client.responses.create(body as never), run.stream);
    }
    case "anthropic.messages": {
      const client = new Anthropic({ apiKey: ANTHROPIC_KEY, maxRetries: 0 });
      const body = { model: run.model, max_tokens: 256, system: run.system, messages: userMessages(run), stream: run.stream ?? false, ...run.params, ...run.request };
      return settle(await client.messages.create(body as never), run.stream);
    }
    default:
      throw new Error(`providers/openai: no runner for ${run.via}`);
  }
}
