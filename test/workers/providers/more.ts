/** Mistral (@mistralai/mistralai), Cohere v2 (cohere-ai), ollama (its browser build), and the AI SDK's Mistral and Cohere providers. */
import { createCohere } from "@ai-sdk/cohere";
import { createMistral } from "@ai-sdk/mistral";
import { Mistral } from "@mistralai/mistralai";
import { CohereClientV2 } from "cohere-ai";
import { Ollama } from "ollama/browser";
import type { ProviderRun, ProvidersEnv } from "../providers-app.js";
import { clean, collect, runAiSdk } from "./common.js";

function messages(run: ProviderRun) {
  return [...(run.system ? [{ role: "system" as const, content: run.system }] : []), { role: "user" as const, content: run.prompt }];
}

async function runOllama(run: ProviderRun): Promise<unknown> {
  // The default host, http://127.0.0.1:11434: an unknown host, told apart by path and body shape.
  const client = new Ollama();
  if (run.via === "ollama.generate") {
    const request = { model: run.model, prompt: run.prompt, system: run.system, options: run.params, ...run.request };
    return run.stream ? collect(await client.generate({ ...request, stream: true })) : clean(await client.generate({ ...request, stream: false }));
  }
  const request = { model: run.model, messages: messages(run), options: run.params, ...run.request };
  return run.stream ? collect(await client.chat({ ...request, stream: true })) : clean(await client.chat({ ...request, stream: false }));
}

export async function run(run: ProviderRun, env: ProvidersEnv): Promise<unknown> {
  switch (run.via) {
    case "ai.mistral":
      return runAiSdk(run, createMistral({ apiKey: env.MISTRAL_KEY })(run.model));
    case "ai.cohere":
      return runAiSdk(run, createCohere({ apiKey: env.COHERE_KEY })(run.model));
    case "mistral.complete":
    case "mistral.stream": {
      const client = new Mistral({ apiKey: env.MISTRAL_KEY });
      const request = { model: run.model, messages: messages(run), ...run.params };
      if (run.via === "mistral.stream") return collect(await client.chat.stream(request));
      return clean(await client.chat.complete(request));
    }
    case "cohere.chat":
    case "cohere.chatStream": {
      const client = new CohereClientV2({ token: env.COHERE_KEY });
      const request = { model: run.model, messages: messages(run), ...run.params };
      if (run.via === "cohere.chatStream") return collect(await client.chatStream(request));
      return clean(await client.chat(request));
    }
    default:
      return runOllama(run);
  }
}
