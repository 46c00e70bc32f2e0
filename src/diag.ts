/**
 * Our own problems (bad config, failing exports), said once each through OTel's `diag`: a user
 * who called `diag.setLogger` sees them there; otherwise a console logger is registered at
 * OTEL_LOG_LEVEL (default WARN), never replacing a logger someone else registered.
 */
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import { apiSlot } from "./trace/platform.js";

/** The level names (NONE ... ALL): the enum's keys that are not its reverse (number) mappings. */
const LEVELS = DiagLogLevel as unknown as Record<string, DiagLogLevel | string>;

let level = DiagLogLevel.WARN;
/** The logger we registered, to tell it from one a user registered. */
let ours: unknown;
/** Used when the global registry refuses ours (another API version created it). */
let direct: DiagLogger | undefined;
const said = new Set<string>();

/** The logger in the API's global registry. */
function registered(): unknown {
  try {
    return apiSlot()?.diag;
  } catch {
    return undefined;
  }
}

/** A console logger (what OTel's DiagConsoleLogger does, in a few bytes: this ships in every Worker). */
function consoleLogger(): DiagLogger {
  const to = (method: "error" | "warn" | "info" | "debug") => (message: string, ...args: unknown[]) => console[method](message, ...args);
  return { error: to("error"), warn: to("warn"), info: to("info"), debug: to("debug"), verbose: to("debug") };
}

function logger(): DiagLogger | undefined {
  const current = registered();
  if (current && current !== ours) return diag;
  if (!current && !direct) {
    if (diag.setLogger(consoleLogger(), { logLevel: level, suppressOverrideMessage: true })) ours = registered();
    else direct = consoleLogger();
  }
  return direct ?? diag;
}

function emit(at: DiagLogLevel, message: string): void {
  try {
    // Nothing registers a console logger for a message its threshold would drop.
    if (at > level && registered() === ours) return;
    const to = logger();
    const text = `otel-genai-edge: ${message}`;
    if (at === DiagLogLevel.WARN) to?.warn(text);
    else to?.debug(text);
  } catch {
    // a logger that throws
  }
}

/** OTEL_LOG_LEVEL: the threshold of the console logger we register (an unknown name means WARN). */
export function setLogLevel(name: string | undefined): void {
  const found = name === undefined ? DiagLogLevel.WARN : LEVELS[name.toUpperCase()];
  if (typeof found !== "number") warnOnce(`level ${name}`, `OTEL_LOG_LEVEL="${name}" is not one of ${Object.keys(LEVELS).filter((k) => !(+k >= 0))}; using WARN`);
  const next = typeof found === "number" ? found : DiagLogLevel.WARN;
  if (next === level) return;
  level = next;
  // Ours is registered again at the new level on its next message; a user's logger keeps its own.
  if (ours && registered() === ours) diag.disable();
  ours = direct = undefined;
}

/** Say a problem once per isolate (per distinct key). */
export function warnOnce(key: string, message: string): void {
  if (said.has(key) || said.size > 500) return;
  said.add(key);
  emit(DiagLogLevel.WARN, message);
}
export const debug = (message: string): void => emit(DiagLogLevel.DEBUG, message);
