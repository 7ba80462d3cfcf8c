/**
 * The status page's pure parts: the status document as a file (written one
 * run a line, read back from anything someone hands over), and the page's
 * size at history-size's maximum. How it looks and that it requests nothing
 * is checked in a real browser (__tests__/status-page.test.ts).
 */
import { statusFromFile, statusJson, STATUS_SCHEMA, type StatusDocument } from '../../src/history/status.js';
import { renderStatusPage } from '../../src/report/status-page/page.js';
import { latencyCap, proxyChart } from '../../src/report/status-page/chart.js';
import { syntheticHistory, syntheticStatus, TEN_PROXIES } from '../lab/status-history.js';

const end = new Date('2026-12-01T09:17:00Z');
const week = syntheticHistory({ runs: 168, end, proxies: TEN_PROXIES.slice(0, 3) });

describe('the status document as a file', () => {
  test('one line per kept run, and it reads back as it was', () => {
    const doc = syntheticStatus(week);
    const text = statusJson(doc);
    expect(JSON.parse(text)).toEqual(doc);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('    {"at":'))).toHaveLength(168);
    expect(statusJson({ ...doc, runs: [] })).toContain('"runs": []');
  });

  test('from a status document or a state file; anything else is refused by name', () => {
    const doc = syntheticStatus(week);
    expect(statusFromFile(JSON.parse(statusJson(doc)), { repository: undefined, workflow: undefined })).toEqual(doc);
    const fromState = statusFromFile({ version: 1, alerts: { open: false }, history: week }, { repository: 'r', workflow: 'w' });
    expect(fromState).toMatchObject({ schema: STATUS_SCHEMA, verdict: doc.verdict, historyRuns: 168, repository: 'r', runUrl: null });
    expect(fromState.proxies.map((p) => [p.url, p.verdict, p.parts])).toEqual(doc.proxies.map((p) => [p.url, p.verdict, p.parts]));
    expect(() => statusFromFile({ hello: 'world' }, { repository: undefined, workflow: undefined })).toThrow(/neither a status document/);
    expect(() => statusFromFile({ version: 1, history: [] }, { repository: undefined, workflow: undefined })).toThrow(/holds no run yet/);
  });

  test('a hand-edited or hostile document: what is not what a page needs is left out, and the page is still drawn', () => {
    const good = syntheticStatus(week.slice(-3));
    const hostile = {
      ...good,
      verdict: '<img src=x onerror=alert(1)>',
      override: 42,
      silenced: { html: '<b>' },
      runUrl: ['javascript:alert(1)'],
      verdictSince: 'yesterday',
      proxies: [...good.proxies, { url: 7, verdict: 'down', score: 0 }, { url: 'https://x', verdict: 'down', score: 'high' }],
      runs: [
        ...(good.runs ?? []),
        { at: 'not a time', verdict: 'healthy', proxies: [] },
        { at: end.toISOString(), verdict: 'healthy', proxies: [{ url: {} }] },
      ],
    };
    const doc = statusFromFile(hostile, { repository: undefined, workflow: undefined }) as StatusDocument;
    expect([doc.override, doc.silenced, doc.runUrl, doc.verdictSince]).toEqual([null, null, null, null]);
    expect(doc.proxies).toHaveLength(good.proxies.length);
    expect(doc.runs).toHaveLength(4);
    expect(doc.runs?.[3]?.proxies).toEqual([]);
    expect(renderStatusPage(doc)).toContain('<!doctype html>');
    // A verdict the page does not know is shown as text, like any other text from the file.
    for (const html of [renderStatusPage(doc), renderStatusPage({ ...good, verdict: hostile.verdict })]) {
      expect(html).not.toContain('<img');
      expect(html).toContain('<span>&lt;img src=x onerror=alert(1)&gt;</span>');
    }
    expect(renderStatusPage({ ...good, verdict: hostile.verdict })).toContain('<p>&lt;img src=x onerror=alert(1)&gt; since ');
  });
});

describe('the page at its largest', () => {
  test('500 runs of 10 proxies stay under 1 MB, even when every proxy fails every other run', () => {
    for (const flapping of [false, true]) {
      const html = renderStatusPage(syntheticStatus(syntheticHistory({ runs: 500, end, proxies: TEN_PROXIES, flapping })));
      expect(Buffer.byteLength(html)).toBeLessThan(1_000_000);
      // Ten charts of 500 slots, the outages listed up to their cap.
      expect(html.match(/<svg class="chart" viewBox="0 0 500 100"/g)).toHaveLength(10);
    }
  });

  test('runs of one verdict are one shape: a healthy week is one bar, whatever its length', () => {
    const runs = Array.from({ length: 500 }, (_, i) => ({
      at: end.getTime() + i * 3_600_000,
      verdict: 'healthy' as const,
      latencyMs: 40 + (i % 7),
    }));
    const svg = proxyChart(runs, { label: 'p', latencyCapMs: 100 });
    expect(svg.match(/<rect /g)).toHaveLength(1);
    expect(svg.length).toBeLessThan(8_000);
  });

  test('the latency axis is shared and round; a freak answer does not flatten every line', () => {
    expect(latencyCap([])).toBe(100);
    expect(latencyCap([12, 30, 44])).toBe(50);
    expect(latencyCap([120, 180, 240])).toBe(250);
    expect(latencyCap([...Array.from({ length: 99 }, () => 80), 30_000])).toBe(100);
  });
});
