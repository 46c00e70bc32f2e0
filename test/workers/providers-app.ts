/**
 * The handler shared by test/workers/providers.ts (wrapped with `instrument`) and
 * test/workers/providers-bare.ts (not wrapped): per `POST /run` JSON command it makes one LLM
 * call through an official SDK (Gemini, Bedrock, Mistral, Cohere, ollama), an AI SDK provider,
 * or plain fetch, at the provider's real default host (the test routes those hosts to its
 * fixtures), and answers with what the SDK returned so a test can compare the two runs.
 *
 * The SDKs live in test/workers/providers/{google,bedrock,openai,more}.ts, one family per bundle: it is
 * built with `globalThis.__PROVIDERS__` defined as "google", "bedrock" or "openai" (else "more"), so each
 * test file bundles and loads only its SDKs (all of them make ~8 MB).
 */
export interface ProvidersEnv {
  GEMINI_KEY: string;
  MISTRAL_KEY: string;
  COHERE_KEY: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN: string;
}

export type ProviderVia =
  | "gemini.generate"
  | "gemini.stream"
  | "gemini.embed"
  | "vertex.generate"
  | "vertex.stream"
  | "bedrock.converse"
  | "bedrock.converseStream"
  | "bedrock.invoke"
  | "bedrock.invokeStream"
  | "mistral.complete"
  | "mistral.stream"
  | "cohere.chat"
  | "cohere.chatStream"
  | "ollama.chat"
  | "ollama.generate"
  | "ai.google"
  | "ai.google.embed"
  | "ai.bedrock"
  | "ai.mistral"
  | "ai.cohere"
  | "openai.chat"
  | "openai.responses"
  | "anthropic.messages"
  | "fetch";

export interface ProviderRun {
  via: ProviderVia;
  model: string;
  /** The user prompt, and a system text where the API has one. */
  prompt: string;
  system?: string;
  stream?: boolean;
  /** Extra SDK parameters (Gemini config, Bedrock inferenceConfig, ollama options...), passed as they are. */
  params?: Record<string, unknown>;
  /** Bedrock InvokeModel: the model's native JSON body; plain fetch: the JSON body. */
  body?: Record<string, unknown>;
  /** Fields merged over the SDK request the runner builds (Gemini `contents`, ollama `messages`/`tools`), where params cannot reach them. */
  request?: Record<string, unknown>;
  /** Plain fetch: the full URL and extra headers. */
  url?: string;
  headers?: Record<string, string>;
}

type Runner = (run: ProviderRun, env: ProvidersEnv) => Promise<unknown>;

/** The runner of the family the bundle was built for; the other branches fold away (see above). */
async function runner(): Promise<Runner> {
  // One expression, the define read inline (not through a local), so that esbuild folds it to one import.
  const module =
    (globalThis as { __PROVIDERS__?: string }).__PROVIDERS__ === "google"
      ? await import("./providers/google.js")
      : (globalThis as { __PROVIDERS__?: string }).__PROVIDERS__ === "bedrock"
        ? await import("./providers/bedrock.js")
        : (globalThis as { __PROVIDERS__?: string }).__PROVIDERS__ === "openai"
          ? await import("./providers/openai.js")
          : await import("./providers/more.js");
  return module.run;
}

function describeError(error: unknown): Record<string, unknown> {
  const e = error as Record<string, unknown> & Error;
  const out: Record<string, unknown> = { name: e?.constructor?.name ?? typeof error, message: e?.message };
  for (const key of ["status", "statusCode", "code", "$fault", "body", "responseBody"]) {
    if (e && e[key] !== undefined) out[key] = e[key];
  }
  return out;
}

/** Plain fetch: status, content type and the body text as it came. */
async function runFetch(run: ProviderRun): Promise<unknown> {
  const response = await fetch(run.url!, {
    method: "POST",
    headers: { "content-type": "application/json", ...run.headers },
    body: JSON.stringify(run.body),
  });
  return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
}

export const app = {
  async fetch(request: Request, env: ProvidersEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/run" || request.method !== "POST") return new Response("not found", { status: 404 });
    const run = (await request.json()) as ProviderRun;
    try {
      const result = run.via === "fetch" ? await runFetch(run) : await (await runner())(run, env);
      return Response.json({ ok: true, result });
    } catch (error) {
      return Response.json({ ok: false, error: describeError(error) });
    }
  },
};
