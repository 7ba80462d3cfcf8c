import type { ScoreParts } from '../model/score.js';
import { proxyProblem } from '../report/explain.js';
import type { RunContext } from '../model/run-context.js';
import type { RunReport } from '../model/run-report.js';
import type { GuardState, RunRecord } from '../state/guard-state.js';
import { proxyStats, verdictSince, type HistoryStats } from './history.js';

/**
 * The status document: a small JSON file other tools can read after each
 * run (a scheduled health check publishes it as an artifact). Versioned like
 * the report; figures come from the history of the runs this state has kept,
 * and the runs themselves come along so a status page can be drawn from it.
 */
export const STATUS_SCHEMA = 'go-proxy-guard/status@1';
export const STATUS_FILE = 'status.json';

export interface ProxyStatus {
  /** Masked URL. */
  url: string;
  /** This run's verdict for the proxy. */
  verdict: string;
  score: number;
  /** What the score is made of; null where the source did not record it. */
  parts: ScoreParts | null;
  /** This run's median latency. */
  latencyP50Ms: number | null;
  /** What went wrong this run, in a few words ("returned HTTP 503"); null when healthy. */
  problem: string | null;
  /** Over the recorded runs. */
  runs: number;
  successRate: number;
  /** One cell per run, oldest first, the last TREND_RUNS runs. */
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
  /** The first run of the newest streak of runs with this verdict. */
  verdictSince: string | null;
  reason: string;
  /** Runs in the history this document is computed from. */
  historyRuns: number;
  /** The emergency override in force, as shown everywhere else. */
  override: string | null;
  /** Why this run's alert was held back, when it was. */
  silenced: string | null;
  proxies: ProxyStatus[];
  /** The kept runs, oldest first (absent in documents of older versions). */
  runs?: RunRecord[];
}

export function buildStatus(
  report: Pick<RunReport, 'verdict' | 'reason' | 'proxies'>,
  stats: HistoryStats,
  ctx: RunContext,
  extra: { history: readonly RunRecord[]; override?: string; silenced?: string },
): StatusDocument {
  return {
    schema: STATUS_SCHEMA,
    generatedAt: ctx.at.toISOString(),
    repository: ctx.repository ?? null,
    workflow: ctx.workflow ?? null,
    runId: ctx.runId ?? null,
    runUrl: ctx.runUrl ?? null,
    verdict: report.verdict,
    verdictSince: verdictSince(extra.history) ?? null,
    reason: report.reason,
    historyRuns: extra.history.length,
    override: extra.override ?? null,
    silenced: extra.silenced ?? null,
    proxies: report.proxies.map((p) =>
      proxyStatus(
        {
          url: p.url,
          verdict: p.verdict,
          score: p.score,
          parts: p.parts,
          latencyP50Ms: p.latencyMs.p50,
          problem: p.verdict === 'healthy' ? null : proxyProblem(p),
        },
        stats,
      ),
    ),
    runs: [...extra.history],
  };
}

type ProxyNow = Pick<ProxyStatus, 'url' | 'verdict' | 'score' | 'parts' | 'latencyP50Ms' | 'problem'>;

function proxyStatus(now: ProxyNow, stats: HistoryStats): ProxyStatus {
  const s = stats.get(now.url);
  return {
    ...now,
    runs: s?.runs ?? 0,
    successRate: s?.successRate ?? 0,
    trend: s?.trend ?? '',
    streak: s?.streak ?? { kind: now.verdict === 'healthy' ? 'up' : 'down', runs: 0 },
    outages: s?.outages ?? 0,
    lastFailureAt: s?.lastFailureAt ?? null,
    sinceLastFailureMs: s?.sinceLastFailureMs ?? null,
    mttrMs: s?.mttrMs ?? null,
  };
}

/**
 * The status document as of the newest kept run, from the history alone (a
 * state file): what the run knew beyond its records (the reason in words,
 * each proxy's problem, the link to the run) is not there.
 */
export function statusFromHistory(state: Pick<GuardState, 'history'>, ctx: Pick<RunContext, 'repository' | 'workflow'>): StatusDocument {
  const history = state.history;
  const newest = history[history.length - 1];
  if (!newest) throw new Error('the history holds no run yet: run the health check at least once');
  const at = new Date(newest.at);
  const healthy = newest.proxies.filter((p) => p.verdict === 'healthy').length;
  const stats = proxyStats(history, at);
  return {
    ...buildStatus(
      { verdict: newest.verdict, reason: `${healthy} of ${newest.proxies.length} proxies healthy in the newest kept run`, proxies: [] },
      stats,
      {
        platform: 'local',
        repository: ctx.repository,
        workflow: ctx.workflow,
        runId: newest.runId,
        runUrl: undefined,
        event: undefined,
        at,
      },
      { history, override: newest.override, silenced: newest.silenced },
    ),
    proxies: newest.proxies.map((p) =>
      proxyStatus(
        { url: p.url, verdict: p.verdict, score: p.score, parts: p.parts ?? null, latencyP50Ms: p.latencyP50Ms, problem: null },
        stats,
      ),
    ),
  };
}

/** Pretty JSON, but one line per kept run: 500 runs stay readable and small. */
export function statusJson(doc: StatusDocument): string {
  const { runs, ...rest } = doc;
  const head = JSON.stringify(rest, null, 2);
  if (runs === undefined) return `${head}\n`;
  const lines = runs.map((r) => `    ${JSON.stringify(r)}`).join(',\n');
  return `${head.slice(0, -2)},\n  "runs": [${lines ? `\n${lines}\n  ` : ''}]\n}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const validTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** Optional text fields of a record: kept when they are text, dropped when they are anything else. */
const optionalText = (v: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.flatMap((k) => (typeof v[k] === 'string' ? [[k, v[k]]] : [])));

/** A kept run as far as a page can trust it: a time, a verdict, proxies with a URL and a verdict; anything else is left out. */
function trustedRun(v: unknown): RunRecord | undefined {
  if (!isObject(v) || !validTime(v.at) || typeof v.verdict !== 'string' || !Array.isArray(v.proxies)) return undefined;
  const proxies = v.proxies.filter(
    (p): p is RunRecord['proxies'][number] =>
      isObject(p) &&
      typeof p.url === 'string' &&
      typeof p.verdict === 'string' &&
      typeof p.score === 'number' &&
      (p.latencyP50Ms === null || typeof p.latencyP50Ms === 'number'),
  );
  return { at: v.at, verdict: v.verdict as RunRecord['verdict'], ...optionalText(v, ['runId', 'silenced', 'override']), proxies };
}

function trustedProxy(v: unknown): ProxyStatus | undefined {
  if (!isObject(v) || typeof v.url !== 'string' || typeof v.verdict !== 'string' || typeof v.score !== 'number') return undefined;
  const parts =
    isObject(v.parts) && ['success', 'latency', 'cert'].every((k) => typeof (v.parts as Record<string, unknown>)[k] === 'number');
  return { ...(v as unknown as ProxyStatus), parts: parts ? (v.parts as ScoreParts) : null, problem: text(v.problem) };
}

/**
 * What a status page can be drawn from, read from a file someone hands over:
 * a status document (this schema) or a state file (the kept history). The
 * shape is checked, not assumed: runs and proxies that do not hold what a
 * page needs are left out, and a file that is neither says so.
 */
export function statusFromFile(value: unknown, ctx: Pick<RunContext, 'repository' | 'workflow'>): StatusDocument {
  if (isObject(value) && value.schema === STATUS_SCHEMA) {
    if (!validTime(value.generatedAt) || typeof value.verdict !== 'string' || !Array.isArray(value.proxies))
      throw new Error(`a ${STATUS_SCHEMA} document needs generatedAt, verdict and proxies`);
    const runs = Array.isArray(value.runs) ? value.runs.flatMap((r) => trustedRun(r) ?? []) : undefined;
    return {
      ...(value as unknown as StatusDocument),
      ...Object.fromEntries(['repository', 'workflow', 'runId', 'runUrl', 'override', 'silenced'].map((k) => [k, text(value[k])])),
      verdictSince: validTime(value.verdictSince) ? value.verdictSince : null,
      reason: text(value.reason) ?? '',
      historyRuns: typeof value.historyRuns === 'number' ? value.historyRuns : (runs?.length ?? 0),
      proxies: value.proxies.flatMap((p) => trustedProxy(p) ?? []),
      runs,
    };
  }
  if (isObject(value) && typeof value.version === 'number' && Array.isArray(value.history)) {
    return statusFromHistory({ history: value.history.flatMap((r) => trustedRun(r) ?? []) }, ctx);
  }
  throw new Error(`neither a status document (schema ${STATUS_SCHEMA}) nor a state file (a version and a history)`);
}
