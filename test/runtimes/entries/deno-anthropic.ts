/**
 * Deno: the Anthropic SDK's client, made at module scope as apps do, calling the replay at
 * `<upstream>`: `deno run -A bundle.js <port> <bare|wrapped> <upstream>`. The SDK makes its own
 * `anthropic.messages.create` span through `@opentelemetry/api` (with OTEL_DENO, Deno's).
 * Answers with the SDK's result. Prints `listening <port>`.
 */
import Anthropic from "@anthropic-ai/sdk";
import { withTracing } from "../../../src/index.js";

declare const Deno: { args: string[]; serve(options: unknown, handler: (request: Request) => Promise<Response>): unknown };

const [port = "0", mode = "wrapped", upstream = ""] = Deno.args;
const client = new Anthropic({ apiKey: "sk-ant-test-not-a-key", baseURL: upstream, maxRetries: 0 });

const app = async (): Promise<Response> => {
  const message = await client.messages.create({ model: "claude-3-5-sonnet-20241022", max_tokens: 100, messages: [{ role: "user", content: "Say hi" }] });
  return Response.json(message);
};

Deno.serve({ port: Number(port), hostname: "127.0.0.1", onListen: ({ port }: { port: number }) => console.log(`listening ${port}`) }, mode === "bare" ? app : withTracing(app));
