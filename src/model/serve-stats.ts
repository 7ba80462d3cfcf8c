/** What the local proxy did over its life: the figures the post step reports. */
export interface ServeStats {
  /** http://127.0.0.1:<port>, without the access token (that stays in the handle and GOPROXY). */
  url: string;
  pid: number;
  startedAt: string;
  /** Set once the proxy has stopped. */
  stoppedAt?: string;
  stopReason?: string;
  requests: number;
  /** Answered with an upstream's 200. */
  served: number;
  /** Answered from GOMODCACHE when every upstream failed. */
  fromCache: number;
  /** 404/410 passed on: the version does not exist anywhere asked. */
  notFound: number;
  /** Every upstream failed and the cache had nothing: the go command fell through to the chain. */
  failed: number;
  /** Not a GOPROXY request, or not from a go command of this job (wrong Host, no token). */
  refused: number;
  /** The go command hung up before the answer: the upstream requests were aborted. */
  gone?: number;
  /** The most bytes ever held in spill files at once. */
  spillPeakBytes?: number;
  /** Requests that needed more than one attempt (retry, hedge or next upstream) and still got an answer. */
  rescued: number;
  bytesServed: number;
  upstreams: UpstreamStats[];
  /** The last few requests that failed, for the report. */
  recentFailures: string[];
}

/** What one upstream did for the go command, for the summary and the JSON report. */
export interface UpstreamStats {
  url: string;
  requests: number;
  retries: number;
  hedgesSent: number;
  hedgesWon: number;
  /** Answers handed to the go command. */
  served: number;
  notFound: number;
  failures: number;
  /** Failures the go command never saw: another attempt answered for them. */
  absorbed: number;
  bytes: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Failure messages by count, most frequent first in reports. */
  failureKinds: Record<string, number>;
}

/** Upstream failures the go command never saw. */
export const absorbedTotal = (s: ServeStats): number => s.upstreams.reduce((n, u) => n + u.absorbed, 0);
