import type { RunContext } from '../model/run-context.js';
import type { RunReport } from '../model/run-report.js';
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

/** What one run leaves in the history: the verdicts and figures a trend needs, nothing a reader must not see. `silenced`: what held its alert back. */
export function runRecord(report: RunReport, ctx: RunContext, silenced?: string): RunRecord {
  const record: RunRecord = {
    at: ctx.at.toISOString(),
    verdict: report.verdict,
    proxies: report.proxies.map((p): ProxyRecord => ({
      url: p.url,
      verdict: p.verdict,
      score: p.score,
      latencyP50Ms: p.latencyMs.p50,
      successRate: p.successRate,
      parts: p.parts,
    })),
  };
  // Absent rather than undefined: the state is stored as JSON and should stay small.
  if (ctx.runId !== undefined) record.runId = ctx.runId;
  if (report.warm) {
    record.ladderStep = report.warm.ladderStep;
    record.downloadMs = report.warm.downloadMs;
  }
  if (report.override) record.override = report.override;
  if (silenced) record.silenced = silenced;
  return record;
}

/** Append this run to the history, keeping the newest `size` runs. */
export function recordRun(state: GuardState, report: RunReport, ctx: RunContext, size: number, silenced?: string): GuardState {
  const history = [...state.history, runRecord(report, ctx, silenced)];
  return { ...state, history: history.slice(Math.max(0, history.length - Math.max(0, Math.floor(size)))) };
}

/** One proxy's runs, oldest first: when each was (ms and as recorded) and what it found. */
export type Timeline = { at: number; iso: string; run: RunRecord; record: ProxyRecord }[];

/** Each proxy's runs over the recorded history, in the order proxies first appear. */
export function proxyTimelines(history: readonly RunRecord[]): Map<string, Timeline> {
  const timelines = new Map<string, Timeline>();
  for (const run of history) {
    const at = Date.parse(run.at);
    if (Number.isNaN(at)) continue; // a hand-edited or corrupt record says nothing about when
    for (const record of run.proxies) {
      const line = timelines.get(record.url) ?? [];
      line.push({ at, iso: run.at, run, record });
      timelines.set(record.url, line);
    }
  }
  return timelines;
}

/** Health figures per proxy over the recorded runs (oldest first, as the state keeps them). */
export function proxyStats(history: readonly RunRecord[], now: Date): Map<string, ProxyStats> {
  const stats = new Map<string, ProxyStats>();
  for (const [url, line] of proxyTimelines(history)) stats.set(url, statsOf(line, now.getTime()));
  return stats;
}

/**
 * An outage: consecutive runs where a proxy was not healthy. It starts at
 * the first of them and ends at the next healthy run; one still going has no
 * end and lasts until `now`.
 */
export interface Outage {
  url: string;
  start: string;
  /** The first healthy run after it; absent while it lasts. */
  end?: string;
  durationMs: number;
  /** Unhealthy runs in it. */
  runs: number;
  /** The worst verdict seen during it. */
  verdict: ProxyRecord['verdict'];
  /** What any of its runs recorded: an alert held back, an override in force. */
  silenced?: string;
  override?: string;
}

const SEVERITY: Record<ProxyRecord['verdict'], number> = { healthy: 0, slow: 1, stale: 2, broken: 3, down: 4 };

/** A timeline's outages, oldest first. */
export function outagesOf(line: Timeline, now: number): Outage[] {
  const url = line[0]?.record.url ?? '';
  const outages: Outage[] = [];
  let open: { outage: Outage; at: number } | undefined;
  for (const entry of line) {
    if (entry.record.verdict !== 'healthy') {
      if (!open) {
        open = { outage: { url, start: entry.iso, durationMs: 0, runs: 0, verdict: entry.record.verdict }, at: entry.at };
        outages.push(open.outage);
      }
      const o = open.outage;
      o.runs++;
      if (SEVERITY[entry.record.verdict] > SEVERITY[o.verdict]) o.verdict = entry.record.verdict;
      o.silenced ??= entry.run.silenced;
      o.override ??= entry.run.override;
    } else if (open) {
      open.outage.end = entry.iso;
      // Runner clocks can disagree by a little; a repair never takes negative time.
      open.outage.durationMs = Math.max(0, entry.at - open.at);
      open = undefined;
    }
  }
  if (open) open.outage.durationMs = Math.max(0, now - open.at);
  return outages;
}

function statsOf(line: Timeline, now: number): ProxyStats {
  const up = line.map((e) => e.record.verdict === 'healthy');
  const healthy = up.filter(Boolean).length;

  const newest = up[up.length - 1] as boolean;
  let streak = 0;
  for (let i = up.length - 1; i >= 0 && up[i] === newest; i--) streak++;

  const outages = outagesOf(line, now);
  const repairs = outages.filter((o) => o.end !== undefined).map((o) => o.durationMs);
  let lastFailure: Timeline[number] | undefined;
  for (const entry of line) if (entry.record.verdict !== 'healthy') lastFailure = entry;

  const stats: ProxyStats = {
    runs: line.length,
    successRate: healthy / line.length,
    streak: { kind: newest ? 'up' : 'down', runs: streak },
    outages: outages.length,
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

/** When the run verdict last changed to what the newest run says: the first run of the newest streak of equal verdicts. */
export function verdictSince(history: readonly RunRecord[]): string | undefined {
  const newest = history[history.length - 1];
  if (!newest) return undefined;
  let since = newest.at;
  for (let i = history.length - 1; i >= 0 && history[i]?.verdict === newest.verdict; i--) since = (history[i] as RunRecord).at;
  return since;
}
