/**
 * The handler shared by test/workers/genai.ts (wrapped with `instrument`) and
 * test/workers/genai-bare.ts (not wrapped): it makes one LLM call against the replay server,
 * through the official OpenAI / Anthropic SDKs, the AI SDK or plain fetch, as the JSON body of
 * `POST /run` says, and answers with what the SDK returned, so a test can compare the
 * instrumented run with the bare one.
 *
 * The API key comes from `env.API_KEY`; the prompt and parameters come from the request.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import Anthropic from "@anthropic-ai/sdk";
import { generateText, streamText } from "ai";
import OpenAI, { AzureOpenAI } from "openai";

export interface GenaiEnv {
  API_KEY: string;
  /** "1": instrument() is given `addStreamUsage: true`. */
  ADD_STREAM_USAGE?: string;
  /** JSON host → provider map for instrument()'s `providers`. */
  PROVIDERS?: string;
  /** "keep": instrument() is given `sdkSpans: "keep"`. */
  SDK_SPANS?: string;
}

export type Via =
  | "openai.chat"
  | "openai.responses"
  | "openai.embeddings"
  | "azure.chat"
  | "anthropic.messages"
  | "ai.openai.responses"
  | "ai.openai.chat"
  | "ai.anthropic"
  | "fetch";

export interface RunRequest {
  via: Via;
  /** Replay base URL (the worker appends the API path the SDK uses). */
  base: string;
  /** SDK create() parameters, or the JSON body for plain fetch. */
  body?: Record<string, unknown>;
  /** AI SDK: stream with streamText (else generateText). */
  stream?: boolean;
  /** Azure: `api-version`. */
  apiVersion?: string;
  /** Plain fetch: path appended to `base`, method (default POST when there is a body), headers. */
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Plain fetch: read the first chunk of the body, cancel the reader, answer with that chunk. */
  cancelAfterFirst?: boolean;
  /** Plain fetch: read until the body text contains this, then cancel the reader. */
  cancelAfterText?: string;
  /** OpenAI / Anthropic SDK streams: `break` out of the iteration after this many items. */
  breakAfter?: number;
  /** Plain fetch: answer with the upstream body as it streams (status and content type kept). */
  passThrough?: boolean;
  /** Plain fetch: read the body chunk by chunk, answer with the text and each read's size. */
  countReads?: boolean;
}

/** Anything the SDK gave back, or threw, as plain JSON. */
export interface RunResult {
  ok: boolean;
  result?: unknown;
  error?: unknown;
}

function describeError(error: unknown): Record<string, unknown> {
  const e = error as Record<string, unknown> & Error;
  const out: Record<string, unknown> = { name: e?.constructor?.name ?? typeof error, message: e?.message };
  for (const key of ["status", "error", "code", "type", "param", "statusCode", "responseBody", "isRetryable", "data"]) {
    if (e && e[key] !== undefined) out[key] = e[key];
  }
  return out;
}

/**
 * What differs between two runs of the same AI SDK call whatever the transport: response
 * headers (`date`), wall-clock timings (`performance`, and `timestamp` when the provider sends
 * no creation time). Request bodies are compared at the replay server instead.
 */
const VOLATILE = new Set(["headers", "request", "rawResponse", "performance", "timestamp"]);

/** AI SDK results as plain JSON, without the volatile parts. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (VOLATILE.has(k)) continue;
      out[k] = clean(v);
    }
    return out;
  }
  return value;
}

async function collect<T>(stream: AsyncIterable<T>, breakAfter?: number): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) {
      items.push(item);
      if (items.length === breakAfter) break;
    }
  } catch (error) {
    return { items, error: describeError(error) };
  }
  return { items };
}

async function runOpenAI(run: RunRequest, env: GenaiEnv): Promise<RunResult> {
  const client =
    run.via === "azure.chat"
      ? new AzureOpenAI({ endpoint: run.base, apiKey: env.API_KEY, apiVersion: run.apiVersion ?? "2024-10-21", maxRetries: 0 })
      : new OpenAI({ baseURL: `${run.base}/v1`, apiKey: env.API_KEY, maxRetries: 0 });
  const body = run.body as any;
  try {
    if (run.via === "openai.embeddings") return { ok: true, result: await client.embeddings.create(body) };
    const api = run.via === "openai.responses" ? client.responses : client.chat.completions;
    const response = await (api.create as (b: unknown) => Promise<unknown>)(body);
    if (body.stream) {
      const { items, error } = await collect(response as AsyncIterable<unknown>, run.breakAfter);
      return error ? { ok: false, result: items, error } : { ok: true, result: items };
    }
    return { ok: true, result: response };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

async function runAnthropic(run: RunRequest, env: GenaiEnv): Promise<RunResult> {
  const client = new Anthropic({ baseURL: run.base, apiKey: env.API_KEY, maxRetries: 0 });
  const body = run.body as any;
  try {
    const response = await client.messages.create(body);
    if (body.stream) {
      const { items, error } = await collect(response as unknown as AsyncIterable<unknown>, run.breakAfter);
      return error ? { ok: false, result: items, error } : { ok: true, result: items };
    }
    return { ok: true, result: response };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

async function runAiSdk(run: RunRequest, env: GenaiEnv): Promise<RunResult> {
  const { model: modelId, ...params } = (run.body ?? {}) as { model: string } & Record<string, unknown>;
  const model =
    run.via === "ai.anthropic"
      ? createAnthropic({ baseURL: `${run.base}/v1`, apiKey: env.API_KEY })(modelId)
      : run.via === "ai.openai.chat"
        ? createOpenAI({ baseURL: `${run.base}/v1`, apiKey: env.API_KEY }).chat(modelId)
        : createOpenAI({ baseURL: `${run.base}/v1`, apiKey: env.API_KEY })(modelId);
  const options = { model, maxRetries: 0, ...params } as any;
  try {
    if (run.stream) {
      const result = streamText(options);
      const { items, error } = await collect(result.fullStream as AsyncIterable<unknown>);
      const summary = error
        ? {}
        : {
            text: await result.text,
            finishReason: await result.finishReason,
            usage: await result.usage,
            response: { id: (await result.response).id, modelId: (await result.response).modelId },
          };
      return { ok: !error, result: clean({ parts: items, ...summary }), error };
    }
    const result = await generateText(options);
    return {
      ok: true,
      result: clean({
        text: result.text,
        content: result.content,
        finishReason: result.finishReason,
        usage: result.usage,
        response: { id: result.response.id, modelId: result.response.modelId },
      }),
    };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

async function runFetch(run: RunRequest): Promise<Response> {
  const method = run.method ?? (run.body ? "POST" : "GET");
  const headers: Record<string, string> = { ...run.headers };
  if (run.body) headers["content-type"] ??= "application/json";
  const upstream = await fetch(`${run.base}${run.path ?? ""}`, {
    method,
    headers,
    body: run.body ? JSON.stringify(run.body) : undefined,
  });
  if (run.cancelAfterFirst) {
    const reader = upstream.body!.getReader();
    const first = await reader.read();
    await reader.cancel("enough");
    return Response.json({ ok: true, result: { status: upstream.status, text: new TextDecoder().decode(first.value) } });
  }
  if (run.cancelAfterText !== undefined) {
    const reader = upstream.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(run.cancelAfterText)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel("enough");
    return Response.json({ ok: true, result: { status: upstream.status, text } });
  }
  if (run.countReads) {
    const reader = upstream.body!.getReader();
    const decoder = new TextDecoder();
    const reads: number[] = [];
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push(value.byteLength);
      text += decoder.decode(value, { stream: true });
    }
    return Response.json({ ok: true, result: { status: upstream.status, text: text + decoder.decode(), reads } });
  }
  if (run.passThrough) {
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" },
    });
  }
  return Response.json({ ok: true, result: { status: upstream.status, text: await upstream.text() } });
}

export const app = {
  async fetch(request: Request, env: GenaiEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/run" || request.method !== "POST") return new Response("not found", { status: 404 });
    const run = (await request.json()) as RunRequest;
    let result: RunResult;
    switch (run.via) {
      case "openai.chat":
      case "openai.responses":
      case "openai.embeddings":
      case "azure.chat":
        result = await runOpenAI(run, env);
        break;
      case "anthropic.messages":
        result = await runAnthropic(run, env);
        break;
      case "ai.openai.responses":
      case "ai.openai.chat":
      case "ai.anthropic":
        result = await runAiSdk(run, env);
        break;
      case "fetch":
        return runFetch(run);
      default:
        return new Response(`unknown via ${String(run.via)}`, { status: 400 });
    }
    return Response.json(result);
  },
};
