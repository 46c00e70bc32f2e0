/**
 * App-side cases about what goes OUT: proxy idioms, every body kind, bodies already used or
 * locked, and requests the runtime refuses. Each returns what the app saw (the upstream's
 * recording of what arrived is compared by the test). A thrown error is recorded by app.ts.
 */
import { attempt, attemptAsync, type CaseContext, type Json, observeResponse } from "./observe.js";

type Probe = (c: CaseContext) => Promise<Json>;

const encoder = new TextEncoder();
const search = (c: CaseContext) => new URL(c.request.url).search;

function twoPartStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("stream part 1, "));
      controller.enqueue(encoder.encode("stream part 2"));
      controller.close();
    },
  });
}

/** An OpenAI chat request, so the wrapped side takes its GenAI path. */
export function chatBody(stream: boolean): string {
  return JSON.stringify({ model: "gpt-4o-mini", stream, messages: [{ role: "user", content: "Say hi" }] });
}
const chatHeaders = { "content-type": "application/json", authorization: "Bearer sk-test-not-a-key" };

const post = (body: BodyInit | null, extra: RequestInit = {}): RequestInit =>
  ({ method: "POST", body, duplex: "half", ...extra }) as RequestInit;

/** A chat request's stream whose second half comes only once `release` is called (after the answer). */
function uploadEndedByAnswer(): { body: ReadableStream<Uint8Array>; release: () => void } {
  let release = () => {};
  const answered = new Promise<void>((resolve) => {
    release = resolve;
  });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(chatBody(false).slice(0, 20)));
    },
    async pull(controller) {
      await answered;
      controller.enqueue(encoder.encode(chatBody(false).slice(20)));
      controller.close();
    },
  });
  return { body, release };
}

/** A chat request's stream given a chunk every 5 ms for 300 ms; `ended()` says whether it has ended. */
function trickle(): { body: ReadableStream<Uint8Array>; ended: () => boolean } {
  const text = chatBody(false);
  let sent = 0;
  let ended = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const piece = sent < 59 ? " " : text;
      controller.enqueue(encoder.encode(piece));
      if (++sent === 60) {
        ended = true;
        controller.close();
      }
    },
  });
  return { body, ended: () => ended };
}

/** Three calls made while the app changes one object between them: what leaves is what it was at each call. */
async function reusing(calls: (n: string) => Promise<Response>): Promise<Json> {
  const pending: Promise<Response>[] = [];
  for (const n of ["1", "2", "3"]) pending.push(calls(n));
  return Promise.all((await Promise.all(pending)).map((r) => r.text()));
}

export const REQUEST_PROBES: Record<string, Probe> = {
  // ---- objects the app reuses and changes right after each call
  "reuse-url": async (c) => {
    const url = new URL(`${c.up}/echo`);
    return reusing((n) => {
      url.searchParams.set("page", n);
      return fetch(url);
    });
  },
  "reuse-init-and-headers": async (c) => {
    const init: RequestInit = { method: "POST", headers: new Headers({ "x-n": "0" }) };
    return reusing((n) => {
      init.body = `body ${n}`;
      (init.headers as Headers).set("x-n", n);
      return fetch(`${c.up}/echo`, init);
    });
  },
  "reuse-llm-init": async (c) => {
    const init: RequestInit = { method: "POST", headers: { ...chatHeaders } };
    return reusing((n) => {
      init.body = JSON.stringify({ model: `gpt-4o-mini-${n}`, stream: true, messages: [{ role: "user", content: n }] });
      return fetch(`${c.up}/v1/chat/completions`, init);
    });
  },
  "llm-request-headers-changed-after": async (c) => {
    const body = chatBody(true);
    const headers = { ...chatHeaders, "content-length": String(encoder.encode(body).byteLength) };
    const request = new Request(`${c.up}/v1/chat/completions`, post(body, { headers }));
    const sent = fetch(request);
    request.headers.set("x-late", "changed after the call");
    return observeResponse(await sent, { read: "text" });
  },

  // ---- proxy idioms (the client sends a POST with a body, headers and a query)
  "proxy-request-as-init": async (c) => observeResponse(await fetch(`${c.up}/echo${search(c)}`, c.request)),
  "proxy-new-request": async (c) => observeResponse(await fetch(new Request(`${c.up}/echo${search(c)}`, c.request))),
  // The client aimed the incoming request at the upstream (Host header), so it is forwarded as is.
  "proxy-request-itself": async (c) => observeResponse(await fetch(c.request)),
  "proxy-init-from-request": async (c) =>
    observeResponse(
      await fetch(`${c.up}/echo`, { method: c.request.method, headers: c.request.headers, body: c.request.body, duplex: "half" } as RequestInit),
    ),
  "proxy-init-spread": async (c) => {
    const init: RequestInit = { method: "PUT", headers: { "content-type": "text/plain", "x-a": "1" }, body: "spread body" };
    return observeResponse(await fetch(`${c.up}/echo`, { ...init, headers: { ...(init.headers as object), "x-b": "2" } }));
  },
  "proxy-request-with-init": async (c) =>
    observeResponse(await fetch(new Request(`${c.up}/echo`, c.request), { headers: { "x-replaced": "yes" } })),

  // ---- body kinds
  "body-string": async (c) => observeResponse(await fetch(`${c.up}/echo`, post("string body ✓"))),
  "body-uint8array": async (c) => observeResponse(await fetch(`${c.up}/echo`, post(new Uint8Array([0, 1, 2, 127, 128, 254, 255])))),
  "body-arraybuffer": async (c) => observeResponse(await fetch(`${c.up}/echo`, post(new Uint8Array([9, 8, 7, 6]).buffer))),
  "body-dataview": async (c) => observeResponse(await fetch(`${c.up}/echo`, post(new DataView(new Uint8Array([5, 6, 7, 8, 9]).buffer, 1, 3)))),
  "body-stream": async (c) => observeResponse(await fetch(`${c.up}/echo`, post(twoPartStream()))),
  "body-formdata": async (c) => {
    const form = new FormData();
    form.append("field", "value ✓");
    form.append("file", new Blob(["file content"], { type: "text/plain" }), "a.txt");
    return observeResponse(await fetch(`${c.up}/echo`, post(form)));
  },
  "body-urlsearchparams": async (c) =>
    observeResponse(await fetch(`${c.up}/echo`, post(new URLSearchParams({ a: "1", b: "two words", c: "ü&=" })))),
  "body-blob": async (c) => observeResponse(await fetch(`${c.up}/echo`, post(new Blob(["blob body"], { type: "application/x-custom" })))),
  "body-empty-string": async (c) => observeResponse(await fetch(`${c.up}/echo`, post(""))),
  "body-request-string": async (c) => observeResponse(await fetch(new Request(`${c.up}/echo`, post("request string body")))),
  "body-request-stream": async (c) => observeResponse(await fetch(new Request(`${c.up}/echo`, post(twoPartStream())))),
  "body-request-formdata": async (c) => {
    const form = new FormData();
    form.append("k", "v");
    return observeResponse(await fetch(new Request(`${c.up}/echo`, post(form))));
  },
  "body-llm-string": async (c) =>
    observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(chatBody(true), { headers: chatHeaders })), { read: "text" }),
  "body-llm-bytes": async (c) =>
    observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(encoder.encode(chatBody(true)), { headers: chatHeaders })), {
      read: "reader",
    }),
  "body-llm-request": async (c) => {
    const body = chatBody(true);
    const headers = { ...chatHeaders, "content-length": String(encoder.encode(body).byteLength) };
    return observeResponse(await fetch(new Request(`${c.up}/v1/chat/completions`, post(body, { headers }))), { read: "text" });
  },
  // Read after the send (while the provider thinks), not before it.
  "body-llm-blob": async (c) =>
    observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(new Blob([chatBody(true)], { type: "application/json" }), { headers: chatHeaders })), {
      read: "text",
    }),
  "body-llm-stream": async (c) => {
    const bytes = encoder.encode(chatBody(true));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    return observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(stream, { headers: chatHeaders })), { read: "text" });
  },
  // Repeated headers given as a list, with a stream body: each leaves as its own line.
  "body-llm-stream-repeated-headers": async (c) => {
    const headers = [["content-type", "application/json"], ["x-dup", "1"], ["x-dup", "2"], ["X-Mixed-Case", "v"]];
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(chatBody(false)));
        controller.close();
      },
    });
    return observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(body, { headers: headers as [string, string][] })), { read: "text" });
  },
  // An upload the app finishes only once the answer has come (the upstream answers at once): it
  // must be sent as it is made, not read first.
  "body-llm-stream-answered-first": async (c) => {
    const upload = uploadEndedByAnswer();
    const response = await fetch(`${c.up}/early/v1/chat/completions`, post(upload.body, { headers: chatHeaders }));
    upload.release();
    return observeResponse(response, { read: "text" });
  },
  // The same upload as a Request's body (read from a clone).
  "body-llm-request-stream-answered-first": async (c) => {
    const upload = uploadEndedByAnswer();
    const response = await fetch(new Request(`${c.up}/early/v1/chat/completions`, post(upload.body, { headers: chatHeaders })));
    upload.release();
    return observeResponse(response, { read: "text" });
  },
  // An upload still trickling when the answer comes (a chunk every 5 ms): the answer is handed
  // over as bare hands it, not when the upload ends.
  "body-llm-stream-trickle-answered-first": async (c) => {
    const upload = trickle();
    const response = await fetch(`${c.up}/early/v1/chat/completions`, post(upload.body, { headers: chatHeaders }));
    return { endedBeforeAnswer: upload.ended(), seen: await observeResponse(response, { read: "text" }) };
  },
  "body-llm-request-stream-trickle-answered-first": async (c) => {
    const upload = trickle();
    const response = await fetch(new Request(`${c.up}/early/v1/chat/completions`, post(upload.body, { headers: chatHeaders })));
    return { endedBeforeAnswer: upload.ended(), seen: await observeResponse(response, { read: "text" }) };
  },
  // The app's stream right after its fetch call: locked (or not) as bare, a cancel refused (or not) as bare.
  "body-llm-stream-after-call": async (c) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(chatBody(false)));
        controller.close();
      },
    });
    const sent = fetch(`${c.up}/v1/chat/completions`, post(body, { headers: chatHeaders }));
    const lockedAtOnce = body.locked;
    const cancel = await attemptAsync(async () => {
      await body.cancel();
      return "cancelled";
    });
    const outcome = await attemptAsync(async () => observeResponse(await sent, { read: "text" }));
    return { lockedAtOnce, cancel, outcome };
  },
  // A call refused before the runtime read the body, then the same stream sent again: as bare.
  "body-llm-stream-refused-then-retried": async (c) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(chatBody(false)));
        controller.close();
      },
    });
    const first = await attemptAsync(async () => observeResponse(await fetch(`${c.refused}/v1/chat/completions`, post(body, { headers: chatHeaders }))));
    const second = await attemptAsync(async () => observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(body, { headers: chatHeaders })), { read: "text" }));
    return { first, second, locked: body.locked };
  },
  // The client's own body forwarded to an LLM path (the proxy idiom): its length kept where bare keeps it.
  "proxy-init-from-request-llm": async (c) =>
    observeResponse(
      await fetch(`${c.up}/v1/chat/completions`, { method: c.request.method, headers: c.request.headers, body: c.request.body, duplex: "half" } as RequestInit),
      { read: "text" },
    ),
  // An upload that fails partway, and one with a chunk that is not bytes: refused as bare refuses them.
  "body-llm-stream-errors": async (c) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(chatBody(false).slice(0, 10)));
      },
      pull(controller) {
        controller.error(new RangeError("the upload failed"));
      },
    });
    return attemptAsync(async () => observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(body, { headers: chatHeaders })), { read: "text" }));
  },
  "body-llm-stream-string-chunk": async (c) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chatBody(false));
        controller.close();
      },
    });
    return attemptAsync(async () => observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(body as ReadableStream<Uint8Array>, { headers: chatHeaders })), { read: "text" }));
  },
  // Aborted while the app's upload waits: rejected at the abort, as bare; the app's stream cancelled where bare cancels it.
  "body-llm-stream-aborted": async (c) => {
    const controller = new AbortController();
    let cancelled: Json = null;
    const body = new ReadableStream({
      start(c) {
        c.enqueue(encoder.encode(chatBody(false).slice(0, 20)));
      },
      pull: () => new Promise<void>(() => {}),
      cancel(reason) {
        cancelled = reason instanceof Error ? reason.name : String(reason);
      },
    });
    // The upstream waits for the whole body, which never comes.
    const sent = fetch(`${c.up}/v1/chat/completions`, post(body, { headers: chatHeaders, signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    const outcome = await attemptAsync(async () => observeResponse(await sent, { read: "text" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { outcome, cancelled };
  },
  "body-llm-json": async (c) =>
    observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(chatBody(false), { headers: chatHeaders })), { read: "json" }),

  // ---- bodies already used or locked: nothing may be sent
  "used-request": async (c) => {
    const request = new Request(`${c.up}/echo`, post("used"));
    await request.text();
    return observeResponse(await fetch(request));
  },
  "locked-request": async (c) => {
    const request = new Request(`${c.up}/echo`, post(twoPartStream()));
    request.body!.getReader();
    return observeResponse(await fetch(request));
  },
  "locked-init-stream": async (c) => {
    const stream = twoPartStream();
    stream.getReader();
    return observeResponse(await fetch(`${c.up}/echo`, post(stream)));
  },
  "used-request-as-init": async (c) => {
    const request = new Request(`${c.up}/other`, post("used"));
    await request.text();
    return observeResponse(await fetch(`${c.up}/echo`, request));
  },
  "used-incoming-request": async (c) => {
    await c.request.text();
    return observeResponse(await fetch(new Request(`${c.up}/echo`, c.request)));
  },
  "used-llm-request": async (c) => {
    const request = new Request(`${c.up}/v1/chat/completions`, post(chatBody(true), { headers: chatHeaders }));
    await request.text();
    return observeResponse(await fetch(request));
  },

  // ---- requests the runtime refuses or cannot send
  refused: async (c) => observeResponse(await fetch(c.refused)),
  "refused-post": async (c) => observeResponse(await fetch(c.refused, post("x"))),
  "refused-request": async (c) => observeResponse(await fetch(new Request(`${c.refused}/v1/chat/completions`, post(chatBody(true), { headers: chatHeaders })))),
  "bad-url": async () => observeResponse(await fetch("http://")),
  "relative-url": async () => observeResponse(await fetch("/relative")),
  "unsupported-scheme": async () => observeResponse(await fetch("ftp://127.0.0.1/file")),
  "data-url": async () => observeResponse(await fetch("data:text/plain,hello%20data")),
  "invalid-header-name": async (c) => observeResponse(await fetch(`${c.up}/echo`, { headers: { "bad header": "1" } })),
  "invalid-header-value": async (c) => observeResponse(await fetch(`${c.up}/echo`, { headers: { "x-bad": "a\nb" } })),
  "get-with-body": async (c) => observeResponse(await fetch(`${c.up}/echo`, { method: "GET", body: "x" })),
  "invalid-method": async (c) => observeResponse(await fetch(`${c.up}/echo`, { method: "BAD METHOD" })),
  "forbidden-method": async (c) => observeResponse(await fetch(`${c.up}/echo`, { method: "CONNECT" })),

  // ---- request details that must arrive unchanged
  "url-object": async (c) => observeResponse(await fetch(new URL(`${c.up}/echo?from=url`))),
  "method-lowercase-patch": async (c) => observeResponse(await fetch(`${c.up}/echo`, { method: "patch", body: "p" })),
  "method-custom": async (c) => observeResponse(await fetch(`${c.up}/echo`, { method: "PURGE" })),
  "headers-tuples": async (c) =>
    observeResponse(await fetch(`${c.up}/echo`, { headers: [["x-dup", "1"], ["x-dup", "2"], ["X-Mixed-Case", "v"]] })),
  "headers-instance": async (c) => {
    const headers = new Headers({ "x-from-headers": "1", accept: "application/json" });
    return observeResponse(await fetch(`${c.up}/echo`, { headers }));
  },
  // A Map or URLSearchParams is a list of pairs to fetch: the app's object is left as it was.
  "headers-map": async (c) => {
    const headers = new Map([["x-a", "1"]]);
    const seen = await observeResponse(await fetch(`${c.up}/echo`, { headers: headers as unknown as HeadersInit }));
    return { seen, after: [...headers] };
  },
  "headers-urlsearchparams": async (c) => {
    const headers = new URLSearchParams("x-a=1&x-b=2");
    const seen = await observeResponse(await fetch(`${c.up}/echo`, { headers: headers as unknown as HeadersInit }));
    return { seen, after: [...headers] };
  },
  "headers-generator": async (c) => {
    function* pairs(): Generator<[string, string]> {
      yield ["x-gen", "1"];
      yield ["x-gen-2", "2"];
    }
    return observeResponse(await fetch(`${c.up}/echo`, { headers: pairs() as unknown as HeadersInit }));
  },
  "headers-generator-throws": async (c) => {
    function* pairs(): Generator<[string, string]> {
      yield ["x-api-key", "k"];
      throw new RangeError("the header source failed");
    }
    return attemptAsync(async () => observeResponse(await fetch(`${c.up}/v1/chat/completions`, post(chatBody(false), { headers: pairs() as unknown as HeadersInit }))));
  },
  "headers-baggage": async (c) => observeResponse(await fetch(`${c.up}/echo`, { headers: { "x-keep": "1", baggage: "k=v" } })),
  "query-credentials": async (c) => observeResponse(await fetch(`${c.up}/echo?key=secret&token=t&q=a%20b#frag`)),
  "userinfo-url": async (c) => observeResponse(await fetch(c.up.replace("http://", "http://user:pass@") + "/echo")),

  // ---- the app's own objects after the call: nothing of ours may stay on them
  "after-headers-object": async (c) => {
    const headers = new Headers({ "x-a": "1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    const pending = fetch(`${c.up}/echo`, { headers });
    const during = [...headers];
    await (await pending).arrayBuffer();
    return { during, after: [...headers] };
  },
  "after-request-object": async (c) => {
    const request = new Request(`${c.up}/echo`, post("x", { headers: { "x-a": "1" } }));
    await (await fetch(request)).arrayBuffer();
    return { headers: [...request.headers], bodyUsed: request.bodyUsed };
  },
  "after-init-object": async (c) => {
    const init = { method: "POST", headers: { "x-a": "1" }, body: "x" };
    await (await fetch(`${c.up}/echo`, init)).arrayBuffer();
    return JSON.parse(JSON.stringify(init));
  },
  "after-init-stream": async (c) => {
    const stream = twoPartStream();
    await (await fetch(`${c.up}/echo`, post(stream))).arrayBuffer();
    return { locked: stream.locked };
  },
  "after-incoming-headers": async (c) => {
    await (await fetch(`${c.up}/echo`, { headers: c.request.headers })).arrayBuffer();
    return [...c.request.headers].filter(([name]) => name.startsWith("trace") || name.startsWith("x-"));
  },
  "fetch-no-arguments": async () => attemptAsync(async () => observeResponse(await (fetch as () => Promise<Response>)())),
  "init-non-enumerable": async (c) => {
    const init = { headers: { "x-a": "1" } } as RequestInit;
    Object.defineProperty(init, "method", { value: "PUT", enumerable: false });
    Object.defineProperty(init, "body", { value: "a non-enumerable body", enumerable: false });
    return observeResponse(await fetch(`${c.up}/echo`, init));
  },
  "fetch-function-shape": async () => ({
    name: fetch.name,
    length: fetch.length,
    ownKeys: Object.getOwnPropertyNames(fetch).sort(),
    isGlobal: globalThis.fetch === fetch,
  }),
  // What the platform passed after the request, as the app sees it (the wrapper may hand a proxy).
  "platform-argument": async (c) => {
    const p = c.platform as Record<string, unknown> | undefined | null;
    if (p === undefined || p === null) return { type: String(p) };
    const waitUntil = p.waitUntil as ((promise: Promise<unknown>) => unknown) | undefined;
    const doc: { [key: string]: Json } = {
      type: typeof p,
      tag: Object.prototype.toString.call(p),
      ctor: (p.constructor as { name?: string } | undefined)?.name ?? null,
      keys: Object.keys(p).sort(),
      waitUntil: typeof waitUntil,
    };
    if (waitUntil) {
      // Read twice: a native method is the same function each time.
      doc.waitUntilStable = waitUntil === p.waitUntil;
      doc.waitUntilName = waitUntil.name;
      doc.called = attempt(() => String(waitUntil.call(p, Promise.resolve())));
      doc.calledDetached = attempt(() => String(waitUntil(Promise.resolve())));
    }
    return doc;
  },
  "response-instance": async (c) => {
    const response = await fetch(`${c.up}/bytes?n=10`);
    return { isResponse: response instanceof Response, ctor: response.constructor.name, tag: Object.prototype.toString.call(response) };
  },
};
