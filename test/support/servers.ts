/** A local OTLP receiver (and LLM replay) for the tests of one file: started before them, closed after. */
import { afterAll, beforeAll } from "vitest";
import { type Collector, type LoopbackServer, listenLoopback, startCollector } from "./collector.js";
import { type Replay, startReplay } from "./replay.js";

export function useServers(): { collector: Collector; replay: Replay } {
  const servers = {} as { collector: Collector; replay: Replay };
  beforeAll(async () => {
    [servers.collector, servers.replay] = await Promise.all([startCollector(), startReplay()]);
  });
  afterAll(async () => {
    await servers.collector?.close();
    await servers.replay?.close();
  });
  return servers;
}

/** A local OTLP receiver and a stand-in upstream answering with `handler`, for the tests of one file. */
export function useCollectorAnd(handler: Parameters<typeof listenLoopback>[0]): { collector: Collector; upstream: LoopbackServer } {
  const servers = {} as { collector: Collector; upstream: LoopbackServer };
  beforeAll(async () => {
    [servers.collector, servers.upstream] = await Promise.all([startCollector(), listenLoopback(handler)]);
  });
  afterAll(async () => {
    await servers.collector?.close();
    await servers.upstream?.close();
  });
  return servers;
}
