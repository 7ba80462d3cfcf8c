/**
 * Exponential backoff with full jitter: attempt n (1-based) waits a random
 * time up to min(cap, initial * 2^(n-1)), so parallel CI jobs hitting the same
 * mirror do not retry in lockstep. The floor keeps a retry from firing at once.
 */
export function backoffDelay(attempt: number, initialMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, initialMs * 2 ** Math.max(0, attempt - 1));
  const floor = ceiling / 2;
  return Math.round(floor + random() * (ceiling - floor));
}

export const BACKOFF_CAP_MS = 32_000;
