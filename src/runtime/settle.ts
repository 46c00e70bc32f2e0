/**
 * Run `fn` (the call), then `done` once its result settles, without changing what the caller
 * gets: a synchronous value stays synchronous, a thenable is returned as is (an RPC promise keeps
 * its pipelining) and only observed. `done` is ours: if it throws, that is swallowed.
 */
export function settle<T>(fn: () => T, done: (error?: unknown, failed?: boolean) => void): T {
  const safeDone = (error?: unknown, failed?: boolean) => {
    try {
      done(error, failed);
    } catch {
      // instrumentation must never replace the caller's outcome
    }
  };
  let result: T;
  try {
    result = fn();
  } catch (error) {
    safeDone(error, true);
    throw error;
  }
  const then = (result as { then?: unknown } | undefined)?.then;
  if (typeof then === "function") {
    then.call(
      result,
      () => safeDone(),
      (error: unknown) => safeDone(error, true),
    );
  } else safeDone();
  return result;
}
