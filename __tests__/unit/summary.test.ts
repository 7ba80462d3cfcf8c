import { proxyStats } from '../../src/history/history.js';
import { annotationsFor, ANNOTATIONS_PER_LEVEL } from '../../src/report/annotations.js';
import { adviceFor, renderSummary, scrubCredentials, SUMMARY_MAX_BYTES } from '../../src/report/summary.js';
import type { RunRecord } from '../../src/state/guard-state.js';
import {
  allHealthyReport,
  AT,
  checksumMismatchReport,
  failingProxy,
  healthyProxy,
  moduleIds,
  runContext,
  runReport,
  savedByCacheReport,
  staleCn,
  warmReport,
} from './fixtures/report.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const firstLine = (s: string) => s.split('\n')[0] as string;
/** The section that starts with `heading`, up to the next heading. */
const section = (md: string, heading: string): string => {
  const start = md.indexOf(`### ${heading}`);
  if (start < 0) return '';
  const next = md.indexOf('\n### ', start + 4);
  return md.slice(start, next < 0 ? undefined : next);
};
/** Cells of a Markdown table row, split on pipes that are not escaped. */
const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());

describe('the verdict comes first, in one line', () => {
  test('a healthy run: a check mark, the verdict and the reason', () => {
    const md = renderSummary(allHealthyReport());
    expect(firstLine(md)).toBe('## ✅ go-proxy-guard: healthy — all 2 proxies reached min-score 0.5');
  });

  test('a degraded run the CI cache saved names the rung that saved it', () => {
    const line = firstLine(renderSummary(savedByCacheReport()));
    expect(line.startsWith('## ⚠️ go-proxy-guard: degraded, saved by the CI cache — no proxy reached min-score 0.5')).toBe(true);
  });

  test('a failed run: a cross and the go command’s reason', () => {
    const line = firstLine(renderSummary(checksumMismatchReport()));
    expect(line).toMatch(/^## ❌ go-proxy-guard: failed — module download failed: github\.com\/acme\/dep7@v1\.7\.0: checksum mismatch/);
  });

  test('a reason of any length stays one short line', () => {
    const md = renderSummary(runReport({ reason: `many proxies failed\n${'x'.repeat(5000)}` }));
    expect(firstLine(md).length).toBeLessThan(400);
    expect(firstLine(md)).toContain('many proxies failed x');
  });

  test('the run context follows the verdict, linked to the run', () => {
    const md = renderSummary(allHealthyReport(), { context: runContext() });
    expect(md.split('\n')[2]).toBe(
      '<sub>[run 9876543210](https://github.com/acme/app/actions/runs/9876543210) · acme/app · CI · push · 2025-06-02 08:30 UTC</sub>',
    );
  });
});

describe('the proxies table', () => {
  test('ranked rows with the score, its parts, latency, success, TLS days, verdict and reason', () => {
    const md = renderSummary(runReport());
    const rows = section(md, 'Proxies')
      .split('\n')
      .filter((l) => l.startsWith('| '));
    expect(cells(rows[0] as string)).toEqual(['#', 'proxy', 'score', 'success / latency / cert', 'p50', 'p95', 'success', 'TLS days', 'verdict', 'reason']);
    expect(cells(rows[2] as string)).toEqual(['1', 'https://proxy.golang.org', '0.97', '1.00 / 0.94 / 1.0', '42 ms', '120 ms', '100%', '71', '🟢 healthy', '']);
    expect(cells(rows[3] as string)).toEqual([
      '2',
      'https://goproxy.cn',
      '0.88',
      '0.80 / 0.90 / 1.0',
      '180 ms',
      '410 ms',
      '89%',
      '71',
      '🟠 stale',
      'version list for golang.org/x/net lacks v0.26.0',
    ]);
    expect(cells(rows[4] as string).slice(4, 10)).toEqual(['–', '–', '0%', '71', '🔴 down', 'connection refused']);
    expect(section(md, 'Proxies')).toContain('Exported `GOPROXY=https://proxy.golang.org|direct`');
  });

  test('a pipe or a line break in a reason cannot break the table', () => {
    const p = failingProxy('https://corp.example/goproxy', 'broken', 'malformed', 'got <html>|login\nplease sign in');
    const md = renderSummary(runReport({ proxies: [p] }));
    const row = md.split('\n').find((l) => l.startsWith('| 1 |')) as string;
    expect(cells(row)).toHaveLength(10);
    expect(cells(row)[9]).toBe('got &lt;html&gt;\\|login please sign in');
  });

  test('a certificate about to expire is flagged in the table', () => {
    const md = renderSummary(runReport({ proxies: [healthyProxy('https://goproxy.corp.example', { tlsDaysLeft: 5 })] }));
    expect(md).toContain('| 5 ⚠️ |');
  });

  test('with 100 proxies, the first 10 are open and the rest fold into <details>', () => {
    const proxies = Array.from({ length: 100 }, (_, i) => healthyProxy(`https://mirror${i}.example`));
    const md = section(renderSummary(runReport({ proxies })), 'Proxies');
    const beforeDetails = md.slice(0, md.indexOf('<details>'));
    expect(beforeDetails).toContain('| 10 | https://mirror9.example |');
    expect(beforeDetails).not.toContain('| 11 |');
    expect(md).toContain('<summary>90 more proxies</summary>');
    expect(md).toContain('| 100 | https://mirror99.example |');
  });
});

describe('the ladder and the cache appear only when the warm-up ran', () => {
  test('the ladder lists each rung with its outcome, reason and time', () => {
    const ladder = section(renderSummary(savedByCacheReport()), 'Degradation ladder');
    expect(ladder).toContain('ended on cache after 5.9 s');
    expect(ladder).toContain('| proxy | ⏭️ skipped |  | no healthy proxy | 0 ms |');
    expect(ladder).toContain('| direct | ❌ failed | direct | host unreachable | 5100 ms |');
    expect(ladder).toContain('| cache | ✅ ok | GOPROXY=off | complete and verified | 800 ms |');
  });

  test('the cache section tells the hit, the key and network downloads against the build list', () => {
    const cache = section(renderSummary(runReport()), 'Module cache');
    expect(cache).toContain("- CI cache: **partial hit**: an older entry restored, this run's key is `go-proxy-guard-Linux-x64-3f2a9c`");
    expect(cache).toContain('- Modules: **3** of **42** modules in the build list downloaded over the network in 2.6 s; 39 were already cached');
    expect(cache).toContain('- github.com/acme/dep2@v1.2.0');
    expect(cache).not.toContain('<details>');
  });

  test('an exact hit with nothing downloaded', () => {
    const cache = section(renderSummary(savedByCacheReport()), 'Module cache');
    expect(cache).toContain('**exact hit** on `go-proxy-guard-Linux-x64-3f2a9c`');
    expect(cache).toContain('**0** of **42** modules');
    expect(cache).not.toContain('<details>');
  });

  test('a failed ladder quotes the go command', () => {
    const md = renderSummary(checksumMismatchReport());
    expect(section(md, 'Module cache')).toContain('incomplete: no rung produced the whole build list');
    expect(section(md, 'Degradation ladder')).toContain('```text\nverifying github.com/acme/dep7@v1.7.0: checksum mismatch');
  });

  test('no warm-up: no ladder, no cache', () => {
    const md = renderSummary(runReport({ warm: undefined }));
    expect(md).not.toContain('### Degradation ladder');
    expect(md).not.toContain('### Module cache');
    expect(md).toContain('### Proxies');
    expect(md).toContain('### What to do');
  });
});

describe('what to do, derived from the run', () => {
  test('a stale mirror and a dead one were left out of GOPROXY', () => {
    const advice = adviceFor(runReport());
    expect(advice).toContain('https://goproxy.cn served a stale list for golang.org/x/net; it was left out of GOPROXY.');
    expect(advice).toContain('https://goproxy.io did not answer (connection refused); it was left out of GOPROXY.');
  });

  test('an expiring certificate', () => {
    const advice = adviceFor(runReport({ proxies: [healthyProxy('https://goproxy.corp.example', { tlsDaysLeft: 5 })] }));
    expect(advice).toEqual(["https://goproxy.corp.example's certificate expires in 5 days: have it renewed before builds start failing."]);
  });

  test('a job the CI cache saved while the proxies were down', () => {
    expect(adviceFor(savedByCacheReport())[0]).toMatch(/^The job was saved by the CI cache: proxies were down/);
  });

  test('a checksum mismatch: do not retry, check go.sum and the proxy', () => {
    const [first] = adviceFor(checksumMismatchReport());
    expect(first).toMatch(/^Checksum mismatch for github\.com\/acme\/dep7@v1\.7\.0: do not retry\. Compare go\.sum with what the proxy serves/);
  });

  test('credentials refused by a private proxy', () => {
    const p = failingProxy('https://ci:***@goproxy.corp.example', 'broken', 'unauthorized', 'HTTP 401 (credentials refused)');
    expect(adviceFor(runReport({ proxies: [p] }))[0]).toBe(
      'https://ci:***@goproxy.corp.example refused the credentials (HTTP 401 (credentials refused)): check the token in its URL or in ~/.netrc; it was left out of GOPROXY.',
    );
  });

  test('the gate: why the step fails the job, or why it does not', () => {
    expect(adviceFor(runReport(), { gate: { pass: false, reason: 'verdict is degraded (fail-on: degraded)' } })).toContain(
      'This step fails the job: verdict is degraded (fail-on: degraded). Set fail-on: never to report without failing.',
    );
    expect(adviceFor(runReport(), { gate: { pass: true, reason: 'module cache is complete' } })).toContain(
      'The step did not fail the job (module cache is complete); set fail-on: degraded to fail it on any degradation.',
    );
    expect(adviceFor(allHealthyReport(), { gate: { pass: true, reason: 'module cache is complete' } })).toEqual([]);
  });

  test('a healthy run has nothing to do', () => {
    expect(section(renderSummary(allHealthyReport()), 'What to do')).toContain('Nothing to do.');
  });
});

describe('the health trend from history', () => {
  const run = (at: string, cn: 'healthy' | 'stale'): RunRecord => ({
    at,
    verdict: cn === 'healthy' ? 'healthy' : 'degraded',
    proxies: [
      { url: 'https://proxy.golang.org', verdict: 'healthy', score: 0.97, latencyP50Ms: 40, successRate: 1 },
      { url: 'https://goproxy.cn', verdict: cn, score: 0.88, latencyP50Ms: 180, successRate: 0.9 },
    ],
  });
  const history = [
    run('2025-06-01T08:00:00Z', 'healthy'),
    run('2025-06-01T09:00:00Z', 'stale'),
    run('2025-06-01T10:00:00Z', 'healthy'),
    run('2025-06-02T07:30:00Z', 'stale'),
    run('2025-06-02T08:00:00Z', 'stale'),
    run('2025-06-02T08:30:00Z', 'stale'),
  ];

  test('one row per proxy of this run: trend, success, streak, last failure, outages, MTTR', () => {
    const trend = section(renderSummary(runReport(), { history: proxyStats(history, AT) }), 'Health over the last 6 runs');
    expect(trend).toContain('| https://proxy.golang.org | ██████ | 100% of 6 | ✓ 6 runs | never | 0 | – |');
    expect(trend).toContain('| https://goproxy.cn | █▁█▁▁▁ | 33% of 6 | ✗ 3 runs | just now | 2 | 1 h 0 min |');
  });

  test('a proxy failing run after run is worth removing', () => {
    expect(adviceFor(runReport(), { history: proxyStats(history, AT) })).toContain(
      'https://goproxy.cn has not been healthy for 3 runs in a row: consider removing it from the proxies input.',
    );
  });

  test('no history, no trend section', () => {
    expect(renderSummary(runReport())).not.toContain('### Health over');
  });
});

describe('size: under the step-summary limit for any number of modules and proxies', () => {
  test.each([0, 1, 500])('%i downloaded modules', (n) => {
    const md = renderSummary(runReport({ warm: warmReport({ downloaded: moduleIds(n), buildList: Math.max(n, 42) }) }));
    expect(bytes(md)).toBeLessThan(SUMMARY_MAX_BYTES);
    const cache = section(md, 'Module cache');
    if (n === 0) expect(cache).not.toContain('<details>');
    if (n === 1) {
      expect(cache).toContain('**1** of **42** modules');
      expect(cache).toContain('\n- github.com/acme/dep0@v1.0.0');
      expect(cache).not.toContain('<details>');
    }
    if (n === 500) {
      expect(cache).toContain('<summary>500 modules downloaded</summary>');
      expect(cache).toContain('- github.com/acme/dep299@v1.299.0');
      expect(cache).not.toContain('dep300@');
      expect(cache).toContain('- … and 200 more');
    }
  });

  test('100 proxies and 500 modules, long notes, full history', () => {
    const proxies = Array.from({ length: 100 }, (_, i) => failingProxy(`https://mirror${i}.example`, 'down', 'timeout', `timed out ${'after retries '.repeat(40)}`));
    const report = runReport({ proxies, notes: Array.from({ length: 200 }, (_, i) => `note ${i}: ${'detail '.repeat(100)}`), warm: warmReport({ downloaded: moduleIds(500), buildList: 500 }) });
    const history = proxyStats(
      [{ at: AT.toISOString(), verdict: 'failed', proxies: proxies.map((p) => ({ url: p.url, verdict: p.verdict, score: 0, latencyP50Ms: null, successRate: 0 })) }],
      AT,
    );
    const md = renderSummary(report, { history, context: runContext() });
    expect(bytes(md)).toBeLessThan(SUMMARY_MAX_BYTES);
    expect(md).toContain('<summary>200 notes</summary>');
  });

  test('an absurd run still fits a small budget, cutting lists with "… and N more"', () => {
    const proxies = Array.from({ length: 5000 }, (_, i) => failingProxy(`https://mirror${i}.example/${'p'.repeat(300)}`, 'down', 'refused', 'connection refused'));
    const report = runReport({ proxies, notes: Array.from({ length: 10_000 }, () => '&'.repeat(2000)), warm: warmReport({ downloaded: moduleIds(100_000), buildList: 100_000 }) });
    for (const maxBytes of [SUMMARY_MAX_BYTES, 60_000, 20_000]) {
      const md = renderSummary(report, { maxBytes });
      expect(bytes(md)).toBeLessThanOrEqual(maxBytes);
      expect(firstLine(md)).toMatch(/^## ❌ go-proxy-guard: failed — 0 of 5000 proxies healthy/);
      expect(md).toMatch(/… and \d+ more proxies/);
      expect(md).toMatch(/- … and \d+ more\n/);
    }
  });

  test('a budget too small for anything keeps the start of the verdict line', () => {
    const md = renderSummary(runReport(), { maxBytes: 40 });
    expect(bytes(md)).toBeLessThanOrEqual(40);
    expect(md.startsWith('## ⚠️ go-proxy-guard')).toBe(true);
  });
});

describe('nothing unsafe reaches the summary', () => {
  test('credentials that slipped past masking in notes, reasons or go output are hidden', () => {
    const report = checksumMismatchReport();
    report.notes = ['fetched private modules via https://alice:s3cret-token@goproxy.corp.example/mod'];
    report.reason = 'failed at https://bob:hunter2@mirror.example';
    if (report.warm?.diagnosis) report.warm.diagnosis.goMessage = 'Get "https://ci:p%40ss@goproxy.corp.example/x/@v/list": 401';
    const md = renderSummary(report);
    for (const secret of ['s3cret-token', 'hunter2', 'p%40ss', 'alice:s3cret', 'bob:hunter2@']) expect(md).not.toContain(secret);
    expect(md).toContain('https://alice:\\*\\*\\*@goproxy.corp.example/mod');
    expect(md).not.toMatch(/\/\/[^\s/:@]+:(?!\\?\*\\?\*\\?\*)[^\s/@]+@/);
  });

  test('scrubbing keeps the user name and leaves masked or credential-free text alone', () => {
    expect(scrubCredentials('see https://user:pass@host/path and git+ssh://me:x@h')).toBe('see https://user:***@host/path and git+ssh://me:***@h');
    expect(scrubCredentials('https://user:***@host and user@example.com')).toBe('https://user:***@host and user@example.com');
  });

  test('text inside <details> is HTML-escaped, so it cannot close the block or inject a tag', () => {
    const notes = [...Array.from({ length: 12 }, (_, i) => `note ${i}`), '</details><img src=x onerror=alert(1)> & more'];
    const md = renderSummary(runReport({ notes }));
    const notesSection = section(md, 'Notes');
    expect(notesSection).toContain('<summary>13 notes</summary>');
    expect(notesSection).toContain('- &lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; &amp; more');
    expect(notesSection.match(/<\/details>/g)).toHaveLength(1);
    expect(md).not.toContain('<img');
  });

  test('Markdown in text cannot make links or code spans', () => {
    const md = renderSummary(runReport({ notes: ['click [here](https://evil.example) `rm -rf`'] }));
    expect(md).toContain('- click \\[here\\](https://evil.example) \\`rm -rf\\`');
  });
});

describe('annotations on the run page', () => {
  test('a healthy run has none', () => {
    expect(annotationsFor(allHealthyReport())).toEqual([]);
  });

  test('a degraded run: one warning per proxy that is not healthy', () => {
    expect(annotationsFor(runReport())).toEqual([
      { level: 'warning', title: 'Go proxy stale: https://goproxy.cn', message: 'https://goproxy.cn served a stale list for golang.org/x/net; it was left out of GOPROXY.' },
      { level: 'warning', title: 'Go proxy down: https://goproxy.io', message: 'https://goproxy.io did not answer (connection refused); it was left out of GOPROXY.' },
    ]);
  });

  test('a job the cache saved says so', () => {
    const [first] = annotationsFor(savedByCacheReport());
    expect(first).toMatchObject({ level: 'warning', title: 'Go modules: the cache rung saved the job' });
  });

  test('a failed ladder is an error carrying the go command’s diagnosis', () => {
    const [first] = annotationsFor(checksumMismatchReport());
    expect(first?.level).toBe('error');
    expect(first?.title).toBe('Go module download failed');
    expect(first?.message).toContain('do not retry');
    expect(first?.message).toContain('verifying github.com/acme/dep7@v1.7.0: checksum mismatch downloaded: h1:AAA= go.sum: h1:BBB= SECURITY ERROR');
  });

  test('at most 10 per level; the rest summed up in the tenth', () => {
    const proxies = [healthyProxy('https://proxy.golang.org'), ...Array.from({ length: 25 }, (_, i) => failingProxy(`https://mirror${i}.example`, 'down', 'refused', 'connection refused'))];
    const degraded = annotationsFor(runReport({ proxies }));
    expect(degraded).toHaveLength(ANNOTATIONS_PER_LEVEL);
    expect(degraded.every((a) => a.level === 'warning')).toBe(true);
    expect(degraded[9]).toEqual({ level: 'warning', title: '16 more Go proxy problems', message: expect.stringContaining('Go proxy down: https://mirror24.example') });

    const failed = annotationsFor({ ...checksumMismatchReport(), proxies: proxies.slice(1) });
    expect(failed.filter((a) => a.level === 'error')).toHaveLength(ANNOTATIONS_PER_LEVEL);
    expect(failed[0]?.title).toBe('Go module download failed');
    expect(failed[9]?.title).toBe('17 more Go proxy problems');
  });

  test('no credentials in annotations either', () => {
    const p = failingProxy('https://goproxy.io', 'down', 'refused', 'dial https://u:topsecret@goproxy.io failed');
    const all = JSON.stringify(annotationsFor(runReport({ proxies: [healthyProxy('https://proxy.golang.org'), staleCn(), p] })));
    expect(all).not.toContain('topsecret');
  });
});
