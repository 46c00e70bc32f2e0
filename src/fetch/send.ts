/**
 * The one rule for sending an app's request with our trace-context headers: the request leaves
 * exactly as the app made it, plus `traceparent`/`tracestate`, whatever shape the call took.
 *
 * - Headers the app gave as a `Headers` object (its own, or its Request's) get ours for the
 *   synchronous extent of the fetch call, which copies them, and are restored right after: the
 *   request object is not re-made, so a runtime keeps everything it knows of it (Deno keeps a
 *   string body's Content-Length, which a re-made Request loses) and the app never sees ours.
 *   Every runtime's fetch reads the headers before its first await; a fetch patched before ours
 *   that awaits first would send them without our trace context (the request is otherwise the same).
 * - Headers given as a list (an array, a Map, URLSearchParams: any iterable of pairs) or a record
 *   are copied with ours added, entries kept as they are (a repeated name stays repeated).
 * - Immutable headers (a request the platform handed in) are copied; a Request alone is then
 *   re-made by the Request constructor, which carries method, body, signal, redirect, `cf` over.
 * - An init is overlaid, never spread unless it is a plain object whose own fields are all
 *   enumerable: a Request passed as init (the proxy idiom `fetch(newUrl, request)`) keeps its
 *   fields behind prototype getters, which a spread would drop (a POST would leave as a GET).
 * - A body we replaced is sent as given: an init's stream passing through our tap (or read first
 *   and replayed, or workerd's tee branch: request-view.ts), or a body the opt-in `addStreamUsage`
 *   changed. A Request whose prompt we read is sent itself (we read a clone).
 */

type Send = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export const isRequest = (value: unknown): value is Request => typeof Request !== "undefined" && value instanceof Request;
const ours = (name: string) => /^trace(parent|state)$/i.test(name);

const isHeaders = (value: unknown): value is Headers => value instanceof Headers;

export function sendWith(
  send: Send,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  extra: [string, string][],
  body?: BodyInit,
): Promise<Response> {
  if (extra.length === 0 && body === undefined) return send(input, init);
  const source = init?.headers ?? (isRequest(input) ? input.headers : undefined);
  if (body === undefined && isHeaders(source)) {
    const saved = extra.map(([name]) => [name, source.get(name)] as const);
    const restore = () => {
      for (const [name, value] of saved) value === null ? source.delete(name) : source.set(name, value);
    };
    let set = false;
    try {
      for (const [name, value] of extra) source.set(name, value);
      set = true;
    } catch {
      // immutable (copied below); undo a partial set
      try {
        restore();
      } catch {
        // nothing was set
      }
    }
    if (set) {
      try {
        return send(input, init);
      } finally {
        restore();
      }
    }
  }
  let args: [RequestInfo | URL, RequestInit?];
  try {
    args = copied(input, init, source, extra, body);
  } catch {
    // Our copy failed where the app's request would not: send it as the app made it.
    return send(input, init);
  }
  return send(...args);
}

function copied(
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  source: HeadersInit | undefined,
  extra: [string, string][],
  body: BodyInit | undefined,
): [RequestInfo | URL, RequestInit?] {
  let headers: HeadersInit;
  // A list of pairs: an array, or any other iterable (a Map, URLSearchParams).
  if (source && !isHeaders(source) && typeof (source as unknown as Iterable<unknown>)[Symbol.iterator] === "function") {
    headers = [...(source as unknown as Iterable<[string, string]>)].filter(([name]) => !ours(name)).concat(extra);
  } else if (source && !isHeaders(source) && typeof source === "object") {
    const record: Record<string, string> = {};
    for (const key of Object.keys(source)) if (!ours(key)) record[key] = (source as Record<string, string>)[key];
    headers = Object.assign(record, Object.fromEntries(extra));
  } else {
    const copy = new Headers(source);
    for (const [name, value] of extra) copy.set(name, value);
    headers = copy;
  }
  const changes: RequestInit = body === undefined ? { headers } : { headers, body };
  if (init === undefined) return isRequest(input) ? [new Request(input, changes)] : [input, changes];
  return [input, overlay(init, changes)];
}

export function overlay(init: RequestInit, changes: RequestInit): RequestInit {
  const proto = Object.getPrototypeOf(init);
  if ((proto === Object.prototype || proto === null) && Object.keys(init).length === Reflect.ownKeys(init).length) return { ...init, ...changes };
  return new Proxy(init, {
    get: (target, key) => (Object.hasOwn(changes, key) ? changes[key as keyof RequestInit] : Reflect.get(target, key, target)),
  });
}
