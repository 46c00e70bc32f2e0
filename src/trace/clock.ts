/** Wall-clock time in epoch milliseconds, with sub-millisecond precision where the runtime has it. */
export function nowMs(): number {
  const perf = globalThis.performance;
  // workerd reports timeOrigin 0 (and freezes clocks between I/O): fall back to Date.now() there.
  if (perf && perf.timeOrigin > 1e12) return perf.timeOrigin + perf.now();
  return Date.now();
}

/** Epoch milliseconds to an OpenTelemetry HrTime tuple [seconds, nanoseconds]. */
export function toHrTime(ms: number): [number, number] {
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}
