/** A local OTLP receiver (and LLM replay) for the tests of one file: started before them, closed after. */
import { afterAll, beforeAll } from "vitest";
import { type Collector, startCollector } from "./collector.js";
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
