/**
 * The status page, looked at in a real browser (Debian's chromium, headless):
 * - from a real scheduled history: the bundled action run three times (down,
 *   down, up) with the step inputs of .github/workflows/proxy-health.yml,
 *   against lab proxies and the lab cache service, then the workflow's own
 *   staging step for GitHub Pages, then the CLI from status.json and from the
 *   kept history. The rendered DOM shows every proxy, its chart, the outage
 *   and its duration; the page asks for nothing but itself; at 390 px nothing
 *   scrolls sideways. Screenshots at both widths stay in .lab/status-page/.
 * - an override and a silence are loud, hostile upstream text is inert and
 *   credentials never appear, whatever the document says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { duration } from '../src/report/format.js';
import { renderStatusPage } from '../src/report/status-page/page.js';
import { Browser, type PageVisit } from './lab/chromium.js';
import { runCommand } from './lab/go.js';
import { closeLabServers, guardCase, labCacheServer, labProxy } from './lab/guard-case.js';
import { CLI, labRoot, makeLabDir, repoRoot } from './lab/paths.js';
import { syntheticHistory, syntheticStatus } from './lab/status-history.js';

let browser: Browser;
beforeAll(async () => {
  browser = await Browser.launch();
}, 60_000);
afterAll(() => browser?.close());
afterEach(closeLabServers);

/** Screenshots a person can look at after the run (gitignored). */
const SHOTS = path.join(labRoot, 'status-page');
mkdirSync(SHOTS, { recursive: true });

/** What a reader sees, read from the rendered DOM. */
interface PageFacts {
  verdict: string;
  title: string;
  proxies: { url: string; state: string; score: string; parts: number; healthyRuns: string; lastFailure: string }[];
  charts: { url: string; viewBox: string; down: { x: string; width: string; title: string }[]; up: number; line: boolean; width: number }[];
  outages: Record<string, string>[];
  figures: Record<string, string>;
  banners: string[];
  runLink: string | null;
  /** Elements that could load something: none allowed. */
  loaders: number;
  scripts: number;
  /** The stylesheet applied (a CSP hash mismatch would leave the page unstyled). */
  verdictBorder: string;
  scrollWidth: number;
  clientWidth: number;
  bodyText: string;
}

const FACTS = `(() => {
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : '');
  const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')];
  return {
    verdict: text(document.querySelector('.verdict h1')),
    title: document.title,
    proxies: rows('proxies').map((tr) => ({
      url: text(tr.querySelector('td[data-label=Proxy] .url')),
      state: text(tr.querySelector('td[data-label=State]')),
      score: text(tr.querySelector('.score')),
      parts: tr.querySelectorAll('.parts svg').length,
      healthyRuns: text(tr.querySelector('td[data-label="Healthy runs"]')),
      lastFailure: text(tr.querySelector('td[data-label="Last failure"]')),
    })),
    charts: [...document.querySelectorAll('figure.proxy-chart')].map((f) => ({
      url: text(f.querySelector('.url')),
      viewBox: f.querySelector('svg.chart').getAttribute('viewBox'),
      down: [...f.querySelectorAll('rect.bar-down')].map((r) => ({ x: r.getAttribute('x'), width: r.getAttribute('width'), title: text(r.querySelector('title')) })),
      up: f.querySelectorAll('rect.bar-up').length,
      line: !!f.querySelector('path.lat'),
      width: f.querySelector('svg.chart').getBoundingClientRect().width,
    })),
    outages: rows('outages').map((tr) => Object.fromEntries([...tr.cells].map((td) => [td.dataset.label, text(td)]))),
    figures: Object.fromEntries([...document.querySelectorAll('.figure')].map((f) => [text(f.querySelector('dt')), text(f.querySelector('dd'))])),
    banners: [...document.querySelectorAll('.banner:not([hidden]) strong')].map(text),
    runLink: document.querySelector('footer a') ? document.querySelector('footer a').href : null,
    loaders: document.querySelectorAll('[src], link, img, iframe, object, embed, base, meta[http-equiv=refresh], [style]').length,
    scripts: document.scripts.length,
    verdictBorder: getComputedStyle(document.querySelector('.verdict')).borderLeftWidth,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    bodyText: document.body.innerText,
  };
})()`;

/** Open a page at a laptop's and a phone's width; keep both screenshots; the page may ask for nothing but itself. */
async function look(file: string, name: string): Promise<{ laptop: PageFacts; phone: PageFacts; visits: PageVisit[] }> {
  const url = pathToFileURL(file).href;
  const laptopVisit = await browser.visit(url, {
    width: 1280,
    height: 900,
    evaluate: FACTS,
    screenshot: path.join(SHOTS, `${name}-1280.png`),
  });
  const phoneVisit = await browser.visit(url, {
    width: 390,
    height: 844,
    mobile: true,
    evaluate: FACTS,
    screenshot: path.join(SHOTS, `${name}-390.png`),
  });
  for (const v of [laptopVisit, phoneVisit]) {
    expect(v.requests).toEqual([url]);
    // A blocked style or script (a CSP hash that does not match), an exception: all land in the log.
    expect(v.log).toEqual([]);
  }
  for (const w of [1280, 390]) expect(statSync(path.join(SHOTS, `${name}-${w}.png`)).size).toBeGreaterThan(10_000);
  const laptop = laptopVisit.result as PageFacts;
  const phone = phoneVisit.result as PageFacts;
  for (const facts of [laptop, phone]) {
    expect(facts.loaders).toBe(0);
    expect(facts.scripts).toBe(1);
    expect(facts.verdictBorder).toBe('8px');
  }
  // No sideways scrolling on a phone; the charts use its width.
  expect(phone.scrollWidth).toBeLessThanOrEqual(phone.clientWidth);
  for (const chart of phone.charts) expect(chart.width).toBeGreaterThan(300);
  return { laptop, phone, visits: [laptopVisit, phoneVisit] };
}

const cli = (args: string[], cwd: string) =>
  runCommand(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd }, timeoutMs: 30_000 });

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  steps: Step[];
  needs?: string;
  if?: string;
  permissions?: Record<string, string>;
  environment?: { name: string; url: string };
  outputs?: Record<string, string>;
}
const workflow = parseYaml(readFileSync(path.join(repoRoot, '.github/workflows/proxy-health.yml'), 'utf8')) as {
  jobs: Record<string, Job>;
};
const probeJob = workflow.jobs.probe!;
const step = (id: string) => probeJob.steps.find((s) => s.id === id)!;

/** A step's `with:` or `env:` as the runner hands it over: `${{ x }}` from the given context. */
const expand = (values: Record<string, string | number | boolean> | undefined, ctx: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(values ?? {}).map(([k, v]) => [
      k,
      String(v).replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, name: string) => ctx[name] ?? ''),
    ]),
  );

describe('the scheduled health check publishes a status page (.github/workflows/proxy-health.yml)', () => {
  test('the workflow asks for the page and deploys it with the official Pages actions, with only the permissions they need', () => {
    expect(step('guard').with?.['status-page']).toBe(true);
    expect(probeJob.steps.find((s) => s.uses?.startsWith('actions/upload-pages-artifact@'))?.uses).toBe('actions/upload-pages-artifact@v5');
    const pages = workflow.jobs.pages!;
    expect(pages.needs).toBe('probe');
    expect(pages.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(pages.environment?.name).toBe('github-pages');
    expect(pages.steps.map((s) => s.uses)).toEqual(['actions/deploy-pages@v5']);
    expect(pages.if).toContain(`needs.probe.outputs.site == 'success'`);
    expect(probeJob.outputs?.site).toBe('${{ steps.site.outcome }}');
  });

  test('three runs (down, down, up) through the bundle: the page shows every proxy, its chart, the outage and its duration; the CLI draws the same from status.json and from the kept history', async () => {
    const cacheServer = await labCacheServer();
    const steady = await labProxy();
    const wobbly = await labProxy({ status: 503 });
    const c = guardCase('status-page');
    // Like a hosted runner, every run sees the same RUNNER_TEMP (the lab cache service's env sets it): the state's cache version hashes it.
    const runnerTemp = cacheServer.env.RUNNER_TEMP!;
    const inputs = {
      ...expand(step('guard').with, { 'secrets.GO_PROXY_GUARD_WEBHOOK': '', 'vars.GO_PROXY_GUARD_SILENCE': '' }),
      proxies: `${steady.url}\n${wobbly.url}`,
      'probe-timeout': '3s',
    };
    const runs = [];
    for (const fault of [503, 503, 'ok'] as const) {
      await wobbly.setFault(fault === 'ok' ? 'ok' : { status: fault });
      const r = await c.run(inputs, { env: { ...cacheServer.env, GITHUB_EVENT_NAME: 'schedule' } });
      expect(r.code).toBe(0);
      expect(r.outputs['status-page']).toBe(path.join(path.dirname(r.outputs.status!), 'status.html'));
      runs.push({ r, status: JSON.parse(readFileSync(r.outputs.status!, 'utf8')) });
    }
    const last = runs[2]!;
    expect(last.status).toMatchObject({ verdict: 'healthy', historyRuns: 3 });
    expect(last.status.runs.map((run: { verdict: string }) => run.verdict)).toEqual(['degraded', 'degraded', 'healthy']);
    const at = runs.map((x) => Date.parse(x.status.generatedAt));
    const outage = duration(at[2]! - at[0]!);

    // The workflow's own staging step, as the runner would run it: the site is the page, as index.html.
    const site = step('site');
    const outputFile = path.join(c.lab, 'site-output');
    const stateFile = path.join(runnerTemp, 'go-proxy-guard-state', 'state.json');
    writeFileSync(outputFile, '');
    execFileSync('bash', ['-e', '-c', site.run!], {
      env: {
        PATH: process.env.PATH,
        RUNNER_TEMP: runnerTemp,
        GITHUB_OUTPUT: outputFile,
        ...expand(site.env, { 'steps.guard.outputs.status-page': last.r.outputs['status-page']! }),
      },
    });
    const dir = /^dir=(.+)$/m.exec(readFileSync(outputFile, 'utf8'))![1]!;
    const upload = probeJob.steps.find((s) => s.uses?.startsWith('actions/upload-pages-artifact@'))!;
    expect(expand(upload.with, { 'steps.site.outputs.dir': dir }).path).toBe(dir);
    const sitePage = path.join(dir, 'index.html');
    expect(readFileSync(sitePage, 'utf8')).toBe(readFileSync(last.r.outputs['status-page']!, 'utf8'));

    const { laptop, phone } = await look(sitePage, 'scheduled');
    for (const facts of [laptop, phone]) {
      expect(facts.verdict).toBe('Healthy');
      expect(facts.title).toBe('Healthy: Go module proxies of lab/project');
      expect(facts.proxies.map((p) => p.url).sort()).toEqual([steady.url, wobbly.url].sort());
      for (const p of facts.proxies) {
        expect(p.state).toBe('healthy');
        expect(p.score).toMatch(/^0\.\d\d$|^1\.00$/);
        expect(p.parts).toBe(3);
      }
      expect(facts.proxies.find((p) => p.url === wobbly.url)?.healthyRuns).toBe('33% (1 of 3)');
      // One chart per proxy, one slot per run: the wobbly proxy hangs below the baseline for the first two runs.
      expect(facts.charts.map((ch) => ch.url).sort()).toEqual([steady.url, wobbly.url].sort());
      const wobblyChart = facts.charts.find((ch) => ch.url === wobbly.url)!;
      const steadyChart = facts.charts.find((ch) => ch.url === steady.url)!;
      for (const ch of facts.charts) expect([ch.viewBox, ch.line]).toEqual(['0 0 3 100', true]);
      expect(wobblyChart.down).toEqual([{ x: '0', width: '2', title: expect.stringMatching(/^down or broken: 2 runs, /) }]);
      expect(wobblyChart.up).toBe(1);
      expect(steadyChart).toMatchObject({ down: [], up: 1 });
      // The outage: when it started and ended, how long it lasted.
      expect(facts.outages).toHaveLength(1);
      expect(facts.outages[0]).toMatchObject({ Proxy: wobbly.url, Duration: outage, Runs: '2 down', Notes: '–' });
      expect(facts.outages[0]!.Ended).not.toMatch(/ongoing/);
      expect(facts.figures).toMatchObject({
        'Healthy proxies now': '2 of 2',
        MTTR: `${outage} mean of 1 repaired outage`,
        'Kept runs': expect.stringMatching(/^3 since /),
      });
      expect(facts.banners).toEqual([]);
      expect(facts.runLink).toBe(last.status.runUrl);
    }

    // The CLI, from the status document to a folder (index.html, ready to publish), and from the kept history.
    const out = makeLabDir('status-page-cli');
    const fromStatus = await cli(['status-page', '--from', last.r.outputs.status!, '--out', 'site/'], out);
    expect([fromStatus.code, fromStatus.stderr]).toEqual([0, '']);
    expect(fromStatus.stdout).toContain(path.join(out, 'site', 'index.html'));
    const fromHistory = await cli(['status-page', '--from', stateFile, '--out', 'history.html', '--json'], out);
    expect(fromHistory.code).toBe(0);
    expect(JSON.parse(fromHistory.stdout)).toMatchObject({ command: 'status-page', exitCode: 0, verdict: 'healthy', proxies: 2, runs: 3 });
    const viaCli = await look(path.join(out, 'site', 'index.html'), 'cli-from-status');
    expect(viaCli.laptop.outages).toEqual(laptop.outages);
    const viaHistory = await look(path.join(out, 'history.html'), 'cli-from-history');
    expect(viaHistory.laptop.outages.map((o) => [o.Proxy, o.Duration, o.Runs])).toEqual([[wobbly.url, outage, '2 down']]);
    expect(viaHistory.laptop.charts.map((ch) => ch.down)).toEqual(laptop.charts.map((ch) => ch.down));
    expect(viaHistory.laptop.proxies.map((p) => [p.url, p.state, p.parts])).toEqual(laptop.proxies.map((p) => [p.url, p.state, p.parts]));

    // A file that is neither: exit 2, naming the flag and the file.
    writeFileSync(path.join(out, 'other.json'), '{"hello":"world"}');
    const bad = await cli(['status-page', '--from', 'other.json'], out);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--from ${path.join(out, 'other.json')}: neither a status document`);
    expect(existsSync(path.join(out, 'status.html'))).toBe(false);
  }, 240_000);
});

describe('what must not be missed, and what must never get through', () => {
  test('an override and a silenced alert are banners in words and shapes; hostile upstream text stays text; credentials never appear', async () => {
    const now = new Date();
    const history = syntheticHistory({
      runs: 48,
      end: now,
      seed: 3,
      proxies: [
        { url: 'https://proxy.golang.org', latencyMs: 40, outageRate: 0, outageRuns: 1 },
        { url: 'https://ci:s3cr3t-pw@goproxy.corp.example', latencyMs: 20, outageRate: 0, outageRuns: 1, downAt: [0, 1] },
      ],
    });
    for (const run of history.slice(-2)) run.silenced = 'silenced by Sat 23:00-01:00 UTC <img src=x onerror=alert(1)>';
    const doc = syntheticStatus(history, {
      override:
        'OVERRIDE: proxies https://goproxy.corp.example; override in force since 2026-12-01T03:05:12.000Z, set by variable GO_PROXY_GUARD_OVERRIDE',
      silenced: 'silenced by Sat 23:00-01:00 UTC',
      reason:
        '1 of 2 proxies healthy: https://ci:s3cr3t-pw@goproxy.corp.example returned HTTP 503 <script>alert(1)</script>\n::error::injected',
      runUrl: 'javascript:alert(1)',
    });
    doc.proxies[1]!.problem = 'returned HTTP 503 </td><script>alert(2)</script>';
    const html = renderStatusPage(doc);
    expect(html).not.toContain('s3cr3t-pw');
    const dir = makeLabDir('status-page-loud');
    writeFileSync(path.join(dir, 'status.html'), html);

    const { laptop, phone } = await look(path.join(dir, 'status.html'), 'loud');
    for (const facts of [laptop, phone]) {
      expect(facts.verdict).toBe('Degraded');
      expect(facts.banners).toEqual(['Override in force', 'Alerts silenced']);
      expect(facts.bodyText).toContain('override in force since 2026-12-01T03:05:12.000Z');
      // The hostile text is on the page as text, in one line; nothing of it became markup.
      expect(facts.bodyText).toContain('<script>alert(1)</script> ::error::injected');
      expect(facts.bodyText).toContain('</td><script>alert(2)</script>');
      expect(facts.scripts).toBe(1);
      expect(facts.runLink).toBeNull();
      expect(facts.proxies.map((p) => p.url)).toEqual(['https://proxy.golang.org', 'https://ci:***@goproxy.corp.example']);
      expect(facts.proxies.map((p) => p.state)).toEqual(['healthy', 'down']);
      expect(facts.outages[0]).toMatchObject({ Ended: 'ongoing', Runs: '2 down' });
      expect(facts.outages[0]!.Notes).toContain('<img src=x onerror=alert(1)>');
    }
  }, 60_000);

  test('a page left open goes stale loudly; the docs picture is drawn from a week of hourly checks', async () => {
    const week = syntheticHistory({
      runs: 168,
      end: new Date(),
      seed: 7,
      proxies: [
        { url: 'https://proxy.golang.org', latencyMs: 45, outageRate: 0, outageRuns: 1, slowRate: 0.01 },
        { url: 'https://goproxy.corp.example', latencyMs: 18, outageRate: 0.01, outageRuns: 5, downAt: [0, 1, 2] },
        { url: 'https://goproxy.io', latencyMs: 190, outageRate: 0.015, outageRuns: 6, slowRate: 0.04 },
      ],
    });
    const dir = makeLabDir('status-page-week');
    writeFileSync(path.join(dir, 'fresh.html'), renderStatusPage(syntheticStatus(week)));
    const fresh = await look(path.join(dir, 'fresh.html'), 'week');
    expect(fresh.laptop.banners).toEqual([]);
    expect(fresh.laptop.charts).toHaveLength(3);
    expect(fresh.laptop.outages[0]).toMatchObject({ Proxy: 'https://goproxy.corp.example', Ended: 'ongoing' });
    // Failing now is said as such, with how long, not as a last failure "just now".
    expect(fresh.laptop.proxies.map((p) => p.lastFailure)).toEqual(['5 d ago', 'failing now', '2 d ago']);
    expect(fresh.laptop.figures['Last failure']).toMatch(/^failing now https:\/\/goproxy\.corp\.example for 2 h \d+ min$/);

    // The same week, generated two days ago: the script finds it older than three usual intervals.
    const old = week.map((run) => ({ ...run, at: new Date(Date.parse(run.at) - 2 * 86_400_000).toISOString() }));
    writeFileSync(path.join(dir, 'stale.html'), renderStatusPage(syntheticStatus(old)));
    const stale = await look(path.join(dir, 'stale.html'), 'stale');
    expect(stale.laptop.banners).toEqual(['This page is stale']);
    expect(stale.laptop.bodyText).toMatch(/generated 2 d ago/);
  }, 60_000);
});
