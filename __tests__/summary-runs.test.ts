/**
 * What a person sees of a run, end to end: the bundled action on the runner
 * emulator, the lab's loopback proxies, the real go command and the real
 * @actions/cache. Healthy, degraded, failed, absorbed by the local proxy and
 * saved by the CI cache: the summary's top block, its visible tables, the
 * GOPROXY it shows, the annotations, and the log around them.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { closeLabServers, FAST_INPUTS, type GuardCase, guardCase, labCacheServer, labProxy } from './lab/guard-case.js';
import type { CacheServer } from './lab/cache-server.js';
import type { ActionResult } from './lab/runner.js';
import { cellsOf, topBlock, visibleLines, visibleTables } from './unit/markdown.js';

afterEach(closeLabServers);
let cacheServer: CacheServer | undefined;
afterEach(() => {
  cacheServer = undefined; // closed with the lab's servers
});

const fast = FAST_INPUTS;
const cacheEnv = async () => (cacheServer ??= await labCacheServer()).env;

/** The name of the ::group:: each stdout line sits in ('' outside any group). */
function groupsOf(stdout: string): { line: string; group: string }[] {
  let group = '';
  return stdout.split('\n').map((line) => {
    if (line.startsWith('::group::')) group = line.slice('::group::'.length);
    const at = { line, group };
    if (line.startsWith('::endgroup::')) group = '';
    return at;
  });
}
/** Log lines a reader sees: workflow commands other than annotations are the runner's business. */
const logLines = (r: ActionResult) =>
  r.stdout.split('\n').filter((l) => l.trim() !== '' && !/^::(add-mask|save-state|set-output|debug)/.test(l));
const lastLogLine = (r: ActionResult) => logLines(r).pop() ?? '';
const everyVisibleTableNarrow = (md: string) => visibleTables(md).every((t) => cellsOf(t[0] as string).length <= 6);
const escaped = (url: string) => url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('healthy: three lines and the GOPROXY later steps get, everything else folded; the log ends with one line', async () => {
  const a = await labProxy();
  const b = await labProxy({ slow: 60 });
  const c = guardCase('summary-healthy');
  // Taken from a fork: the links go there (on the lab cache service's GITHUB_SERVER_URL).
  const source = { GITHUB_ACTION_REPOSITORY: 'acme/go-proxy-guard' };
  const docs = 'https://github.com/acme/go-proxy-guard/blob/HEAD/docs/';
  const r = await c.run({ ...fast, cache: 'false', proxies: `${a.url}\n${b.url}` }, { env: { ...(await cacheEnv()), ...source } });
  await b.setFault('ok');
  expect(r.code).toBe(0);
  const md = r.summary;
  const local = r.outputs['local-proxy'];
  // The local proxy answers only under its per-run token path.
  expect(local).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+$/);

  expect(topBlock(md)).toEqual([
    '## ✅ go-proxy-guard: healthy',
    expect.stringMatching(new RegExp(`^2 of 2 proxies healthy; ${escaped(a.url)} answered in \\d+ ms at the median\\.$`)),
    `**What to do:** Nothing to do: the build used ${a.url}.`,
  ]);
  const visible = visibleLines(md);
  expect(visible.length).toBeLessThanOrEqual(25);
  expect(visibleTables(md)).toEqual([]);
  // The GOPROXY shown is the one later steps really get, with the portable chain beside it.
  expect(r.exportedEnv.GOPROXY).toBe(`${local}|${a.url}|${b.url}|direct`);
  // Shown without the local proxy's per-run access token: it is for this job's go commands only.
  const shownGoproxy = `${new URL(local!).origin}/…|${a.url}|${b.url}|direct`;
  expect(md).not.toContain(new URL(local!).pathname);
  expect(visible).toContain(
    `Later steps get \`GOPROXY=${shownGoproxy}\`, through the [local proxy](${docs}local-proxy.md#the-local-proxy-serve); without it: \`${a.url}|${b.url}|direct\`.`,
  );
  expect(r.warnings).toEqual([]);

  const log = groupsOf(r.stdout);
  // The probe table sits inside its group.
  const header = log.find((l) => /^#\s+proxy\s+verdict\s+p50/.test(l.line));
  expect(header?.group).toBe('Probing Go module proxies');
  expect(log.find((l) => l.line.startsWith(`1  ${a.url}`))?.group).toBe('Probing Go module proxies');
  // The state cache's own messages stay in the reporting group.
  const chatter = log.filter((l) =>
    /^Cache (restored|saved)|Cache Size|not found for input keys|^\[command\].*tar|^Sent \d+ of/.test(l.line),
  );
  expect(chatter.length).toBeGreaterThan(0);
  for (const l of chatter) expect(l.group).toMatch(/^Run history: (restoring|saving) it/);
  // Durations as the user wrote them, units with a space.
  expect(r.stdout).toMatch(/^probing 2 proxies, 1500ms deadline each: /m);
  expect(r.stdout).toMatch(
    new RegExp(`^GOPROXY=${escaped(shownGoproxy)} for later steps; without the local proxy: ${escaped(`${a.url}|${b.url}|direct`)}$`, 'm'),
  );
  expect(r.stdout).not.toMatch(/\d(ms)\b(?! deadline)/);
  expect(lastLogLine(r)).toBe(`${topLine('healthy')} ${topBlock(md)[1]} Nothing to do: the build used ${a.url}.`);
  // Every docs link of the summary, and the post step's local proxy summary, follows the action's repository.
  const links = (text: string) => [...text.matchAll(/\]\((https?:\/\/[^)]*#[^)]*)\)/g)].map((m) => m[1]!);
  expect(links(md).length).toBeGreaterThanOrEqual(3);
  expect(links(md).filter((l) => !l.startsWith(docs))).toEqual([]);
  const post = await c.post(r, { env: source });
  expect(links(post.summary)).toContain(`${docs}local-proxy.md#the-local-proxy-serve`);
  expect(links(post.summary).filter((l) => !l.startsWith(docs))).toEqual([]);
});

const topLine = (title: string) => `go-proxy-guard: ${title}.`;

test('degraded: the failing proxy and its 503 before any table; narrow tables; one annotation for the run, one for the proxies', async () => {
  const good = await labProxy();
  const bad = await labProxy({ status: 503 }, { tls: 'valid' });
  const c = guardCase('summary-degraded');
  // A TLS handshake on a busy machine can take a while: a deadline that only a hung proxy misses.
  const r = await c.run({ ...fast, 'probe-timeout': '5s', cache: 'false', serve: 'false', proxies: `${bad.url}\n${good.url}` });
  expect(r.code).toBe(0);
  const md = r.summary;
  expect(topBlock(md)).toEqual([
    '## ⚠️ go-proxy-guard: degraded',
    `${bad.url} returned HTTP 503; 1 of 2 proxies healthy.`,
    `**What to do:** Nothing to do: the build used ${good.url}. If ${bad.url} keeps failing, fix it or remove it from the proxies input.`,
  ]);
  expect(md).not.toContain('did not answer');
  expect(md.indexOf(`${bad.url} returned HTTP 503`)).toBeLessThan(md.indexOf('|'));
  expect(visibleLines(md)).toContain(`Later steps get \`GOPROXY=${good.url}|direct\`.`);
  expect(everyVisibleTableNarrow(md)).toBe(true);
  const proxies = visibleTables(md)[0]?.map(cellsOf);
  expect(proxies?.[0]).toEqual(['proxy', 'verdict', 'reason', 'p50', 'success']);
  expect(proxies?.find((row) => row[0] === bad.url)).toEqual([bad.url, '🔴 down', 'returned HTTP 503', '–', '0%']);
  // The unusable proxy has no score and no certificate figures, even folded away.
  const tlsDays = r.report.proxies.find((p: { url: string }) => p.url === bad.url).tlsDaysLeft;
  expect(tlsDays).toBeGreaterThan(300);
  // (a latency of the same figure, "364 ms", is no certificate figure)
  expect(md).not.toMatch(new RegExp(`\\b${tlsDays}\\b(?! ms)`));
  for (const row of md.split('\n').filter((l) => l.includes(bad.url) && l.startsWith('|'))) expect(row).not.toMatch(/\d\.\d\d/);
  expect(r.stdout.split('\n').find((l) => l.startsWith(`2  ${bad.url}`))).toMatch(/down\s+–\s+–\s+0%\s+–\s+–\s+returned HTTP 503$/);

  expect(r.warnings).toHaveLength(2);
  expect(r.commands.filter((x) => x.command === 'warning').map((x) => x.properties.title)).toEqual([
    'Go modules: degraded',
    'Go proxies: 1 of 2 proxies failing',
  ]);
  expect(r.warnings[1]).toBe(`- ${bad.url} returned HTTP 503; it was left out of GOPROXY.`);
  expect(lastLogLine(r)).toMatch(/^go-proxy-guard: degraded\. .* returned HTTP 503; 1 of 2 proxies healthy\. Nothing to do: /);
});

test('failed: "3 of 3 proxies returned HTTP 503; direct was off", one action, and the last line says the job fails', async () => {
  const proxies = [await labProxy({ status: 503 }), await labProxy({ status: 503 }), await labProxy({ status: 503 })];
  const c = guardCase('summary-failed');
  const r = await c.run({ ...fast, cache: 'false', direct: 'false', proxies: proxies.map((p) => p.url).join('\n') });
  expect(r.code).toBe(1);
  const md = r.summary;
  const urls = proxies.map((p) => p.url);
  expect(topBlock(md)).toEqual([
    '## ❌ go-proxy-guard: failed',
    '3 of 3 proxies returned HTTP 503; direct was off; no CI cache to fall back on.',
    `**What to do:** Re-run when ${urls[0]}, ${urls[1]} and ${urls[2]} recover; that run's saved module cache will carry the next outage. This step fails the job: the module cache is incomplete, as fail-on: download-failure asks.`,
  ]);
  expect(everyVisibleTableNarrow(md)).toBe(true);
  expect(md).not.toMatch(/Score\]\(/);
  expect(md).not.toMatch(/\b36[0-9]\b/);
  expect(r.errors).toHaveLength(3);
  expect(r.commands.filter((x) => x.command === 'error').map((x) => x.properties.title)).toEqual([
    'Go modules: failed',
    'Go proxies: 3 of 3 proxies failing',
    undefined,
  ]);
  const last = lastLogLine(r);
  expect(last).toMatch(
    /^::error::go-proxy-guard: failed\. 3 of 3 proxies returned HTTP 503; direct was off; no CI cache to fall back on\. Re-run when .* This step fails the job: the module cache is incomplete, as fail-on: download-failure asks\.$/,
  );
  expect(last).not.toMatch(/\([^)]*\(|\brung\b/);
});

test('absorbed by the local proxy: one warning names the upstream and the counts; the post summary says so first', async () => {
  const a = await labProxy();
  const b = await labProxy({ slow: 60 });
  const c = guardCase('summary-absorbed');
  const r = await c.run({ ...fast, cache: 'false', proxies: `${a.url}\n${b.url}` });
  await b.setFault('ok');
  expect(r.code).toBe(0);
  expect(r.outputs.verdict).toBe('healthy');
  await a.setFault({ status: 503 });
  const step = await c.go(['mod', 'download', '-json', 'all'], {
    GOPROXY: r.exportedEnv.GOPROXY ?? '',
    GOMODCACHE: path.join(c.lab, 'later-modcache'),
  });
  expect(step.code).toBe(0);

  const post = await c.post(r);
  expect(post.code).toBe(0);
  const first = post.commands.filter((x) => x.command === 'warning');
  expect(first).toHaveLength(1);
  expect(first[0]?.properties.title).toBe('Go proxy failures absorbed by the local proxy');
  const m = new RegExp(`^${escaped(a.url)} failed (\\d+) of (\\d+) requests?; the local proxy absorbed them\\.$`).exec(
    post.warnings[0] ?? '',
  );
  expect(m).not.toBeNull();
  const failures = Number(m?.[1]);
  expect(failures).toBeGreaterThan(0);
  expect(topBlock(post.summary)).toEqual([
    `### ⚠️ go-proxy-guard: local proxy absorbed ${failures} upstream failure${failures === 1 ? '' : 's'}`,
    post.warnings[0],
    '**What to do:** Nothing to do for this build: the go command got every answer. If it keeps happening, fix or replace the failing upstream.',
  ]);
  expect(everyVisibleTableNarrow(post.summary)).toBe(true);
});

describe('saved by the CI cache', () => {
  const cached = async (c: GuardCase, inputs: Record<string, string>) => {
    const env = await cacheEnv();
    const main = await c.run({ ...fast, serve: 'false', ...inputs }, { env });
    const post = await c.post(main, { env });
    return { main, post };
  };

  test('the rescue in the verdict, the dead proxy in the cause, the fallbacks open in 4 columns', async () => {
    const p = await labProxy();
    const c = guardCase('summary-cache');
    const first = await cached(c, { proxies: p.url });
    expect(first.main.outputs['cache-hit']).toBe('none');

    await p.setFault({ status: 503 });
    rmSync(c.env.GOMODCACHE!, { recursive: true, force: true });
    const second = await cached(c, { proxies: p.url });
    expect(second.main.code).toBe(0);
    // Two caches were restored: the run history's says so inside its own group, after the module cache's
    // (whose restore overlaps the probe, so it may finish before the warm's group opens).
    const restored = groupsOf(second.main.stdout).filter((x) => /^Cache restored/.test(x.line));
    expect(restored.map((l) => l.group)).toEqual([
      expect.stringMatching(/^(Warming the module cache)?$/),
      'Run history: restoring it from the Actions cache',
    ]);
    const md = second.main.summary;
    expect(topBlock(md)).toEqual([
      '## ⚠️ go-proxy-guard: degraded, saved by the CI cache',
      `${p.url} returned HTTP 503; the module cache restored from the CI cache held the whole build list.`,
      `**What to do:** Nothing to do for this build; a new dependency needs the proxies back, so re-run when ${p.url} recovers.`,
    ]);
    const tables = visibleTables(md);
    expect(tables.map((t) => cellsOf(t[0] as string))).toEqual([
      ['proxy', 'verdict', 'reason', 'p50', 'success'],
      ['fallback', 'outcome', 'reason', 'time'],
    ]);
    expect(tables[1]?.map(cellsOf).find((row) => row[0] === 'CI cache, offline')?.[1]).toBe('✅ ok');
    expect(second.main.commands.filter((x) => x.command === 'warning').map((x) => x.properties.title)).toEqual([
      'Go modules: degraded, saved by the CI cache',
      'Go proxies: 1 of 1 proxy failing',
    ]);
    // The trend: a strip of cells, green then red.
    expect(md).toMatch(new RegExp(`\\| ${escaped(p.url)} \\| 🟩🟥 \\| 50% of 2 \\| failing for 1 run \\|`));
  });
});
