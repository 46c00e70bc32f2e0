/**
 * CPU profiles of the instrumented Worker, taken inside workerd through its V8 inspector
 * (Chrome DevTools Protocol `Profiler` domain over the inspector WebSocket Miniflare exposes
 * with `inspectorPort`). Frames are mapped back to source files and lines with the bundle's
 * source map; V8's per-line ticks give the hottest source lines of this package.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export class Inspector {
  private ws: WebSocket;
  private nextId = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(msg.error.message));
      else w.resolve(msg.result);
    });
  }

  /** Connects to the user worker's target (`core:user:<name>`) of a workerd inspector at host:port. */
  static async connect(hostPort: string): Promise<Inspector> {
    const targets = (await (await fetch(`http://${hostPort}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
    const target = targets.find((t) => t.id.startsWith("core:user:"));
    if (!target) throw new Error(`no user worker among inspector targets ${targets.map((t) => t.id).join(", ")}`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("inspector websocket failed")), { once: true });
    });
    return new Inspector(ws);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async profile(intervalUs: number, work: () => Promise<void>): Promise<CpuProfile> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.send("Profiler.start");
    await work();
    const { profile } = await this.send<{ profile: CpuProfile }>("Profiler.stop");
    await this.send("Profiler.disable");
    return profile;
  }

  close(): void {
    this.ws.close();
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A decoded source map: generated (line, column), 0-based → original source and line (0-based). */
export class SourceMap {
  readonly sources: string[];
  private lines: number[][][] = [];

  constructor(json: string) {
    const map = JSON.parse(json) as { sources: string[]; mappings: string };
    this.sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, "").replace(/^.*node_modules\//, "node_modules/"));
    let src = 0;
    let line = 0;
    let col = 0;
    for (const text of map.mappings.split(";")) {
      const segs: number[][] = [];
      let gen = 0;
      for (const seg of text.split(",")) {
        if (!seg) continue;
        const v: number[] = [];
        let value = 0;
        let shift = 0;
        for (const ch of seg) {
          const digit = B64.indexOf(ch);
          value += (digit & 31) << shift;
          if (digit & 32) shift += 5;
          else {
            v.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        gen += v[0];
        if (v.length >= 4) {
          src += v[1];
          line += v[2];
          col += v[3];
          segs.push([gen, src, line, col]);
        }
      }
      this.lines.push(segs);
    }
  }

  /** Original position of a generated one (the last mapping at or before the column). */
  lookup(line: number, column = 0): { source: string; line: number } | undefined {
    const segs = this.lines[line];
    if (!segs || segs.length === 0) return undefined;
    let best = segs[0];
    for (const s of segs) {
      if (s[0] <= column) best = s;
      else break;
    }
    return { source: this.sources[best[1]], line: best[2] };
  }
}

export interface FrameRow {
  frame: string;
  module: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface HotLine {
  where: string;
  text: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time excluding (idle), ms. */
  busyMs: number;
  samples: number;
  top: FrameRow[];
  /** Self time grouped by module (package source file, dependency, runtime). */
  modules: { module: string; selfMs: number; selfPct: number }[];
  /** Inclusive time of chosen functions (matched by name), % of busy time. */
  inclusive: { fn: string; totalMs: number; totalPct: number }[];
  /** Source lines of this package with the most self time (V8 line ticks). */
  hotLines: HotLine[];
}

function group(module: string): string {
  if (module.startsWith("node_modules/")) {
    const parts = module.split("/");
    return parts[1].startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  return module;
}

interface PositionTick {
  line: number;
  ticks: number;
}

export function summarize(
  profile: CpuProfile,
  map: SourceMap,
  inclusiveOf: string[],
  readSource: (path: string) => string[] | undefined,
  topN = 15,
): ProfileSummary {
  const byId = new Map<number, ProfileNode & { positionTicks?: PositionTick[] }>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = new Map<number, { frame: string; module: string }>();
  for (const n of profile.nodes) {
    const cf = n.callFrame;
    const name = cf.functionName || "(anonymous)";
    let module: string;
    let frame: string;
    if (!cf.url) {
      module = cf.functionName.startsWith("(") ? cf.functionName : "(runtime API / V8 builtin)";
      frame = module.startsWith("(") && module === cf.functionName ? name : `${name} (runtime)`;
    } else if (/worker\.js$/.test(cf.url)) {
      const pos = map.lookup(cf.lineNumber, cf.columnNumber);
      module = pos?.source ?? "worker.js";
      frame = `${name} ${module.replace(/^node_modules\//, "")}:${pos ? pos.line + 1 : cf.lineNumber + 1}`;
    } else {
      module = cf.url;
      frame = `${name} ${cf.url}:${cf.lineNumber + 1}`;
    }
    keyOf.set(n.id, { frame, module });
  }
  // Sample durations: timeDeltas[i] is the time since the previous sample, so sample i lasted
  // until sample i+1.
  const self = new Map<string, { ms: number; module: string }>();
  const total = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const selfByNode = new Map<number, number>();
  let busy = 0;
  let count = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const k = keyOf.get(id);
    if (!k || k.frame === "(idle)") continue;
    busy += dt;
    count++;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + dt);
    const s = self.get(k.frame) ?? { ms: 0, module: k.module };
    s.ms += dt;
    self.set(k.frame, s);
    const seen = new Set<string>();
    const seenFn = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = keyOf.get(cur);
      if (!kk) continue;
      if (!seen.has(kk.frame)) {
        seen.add(kk.frame);
        total.set(kk.frame, (total.get(kk.frame) ?? 0) + dt);
      }
      const fn = byId.get(cur)?.callFrame.functionName ?? "";
      for (const want of inclusiveOf) {
        if (!seenFn.has(want) && fn === want) {
          seenFn.add(want);
          inclusive.set(want, (inclusive.get(want) ?? 0) + dt);
        }
      }
    }
  }
  const pct = (ms: number) => (busy > 0 ? (100 * ms) / busy : 0);
  // Line-level self time: split each node's self time over its V8 line ticks.
  const lines = new Map<string, number>();
  for (const [id, ms] of selfByNode) {
    const n = byId.get(id)!;
    if (!/worker\.js$/.test(n.callFrame.url) || !n.positionTicks?.length) continue;
    const ticks = n.positionTicks.reduce((a, t) => a + t.ticks, 0);
    for (const t of n.positionTicks) {
      const pos = map.lookup(t.line - 1);
      if (!pos?.source.startsWith("src/")) continue;
      const where = `${pos.source}:${pos.line + 1}`;
      lines.set(where, (lines.get(where) ?? 0) + (ms * t.ticks) / ticks);
    }
  }
  const hotLines = [...lines.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([where, ms]) => {
      const [file, line] = [where.slice(0, where.lastIndexOf(":")), Number(where.slice(where.lastIndexOf(":") + 1))];
      const text = (readSource(file)?.[line - 1] ?? "").trim();
      return { where, text: text.length > 90 ? `${text.slice(0, 87)}...` : text, ms, pct: pct(ms) };
    });
  const top = [...self.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, topN)
    .map(([frame, s]) => ({ frame, module: s.module, selfMs: s.ms, selfPct: pct(s.ms), totalMs: total.get(frame) ?? 0, totalPct: pct(total.get(frame) ?? 0) }));
  const mods = new Map<string, number>();
  for (const s of self.values()) {
    const g = group(s.module);
    mods.set(g, (mods.get(g) ?? 0) + s.ms);
  }
  return {
    busyMs: busy,
    samples: count,
    top,
    modules: [...mods.entries()].sort((a, b) => b[1] - a[1]).map(([module, ms]) => ({ module, selfMs: ms, selfPct: pct(ms) })),
    inclusive: inclusiveOf.map((fn) => ({ fn, totalMs: inclusive.get(fn) ?? 0, totalPct: pct(inclusive.get(fn) ?? 0) })),
    hotLines,
  };
}
