import type { FailOn, GateCause, GateDecision } from '../model/gate.js';
import type { RunReport } from '../model/run-report.js';
import type { Verdict } from '../model/verdict.js';
import { gateReason } from '../report/explain.js';

export type { GateDecision };

export interface GateInput {
  failOn: FailOn;
  verdict: Verdict;
  healthyCount: number;
  /** Whether the module cache ended complete; undefined when warming did not run. */
  downloadOk: boolean | undefined;
  /** An override of direct or off: no proxy was meant to be probed, so none reaching min-score says nothing. */
  override?: 'direct' | 'off';
}

/** The gating policy: whether this step's exit status fails the job. */
export function decideGate(g: GateInput): GateDecision {
  const { pass, cause } = judge(g);
  return { pass, failOn: g.failOn, cause, reason: gateReason(g.failOn, pass, cause) };
}

function judge(g: GateInput): { pass: boolean; cause: GateCause } {
  switch (g.failOn) {
    case 'never':
      return { pass: true, cause: { kind: 'never' } };
    case 'unhealthy':
      if (g.override) return { pass: true, cause: { kind: 'override', mode: g.override } };
      return { pass: g.healthyCount > 0, cause: { kind: 'healthy-proxies', count: g.healthyCount } };
    case 'degraded':
      return { pass: g.verdict === 'healthy', cause: { kind: 'verdict', verdict: g.verdict } };
    case 'download-failure': {
      const state = g.downloadOk === undefined ? 'not-warmed' : g.downloadOk ? 'complete' : 'incomplete';
      return { pass: g.downloadOk !== false, cause: { kind: 'module-cache', state } };
    }
  }
}

/** What the gate reads of a run: the policy, the override's forced end (decided once, in prepareStage), the report. */
export function gateInputOf(run: { config: { failOn: FailOn }; forcedEnd: 'direct' | 'off' | undefined }, report: RunReport): GateInput {
  return {
    failOn: run.config.failOn,
    verdict: report.verdict,
    healthyCount: report.healthyCount,
    downloadOk: report.warm ? report.warm.ladderStep !== 'failed' : undefined,
    ...(run.forcedEnd ? { override: run.forcedEnd } : {}),
  };
}
