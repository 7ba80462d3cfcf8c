import type { Failure } from '../diagnosis/failure.js';
import type { ScoreParts } from './score.js';

/** The run's verdict: what the gate and the alerts act on. */
export type Verdict = 'healthy' | 'degraded' | 'failed';

/** healthy: in the chain; slow: answered but scored below min-score; stale: lacks what the project needs; broken: wrong answers or bad TLS; down: no usable answer. */
export type ProxyVerdict = 'healthy' | 'slow' | 'stale' | 'broken' | 'down';

/** One proxy as the probe (and the warm) judged it. */
export interface ProxyHealth {
  url: string;
  score: number;
  parts: ScoreParts;
  latencyMs: { p50: number | null; p95: number | null };
  successRate: number;
  /** Requests measured: answered, or failed (a hang past its time counts as failed). */
  requests: number;
  /** Requests the probe's deadline (or the end of the warm) cut off unanswered: not counted either way. Always set by assessProxy. */
  notMeasured?: number;
  /** Requests not waited for once the cache was warm (the proxy was answering, just slowly). */
  notWaitedFor: number;
  statuses: Record<string, number>;
  tlsDaysLeft: number | null;
  verdict: ProxyVerdict;
  /** The dominant failure, when there was one. */
  failure?: Failure;
  stale: string[];
  probeMs: number;
  /** A failure while the warm downloaded through it, after it passed the probe. */
  warmFailure?: Failure;
}
