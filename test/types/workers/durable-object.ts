/** A Durable Object class (`cloudflare:workers`), instrumented and exported under its binding's class_name. */
import { DurableObject } from "cloudflare:workers";
import { instrument, instrumentDO, traceBindings } from "otel-genai-edge";
import { type Exact, expectType } from "../expect.js";

interface Env {
  COUNTER: DurableObjectNamespace<CounterObject>;
  OTEL_SERVICE_NAME: string;
}

class CounterObject extends DurableObject<Env> {
  async fetch(request: Request): Promise<Response> {
    return new Response(`${await this.increment(1)} ${request.method}`);
  }

  async increment(by: number): Promise<number> {
    const count = ((await this.ctx.storage.get<number>("count")) ?? 0) + by;
    await this.ctx.storage.put("count", count);
    return count;
  }

  async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

// Export under the class name the binding declares (wrangler.toml `class_name`).
export const Counter = instrumentDO(CounterObject, (env) => ({ serviceName: env.OTEL_SERVICE_NAME }), "Counter");
expectType<Exact<typeof Counter, typeof CounterObject>>();

// The binding of the instrumented class has the same RPC methods.
export default instrument({
  async fetch(request, rawEnv: Env) {
    const env = traceBindings(rawEnv);
    const stub = env.COUNTER.getByName("a");
    const count: number = await stub.increment(1);
    return stub.fetch(request.url, { headers: { "x-count": String(count) } });
  },
});
export type Stub = DurableObjectStub<InstanceType<typeof Counter>>;

// Without a type argument the class's env says nothing: the config function gets WorkerEnv.
class Plain extends DurableObject {}
export const PlainCounter = instrumentDO(Plain, (env) => {
  expectType<Exact<typeof env, Record<string, unknown>>>();
  return {};
});

// @ts-expect-error the config function reads an env the class does not have
instrumentDO(CounterObject, (env: { DATABASE_URL: string }) => ({ serviceName: env.DATABASE_URL }));
// @ts-expect-error DurableObject itself is abstract: the platform instantiates the subclass
instrumentDO(DurableObject);
// @ts-expect-error an instance, not the class
instrumentDO(new CounterObject({} as DurableObjectState, {} as Env));
// @ts-expect-error a handler object goes through instrument
instrumentDO({ fetch: () => new Response() });
