import type { Verdict } from './verdict.js';

/** fail-on: which runs fail the job. */
export type FailOn = 'download-failure' | 'unhealthy' | 'degraded' | 'never';

/**
 * Why the gate decided as it did, as facts (report/explain.ts words them):
 * the policy gave way (never), an override probed nothing, how many proxies
 * reached min-score, the run's verdict, or how the module cache ended.
 */
export type GateCause =
  | { kind: 'never' }
  | { kind: 'override'; mode: 'direct' | 'off' }
  | { kind: 'healthy-proxies'; count: number }
  | { kind: 'verdict'; verdict: Verdict }
  | { kind: 'module-cache'; state: 'complete' | 'incomplete' | 'not-warmed' };

/** Whether this step's exit status fails the job, the policy that decided, and why. */
export interface GateDecision {
  pass: boolean;
  failOn: FailOn;
  cause: GateCause;
  /** The same, in one line (the CLI's gate line and its --json document). */
  reason: string;
}
