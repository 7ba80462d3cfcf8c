import type { RunContext } from '../report/run-context.js';
import type { RunReport } from '../report/run-report.js';
import type { GuardState, ProxyRecord, RunRecord } from '../state/guard-state.js';

/** How many of the latest runs a trend line draws: enough to see a pattern, short enough for a table cell. */
export const TREND_RUNS = 20;

/**
 * The trend is a strip of coloured cells, one per run, so a failed run is a
 * red cell and never a short bar that reads as a gap. A score alone hides
 * failure (a stale mirror can answer fast and score 0.9), so the colour is
 * the verdict.
 */
const CELL: Record<ProxyRecord['verdict'], string> = { healthy: '🟩', slow: '🟨', stale: '🟨', broken: '🟥', down: '🟥' };
export const TREND_LEGEND = '🟩 healthy, 🟨 slow or outdated, 🟥 down or broken';

export interface ProxyStats {
  /** Recorded runs that probed this proxy (runs where it was not a candidate do not count). */
  runs: number;
  /** Fraction of those runs where its verdict was healthy. */
  successRate: number;
  /** How the latest runs went, counted back from the newest: healthy ('up') or not ('down'). */
  streak: { kind: 'up' | 'down'; runs: number };
  /** ISO time of the newest run where it was not healthy. */
  lastFailureAt?: string;
  sinceLastFailureMs?: number;
  /** Runs of consecutive unhealthy verdicts, the one still going included. */
  outages: number;
  /** Mean time from the first unhealthy run of an outage to the next healthy run, over outages that ended. */
  mttrMs?: number;
  /** One coloured cell per run, oldest first, the last TREND_RUNS runs. */
  trend: string;
}

/** Per masked proxy URL. */
export type HistoryStats = ReadonlyMap<string, ProxyStats>;

/** What one run leaves in the history: the verdicts and figures a trend needs, nothing a reader must not see. */
export function runRecord(report: RunReport, ctx: RunContext): RunRecord {
  const record: RunRecord = {
    at: ctx.at.toISOString(),
    verdict: report.verdict,
    proxies: report.proxies.map((p): ProxyRecord => ({
      url: p.url,
      verdict: p.verdict,
      score: p.score,
      latencyP50Ms: p.latencyMs.p50,
      successRate: p.successRate,
    })),
  };
  // Absent rather than undefined: the state is stored as JSON and should stay small.
  if (ctx.runId !== undefined) record.runId = ctx.runId;
  if (report.warm) {
    record.ladderStep = report.warm.ladderStep;
    record.downloadMs = report.warm.downloadMs;
  }
  return record;
}

/** Append this run to the history, keeping the newest `size` runs. */
export function recordRun(state: GuardState, report: RunReport, ctx: RunContext, size: number): GuardState {
  const history = [...state.history, runRecord(report, ctx)];
  return { ...state, history: history.slice(Math.max(0, history.length - Math.max(0, Math.floor(size)))) };
}

/** Health figures per proxy over the recorded runs (oldest first, as the state keeps them). */
export function proxyStats(history: readonly RunRecord[], now: Date): Map<string, ProxyStats> {
  const timelines = new Map<string, { at: number; iso: string; record: ProxyRecord }[]>();
  for (const run of history) {
    const at = Date.parse(run.at);
    if (Number.isNaN(at)) continue; // a hand-edited or corrupt record says nothing about when
    for (const record of run.proxies) {
      const line = timelines.get(record.url) ?? [];
      line.push({ at, iso: run.at, record });
      timelines.set(record.url, line);
    }
  }
  const stats = new Map<string, ProxyStats>();
  for (const [url, line] of timelines) stats.set(url, statsOf(line, now.getTime()));
  return stats;
}

function statsOf(line: { at: number; iso: string; record: ProxyRecord }[], now: number): ProxyStats {
  const up = line.map((e) => e.record.verdict === 'healthy');
  const healthy = up.filter(Boolean).length;

  const newest = up[up.length - 1] as boolean;
  let streak = 0;
  for (let i = up.length - 1; i >= 0 && up[i] === newest; i--) streak++;

  let outages = 0;
  const repairs: number[] = [];
  let outageStart: number | undefined;
  let lastFailure: (typeof line)[number] | undefined;
  line.forEach((entry, i) => {
    if (!up[i]) {
      lastFailure = entry;
      if (outageStart === undefined) {
        outageStart = entry.at;
        outages++;
      }
    } else if (outageStart !== undefined) {
      // Runner clocks can disagree by a little; a repair never takes negative time.
      repairs.push(Math.max(0, entry.at - outageStart));
      outageStart = undefined;
    }
  });

  const stats: ProxyStats = {
    runs: line.length,
    successRate: healthy / line.length,
    streak: { kind: newest ? 'up' : 'down', runs: streak },
    outages,
    trend: line
      .slice(-TREND_RUNS)
      .map((e) => CELL[e.record.verdict] ?? '⬜')
      .join(''),
  };
  if (lastFailure) {
    stats.lastFailureAt = lastFailure.iso;
    stats.sinceLastFailureMs = Math.max(0, now - lastFailure.at);
  }
  if (repairs.length > 0) stats.mttrMs = Math.round(repairs.reduce((a, b) => a + b, 0) / repairs.length);
  return stats;
}
