import type { ForwardPolicy } from './forward.js';
import type { ServeKind } from './request-path.js';

const MiB = 1 << 20;

/**
 * The most an answer of each kind may weigh: the go command's own limits
 * (cmd/go/internal/modfetch: MaxZipFile 500 MiB, MaxGoMod 16 MiB), and a few
 * MiB for the small text answers. A larger answer is broken, whatever it holds.
 */
export const MAX_ANSWER_BYTES: Record<ServeKind, number> = {
  zip: 500 * MiB,
  mod: 16 * MiB,
  info: 4 * MiB,
  list: 4 * MiB,
  latest: 4 * MiB,
  sumdb: 4 * MiB,
};

/** The default of serve-request-timeout: how long one go command's request may take, every attempt included. */
export const DEFAULT_REQUEST_BUDGET_MS = 60_000;

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
  /**
   * Not retry-backoff (docs/local-proxy.md): that input paces the
   * ladder's whole `go mod download` attempts; here one request of a waiting
   * go command is retried, so the schedule is short and fixed.
   */
  backoffMs: 200,
  backoffCapMs: 5_000,
  /** p95s below this on loopback-fast proxies would hedge nearly every request. */
  hedgeFloorMs: 50,
  /** A longer Retry-After is cut to this: the go command is waiting. */
  retryAfterCapMs: 10_000,
  strikes: 3,
  restMs: 30_000,
} as const;

export function servePolicy(retries: number, spillDir: string, requestBudgetMs = DEFAULT_REQUEST_BUDGET_MS): ForwardPolicy {
  return { ...SERVE_LIMITS, rounds: 1 + retries, spillDir, maxBytes: MAX_ANSWER_BYTES, requestBudgetMs };
}
