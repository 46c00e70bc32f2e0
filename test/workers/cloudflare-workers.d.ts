/** The few `cloudflare:workers` types the test Workers use (the module exists only in workerd). */
declare module "cloudflare:workers" {
  interface ExecutionContext {
    waitUntil(promise: Promise<unknown>): void;
  }
  interface DurableObjectState extends ExecutionContext {
    storage: { setAlarm(when: number): Promise<void> };
  }
  export abstract class WorkerEntrypoint<Env = unknown> {
    protected ctx: ExecutionContext;
    protected env: Env;
    constructor(ctx: ExecutionContext, env: Env);
  }
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}
