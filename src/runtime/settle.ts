/**
 * Run `fn` (the call), then `done` once its result settles, without changing what the caller
 * gets: a synchronous value stays synchronous, a thenable is returned as is (an RPC promise keeps
 * its pipelining) and only observed.
 */
export function settle<T>(fn: () => T, done: (error?: unknown, failed?: boolean) => void): T {
  let result: T;
  try {
    result = fn();
  } catch (error) {
    done(error, true);
    throw error;
  }
  const then = (result as { then?: unknown } | undefined)?.then;
  if (typeof then === "function") {
    then.call(
      result,
      () => done(),
      (error: unknown) => done(error, true),
    );
  } else done();
  return result;
}
