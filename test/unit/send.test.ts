/**
 * The request-side rule (src/fetch/send.ts): what reaches the runtime's fetch is the app's call
 * with only traceparent/tracestate added, and the app's own objects are left as they were.
 */
import { describe, expect, it } from "vitest";
import { sendWith } from "../../src/fetch/send.js";

const TP: [string, string][] = [["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]];

/** A fetch stand-in that records what it was called with, reading it as fetch would. */
function recorder() {
  const calls: { url: string; method: string; headers: [string, string][]; body: string | null }[] = [];
  const send = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push({ url: request.url, method: request.method, headers: [...request.headers], body: request.body ? await request.text() : null });
    return new Response("ok");
  };
  return { calls, send };
}

describe("sendWith", () => {
  it("a Request alone: its own headers carry ours for the call only; method and body are the app's", async () => {
    const { calls, send } = recorder();
    const request = new Request("https://api.test/v1", { method: "POST", body: "payload", headers: { "x-app": "1" } });
    await sendWith(send, request, undefined, TP);
    expect(calls).toEqual([{ url: "https://api.test/v1", method: "POST", headers: [["content-type", "text/plain;charset=UTF-8"], ["traceparent", TP[0][1]], ["x-app", "1"]], body: "payload" }]);
    expect([...request.headers]).toEqual([["content-type", "text/plain;charset=UTF-8"], ["x-app", "1"]]);
  });

  it("a Request passed as init (the proxy idiom) keeps its method, body and headers", async () => {
    const { calls, send } = recorder();
    const incoming = new Request("https://worker.test/in", { method: "PUT", body: "data", headers: { "x-in": "y" } });
    await sendWith(send, "https://upstream.test/out", incoming as unknown as RequestInit, TP);
    expect(calls[0]).toMatchObject({ url: "https://upstream.test/out", method: "PUT", body: "data" });
    expect(calls[0].headers).toEqual([["content-type", "text/plain;charset=UTF-8"], ["traceparent", TP[0][1]], ["x-in", "y"]]);
    expect(incoming.headers.has("traceparent")).toBe(false);
  });

  it("a header list keeps repeated names as entries; a record is copied; the app's objects are untouched", async () => {
    const { calls, send } = recorder();
    const list: [string, string][] = [["x-dup", "1"], ["x-dup", "2"], ["TraceParent", "stale"]];
    await sendWith(send, "https://api.test/", { headers: list }, TP);
    expect(calls[0].headers).toEqual([["traceparent", TP[0][1]], ["x-dup", "1, 2"]]);
    expect(list).toHaveLength(3);
    const record = { "x-a": "b" };
    await sendWith(send, "https://api.test/", { method: "POST", body: "z", headers: record }, TP);
    expect(calls[1]).toMatchObject({ method: "POST", body: "z", headers: [["content-type", "text/plain;charset=UTF-8"], ["traceparent", TP[0][1]], ["x-a", "b"]] });
    expect(record).toEqual({ "x-a": "b" });
  });

  it("a Headers object gets ours during the call and its earlier value back after it", async () => {
    const { calls, send } = recorder();
    const headers = new Headers({ traceparent: "00-11111111111111111111111111111111-2222222222222222-01" });
    await sendWith(send, "https://api.test/", { headers }, TP);
    expect(calls[0].headers).toEqual([["traceparent", TP[0][1]]]);
    expect(headers.get("traceparent")).toBe("00-11111111111111111111111111111111-2222222222222222-01");
  });

  it("immutable headers are copied instead (a Request the platform handed in)", async () => {
    const { calls, send } = recorder();
    const response = Response.redirect("https://api.test/", 302); // headers with the immutable guard
    const immutable = response.headers;
    expect(() => immutable.set("x", "y")).toThrow(TypeError);
    await sendWith(send, "https://api.test/", { headers: immutable }, TP);
    expect(calls[0].headers).toEqual([["location", "https://api.test/"], ["traceparent", TP[0][1]]]);
  });

  it("nothing to add: the call is passed on as given, the same objects", async () => {
    const seen: unknown[] = [];
    const init = { method: "POST" };
    const send = async (i: RequestInfo | URL, n?: RequestInit) => {
      seen.push(i, n);
      return new Response();
    };
    await sendWith(send, "https://api.test/", init, []);
    expect(seen).toEqual(["https://api.test/", init]);
    expect(seen[1]).toBe(init);
  });
});
