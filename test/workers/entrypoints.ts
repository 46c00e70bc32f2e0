/**
 * Cloudflare entrypoints and bindings: a Worker (`instrument` + `traceBindings(env)`) calling a
 * Durable Object (`instrumentDO`) through its stub, a service binding to another Worker
 * (test/workers/entrypoints-callee.ts) and the Workers AI binding (a stand-in,
 * test/workers/workers-ai-standin.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { instrument, instrumentAI, instrumentDO, traceBindings } from "../../src/index.js";

interface CounterStub {
  fetch(input: string): Promise<Response>;
  increment(by: number): Promise<number>;
  boom(): Promise<never>;
  relay(service: unknown): Promise<string>;
  scheduleAlarm(): Promise<string>;
}

interface Ai {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

interface Env {
  UPSTREAM: string;
  COUNTER: { getByName(name: string): CounterStub };
  SVC: { fetch(input: string): Promise<Response>; greet(name: string): Promise<string> };
  AI: Ai;
}

class CounterObject extends DurableObject<Env> {
  count = 0;

  async fetch(request: Request): Promise<Response> {
    this.count += Number(new URL(request.url).searchParams.get("by") ?? 1);
    return Response.json({ count: this.count, traceparent: request.headers.get("traceparent") });
  }

  async increment(by: number): Promise<number> {
    this.count += this.step(by);
    return this.count;
  }

  /** Called from `increment`: runs inside its invocation, no span of its own. */
  step(by: number): number {
    return by;
  }

  /** Receives a binding over RPC (the caller passes its traced one). */
  async relay(service: { fetch(input: string): Promise<Response> }): Promise<string> {
    return (await service.fetch("http://callee/relay")).text();
  }

  async boom(): Promise<never> {
    throw new RangeError("counter exploded");
  }

  async scheduleAlarm(): Promise<string> {
    await this.ctx.storage.setAlarm(Date.now() + 10);
    return "scheduled";
  }

  async alarm(): Promise<void> {
    await (await fetch(`${this.env.UPSTREAM}/v1/alarm`)).text();
  }
}

/** Exported under the name the binding declares; `Counter` is also the RPC service name. */
export const Counter = instrumentDO(CounterObject, undefined, "Counter");

const MESSAGES = [{ role: "user", content: "Hi" }];
const LLAMA = "@cf/meta/llama-3.1-8b-instruct";

export default instrument({
  async fetch(request: Request, rawEnv: Env): Promise<Response> {
    const env = traceBindings(rawEnv);
    const url = new URL(request.url);
    const counter = () => env.COUNTER.getByName(url.searchParams.get("name") ?? "a");
    switch (url.pathname) {
      case "/do-fetch":
        return new Response(await (await counter().fetch("http://counter/add?by=2")).text());
      case "/do-rpc":
        return Response.json(await counter().increment(3));
      case "/do-rpc-error":
        try {
          await counter().boom();
          return new Response("no error");
        } catch (error) {
          return new Response((error as Error).name, { status: 500 });
        }
      case "/do-relay":
        return new Response(await counter().relay(env.SVC));
      case "/do-alarm":
        return new Response(await counter().scheduleAlarm());
      case "/svc-fetch":
        return new Response(await (await env.SVC.fetch("http://callee/hello")).text());
      case "/svc-rpc":
        return new Response(await env.SVC.greet("Ada"));
      case "/ai-chat":
        return Response.json(await env.AI.run(LLAMA, { messages: MESSAGES, max_tokens: 64, temperature: 0.2, seed: 7 }));
      case "/ai-stream": {
        const stream = (await env.AI.run(LLAMA, { messages: MESSAGES, stream: true, top_p: 0.9, top_k: 40 })) as ReadableStream;
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      case "/ai-truncated": {
        const stream = (await env.AI.run("@cf/test/truncated", { messages: MESSAGES, stream: true })) as ReadableStream;
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      case "/ai-embed":
        return Response.json(await env.AI.run("@cf/baai/bge-base-en-v1.5", { text: ["a", "b"] }));
      case "/ai-error":
        try {
          await env.AI.run("@cf/test/invalid", { prompt: "Hi" });
          return new Response("no error");
        } catch (error) {
          return new Response((error as Error).name, { status: 500 });
        }
      case "/ai-explicit":
        // The explicit wrapper, on the raw binding: a `prompt` is a text completion.
        return Response.json(await instrumentAI(rawEnv.AI).run(LLAMA, { prompt: "Say hello", frequency_penalty: 0.5, presence_penalty: 0.25 }));
      default:
        return new Response("not found", { status: 404 });
    }
  },
});
