import type { PrefetchReport } from '../warm/prefetch/prefetch.js';
import type { RestoreCheck } from '../cache/verify-restored.js';
import type { ProxyHealth, Verdict } from '../model/verdict.js';
import type { CacheHit } from '../model/cache-hit.js';
import type { GoDiagnosis } from '../diagnosis/go-output.js';
import type { LadderStep, RungRecord } from '../model/ladder.js';
import type { ServeReport } from './serve-report.js';

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
  go: { version: string; goproxy: string; gosumdb: string };
  /** samples: the rounds actually planned (fewer than asked when the deadline cannot hold them); concurrency: requests in flight per proxy. */
  probe: { timeoutMs: number; samples: number; durationMs: number; concurrency?: number };
  /** Ranked best first. */
  proxies: ProxyHealth[];
  /** The portable chain: what later steps fall back to without the local proxy. */
  goproxy: string;
  /** What later steps really get: the local proxy in front of the chain when it runs, else the chain. */
  exportedGoproxy?: string;
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
