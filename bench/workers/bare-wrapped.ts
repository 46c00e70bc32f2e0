/**
 * Bench variants that isolate the cost of wrapping a response body, with no telemetry at all:
 * the bare handler, with every fetch() response's body passed through
 *
 *   WRAP=observe    src/fetch/observe-body.ts's observeBody() with a no-op observer (the
 *                   pass-through ReadableStream the instrumentation uses, pull-based, HWM 0);
 *   WRAP=transform  a TransformStream whose transform() enqueues each chunk as is (another
 *                   way to build the same pass-through, for comparison);
 *   WRAP=default    the least pull-through: a default (not byte) stream, nothing else;
 *   WRAP=tee        body.tee(): the caller gets one branch untouched (no JS per chunk), and a
 *                   JS reader drains the other one, as an observer would.
 *
 * The difference between such a variant and bare is the wrapper; between otel-genai-edge and it,
 * the observing (SSE parsing, classifying events: a regex for plain output deltas, JSON.parse for
 * the rest; chunk timings) and the spans.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { observeBody } from "../../src/fetch/observe-body.js";
import { app } from "./app.js";

interface Env {
  WRAP: "observe" | "transform" | "tee" | "default";
  /** "1": run the handler inside AsyncLocalStorage.run, as the instrumentation does (what async context tracking costs per await). */
  ALS?: string;
}

const als = new AsyncLocalStorage<object>();

const captured = globalThis.fetch;
const noop = { chunk() {}, end() {} };

/** The least a pull-through can be, as a default (not byte) stream: does the byte stream observeBody keeps (for BYOB readers) cost more? */
function minimal(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

function wrap(response: Response, how: Env["WRAP"]): Response {
  if (!response.body) return response;
  if (how === "default") return new Response(minimal(response.body), { status: response.status, statusText: response.statusText, headers: response.headers });
  if (how === "tee") {
    const [mine, theirs] = response.body.tee();
    void (async () => {
      const reader = theirs.getReader();
      for (;;) if ((await reader.read()).done) break;
    })();
    return new Response(mine, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  const body =
    how === "observe"
      ? observeBody(response.body, noop, () => {})
      : response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              controller.enqueue(chunk);
            },
          }),
        );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

let installed = false;

export default {
  fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    if (!installed) {
      installed = true;
      globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => wrap(await captured(input, init), env.WRAP);
    }
    return env.ALS === "1" ? als.run({}, () => app.fetch(request, env, ctx)) : app.fetch(request, env, ctx);
  },
};
