/**
 * The package must bundle for a neutral platform (workerd, edge-light, Deno, browsers) with no
 * Node built-in anywhere in its graph, including its three OpenTelemetry dependencies.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bundlePackage } from "./support/bundle.js";

describe("neutral bundle", () => {
  it("has no node: import or Node built-in anywhere in its graph", async () => {
    const { code, imported } = await bundlePackage();
    expect(imported).toEqual([]);
    expect(code).not.toMatch(/\bfrom\s*["']node:/);
    expect(code).not.toMatch(/\brequire\(\s*["']node:/);
    expect(code).not.toMatch(/\bimport\(\s*["']node:/);
  });

  it("the same check reports a node: import when one is added", async () => {
    const { imported } = await bundlePackage(false, {
      contents: 'import { instrument } from "./src/index.ts"; import { AsyncLocalStorage } from "node:async_hooks"; export { instrument, AsyncLocalStorage };',
    });
    expect(imported).toEqual(["node:async_hooks (from <stdin>)"]);
  });

  it("a Worker using instrument() stays inside the gzipped size budget", async () => {
    const { code } = await bundlePackage(true, "worker");
    const gzipped = gzipSync(code, { level: 9 }).byteLength;
    // Committed budget: 55 KiB gzipped. Raised from 27 KiB by issues 11 (fourteen wire formats and
    // three framings: +7.7 KB) and 12 (content readers for every format, capture, logs: +12.4 KB),
    // both in the default bundle because detection and capture must work without an import of
    // their own, then from 48 KiB by issue 13's CPU work (per-chunk fast paths for Cohere, Ollama,
    // the event-stream framing and one-event SSE reads; requests sent before they are parsed:
    // +0.8 KB), then from 49 KiB for the AI SDK's own spans (its integration's tracer adopted, and
    // our capture rule on other instrumentations' content: +1.2 KB), then from 50 KiB for Deno's
    // built-in OpenTelemetry (one traceparent, one trace, its SDK spans recognised: +0.7 KB), then
    // from 51 KiB for the OTLP exporter's options (per-signal headers, timeouts and compression,
    // gzip, header checks, the export's deadline within waitUntil's budget) and span-status and
    // int64 fixes (+1.6 KB), then from 53 KiB for what audits against the trace API spec found
    // (attribute values checked and cut at any depth, event and link limits, spans of explicit
    // contexts kept) and the AI SDK's embed under Deno's tracing (+0.7 KB), then from 54 KiB for what
    // a bare-vs-wrapped audit found (an init's stream sent as the app makes it, its bytes kept as
    // they pass, instead of read first; an upload still going when the answer comes not waited
    // for; Map and URLSearchParams headers; non-enumerable init fields) and Gemini's cached tokens
    // by modality (+0.5 KB), then from 55 KiB the same session for GenAI conformance (the exception
    // event, agent and tool metrics' plumbing, the SDK's limit variables) and the review of the
    // transparency fixes (an answer never held back by an upload, the app's stream locked only
    // when the runtime reads it, workerd's tee keeping a native stream's length, one-shot header
    // iterators: +0.9 KB), and lowered from 56 KiB by a trim of what the tree wrote twice (shared
    // helpers for content parts, chat requests and paths; one finish path per invocation: 57,050 →
    // 55,275 B). bench/RESULTS.md ("Bundle size, 2026-12-02") has the split. The performance
    // issue's targets (20 KiB for instrument + one OpenAI fetch, 28 KiB for everything) are not
    // met. Raise it only with a reason recorded there.
    expect(gzipped).toBeLessThanOrEqual(55 * 1024);
  });
});
