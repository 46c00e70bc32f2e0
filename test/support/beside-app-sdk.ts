/**
 * For Node tests of this package beside an app's own OpenTelemetry SDK: the SDK's context manager
 * (registered before our first request, as an SDK does at boot), a local replay and OTLP
 * receiver, and the app: one OpenAI chat call through plain fetch.
 */
import { type Context, context, ROOT_CONTEXT } from "@opentelemetry/api";
import { expect } from "vitest";
import type { Replay, ReplayRequest } from "./replay.js";

export const CHAT_FIXTURE = "openai/chat-nonstream.json";

export function registerAppContextManager(): void {
  const { AsyncLocalStorage } = process.getBuiltinModule("node:async_hooks") as {
    AsyncLocalStorage: new <T>() => { getStore(): T | undefined; run<R>(store: T, fn: () => R): R };
  };
  const als = new AsyncLocalStorage<Context>();
  context.setGlobalContextManager({
    active: () => als.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => als.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  });
}

export { useServers } from "./servers.js";

/** The app: one OpenAI chat call to `base` (the replay of CHAT_FIXTURE), its answer passed on. */
export const chatApp = (base: string) => async (): Promise<Response> => {
  const answer = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "hi" }] }),
  });
  return new Response(await answer.text());
};

/** Runs `serve`, requires an answer of 200 and exactly one request at the replay: that request. */
export async function oneCall(replay: Replay, serve: () => Promise<Response>): Promise<ReplayRequest> {
  const before = replay.requests.length;
  const response = await serve();
  expect(response.status).toBe(200);
  await response.text();
  const sent = replay.requests.slice(before);
  expect(sent).toHaveLength(1);
  return sent[0];
}
