import { outagesOf, proxyStats, proxyTimelines, recordRun, TREND_RUNS, verdictSince } from '../../src/history/history.js';
import type { ProxyVerdict } from '../../src/model/verdict.js';
import { emptyState, type RunRecord } from '../../src/state/guard-state.js';
import { AT, runContext, runReport, savedByCacheReport } from './fixtures/report.js';

const HOUR = 3_600_000;
const MIN = 60_000;

describe('recording runs', () => {
  test('a run becomes one record: when, which run, the verdict, the rung, and each proxy', () => {
    const state = recordRun(emptyState(), savedByCacheReport(), runContext(), 50);
    expect(state.history).toEqual([
      {
        at: '2025-06-02T08:30:00.000Z',
        runId: '9876543210',
        verdict: 'degraded',
        ladderStep: 'cache',
        downloadMs: 2600,
        proxies: [
          // The parts come along, so a status page drawn from the history alone can say why a score is what it is.
          {
            url: 'https://proxy.golang.org',
            verdict: 'down',
            score: 0,
            latencyP50Ms: null,
            successRate: 0,
            parts: { success: 0, latency: 0, cert: 1 },
          },
          {
            url: 'https://goproxy.io',
            verdict: 'down',
            score: 0,
            latencyP50Ms: null,
            successRate: 0,
            parts: { success: 0, latency: 0, cert: 1 },
          },
        ],
      },
    ]);
  });

  test('without a warm-up or a run id the record has no such keys (the state stays small JSON)', () => {
    const [record] = recordRun(emptyState(), runReport({ warm: undefined }), runContext({ runId: undefined }), 50).history;
    expect(Object.keys(record as RunRecord).sort()).toEqual(['at', 'proxies', 'verdict']);
  });

  test('history is bounded: the oldest runs are dropped, the input state is left alone', () => {
    let state = emptyState();
    for (let i = 0; i < 8; i++)
      state = recordRun(state, runReport(), runContext({ runId: `r${i}`, at: new Date(AT.getTime() + i * HOUR) }), 5);
    expect(state.history.map((r) => r.runId)).toEqual(['r3', 'r4', 'r5', 'r6', 'r7']);

    const before = JSON.stringify(state);
    const next = recordRun(state, runReport(), runContext({ runId: 'r8' }), 3);
    expect(next.history.map((r) => r.runId)).toEqual(['r6', 'r7', 'r8']);
    expect(JSON.stringify(state)).toBe(before);
    expect(next.alerts).toBe(state.alerts);
  });
});

describe('proxy health over the history', () => {
  const t0 = Date.parse('2025-06-01T00:00:00Z');
  /** One run per hour by default; `verdicts` per proxy, undefined when it was not a candidate that run. */
  const timeline = (runs: { offsetMs: number; proxies: Record<string, ProxyVerdict | undefined> }[]): RunRecord[] =>
    runs.map(({ offsetMs, proxies }) => ({
      at: new Date(t0 + offsetMs).toISOString(),
      verdict: 'healthy',
      proxies: Object.entries(proxies).flatMap(([url, verdict]) =>
        verdict ? [{ url, verdict, score: verdict === 'healthy' ? 0.97 : 0.3, latencyP50Ms: 40, successRate: 1 }] : [],
      ),
    }));

  // mirror: up, down 30 min later, back 90 min after that; down again for 2 runs, back 4 h after it failed; then down again now.
  const history = timeline([
    { offsetMs: 0, proxies: { mirror: 'healthy', steady: 'healthy' } },
    { offsetMs: 30 * MIN, proxies: { mirror: 'down', steady: 'healthy' } },
    { offsetMs: 2 * HOUR, proxies: { mirror: 'healthy', steady: 'healthy' } },
    { offsetMs: 3 * HOUR, proxies: { mirror: 'stale', steady: 'healthy' } },
    { offsetMs: 5 * HOUR, proxies: { mirror: 'broken', steady: 'healthy' } },
    { offsetMs: 7 * HOUR, proxies: { mirror: 'healthy', steady: 'healthy' } },
    { offsetMs: 8 * HOUR, proxies: { mirror: 'healthy', steady: 'healthy' } },
    { offsetMs: 9 * HOUR, proxies: { mirror: 'slow', steady: 'healthy', newcomer: 'healthy' } },
    { offsetMs: 10 * HOUR, proxies: { mirror: 'down', steady: 'healthy', newcomer: 'down' } },
  ]);
  const now = new Date(t0 + 10 * HOUR + 15 * MIN);
  const stats = proxyStats(history, now);

  test('success rate: the fraction of runs where the proxy was healthy (slow, stale and broken count as failures)', () => {
    expect(stats.get('mirror')?.runs).toBe(9);
    expect(stats.get('mirror')?.successRate).toBeCloseTo(4 / 9, 10);
    expect(stats.get('steady')?.successRate).toBe(1);
  });

  test('streak: counted back from the newest run', () => {
    expect(stats.get('mirror')?.streak).toEqual({ kind: 'down', runs: 2 });
    expect(stats.get('steady')?.streak).toEqual({ kind: 'up', runs: 9 });
  });

  test('outages and MTTR: from the first failing run to the next healthy one, over ended outages only', () => {
    const mirror = stats.get('mirror');
    expect(mirror?.outages).toBe(3);
    // (2h - 30min) and (7h - 3h): the outage still going has no end yet.
    expect(mirror?.mttrMs).toBe((90 * MIN + 4 * HOUR) / 2);
    expect(mirror?.lastFailureAt).toBe(new Date(t0 + 10 * HOUR).toISOString());
    expect(mirror?.sinceLastFailureMs).toBe(15 * MIN);
  });

  test('a proxy that never failed has no last failure, no outage, no MTTR', () => {
    const steady = stats.get('steady');
    expect(steady?.outages).toBe(0);
    expect(steady?.lastFailureAt).toBeUndefined();
    expect(steady?.sinceLastFailureMs).toBeUndefined();
    expect(steady?.mttrMs).toBeUndefined();
  });

  test('outages are listed with start, end and duration; the one still going lasts until now; silences and overrides come along', () => {
    const marked = history.map((run, i) => (i === 4 ? { ...run, silenced: 'silenced by Sat 02:00-04:00 UTC' } : run));
    const outages = outagesOf(proxyTimelines(marked).get('mirror')!, now.getTime());
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    expect(outages).toEqual([
      { url: 'mirror', start: at(30 * MIN), end: at(2 * HOUR), durationMs: 90 * MIN, runs: 1, verdict: 'down' },
      // stale then broken: the worst verdict of the outage is the one shown.
      {
        url: 'mirror',
        start: at(3 * HOUR),
        end: at(7 * HOUR),
        durationMs: 4 * HOUR,
        runs: 2,
        verdict: 'broken',
        silenced: 'silenced by Sat 02:00-04:00 UTC',
      },
      { url: 'mirror', start: at(9 * HOUR), durationMs: HOUR + 15 * MIN, runs: 2, verdict: 'down' },
    ]);
    expect(outagesOf(proxyTimelines(history).get('steady')!, now.getTime())).toEqual([]);
  });

  test('the verdict holds since the first run of the newest streak of equal verdicts', () => {
    const runs = (verdicts: RunRecord['verdict'][]) =>
      verdicts.map((verdict, i) => ({ at: `2025-06-01T0${i}:00:00.000Z`, verdict, proxies: [] }));
    expect(verdictSince(runs(['healthy', 'degraded', 'degraded']))).toBe('2025-06-01T01:00:00.000Z');
    expect(verdictSince(runs(['healthy', 'healthy']))).toBe('2025-06-01T00:00:00.000Z');
    expect(verdictSince(runs(['failed', 'degraded', 'healthy']))).toBe('2025-06-01T02:00:00.000Z');
    expect(verdictSince([])).toBeUndefined();
  });

  test('only the runs that probed a proxy count for it', () => {
    const newcomer = stats.get('newcomer');
    expect(newcomer).toMatchObject({ runs: 2, successRate: 0.5, streak: { kind: 'down', runs: 1 }, outages: 1 });
    expect(newcomer?.mttrMs).toBeUndefined();
  });

  test('the trend is a coloured cell per run: green healthy, yellow outdated or slow, red down or broken', () => {
    expect(stats.get('mirror')?.trend).toBe('🟩🟥🟩🟨🟥🟩🟩🟨🟥');
    expect(stats.get('steady')?.trend).toBe('🟩'.repeat(9));
  });

  test('a healthy run never looks like a failure, whatever its score', () => {
    const low = proxyStats(
      [
        {
          at: new Date(t0).toISOString(),
          verdict: 'healthy',
          proxies: [{ url: 'p', verdict: 'healthy', score: 0.05, latencyP50Ms: 1, successRate: 1 }],
        },
      ],
      now,
    );
    expect(low.get('p')?.trend).toBe('🟩');
  });

  test('the trend covers the last TREND_RUNS runs only', () => {
    const long = timeline(
      Array.from({ length: TREND_RUNS + 15 }, (_, i) => ({ offsetMs: i * HOUR, proxies: { p: i % 2 === 0 ? 'healthy' : 'down' } })),
    );
    const p = proxyStats(long, now).get('p');
    expect(p?.runs).toBe(TREND_RUNS + 15);
    expect([...(p?.trend ?? '')]).toHaveLength(TREND_RUNS);
  });

  test('no history, no stats; records with an unreadable time are ignored', () => {
    expect(proxyStats([], now).size).toBe(0);
    const broken = proxyStats(
      [{ at: 'yesterday', verdict: 'healthy', proxies: [{ url: 'p', verdict: 'healthy', score: 1, latencyP50Ms: 1, successRate: 1 }] }],
      now,
    );
    expect(broken.size).toBe(0);
  });
});
