/**
 * The Worker behind the `SVC` service binding of test/workers/entrypoints.ts: a class-based
 * default export (`WorkerEntrypoint`) with `fetch`, `scheduled` and an RPC method, instrumented.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { instrumentEntrypoint } from "../../src/index.js";

interface Env {
  UPSTREAM: string;
}

class Callee extends WorkerEntrypoint<Env> {
  async fetch(request: Request): Promise<Response> {
    return new Response(`callee saw ${request.headers.get("traceparent")}`);
  }

  async scheduled(controller: { cron: string }): Promise<void> {
    await (await fetch(`${this.env.UPSTREAM}/v1/cron?cron=${encodeURIComponent(controller.cron)}`)).text();
  }

  async greet(name: string): Promise<string> {
    await (await fetch(`${this.env.UPSTREAM}/v1/greet`)).text();
    return `hello ${name}`;
  }
}

export default instrumentEntrypoint(Callee);
