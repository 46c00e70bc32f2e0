/**
 * The runtime's own fetch, captured before the instrumentation replaces the global one.
 * The exporter sends through it, so telemetry requests are never traced by us (a runtime that
 * traces its own fetch still does: see the pipeline's `exportFetch`).
 */
const captured: typeof fetch = globalThis.fetch;

export const originalFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
  captured.call(globalThis, input, init);
