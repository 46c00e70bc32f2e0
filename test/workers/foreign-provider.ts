/** A Worker whose code registered its own TracerProvider before ours: it must stay in charge. */
import { type Span, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { instrument } from "../../src/index.js";

const seen: string[] = [];
const foreign: TracerProvider = {
  getTracer(): Tracer {
    const noop = trace.wrapSpanContext({ traceId: "1".repeat(32), spanId: "1".repeat(16), traceFlags: 1 });
    return {
      startSpan(name: string): Span {
        seen.push(name);
        return noop;
      },
      startActiveSpan(name: string, ...rest: unknown[]) {
        seen.push(name);
        const fn = rest[rest.length - 1] as (span: Span) => unknown;
        return fn(noop);
      },
    } as Tracer;
  },
};
trace.setGlobalTracerProvider(foreign);

export default instrument({
  async fetch(_request: Request, env: { UPSTREAM: string }): Promise<Response> {
    trace.getTracer("app").startSpan("user.span").end();
    await (await fetch(`${env.UPSTREAM}/v1/foreign`)).text();
    return Response.json({ seen });
  },
});
