import type { RunContext } from '../report/run-context.js';
import type { RunReport } from '../report/run-report.js';
import type { HistoryStats } from './history.js';

/**
 * The status document: a small JSON file other tools can read after each
 * run (a scheduled health check publishes it as an artifact). Versioned like
 * the report; figures come from the history of the runs this state has kept.
 */
export const STATUS_SCHEMA = 'go-proxy-guard/status@1';
export const STATUS_FILE = 'status.json';

export interface ProxyStatus {
  /** Masked URL. */
  url: string;
  /** This run's verdict for the proxy. */
  verdict: string;
  score: number;
  /** Over the recorded runs. */
  runs: number;
  successRate: number;
  /** One bar per run, oldest first. */
  trend: string;
  streak: { kind: 'up' | 'down'; runs: number };
  outages: number;
  lastFailureAt: string | null;
  sinceLastFailureMs: number | null;
  /** Mean time to recovery over the outages that ended; null before the first one ends. */
  mttrMs: number | null;
}

export interface StatusDocument {
  schema: typeof STATUS_SCHEMA;
  generatedAt: string;
  repository: string | null;
  workflow: string | null;
  runId: string | null;
  runUrl: string | null;
  verdict: string;
  reason: string;
  /** Runs in the history this document is computed from. */
  historyRuns: number;
  /** The emergency override in force, as shown everywhere else. */
  override: string | null;
  /** Why this run's alert was held back, when it was. */
  silenced: string | null;
  proxies: ProxyStatus[];
}

export function buildStatus(
  report: Pick<RunReport, 'verdict' | 'reason' | 'proxies'>,
  stats: HistoryStats,
  ctx: RunContext,
  extra: { historyRuns: number; override?: string; silenced?: string },
): StatusDocument {
  return {
    schema: STATUS_SCHEMA,
    generatedAt: ctx.at.toISOString(),
    repository: ctx.repository ?? null,
    workflow: ctx.workflow ?? null,
    runId: ctx.runId ?? null,
    runUrl: ctx.runUrl ?? null,
    verdict: report.verdict,
    reason: report.reason,
    historyRuns: extra.historyRuns,
    override: extra.override ?? null,
    silenced: extra.silenced ?? null,
    proxies: report.proxies.map((p): ProxyStatus => {
      const s = stats.get(p.url);
      return {
        url: p.url,
        verdict: p.verdict,
        score: p.score,
        runs: s?.runs ?? 0,
        successRate: s?.successRate ?? 0,
        trend: s?.trend ?? '',
        streak: s?.streak ?? { kind: p.verdict === 'healthy' ? 'up' : 'down', runs: 0 },
        outages: s?.outages ?? 0,
        lastFailureAt: s?.lastFailureAt ?? null,
        sinceLastFailureMs: s?.sinceLastFailureMs ?? null,
        mttrMs: s?.mttrMs ?? null,
      };
    }),
  };
}
