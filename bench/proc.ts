/** Reading a process's CPU time and memory from /proc (Linux). */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

const CLK_TCK = 100; // USER_HZ; `getconf CLK_TCK` is 100 on every Linux this runs on

/** Direct children of `ppid` whose command name is `comm`. */
export function childPids(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const command = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      if (Number(fields[1]) === ppid && command === comm) out.push(Number(name));
    } catch {
      // the process went away
    }
  }
  return out;
}

export interface CpuSample {
  /** utime + stime of the whole process (all threads), ms, 10 ms resolution. */
  statMs: number;
  /** Sum over the process's threads of /proc/<pid>/task/<tid>/schedstat run time, ms (ns resolution). */
  schedMs: number;
}

export function cpu(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread exited
    }
  }
  return { statMs: (ticks * 1000) / CLK_TCK, schedMs: ns / 1e6 };
}

function statusKb(pid: number, key: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) : Number.NaN;
}

/** Resident set size now, KiB. */
export const rssKb = (pid: number) => statusKb(pid, "VmRSS");
/** Peak resident set size since start or the last resetPeak(), KiB. */
export const hwmKb = (pid: number) => statusKb(pid, "VmHWM");

/** Resets VmHWM to the current RSS (writes 5 to /proc/<pid>/clear_refs; needs the same uid or root). */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
