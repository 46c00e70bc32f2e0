/**
 * A collector answering an export with 50 MB (streamed): the exporter in workerd reads a small
 * prefix and cancels the rest, so what leaves the collector's socket is bounded by the kernel's
 * buffers rather than the answer's size (reading it whole raised workerd's peak memory by ~1 GB
 * and delayed the app by seconds). The export still counts as ok.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, listenLoopback, type NodeServerResponse, sleep } from "../support/collector.js";
import { type Replay, startReplay } from "../support/replay.js";
import { type StartedWorker, startWorker } from "../support/workerd.js";

const MB = 1024 * 1024;
let replay: Replay;
let collector: LoopbackServer;
let worker: StartedWorker;
/** Bytes each export's answer put on the socket before the client went away. */
const written: Promise<number>[] = [];

async function stream(res: NodeServerResponse, total: number): Promise<number> {
  const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
  let sent = 0;
  let closed = false;
  res.once("close", () => void (closed = true));
  while (sent < total && !closed) {
    sent += chunk.byteLength;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
  }
  if (!closed) res.end();
  return sent;
}

beforeAll(async () => {
  replay = await startReplay();
  collector = await listenLoopback((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      written.push(stream(res, 50 * MB));
    });
  });
  worker = await startWorker({
    entry: "test/workers/misconfig.ts",
    env: { UPSTREAM: replay.baseFor("openai/chat-nonstream.json", { gapMs: 0 }), OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
  });
});

afterAll(async () => {
  await worker?.close();
  await collector?.close();
  await replay?.close();
});

describe("workerd: a 50 MB collector answer", () => {
  it("is read only as far as needed: bounded bytes off the socket, the export ok, the app unaffected", async () => {
    const started = Date.now();
    const response = await worker.fetch("/");
    expect(response.status).toBe(200);
    await response.text();
    const until = Date.now() + 10_000;
    while (written.length === 0 && Date.now() < until) await sleep(20);
    const first = await written[0];
    const exportMs = Date.now() - started;
    expect(first).toBeLessThan(16 * MB);
    // The /stats request is served while (and after) the answer streamed: never delayed by it.
    const statsAt = Date.now();
    const stats = await (await worker.fetch("/stats")).json();
    expect(Date.now() - statsAt).toBeLessThan(1000);
    expect(stats).toMatchObject({ exports: 1, exportFailures: 0 });
    expect(exportMs).toBeLessThan(5000);
  });
});
