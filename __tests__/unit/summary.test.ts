import { proxyStats } from '../../src/history/history.js';
import { annotationsFor } from '../../src/report/annotations.js';
import { docsLinks } from '../../src/report/docs-links.js';
import { finalLine, headline } from '../../src/report/headline.js';
import { absorbedWarning, serveMarkdown } from '../../src/report/serve-report.js';
import { adviceFor, renderSummary, scrubCredentials, SUMMARY_MAX_BYTES } from '../../src/report/summary.js';
import { proxyTable } from '../../src/report/table.js';
import { decideGate } from '../../src/engine/gate.js';

/** fail-on: download-failure, on a module cache that ended complete or not. */
const cacheGate = (complete: boolean) =>
  decideGate({ failOn: 'download-failure', verdict: complete ? 'healthy' : 'failed', healthyCount: 0, downloadOk: complete });
import type { ServeStats } from '../../src/model/serve-stats.js';
import type { RunRecord } from '../../src/state/guard-state.js';
import {
  allHealthyReport,
  allProxies503Report,
  AT,
  checksumMismatchReport,
  failingProxy,
  healthyProxy,
  moduleIds,
  runContext,
  runReport,
  savedByCacheReport,
  servedReport,
  staleCn,
  warmReport,
} from './fixtures/report.js';
import { cellsOf, topBlock, visibleLines, visibleTables } from './markdown.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** The section that starts with `heading` (any level), up to the next heading. */
const section = (md: string, heading: string): string => {
  const start = md.search(new RegExp(`^#{2,4} ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  if (start < 0) return '';
  const next = md.slice(start + 4).search(/^#{2,4} /m);
  return md.slice(start, next < 0 ? undefined : start + 4 + next);
};

const history: RunRecord[] = ['healthy', 'stale', 'healthy', 'stale', 'stale', 'stale'].map((cn, i) => ({
  at: new Date(AT.getTime() - (6 - i) * 3_600_000).toISOString(),
  verdict: cn === 'healthy' ? 'healthy' : 'degraded',
  proxies: [
    { url: 'https://proxy.golang.org', verdict: 'healthy', score: 0.97, latencyP50Ms: 40, successRate: 1 },
    { url: 'https://goproxy.cn', verdict: cn as 'healthy' | 'stale', score: 0.88, latencyP50Ms: 180, successRate: 0.9 },
  ],
}));

describe('the top block: verdict, cause, action', () => {
  test('healthy: nothing to do, and the proxy the build used', () => {
    expect(topBlock(renderSummary(allHealthyReport()))).toEqual([
      '## ✅ go-proxy-guard: healthy',
      '2 of 2 proxies healthy; https://proxy.golang.org answered in 42 ms at the median.',
      '**What to do:** Nothing to do: the build used https://proxy.golang.org.',
    ]);
  });

  test('degraded: the failing proxies and their causes come before any table', () => {
    const md = renderSummary(runReport());
    const top = topBlock(md);
    expect(top[0]).toBe('## ⚠️ go-proxy-guard: degraded');
    expect(top[1]).toBe(
      'https://goproxy.cn served an outdated version list; https://goproxy.io refused the connection; 1 of 3 proxies healthy.',
    );
    expect(top[2]).toBe(
      '**What to do:** Nothing to do: the build used https://proxy.golang.org. If https://goproxy.cn and https://goproxy.io keep failing, fix them or remove them from the proxies input.',
    );
    expect(md.indexOf('https://goproxy.io refused')).toBeLessThan(md.indexOf('|'));
  });

  test('failed: "3 of 3 proxies returned HTTP 503; direct was off", and one action', () => {
    const top = topBlock(
      renderSummary(allProxies503Report(), {
        gate: cacheGate(false),
      }),
    );
    expect(top).toEqual([
      '## ❌ go-proxy-guard: failed',
      '3 of 3 proxies returned HTTP 503; direct was off; no CI cache to fall back on.',
      "**What to do:** Re-run when http://127.0.0.1:40001, http://127.0.0.1:40002 and http://127.0.0.1:40003 recover; that run's saved module cache will carry the next outage. This step fails the job: the module cache is incomplete, as fail-on: download-failure asks.",
    ]);
  });

  test('saved by the CI cache: the rescue is in the verdict, the dead proxies in the cause', () => {
    expect(topBlock(renderSummary(savedByCacheReport()))).toEqual([
      '## ⚠️ go-proxy-guard: degraded, saved by the CI cache',
      'https://proxy.golang.org timed out; https://goproxy.io refused the connection; the module cache restored from the CI cache held the whole build list.',
      '**What to do:** Nothing to do for this build; a new dependency needs the proxies back, so re-run when https://proxy.golang.org and https://goproxy.io recover.',
    ]);
  });

  test('a checksum mismatch names the module and says not to re-run', () => {
    const h = headline(checksumMismatchReport());
    expect(h.cause).toBe('github.com/acme/dep7@v1.7.0: checksum mismatch against go.sum.');
    expect(h.action).toMatch(/^Do not re-run/);
  });

  test('failed: the fallbacks tried are open, in plain words, without the closing "failed" step', () => {
    const tables = visibleTables(renderSummary(allProxies503Report()));
    expect(tables[1]?.map((r) => cellsOf(r)[0])).toEqual([
      'fallback',
      '---',
      'ranked proxies',
      'direct from the origin',
      'CI cache, offline',
      'vendor/',
    ]);
  });

  test('a 503 is "returned HTTP 503", never "did not answer"', () => {
    const md = renderSummary(allProxies503Report());
    expect(md).toContain('returned HTTP 503');
    expect(md).not.toContain('did not answer');
    expect(adviceFor(allProxies503Report()).join('\n')).not.toContain('did not answer');
  });

  test('the upstream text of a cause is escaped like any other text', () => {
    const p = failingProxy('https://mirror.example', 'down', 'other', '</details><script>x</script> # heading');
    const top = topBlock(renderSummary(runReport({ proxies: [healthyProxy('https://proxy.golang.org'), p] })));
    expect(top[1]).toContain('&lt;/details&gt;&lt;script&gt;x&lt;/script&gt; # heading');
  });
});

describe('what later steps really get', () => {
  test('with the local proxy: the exported GOPROXY and the portable chain beside it', () => {
    const md = renderSummary(servedReport());
    expect(visibleLines(md)).toContain(
      'Later steps get `GOPROXY=http://127.0.0.1:41234|https://proxy.golang.org|https://goproxy.io|direct`, through the [local proxy](https://github.com/go-proxy-guard/go-proxy-guard/blob/HEAD/docs/local-proxy.md#the-local-proxy-serve); without it: `https://proxy.golang.org|https://goproxy.io|direct`.',
    );
  });

  test('without it: the chain alone', () => {
    expect(visibleLines(renderSummary(runReport()))).toContain('Later steps get `GOPROXY=https://proxy.golang.org|direct`.');
  });
});

describe('layout: short when healthy, narrow tables always', () => {
  test('a healthy run shows 25 lines or fewer and folds the rest', () => {
    const md = renderSummary(servedReport(), {
      history: proxyStats(history, AT),
      context: runContext(),
      gate: cacheGate(true),
    });
    const visible = visibleLines(md);
    expect(visible.length).toBeLessThanOrEqual(25);
    expect(visibleTables(md)).toEqual([]);
    expect(md).toContain('<summary>Details: proxies, scores, fallbacks, module cache, health trend</summary>');
  });

  test.each([
    ['healthy', allHealthyReport()],
    ['degraded', runReport()],
    ['failed', allProxies503Report()],
    ['saved by the cache', savedByCacheReport()],
  ])('%s: every visible table has 6 columns or fewer', (_, report) => {
    const md = renderSummary(report, { history: proxyStats(history, AT), context: runContext() });
    for (const table of visibleTables(md)) expect(cellsOf(table[0] as string).length).toBeLessThanOrEqual(6);
  });

  test('the visible proxy table: proxy, verdict, reason, p50, success', () => {
    const md = renderSummary(runReport());
    const [proxies] = visibleTables(md);
    expect(proxies?.map(cellsOf)).toEqual([
      ['proxy', 'verdict', 'reason', 'p50', 'success'],
      ['---', '---', '---', '--:', '--:'],
      ['https://proxy.golang.org', '🟢 healthy', '', '42 ms', '100%'],
      ['https://goproxy.cn', '🟠 stale', 'served an outdated version list', '180 ms', '89%'],
      ['https://goproxy.io', '🔴 down', 'refused the connection', '–', '0%'],
    ]);
  });

  test('a degraded run shows the fallbacks when they saved the job', () => {
    const md = renderSummary(savedByCacheReport());
    const tables = visibleTables(md);
    expect(tables.map((t) => cellsOf(t[0] as string))).toEqual([
      ['proxy', 'verdict', 'reason', 'p50', 'success'],
      ['fallback', 'outcome', 'reason', 'time'],
    ]);
    expect(tables[1]?.map(cellsOf)).toContainEqual(['CI cache, offline', '✅ ok', 'complete and verified', '800 ms']);
  });
});

describe('unusable proxies show no score and no certificate figures', () => {
  test('the score table lists only usable proxies; the log table shows "–"', () => {
    const md = renderSummary(allProxies503Report());
    expect(md).not.toContain('Score](');
    expect(md).not.toMatch(/\b364\b/);
    expect(md).not.toMatch(/\b0\.00\b/);
    const log = proxyTable(allProxies503Report().proxies).split('\n');
    expect(log[0]).toMatch(/^#\s+proxy\s+verdict\s+p50\s+p95\s+success\s+score\s+TLS days\s+reason$/);
    expect(log[2]).toMatch(/^1\s+http:\/\/127\.0\.0\.1:40001\s+down\s+–\s+–\s+0%\s+–\s+–\s+returned HTTP 503$/);
  });

  test('usable ones keep their score parts and TLS days, folded', () => {
    const md = renderSummary(runReport());
    const scores = section(md, '[Score]');
    expect(scores).toContain('| https://proxy.golang.org | 0.97 | 1.00 · 0.94 · 1.0 | 120 ms | 71 |');
    expect(scores).not.toContain('goproxy.io |');
    expect(scores).toContain('1 proxy could not be used at all, so it has no score.');
  });
});

describe('the log’s last line: verdict and action, no nested parentheses', () => {
  test.each([
    ['healthy', allHealthyReport(), cacheGate(true)],
    ['failed', allProxies503Report(), cacheGate(false)],
    ['saved', savedByCacheReport(), cacheGate(true)],
  ])('%s', (_, report, gate) => {
    const line = finalLine(report, gate);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(/\([^)]*\(/);
    expect(line).not.toMatch(/\brung\b|S\/R\/C/);
    expect(line).toMatch(new RegExp(`^go-proxy-guard: ${report.verdict}`));
    expect(line).toMatch(/Nothing to do|Re-run/);
  });
});

describe('annotations: one for the run, one listing the failing proxies', () => {
  test('a healthy run has none', () => {
    expect(annotationsFor(allHealthyReport())).toEqual([]);
  });

  test('a degraded run: two warnings, the proxies grouped', () => {
    const all = annotationsFor(runReport());
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ level: 'warning', title: 'Go modules: degraded' });
    expect(all[1]).toEqual({
      level: 'warning',
      title: 'Go proxies: 2 of 3 proxies failing',
      message:
        '- https://goproxy.cn served a stale list for golang.org/x/net; it was left out of GOPROXY.\n- https://goproxy.io refused the connection; it was left out of GOPROXY.',
    });
  });

  test('25 dead proxies are still one annotation', () => {
    const proxies = [
      healthyProxy('https://proxy.golang.org'),
      ...Array.from({ length: 25 }, (_, i) => failingProxy(`https://mirror${i}.example`, 'down', 'refused', 'connection refused')),
    ];
    const all = annotationsFor(runReport({ proxies }));
    expect(all).toHaveLength(2);
    expect(all[1]?.message.split('\n')).toHaveLength(21);
    expect(all[1]?.message).toContain('- and 5 more');
  });

  test('a failed ladder is an error carrying the go command’s words', () => {
    const [first] = annotationsFor(checksumMismatchReport());
    expect(first?.level).toBe('error');
    expect(first?.title).toBe('Go modules: failed');
    expect(first?.message).toContain('Do not re-run');
    expect(first?.message).toContain(
      'verifying github.com/acme/dep7@v1.7.0: checksum mismatch downloaded: h1:AAA= go.sum: h1:BBB= SECURITY ERROR',
    );
  });

  test('a job the cache saved says so', () => {
    expect(annotationsFor(savedByCacheReport())[0]).toMatchObject({
      level: 'warning',
      title: 'Go modules: degraded, saved by the CI cache',
    });
  });

  test('no credentials in annotations', () => {
    const p = failingProxy('https://goproxy.io', 'down', 'other', 'dial https://u:topsecret@goproxy.io failed');
    expect(JSON.stringify(annotationsFor(runReport({ proxies: [healthyProxy('https://proxy.golang.org'), staleCn(), p] })))).not.toContain(
      'topsecret',
    );
  });
});

describe('absorbed by the local proxy', () => {
  const stats = (over: Partial<ServeStats> = {}): ServeStats => ({
    url: 'http://127.0.0.1:41234',
    pid: 4242,
    startedAt: AT.toISOString(),
    requests: 12,
    served: 12,
    fromCache: 0,
    notFound: 0,
    failed: 0,
    refused: 0,
    rescued: 4,
    bytesServed: 40960,
    upstreams: [
      {
        url: 'https://proxy.golang.org',
        requests: 4,
        retries: 0,
        hedgesSent: 0,
        hedgesWon: 0,
        served: 0,
        notFound: 0,
        failures: 4,
        absorbed: 4,
        bytes: 0,
        p50Ms: null,
        p95Ms: null,
        failureKinds: { 'HTTP 503': 4 },
      },
      {
        url: 'https://goproxy.io',
        requests: 12,
        retries: 0,
        hedgesSent: 1,
        hedgesWon: 1,
        served: 12,
        notFound: 0,
        failures: 0,
        absorbed: 0,
        bytes: 40960,
        p50Ms: 5,
        p95Ms: 9,
        failureKinds: {},
      },
    ],
    recentFailures: [],
    ...over,
  });

  test('one warning names the upstream and the counts', () => {
    expect(absorbedWarning(stats())).toBe('https://proxy.golang.org failed 4 of 4 requests; the local proxy absorbed them.');
    expect(absorbedWarning(stats({ upstreams: [] }))).toBeUndefined();
  });

  test('the serve summary says so in its top block, in 6 columns', () => {
    const md = serveMarkdown(stats(), docsLinks(undefined));
    expect(topBlock(md)).toEqual([
      '### ⚠️ go-proxy-guard: local proxy absorbed 4 upstream failures',
      'https://proxy.golang.org failed 4 of 4 requests; the local proxy absorbed them.',
      '**What to do:** Nothing to do for this build: the go command got every answer. If it keeps happening, fix or replace the failing upstream.',
    ]);
    for (const table of visibleTables(md)) expect(cellsOf(table[0] as string).length).toBeLessThanOrEqual(6);
    expect(visibleTables(md)[0]?.map(cellsOf)[2]).toEqual(['https://proxy.golang.org', '4', '0', '4 of 4', '–', 'HTTP 503 4']);
    expect(visibleTables(md)[0]?.map(cellsOf)[3]).toEqual(['https://goproxy.io', '12', '12', '–', '5 ms', '–']);
  });

  test('upstream text in serve.md is escaped: no tag closes its <details>, no heading, no link', () => {
    const md = serveMarkdown(
      stats({
        failed: 1,
        recentFailures: ['</details><script>alert(1)</script>', '# owned', '[click](http://evil.example)'],
        upstreams: [{ ...stats().upstreams[0]!, failureKinds: { '</details><img src=x onerror=alert(1)>|x': 4 } }],
        stopReason: '<b>bold</b>',
      }),
      docsLinks(undefined),
    );
    expect(md).not.toMatch(/<script|<img|<b>/);
    expect(md.match(/<\/details>/g)).toHaveLength(2);
    expect(md).not.toMatch(/^#+ owned/m);
    expect(md).toContain('- \\# owned');
    expect(md).toContain('\\[click\\](http://evil.example)');
    expect(md).toContain('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;\\|x 4');
  });
});

describe('the health trend: a strip of cells per run', () => {
  test('green for healthy, yellow for outdated, with a legend; folded', () => {
    const md = renderSummary(runReport(), { history: proxyStats(history, AT) });
    const trend = section(md, '[Health]');
    expect(trend).toContain('One cell per run, oldest first: 🟩 healthy, 🟨 slow or outdated, 🟥 down or broken.');
    expect(trend).toContain('| https://proxy.golang.org | 🟩🟩🟩🟩🟩🟩 | 100% of 6 | healthy for 6 runs | – |');
    expect(trend).toContain('| https://goproxy.cn | 🟩🟨🟩🟨🟨🟨 | 33% of 6 | failing for 3 runs | 1 h 0 min on average |');
    expect(md).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  test('a proxy failing run after run is worth removing', () => {
    expect(adviceFor(runReport(), { history: proxyStats(history, AT) })).toContain(
      'https://goproxy.cn has not been healthy for 3 runs in a row: consider removing it from the proxies input.',
    );
  });

  test('no history, no trend', () => {
    expect(renderSummary(runReport())).not.toContain('Health](');
  });
});

describe('every suggestion, folded for a reader who wants them', () => {
  test('an expiring certificate', () => {
    expect(adviceFor(runReport({ proxies: [healthyProxy('https://goproxy.corp.example', { tlsDaysLeft: 5 })] }))).toEqual([
      "https://goproxy.corp.example's certificate expires in 5 days: have it renewed before builds start failing.",
    ]);
  });

  test('the gate, in plain words', () => {
    const gate = decideGate({ failOn: 'degraded', verdict: 'degraded', healthyCount: 1, downloadOk: true });
    expect(adviceFor(runReport(), { gate })).toContain(
      'This step fails the job: verdict is degraded, as fail-on: degraded asks. Set fail-on: never to report without failing.',
    );
  });
});

describe('size: under the step-summary limit for any number of modules and proxies', () => {
  test.each([0, 1, 500])('%i downloaded modules', (n) => {
    const md = renderSummary(runReport({ warm: warmReport({ downloaded: moduleIds(n), buildList: Math.max(n, 42) }) }));
    expect(bytes(md)).toBeLessThan(SUMMARY_MAX_BYTES);
    const cache = section(md, 'Module cache');
    if (n === 1) expect(cache).toContain('**1** of **42** modules');
    if (n === 500) {
      expect(cache).toContain('<summary>490 more</summary>');
      expect(cache).toContain('- github.com/acme/dep299@v1.299.0');
      expect(cache).not.toContain('dep300@');
      expect(cache).toContain('- … and 200 more');
    }
  });

  test('an absurd run still fits a small budget, cutting lists with "… and N more"', () => {
    const proxies = Array.from({ length: 5000 }, (_, i) =>
      failingProxy(`https://mirror${i}.example/${'p'.repeat(300)}`, 'down', 'refused', 'connection refused'),
    );
    const report = runReport({
      proxies,
      healthyCount: 0,
      bestProxy: undefined,
      notes: Array.from({ length: 10_000 }, () => '&'.repeat(2000)),
      warm: warmReport({ downloaded: moduleIds(100_000), buildList: 100_000 }),
    });
    for (const maxBytes of [SUMMARY_MAX_BYTES, 60_000, 20_000]) {
      const md = renderSummary(report, { maxBytes });
      expect(bytes(md)).toBeLessThanOrEqual(maxBytes);
      expect(topBlock(md)[1]).toMatch(/^5000 of 5000 proxies refused the connection/);
      expect(md).toMatch(/… and \d+ more proxies/);
    }
  });

  test('a budget too small for anything keeps the start of the verdict line', () => {
    const md = renderSummary(runReport(), { maxBytes: 40 });
    expect(bytes(md)).toBeLessThanOrEqual(40);
    expect(md.startsWith('## ⚠️ go-proxy-guard')).toBe(true);
  });
});

describe('nothing unsafe reaches the summary', () => {
  test('credentials that slipped past masking in notes or go output are hidden', () => {
    const report = checksumMismatchReport();
    report.notes = ['fetched private modules via https://alice:s3cret-token@goproxy.corp.example/mod'];
    if (report.warm?.diagnosis) report.warm.diagnosis.goMessage = 'Get "https://ci:p%40ss@goproxy.corp.example/x/@v/list": 401';
    const md = renderSummary(report);
    for (const secret of ['s3cret-token', 'p%40ss', 'alice:s3cret']) expect(md).not.toContain(secret);
    expect(md).toContain('https://alice:\\*\\*\\*@goproxy.corp.example/mod');
  });

  test('scrubbing keeps the user name and leaves masked or credential-free text alone', () => {
    expect(scrubCredentials('see https://user:pass@host/path and git+ssh://me:x@h')).toBe(
      'see https://user:***@host/path and git+ssh://me:***@h',
    );
    expect(scrubCredentials('https://user:***@host and user@example.com')).toBe('https://user:***@host and user@example.com');
  });

  test('text inside <details> is HTML-escaped, so it cannot close the block or inject a tag', () => {
    const md = renderSummary(runReport({ notes: ['</details><img src=x onerror=alert(1)> & more', '# a heading', '1. a list'] }));
    expect(md).toContain('- &lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; &amp; more');
    expect(md).toContain('- \\# a heading');
    expect(md).toContain('- 1\\. a list');
    expect(md).not.toContain('<img');
    expect((md.match(/<details>/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
  });

  test('Markdown in text cannot make links or code spans', () => {
    const md = renderSummary(runReport({ notes: ['click [here](https://evil.example) `rm -rf`'] }));
    expect(md).toContain('- click \\[here\\](https://evil.example) \\`rm -rf\\`');
  });
});
