/**
 * App-side cases on the GenAI path (the wrapper parses these bodies as they pass): proxy idioms
 * carrying an LLM request, an LLM error, and an LLM stream cancelled, aborted, cloned or teed.
 */
import { type CaseContext, describeError, type Json, observeResponse, readDefault, summarize } from "./observe.js";
import { chatBody } from "./probes-request.js";

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
