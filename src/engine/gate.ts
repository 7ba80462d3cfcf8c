import type { Config, FailOn } from '../config/config.js';
import type { RunReport } from '../report/run-report.js';
import type { Verdict } from '../model/verdict.js';

export interface GateInput {
  failOn: FailOn;
  verdict: Verdict;
  healthyCount: number;
  /** Whether the module cache ended complete; undefined when warming did not run. */
  downloadOk: boolean | undefined;
  /** An override of direct or off: no proxy was meant to be probed, so none reaching min-score says nothing. */
  override?: 'direct' | 'off';
}

export interface GateDecision {
  pass: boolean;
  reason: string;
}

/** The gating policy: whether this step's exit status fails the job. */
export function decideGate(g: GateInput): GateDecision {
  switch (g.failOn) {
    case 'never':
      return { pass: true, reason: 'fail-on is never' };
    case 'unhealthy':
      if (g.override) return { pass: true, reason: `override ${g.override}: no proxy was probed` };
      return g.healthyCount > 0
        ? { pass: true, reason: `${g.healthyCount} proxy(ies) reached min-score` }
        : { pass: false, reason: 'no proxy reached min-score (fail-on: unhealthy)' };
    case 'degraded':
      return g.verdict === 'healthy'
        ? { pass: true, reason: 'verdict is healthy' }
        : { pass: false, reason: `verdict is ${g.verdict} (fail-on: degraded)` };
    case 'download-failure':
      if (g.downloadOk === false)
        return { pass: false, reason: 'no rung of the ladder produced a complete module cache (fail-on: download-failure)' };
      return { pass: true, reason: g.downloadOk ? 'module cache is complete' : 'nothing was downloaded' };
  }
}

/** What the gate reads of a run. */
export function gateInputOf(config: Pick<Config, 'failOn' | 'override'>, report: RunReport): GateInput {
  return {
    failOn: config.failOn,
    verdict: report.verdict,
    healthyCount: report.healthyCount,
    downloadOk: report.warm ? report.warm.ladderStep !== 'failed' : undefined,
    ...(config.override && config.override.mode !== 'proxies' ? { override: config.override.mode } : {}),
  };
}
