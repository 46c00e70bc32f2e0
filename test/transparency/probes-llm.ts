/**
 * App-side cases on the GenAI path (the wrapper parses these bodies as they pass): proxy idioms
 * carrying an LLM request, a prompt in every body form (a Request alone the way the official
 * Mistral SDK sends it, bytes, a stream, a Blob, bodies over `maxJsonBodyBytes`), an LLM error,
 * and an LLM stream cancelled, aborted, cloned or teed.
 */
import { type CaseContext, describeError, type Json, observeResponse, readDefault, summarize } from "./observe.js";
import { chatBody } from "./probes-request.js";

const encoder = new TextEncoder();
const chatHeaders = { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" };
const post = (body: BodyInit, headers: Record<string, string> = chatHeaders): RequestInit => ({ method: "POST", headers, body, duplex: "half" }) as RequestInit;

/** A stream of `bytes` in pieces of `size`, enqueued as they are pulled. */
function piecewise(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + size));
      offset += size;
    },
  });
}

/** A chat request over the default `maxJsonBodyBytes` (4 MiB): the wrapper reads a bounded part and sends it all. */
const overLimit = () => JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "long ".repeat(860_000) }] });

/** The prompt of `llm-request-alone`, with parameters the span must carry. */
const MISTRAL_WAY = JSON.stringify({ model: "gpt-4o-mini", stream: true, temperature: 0.3, max_tokens: 50, messages: [{ role: "user", content: "Say hi" }] });

/** Cases whose prompt the wrapped app must have read (the model names the span), in the forms new to the reader. */
export const PROMPT_FORMS = ["llm-request-alone", "llm-request-alone-bytes", "llm-request-alone-stream", "llm-request-alone-blob", "llm-init-blob"];
export const OVER_LIMIT = ["llm-request-over-limit", "llm-request-stream-over-limit", "llm-init-stream-over-limit", "llm-init-blob-over-limit"];

type Probe = (c: CaseContext) => Promise<Json>;

const chat = (c: CaseContext, init: RequestInit = {}) =>
  fetch(`${c.up}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" },
    body: chatBody(true),
    ...init,
  });

export const LLM_PROBES: Record<string, Probe> = {
  // The client sends an OpenAI chat request; the app forwards it.
  "proxy-llm-request-as-init": async (c) => observeResponse(await fetch(`${c.up}/v1/chat/completions`, c.request), { read: "text" }),
  "proxy-llm-new-request": async (c) => observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, c.request)), { read: "text" }),
  // ---- a prompt in every body form, no Content-Length of the app's own
  "llm-request-alone": async (c) => observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(MISTRAL_WAY))), { read: "text" }),
  "llm-request-alone-bytes": async (c) =>
    observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(encoder.encode(chatBody(true))))), { read: "text" }),
  "llm-request-alone-stream": async (c) =>
    observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(piecewise(encoder.encode(chatBody(true)), 16)))), { read: "text" }),
  "llm-request-alone-blob": async (c) =>
    observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(new Blob([chatBody(true)], { type: "application/json" }), {}))), {
      read: "text",
    }),
  "llm-init-blob": async (c) => observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(new Blob([chatBody(true)]))), { read: "text" }),
  "llm-request-over-limit": async (c) => observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(overLimit()))), { read: "text" }),
  "llm-request-stream-over-limit": async (c) =>
    observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(piecewise(encoder.encode(overLimit()), 65536)))), { read: "text" }),
  "llm-init-stream-over-limit": async (c) =>
    observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(piecewise(encoder.encode(overLimit()), 65536))), { read: "text" }),
  "llm-init-blob-over-limit": async (c) => observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(new Blob([overLimit()]))), { read: "text" }),
  "llm-error-400": async (c) => observeResponse(await chat(c, { body: "{not json" }), { read: "text" }),
  "llm-cancel": async (c) => {
    const response = await chat(c);
    const reader = response.body!.getReader();
    const first = await reader.read();
    await reader.cancel("enough");
    const after = await reader.read();
    return { status: response.status, first: first.value ? await summarize(first.value) : null, afterCancel: after.done };
  },
  "llm-abort-during-body": async (c) => {
    const controller = new AbortController();
    const response = await chat(c, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    controller.abort();
    let after: Json;
    try {
      after = { read: JSON.stringify(await reader.read()) };
    } catch (error) {
      after = { threw: describeError(error) };
    }
    return { status: response.status, first: first.value ? await summarize(first.value) : null, after };
  },
  "llm-clone-both": async (c) => {
    const response = await chat(c);
    const clone = response.clone();
    const [a, b] = await Promise.all([response.text(), clone.text()]);
    return { same: a === b, length: a.length, bodyUsed: [response.bodyUsed, clone.bodyUsed] };
  },
  "llm-tee": async (c) => {
    const response = await chat(c);
    const [a, b] = response.body!.tee();
    const [x, y] = await Promise.all([readDefault(a), readDefault(b)]);
    return { a: await summarize(x), b: await summarize(y) };
  },
  "llm-unread": async (c) => {
    const response = await chat(c);
    return { status: response.status, bodyUsed: response.bodyUsed, locked: response.body?.locked ?? null };
  },
};
