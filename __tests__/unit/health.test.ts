import type { Failure } from '../../src/diagnosis/failure.js';
import { failure } from '../../src/diagnosis/failure.js';
import { assessProxy, withWarmFailure } from '../../src/health/proxy-health.js';
import { percentile } from '../../src/model/percentile.js';
import { fitProbe, planProbe, planShape } from '../../src/probe/plan.js';
import { hungAfterMs } from '../../src/probe/probe-proxy.js';
import { explainLadderFailure } from '../../src/diagnosis/ladder-cause.js';
import { probeVerdict, rankProxies } from '../../src/health/rank.js';
import { scoreProxy } from '../../src/health/score.js';
import { DEFAULT_SCORE_MODEL } from '../../src/model/score.js';
import type { ProbeResult, RequestOutcome } from '../../src/probe/probe-proxy.js';

const outcomes = (ok: number, failed: number, ms: number, f: Failure = failure('http-5xx', 'HTTP 503')): RequestOutcome[] => [
  ...Array.from({ length: ok }, () => ({ kind: 'info' as const, ms, ok: true, status: 200 })),
  ...Array.from({ length: failed }, () => ({ kind: 'info' as const, ms, ok: false, status: 503, failure: f })),
];
const probe = (url: string, o: RequestOutcome[], extra: Partial<ProbeResult> = {}): ProbeResult => ({
  url,
  tls: null,
  outcomes: o,
  stale: [],
  durationMs: 10,

  notWaitedFor: 0,
  notMeasured: 0,
  ...extra,
});

describe('health score H = 0.40*S + 0.35*R + 0.25*C', () => {
  test('a fast, always-successful proxy with a long-lived certificate scores near 1', () => {
    const s = scoreProxy({ successRate: 1, latencyP50Ms: 20, tlsDaysLeft: 300 });
    expect(s.parts).toEqual({ success: 1, latency: 0.99, cert: 1 });
    expect(s.value).toBeCloseTo(0.9965, 2);
  });
  test('success is 0 at 80%, 1 at 95%, linear between', () => {
    expect(scoreProxy({ successRate: 0.8, latencyP50Ms: 0, tlsDaysLeft: null }).parts.success).toBe(0);
    expect(scoreProxy({ successRate: 0.875, latencyP50Ms: 0, tlsDaysLeft: null }).parts.success).toBe(0.5);
    expect(scoreProxy({ successRate: 0.96, latencyP50Ms: 0, tlsDaysLeft: null }).parts.success).toBe(1);
  });
  test('latency falls on a sigmoid around 500 ms and is 0 from 2000 ms', () => {
    const r = (ms: number) => scoreProxy({ successRate: 1, latencyP50Ms: ms, tlsDaysLeft: null }).parts.latency;
    expect(r(100)).toBeGreaterThan(r(500));
    expect(r(500)).toBeGreaterThan(0.4);
    expect(r(500)).toBeLessThan(0.7);
    expect(r(1000)).toBeLessThan(0.2);
    expect(r(2000)).toBe(0);
  });
  test('certificate life: <7 days 0.2, <30 days 0.6, else 1', () => {
    const c = (d: number) => scoreProxy({ successRate: 1, latencyP50Ms: 0, tlsDaysLeft: d }).parts.cert;
    expect([c(3), c(20), c(90)]).toEqual([0.2, 0.6, 1]);
  });
  test('weights are configurable', () => {
    const model = { ...DEFAULT_SCORE_MODEL, weights: { success: 1, latency: 0, cert: 0 } };
    expect(scoreProxy({ successRate: 1, latencyP50Ms: 1900, tlsDaysLeft: 1 }, model).value).toBe(1);
  });
});

describe('assessing and ranking proxies', () => {
  const model = DEFAULT_SCORE_MODEL;
  test('nearest-rank percentiles', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });

  test('ranking follows health; broken, stale and failing proxies rank last with their reason', () => {
    const fast = assessProxy(probe('http://fast', outcomes(10, 0, 20)), model, 0.5);
    const slow = assessProxy(probe('http://slow', outcomes(10, 0, 900)), model, 0.5);
    const flaky = assessProxy(probe('http://flaky', outcomes(5, 5, 20)), model, 0.5);
    const broken = assessProxy(probe('http://html', outcomes(0, 10, 5, failure('html', 'HTML page'))), model, 0.5);
    const stale = assessProxy(probe('http://stale', outcomes(9, 1, 20, failure('stale', 'lacks x@v1')), { stale: ['x@v1'] }), model, 0.5);
    const ranked = rankProxies([broken, stale, flaky, slow, fast]);
    expect(ranked.map((p) => [p.url, p.verdict])).toEqual([
      ['http://fast', 'healthy'],
      ['http://slow', 'healthy'],
      ['http://stale', 'stale'],
      ['http://flaky', 'down'],
      ['http://html', 'broken'],
    ]);
    expect(flaky.failure?.message).toBe('HTTP 503 (5 of 10 requests failed)');
    expect(broken.score).toBe(0);
    expect(probeVerdict(ranked)).toBe('degraded');
    expect(probeVerdict([fast, slow])).toBe('healthy');
    expect(probeVerdict([broken, flaky])).toBe('failed');
  });

  test('a proxy below min-score that still answers is slow, not healthy', () => {
    const p = assessProxy(probe('http://slow', outcomes(10, 0, 1500)), model, 0.9);
    expect(p.verdict).toBe('slow');
    expect(p.failure?.message).toBe('slow: median 1500 ms');
  });
});

describe('the probe deadline: cut-off requests are not measured, a slow correct proxy is slow or healthy, never down', () => {
  const model = DEFAULT_SCORE_MODEL;
  test('a 700 ms proxy that answered everything it was asked, the rest cut off: judged on latency, its counts shown', () => {
    const p = assessProxy(probe('http://far', outcomes(20, 0, 700), { notMeasured: 9 }), model, 0.5);
    expect([p.verdict, p.successRate, p.requests, p.notMeasured]).toEqual(['healthy', 1, 20, 9]);
    expect(p.score).toBeGreaterThan(0.7);
    // Below min-score on latency alone: slow, still a path.
    const slower = assessProxy(probe('http://farther', outcomes(10, 0, 1500), { notMeasured: 19 }), model, 0.7);
    expect(slower.verdict).toBe('slow');
  });
  test('nothing answered at all within the deadline: down, saying so', () => {
    const p = assessProxy(probe('http://silent', [], { notMeasured: 29, durationMs: 1500 }), model, 0.5);
    expect([p.verdict, p.score, p.failure?.code, p.failure?.message]).toEqual(['down', 0, 'timeout', 'no answer within 1500 ms']);
  });
  test('requests that failed still make a proxy down', () => {
    expect(assessProxy(probe('http://bad', outcomes(2, 8, 10), { notMeasured: 5 }), model, 0.5).verdict).toBe('down');
  });
  test('an unanswered request is hung (failed) past latency-max, or far past the slowest answer', () => {
    expect(hungAfterMs([], 2000)).toBe(2000);
    expect(hungAfterMs([3, 5, 4], 2000)).toBe(500);
    expect(hungAfterMs([700, 800], 2000)).toBe(2000);
  });
  test('the plan fits the deadline: an 800 ms proxy is asked everything within the default 3 s probe-timeout', () => {
    const shape = planShape({ modules: 3, sumdb: 'sum.golang.org' });
    const fit = fitProbe({ ...shape, samples: 3, deadlineMs: 3000 });
    const total = fit.samples * shape.perRound + shape.once;
    expect(fit.samples).toBe(3);
    expect(total).toBe(
      planProbe({
        modules: [
          { path: 'a.example/a', version: 'v1.0.0' },
          { path: 'b.example/b', version: 'v1.0.0' },
          { path: 'c.example/c', version: 'v1.0.0' },
        ],
        samples: 3,
        sumdb: 'sum.golang.org',
      }).length,
    );
    // Rounds of 800 ms answers that fit in the deadline, with room for the TLS look.
    expect(Math.ceil(total / fit.concurrency) * 800).toBeLessThanOrEqual(3000);
    // A deadline too short for every round at the highest concurrency: fewer rounds, never none.
    expect(fitProbe({ ...shape, samples: 3, deadlineMs: 1000 })).toEqual({ samples: 1, concurrency: 11 });
    expect(fitProbe({ ...shape, samples: 3, deadlineMs: 30_000 }).concurrency).toBe(4);
  });
});

describe('what the warm found', () => {
  const model = DEFAULT_SCORE_MODEL;
  const healthy = () => assessProxy(probe('http://a', outcomes(10, 0, 20)), model, 0.5);
  test.each([
    [failure('reset', 'connection reset'), 'down'],
    [failure('corrupt-zip', 'corrupt module zip'), 'broken'],
    [failure('checksum-mismatch', 'x@v1: checksum mismatch against go.sum'), 'broken'],
  ])('a healthy proxy that failed while warming (%j) carries the failure and becomes %s', (f, verdict) => {
    const p = withWarmFailure(healthy(), f);
    expect([p.verdict, p.warmFailure?.code, p.failure?.message]).toEqual([verdict, f.code, `while warming: ${f.message}`]);
  });
  test('the cause of a failed ladder names each proxy and what it answered, and that direct was off', () => {
    const down = assessProxy(probe('http://a', outcomes(0, 9, 5)), model, 0.5);
    const cause = explainLadderFailure({
      proxies: [down],
      rungs: [
        { step: 'proxy', outcome: 'skipped', reason: 'no healthy proxy' },
        { step: 'direct', outcome: 'skipped', reason: 'direct is not allowed' },
        { step: 'cache', outcome: 'skipped', reason: 'nothing restored from the CI cache' },
        { step: 'vendor', outcome: 'skipped', reason: 'no vendor/' },
      ],
      directOff: 'direct: false',
    });
    expect(cause).toBe('proxies: http://a down (HTTP 503 x9); direct was off (direct: false); no CI cache entry was restored; no vendor/');
    expect(cause).not.toMatch(/unreachable/);
  });
});
