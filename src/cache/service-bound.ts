/**
 * Race `p` against a deadline. The losing operation is abandoned, not
 * cancelled (the toolkit offers no cancellation), so entries exit the
 * process explicitly once their work is done.
 */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000}s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Why the Actions cache service was given up on in this process, once one call to it ran out of time. */
let cacheServiceDown: string | undefined;

/**
 * A call to the Actions cache service, bounded like `within`. A service that let one call run out of time
 * is down for the rest of this step: later calls (the build cache, the run history, the alert claim) fail at
 * once with that reason instead of each waiting out its own bound.
 */
export async function withinCacheService<T>(ms: number, what: string, call: () => Promise<T>): Promise<T> {
  if (cacheServiceDown) throw new Error(`${what} skipped: ${cacheServiceDown}`);
  try {
    return await within(ms, what, call());
  } catch (err) {
    if (err instanceof Error && err.message === `${what} took longer than ${ms / 1000}s`)
      cacheServiceDown = `the cache service did not answer (${err.message})`;
    throw err;
  }
}
