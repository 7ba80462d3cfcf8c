import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ProxyHealth } from '../../src/model/verdict.js';
import { junitXml, xmlAttr, xmlText } from '../../src/report/junit.js';
import { healthyProxy, rung, runReport, type RunReport, warmReport } from './fixtures/report.js';

/** The fixtures' healthy proxy, probed in 1.25 s (the case time JUnit shows). */
const proxy = (url: string, over: Partial<ProxyHealth> = {}): ProxyHealth => healthyProxy(url, { probeMs: 1250, ...over });

/** The fixtures' report with no proxy, no warm and nothing to say, probed in 1.3 s: what each test adds shows alone. */
const report = (over: Partial<RunReport> = {}): RunReport =>
  runReport({
    probe: { timeoutMs: 3000, samples: 3, durationMs: 1300 },
    proxies: [],
    goproxy: 'direct',
    bestProxy: undefined,
    healthyCount: 0,
    verdict: 'healthy',
    reason: '',
    warm: undefined,
    ...over,
  });

const parse = (xml: string) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    htmlEntities: true,
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  }).parse(xml) as {
    testsuites: {
      tests: string;
      failures: string;
      skipped: string;
      testsuite: { name: string; tests: string; failures: string; skipped: string; testcase: Record<string, unknown>[] }[];
    };
  };

describe('JUnit for CI test widgets: what failed, by proxy and by ladder rung', () => {
  test('one case per proxy, failing with its reason unless healthy; one per rung, failing or skipped as it went', () => {
    const xml = junitXml(
      report({
        verdict: 'degraded',
        proxies: [
          proxy('https://good.example'),
          proxy('https://down.example', {
            verdict: 'down',
            score: 0,
            successRate: 0,
            failure: { code: 'http-5xx', class: 'transient', message: 'HTTP 503' },
            statuses: { '503': 10 },
          }),
          proxy('https://slow.example', { verdict: 'slow', score: 0.41 }),
        ],
        warm: warmReport({
          ladderStep: 'direct',
          ladder: [
            rung('proxy', 'failed', 'connection reset', 830, 'GOPROXY=https://good.example'),
            rung('retry', 'failed', 'connection reset', 640, 'GOPROXY=https://good.example'),
            rung('direct', 'ok', '4 modules', 2100, 'direct'),
            rung('vendor', 'skipped', 'no vendor/', 0),
          ],
          cacheHit: 'none',
          cacheKey: undefined,
          downloaded: [],
          buildList: 4,
          downloadMs: 3600,
        }),
      }),
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parse(xml).testsuites;
    expect([doc.tests, doc.failures, doc.skipped]).toEqual(['7', '4', '1']);
    const [proxies, ladder] = doc.testsuite;
    expect(proxies!.name).toBe('proxies');
    expect(proxies!.testcase.map((t) => [t.name, t.time, (t.failure as Record<string, string> | undefined)?.message ?? 'pass'])).toEqual([
      ['https://good.example', '1.250', 'pass'],
      ['https://down.example', '1.250', 'down: HTTP 503'],
      ['https://slow.example', '1.250', 'slow: score 0.41 is below min-score'],
    ]);
    expect((proxies!.testcase[1]!.failure as Record<string, string>).type).toBe('http-5xx');
    expect((proxies!.testcase[1]!.failure as Record<string, string>)['#text']).toMatch(/statuses 503x10/);
    // A proxy that cannot be used has no score and no certificate figures; a usable one keeps them.
    expect((proxies!.testcase[1]!.failure as Record<string, string>)['#text']).not.toMatch(/score|TLS days/);
    expect((proxies!.testcase[2]!.failure as Record<string, string>)['#text']).toMatch(/^score 0\.41: success/);
    expect(ladder!.name).toBe('ladder');
    expect(ladder!.testcase.map((t) => [t.name, t.failure ? 'failed' : t.skipped !== undefined ? 'skipped' : 'ok'])).toEqual([
      ['rung 1: proxy', 'failed'],
      ['rung 2: retry', 'failed'],
      ['rung 3: direct', 'ok'],
      ['rung 4: vendor', 'skipped'],
    ]);
    expect((ladder!.testcase[3]!.skipped as Record<string, string>).message).toBe('no vendor/');
    expect([ladder!.tests, ladder!.failures, ladder!.skipped]).toEqual(['4', '2', '1']);
  });

  test('without warming there is no ladder suite', () => {
    const doc = parse(junitXml(report({ proxies: [proxy('https://good.example')] }))).testsuites;
    expect(doc.testsuite.map((s) => s.name)).toEqual(['proxies']);
  });

  test('reasons from the network are escaped into valid XML, whatever they hold', () => {
    const nasty = `HTML <title>Login & "portal"</title> 'x' ]]> \u0000\u001b[31m\ud800 end\nline two`;
    const xml = junitXml(
      report({
        proxies: [
          proxy('https://a.example/?q=<&>', { verdict: 'broken', failure: { code: 'html', class: 'proxy-broken', message: nasty } }),
        ],
      }),
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const failure = parse(xml).testsuites.testsuite[0]!.testcase[0]!.failure as Record<string, string>;
    expect(failure.message).toBe(`broken: HTML <title>Login & "portal"</title> 'x' ]]> \ufffd\ufffd[31m\ufffd end\nline two`);
    expect(parse(xml).testsuites.testsuite[0]!.testcase[0]!.name).toBe('https://a.example/?q=<&>');
  });

  test.each([
    ['a & b < c > d', 'a &amp; b &lt; c &gt; d'],
    ['tab\there', 'tab\there'],
    ['bell\u0007', 'bell\ufffd'],
    ['emoji \u{1F600}', 'emoji \u{1F600}'],
  ])('text %j', (raw, escaped) => expect(xmlText(raw)).toBe(escaped));

  test('attributes keep quotes and line breaks', () => {
    expect(xmlAttr(`"it's"\n\tok`)).toBe('&quot;it&apos;s&quot;&#10;&#9;ok');
  });
});
