import type { GoDiagnosis } from '../diagnosis/go-output.js';

/** The rungs, in the order they are tried (docs/ladder-and-caches.md, the degradation ladder). */
export type LadderStep = 'proxy' | 'retry' | 'direct' | 'cache' | 'vendor' | 'failed';

/** One rung tried, as the report and the summary show it. */
export interface RungRecord {
  step: LadderStep;
  /** What was tried: the GOPROXY used, or what was checked. */
  detail: string;
  /** waited: the ladder waited for the probe to judge the proxies still being probed. */
  outcome: 'ok' | 'failed' | 'skipped' | 'waited';
  reason: string;
  ms: number;
  diagnosis?: GoDiagnosis;
}
