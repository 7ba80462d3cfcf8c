/** The JSON report's vocabulary: one document per run, versioned for tools that read it (docs/summary-and-alerts.md). */
import type { FailureCode } from '../diagnosis/failure.js';
import type { GoDiagnosis } from '../diagnosis/go-output.js';
import type { CacheHit } from './cache-hit.js';
import type { ChainEntry } from './chain-entry.js';
import type { LadderStep, RungRecord } from './ladder.js';
import type { ServeStats } from './serve-stats.js';
import type { ProxyHealth, Verdict } from './verdict.js';

/** The JSON report: one document per run, versioned for tools that read it. */
export const REPORT_SCHEMA = 'go-proxy-guard/report@1';

export interface RunReport {
  schema: typeof REPORT_SCHEMA;
  generatedAt: string;
  project: {
    root: string;
    layout: 'module' | 'workspace' | 'none';
    modules: string[];
    requirements: number;
    probed: string[];
    /** Module paths matched by GONOPROXY/GOPRIVATE: never asked of a proxy, fetched with direct. */
    private: string[];
  };
  /** The go command as found: `goproxy` is the user's own GOPROXY as a string, `chain` the same entries (URLs masked). */
  go: { version: string; goproxy: string; chain: ChainEntry[]; gosumdb: string };
  /** samples: the rounds actually planned (fewer than asked when the deadline cannot hold them); concurrency: requests in flight per proxy. */
  probe: { timeoutMs: number; samples: number; durationMs: number; concurrency?: number };
  /** Ranked best first. */
  proxies: ProxyHealth[];
  /** The portable chain: what later steps fall back to without the local proxy. */
  goproxy: string;
  /** The same chain, entry by entry (URLs masked): what tools read instead of splitting `goproxy`. */
  chain: ChainEntry[];
  /**
   * What later steps really get: the local proxy in front of the chain when
   * it runs (its access token left out), credentials as they get them (none
   * where they moved to NETRC or a dotenv report cannot hold them).
   */
  exportedGoproxy?: string;
  /** The same, entry by entry. */
  exportedChain: ChainEntry[];
  bestProxy: string | undefined;
  healthyCount: number;
  verdict: Verdict;
  /** One line a person reads first: why the verdict is what it is. */
  reason: string;
  notes: string[];
  /** Absent when prewarm is off or there is no go.mod. */
  warm?: WarmReport;
  /** The local proxy (serve); its figures are added when it stops. */
  serve?: ServeReport;
  /** The emergency override in force ("override in force since ..., set by ..."). */
  override?: string;
  /** The build cache (GOCACHE) restore: absent when build-cache is off or there is no CI cache. */
  buildCache?: { hit: CacheHit; key: string | undefined; added: number };
  /** The Go toolchain the project's go commands switch to (absent when they run the machine's go as it is). */
  toolchain?: ToolchainReport;
}

/**
 * A toolchain switch: which toolchain go.mod/go.work (or GOTOOLCHAIN) asks
 * for, and how the guard made it usable offline before any go command ran.
 */
export interface ToolchainReport {
  /** The toolchain go switches to, e.g. go1.27.3; absent when the go command refuses the setting (`problem`). */
  name?: string;
  /** The machine's go (go env GOVERSION) and GOTOOLCHAIN as the go command reads it. */
  local: string;
  gotoolchain: string;
  /** What asked for it: the file and line, or GOTOOLCHAIN. */
  requestedBy?: { directive: 'go' | 'toolchain' | 'GOTOOLCHAIN'; file?: string; line?: number; text: string };
  /** golang.org/toolchain@v0.0.1-<name>.<goos>-<goarch>: what a switch downloads. */
  module?: string;
  /**
   * How it was obtained: on `path`; already in the `module-cache`; restored with the `ci-cache`;
   * downloaded from a `proxy` or `direct`; `failed`; `not-warmed` (prewarm off: the first go command downloads it);
   * `invalid`: every go command stops on the setting (`problem`).
   */
  source: 'path' | 'module-cache' | 'ci-cache' | 'proxy' | 'direct' | 'failed' | 'not-warmed' | 'invalid';
  /** The proxy that gave the zip (masked), for `proxy`. */
  proxy?: string;
  /** The rung of the ladder that obtained it, and every rung tried. */
  step?: LadderStep;
  ladder?: RungRecord[];
  /** Time to make it usable, switch check included. */
  ms?: number;
  /** What `go version` printed in the project with GOPROXY=off afterwards: the switch later steps make. */
  switched?: string;
  diagnosis?: GoDiagnosis;
  problem?: string;
}

export interface WarmReport {
  ladderStep: LadderStep;
  ladder: RungRecord[];
  cacheHit: CacheHit;
  cacheKey: string | undefined;
  /** Modules fetched over the network this run. */
  downloaded: string[];
  buildList: number;
  downloadMs: number;
  goflags: string | undefined;
  diagnosis: GoDiagnosis | undefined;
  /** When the ladder failed: what was tried and what each answered, in one line. */
  cause?: string;
  /** The files go.sum names, fetched before go mod download (absent in reports of older versions). */
  prefetch?: PrefetchReport;
  /** The restored module cache, hashed against go.sum before use: versions checked, and those discarded (`module@version: why`). */
  restoreCheck?: RestoreCheck;
}

/** In the JSON report: where the local proxy ran, and (after the post step) what it did. */
export interface ServeReport {
  url: string;
  upstreams: string[];
  stats?: ServeStats;
}

export interface PrefetchFigures {
  planned: number;
  fetched: number;
  bytes: number;
  ms: number;
  concurrency: number;
  /** Upstream failures and rejected answers that another attempt made good. */
  absorbed: number;
  /** Answers whose h1: did not match go.sum, each fetched again elsewhere (or left to go). */
  rejected: number;
  /** Files no upstream delivered: the go command asks for them itself. */
  missed: number;
  /** module@version.kind: why, for the first few that were missed. */
  failures: string[];
  requests: number;
}

/**
 * An upstream that failed during the prefetch, even where another one made
 * the failure good: the proxy's entry in the report must say so.
 */
export interface PrefetchUpstreamFailure {
  /** The upstream's real URL, as it was handed in (mask before showing). */
  url: string;
  /** Its gravest failure, then its most frequent (checksum-mismatch: an answer go.sum refused). */
  code: FailureCode;
  /** What the first failure of that kind said (one clean line). */
  example?: string;
  failed: number;
  asked: number;
}

/** What the prefetch did, for the summary and the JSON report (warm.prefetch). */
export interface PrefetchReport extends PrefetchFigures {
  /** `skipped`: go mod download fetched everything itself, as before; `reason` says why. */
  status: 'done' | 'skipped';
  reason?: string;
  /** Files the module cache held already (a restored entry). */
  cached: number;
  /** Modules never asked of a proxy (GONOPROXY/GOPRIVATE). */
  private: string[];
  /** Requirements go.sum holds no zip hash for: left to the go command. */
  unsummed: string[];
  /** Peak resident memory of the process so far, MiB. */
  maxRssMiB: number;
  /** Modules the go command unpacked while the prefetch went on (so the ladder's go mod download finds them ready). */
  unpacked: number;
  /** The upstreams that failed, by real URL: for the proxies' entries, taken off before the report is written. */
  upstreamFailures?: PrefetchUpstreamFailure[];
}

/** What checking a restored module cache found. */
export interface RestoreCheck {
  /** Module versions whose restored zip or go.mod was hashed. */
  checked: number;
  /** Module versions thrown away (`module@version: why`): the ladder downloads them again. */
  discarded: string[];
}
