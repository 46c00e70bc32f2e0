/** Cron and queue handlers, typed by workers-types or left to instrument. */
import { instrument } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

interface Env {
  SUMMARIES: Queue<Job>;
  OPENAI_API_KEY: string;
}
interface Job {
  conversation: string;
}

const handler: ExportedHandler<Env, Job> = {
  async scheduled(controller, env, ctx) {
    if (controller.cron === "0 * * * *") ctx.waitUntil(env.SUMMARIES.send({ conversation: "all" }));
  },
  async queue(batch) {
    for (const message of batch.messages) {
      await fetch("https://api.openai.com/v1/chat/completions", { method: "POST", body: message.body.conversation });
      message.ack();
    }
  },
};
const worker = instrument(handler, (env) => ({ serviceName: env.OPENAI_API_KEY ? "summaries" : "off" }));
export default worker;
expectType<Exact<typeof worker, ExportedHandler<Env, Job>>>();

// Untyped: the controller and the batch have what instrument reads of them.
export const untyped = instrument({
  async scheduled(controller, env, ctx) {
    expectType<Exact<typeof controller.cron, string>>();
    expectType<Exact<typeof controller.scheduledTime, number>>();
    ctx.waitUntil(Promise.resolve(env));
    // @ts-expect-error noRetry is workers-types' (type the handler as ExportedHandler<Env> for it)
    controller.noRetry();
  },
  async queue(batch) {
    expectType<Exact<typeof batch.queue, string>>();
    // @ts-expect-error the messages' type is unknown until the handler says
    batch.messages[0].ack();
  },
});

// Typed by workers-types in place: instrument<ExportedHandler<Env, Job>>(...) types every parameter.
export const explicit = instrument<ExportedHandler<Env, Job>>({
  async queue(batch, env) {
    expectType<Exact<typeof batch, MessageBatch<Job>>>();
    await env.SUMMARIES.sendBatch(batch.messages.map((message) => ({ body: message.body })));
  },
});

// @ts-expect-error a scheduled handler whose controller is not a cron controller
instrument({ scheduled: (controller: Request) => void controller });
