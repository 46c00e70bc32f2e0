/**
 * App-side cases about what comes BACK: redirects in every mode, aborts before and after the
 * response, and every way an app reads a response (see observeResponse).
 */
import { type CaseContext, describeError, type Json, observeResponse, readDefault, summarize } from "./observe.js";

type Probe = (c: CaseContext) => Promise<Json>;

const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;
const REDIRECT_MODES = ["follow", "manual", "error"] as const;

function redirectProbes(): Record<string, Probe> {
  const probes: Record<string, Probe> = {};
  for (const code of REDIRECT_CODES) {
    for (const mode of REDIRECT_MODES) {
      probes[`redirect-${code}-${mode}`] = async (c) =>
        observeResponse(
          await fetch(`${c.up}/redirect/${code}`, {
            method: "POST",
            body: "redirected body",
            headers: { "content-type": "text/plain", "x-redirect": "kept?" },
            redirect: mode,
          }),
        );
    }
  }
  probes["redirect-get-302-follow"] = async (c) => observeResponse(await fetch(`${c.up}/redirect/302`));
  probes["redirect-307-stream-follow"] = async (c) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed"));
        controller.close();
      },
    });
    return observeResponse(await fetch(`${c.up}/redirect/307`, { method: "POST", body, duplex: "half" } as RequestInit));
  };
  probes["redirect-request-manual"] = async (c) =>
    observeResponse(await fetch(new Request(`${c.up}/redirect/302`, { redirect: "manual" })));
  return probes;
}

/** Long enough for the request to reach the upstream (which then never answers) on a loaded machine. */
const ABORT_AFTER_MS = 250;

const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));

export const RESPONSE_PROBES: Record<string, Probe> = {
  ...redirectProbes(),

  // ---- aborts
  "abort-before": async (c) => {
    const controller = new AbortController();
    controller.abort();
    return observeResponse(await fetch(`${c.up}/echo`, { signal: controller.signal }));
  },
  "abort-before-reason": async (c) => {
    const controller = new AbortController();
    controller.abort(new RangeError("the app's own reason"));
    return observeResponse(await fetch(`${c.up}/echo`, { signal: controller.signal }));
  },
  "abort-before-request-signal": async (c) => {
    const controller = new AbortController();
    controller.abort();
    return observeResponse(await fetch(new Request(`${c.up}/echo`, { signal: controller.signal })));
  },
  "abort-pending": async (c) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), ABORT_AFTER_MS);
    return observeResponse(await fetch(`${c.up}/hang`, { signal: controller.signal }));
  },
  "abort-pending-request-signal": async (c) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), ABORT_AFTER_MS);
    return observeResponse(await fetch(new Request(`${c.up}/hang`, { method: "POST", body: "x", signal: controller.signal })));
  },
  "abort-timeout-signal": async (c) => observeResponse(await fetch(`${c.up}/hang`, { signal: AbortSignal.timeout(ABORT_AFTER_MS) })),
  "abort-during-body": async (c) => {
    const controller = new AbortController();
    const response = await fetch(`${c.up}/hang-body`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    controller.abort();
    let after: Json;
    try {
      after = { read: JSON.stringify(await Promise.race([reader.read(), never(AbortSignal.timeout(2000))])) };
    } catch (error) {
      after = { threw: describeError(error) };
    }
    return { status: response.status, first: first.value ? await summarize(first.value) : null, after };
  },
  "abort-after-complete": async (c) => {
    const controller = new AbortController();
    const response = await fetch(`${c.up}/bytes?n=100`, { signal: controller.signal });
    const text = await response.text();
    controller.abort();
    return { length: text.length, bodyUsed: response.bodyUsed, aborted: controller.signal.aborted };
  },
  "cancel-body": async (c) => {
    const response = await fetch(`${c.up}/bytes?n=4000000&chunked=1`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    await reader.cancel("enough");
    const after = await reader.read();
    return { status: response.status, gotFirst: !first.done, afterCancel: after.done, bodyUsed: response.bodyUsed };
  },
  "cancel-body-stream": async (c) => {
    const response = await fetch(`${c.up}/hang-body`);
    await response.body!.cancel("not interested");
    return { status: response.status, bodyUsed: response.bodyUsed, readAfter: await response.text().then((t) => t.length, (e) => describeError(e)) };
  },

  // ---- reading responses every way
  "resp-plain": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=1000`)),
  "resp-empty": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=0`)),
  "resp-text": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=300`), { read: "text" }),
  "resp-json": async (c) => observeResponse(await fetch(`${c.up}/json`), { read: "json" }),
  "resp-blob": async (c) => observeResponse(await fetch(`${c.up}/json`), { read: "blob" }),
  "resp-reader": async (c) => observeResponse(await fetch(`${c.up}/chunked?n=3000`), { read: "reader" }),
  "resp-byob": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=3000`), { read: "byob" }),
  "resp-byob-chunked": async (c) => observeResponse(await fetch(`${c.up}/chunked?n=3000`), { read: "byob" }),
  "resp-chunked": async (c) => observeResponse(await fetch(`${c.up}/chunked?n=3000`)),
  "resp-gzip": async (c) => observeResponse(await fetch(`${c.up}/gzip`), { read: "text" }),
  "resp-gzip-chunked": async (c) => observeResponse(await fetch(`${c.up}/gzip?chunked=1`), { read: "text" }),
  "resp-deflate": async (c) => observeResponse(await fetch(`${c.up}/deflate`), { read: "text" }),
  "resp-br": async (c) => observeResponse(await fetch(`${c.up}/br`), { read: "text" }),
  "resp-gzip-encode-manual": async (c) =>
    observeResponse(await fetch(`${c.up}/gzip`, { encodeResponseBody: "manual" } as RequestInit)),
  "resp-204": async (c) => observeResponse(await fetch(`${c.up}/status/204`)),
  "resp-304": async (c) => observeResponse(await fetch(`${c.up}/status/304`)),
  "resp-head": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=1000`, { method: "HEAD" })),
  "resp-404": async (c) => observeResponse(await fetch(`${c.up}/status/404`), { read: "text" }),
  "resp-500": async (c) => observeResponse(await fetch(`${c.up}/status/500`), { read: "text" }),
  "resp-status-text": async (c) => observeResponse(await fetch(`${c.up}/status/418`), { read: "text" }),
  "resp-headers": async (c) => observeResponse(await fetch(`${c.up}/headers`), { read: "text" }),
  "resp-large": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=5000000`), { clone: false }),
  "resp-large-clone": async (c) => observeResponse(await fetch(`${c.up}/bytes?n=3000000&chunked=1`)),
  "resp-sse": async (c) => observeResponse(await fetch(`${c.up}/sse`), { read: "reader" }),
  "resp-sse-text": async (c) => observeResponse(await fetch(`${c.up}/sse`), { read: "text" }),
  "resp-two-fetches": async (c) => {
    const [a, b] = await Promise.all([fetch(`${c.up}/bytes?n=10`), fetch(`${c.up}/json`)]);
    return { a: await observeResponse(a), b: await observeResponse(b, { read: "json" }) };
  },
  "resp-body-unread": async (c) => {
    const response = await fetch(`${c.up}/bytes?n=50`);
    return { status: response.status, bodyUsed: response.bodyUsed };
  },
  "resp-tee": async (c) => {
    const response = await fetch(`${c.up}/chunked?n=2000`);
    const [a, b] = response.body!.tee();
    const [x, y] = await Promise.all([readDefault(a), readDefault(b)]);
    return { a: await summarize(x), b: await summarize(y), bodyUsed: response.bodyUsed };
  },
  "resp-pipe-through": async (c) => {
    const response = await fetch(`${c.up}/bytes?n=2000`);
    const piped = response.body!.pipeThrough(new TransformStream<Uint8Array, Uint8Array>());
    return { bytes: await summarize(await readDefault(piped)), bodyUsed: response.bodyUsed };
  },
  "resp-new-response-from": async (c) => {
    const response = await fetch(`${c.up}/bytes?n=200`);
    return observeResponse(new Response(response.body, response));
  },
};
