/** A WorkerEntrypoint (`cloudflare:workers`): RPC methods and fetch behind a service binding, or a class default export. */
import { WorkerEntrypoint } from "cloudflare:workers";
import { instrumentEntrypoint } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

interface Env {
  OPENAI_API_KEY: string;
}

class Greeter extends WorkerEntrypoint<Env> {
  async fetch(request: Request): Promise<Response> {
    return new Response(await this.greet(new URL(request.url).searchParams.get("name") ?? "you"));
  }

  async greet(name: string): Promise<string> {
    this.ctx.waitUntil(Promise.resolve());
    return `Hello ${name} (${this.env.OPENAI_API_KEY.length})`;
  }
}

const Instrumented = instrumentEntrypoint(Greeter, { serviceName: "greeter" });
export default Instrumented;
expectType<Exact<typeof Instrumented, typeof Greeter>>();

// A caller's service binding to it keeps the RPC types.
export async function call(service: Service<typeof Instrumented>): Promise<string> {
  return service.greet("Ada");
}

// The class inline, as the README shows it, with the name given (minifiers drop class names).
export const Inline = instrumentEntrypoint(
  class extends WorkerEntrypoint<Env> {
    async greet(name: string) {
      return `Hi ${name}`;
    }
  },
  (env) => ({ serviceName: env.OPENAI_API_KEY ? "greeter" : "off" }),
  "Greeter",
);

// @ts-expect-error the name is a string
instrumentEntrypoint(Greeter, undefined, 42);
// @ts-expect-error WorkerEntrypoint itself is abstract
instrumentEntrypoint(WorkerEntrypoint);
