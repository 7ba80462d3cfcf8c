import type { ForwardPolicy } from './forward.js';

/**
 * The local proxy's limits, in one place. Short where the go command's
 * patience is at stake (headers, backoff, hedging), generous where a slow
 * link is still a working one (the gap between body bytes).
 */
export const SERVE_LIMITS = {
  headerTimeoutMs: 10_000,
  bodyIdleMs: 30_000,
  /** Answers above this are held on disk while they are checked. */
  memoryLimit: 1 << 20,
  backoffMs: 200,
  backoffCapMs: 5_000,
  /** p95s below this on loopback-fast proxies would hedge nearly every request. */
  hedgeFloorMs: 50,
  /** A longer Retry-After is cut to this: the go command is waiting. */
  retryAfterCapMs: 10_000,
  strikes: 3,
  restMs: 30_000,
} as const;

export function servePolicy(retries: number, spillDir: string): ForwardPolicy {
  return { ...SERVE_LIMITS, rounds: 1 + retries, spillDir };
}
