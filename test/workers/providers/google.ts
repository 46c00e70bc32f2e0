/** Gemini and Vertex AI through @google/genai (its web build, which workerd resolves), and the AI SDK's Google provider. */
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { GoogleGenAI } from "@google/genai";
import { embedMany } from "ai";
import type { ProviderRun, ProvidersEnv } from "../providers-app.js";
import { clean, collect, runAiSdk } from "./common.js";

export async function run(run: ProviderRun, env: ProvidersEnv): Promise<unknown> {
  if (run.via === "ai.google") return runAiSdk(run, createGoogleGenerativeAI({ apiKey: env.GEMINI_KEY })(run.model));
  if (run.via === "ai.google.embed") {
    const { embeddings, usage } = await embedMany({ model: createGoogleGenerativeAI({ apiKey: env.GEMINI_KEY }).embedding(run.model), values: [run.prompt], maxRetries: 0 });
    return clean({ dimensions: embeddings.map((e) => e.length), usage });
  }
  // The web build does Vertex AI in express mode only (an API key, no project credentials); the
  // regional host is named through baseUrl, as for a regional deployment.
  const vertex = run.via.startsWith("vertex.");
  const ai = new GoogleGenAI(
    vertex
      ? { vertexai: true, apiKey: env.GEMINI_KEY, httpOptions: { baseUrl: "https://us-central1-aiplatform.googleapis.com/" } }
      : { apiKey: env.GEMINI_KEY },
  );
  if (run.via === "gemini.embed") return clean(await ai.models.embedContent({ model: run.model, contents: run.prompt }));
  const request = { model: run.model, contents: run.prompt, config: { systemInstruction: run.system, ...run.params }, ...run.request };
  if (run.via.endsWith(".stream")) return collect(await ai.models.generateContentStream(request));
  return clean(await ai.models.generateContent(request));
}
