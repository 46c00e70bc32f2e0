/**
 * A stand-in for the Workers AI binding: bound as `AI` (a service binding to this entrypoint),
 * `run(model, inputs)` answers like the real binding, with the hand-made results of
 * test/fixtures/workers-ai/ fetched from the replay server (streams keep its chunk timing).
 * Not instrumented: it plays the platform.
 */
import { WorkerEntrypoint } from "cloudflare:workers";

interface Env {
  /** Replay base URLs of the fixtures. */
  AI_CHAT: string;
  AI_STREAM: string;
  AI_EMBED: string;
}

export class WorkersAiStandIn extends WorkerEntrypoint<Env> {
  async run(model: string, inputs: Record<string, unknown>): Promise<unknown> {
    if (model === "@cf/test/invalid") throw new TypeError("invalid input");
    if (inputs.text !== undefined) return (await fetch(this.env.AI_EMBED)).json();
    if (inputs.stream !== true) return (await fetch(this.env.AI_CHAT)).json();
    const body = (await fetch(this.env.AI_STREAM)).body!;
    if (model !== "@cf/test/truncated") return body;
    // A stream cut before `data: [DONE]`.
    const text = (await new Response(body).text()).replace("data: [DONE]\n\n", "");
    return new Response(text).body;
  }
}

export default {
  fetch: () => new Response("workers-ai stand-in"),
};
