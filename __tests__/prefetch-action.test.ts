/**
 * The prefetch inside the bundled action: the warm step fetches what go.sum
 * names through the ranked chain, then `go mod download` finds it local; the
 * report and the summary say what was fetched. Real go, real lab proxies,
 * real @actions/cache against the loopback cache service.
 */

import path from 'node:path';
import { makeGoProject } from './lab/go.js';
import { BETA, closeLabServers, FAST_INPUTS, GAMMA, type GuardCase, guardCase, labProxy, UPPER, world } from './lab/guard-case.js';
import { ciJobs } from './lab/ci-jobs.js';
import { fromGoCommand, type ProxyRequest } from './lab/goproxy-server.js';

afterEach(closeLabServers);

const fast = FAST_INPUTS;
const { job, nextJob, cacheServer } = ciJobs({ inputs: fast });
const noCache = { ...fast, cache: 'false' };
/** The module files the go command itself asked for (the probe and the prefetch say go-proxy-guard). */
const goFiles = (reqs: ProxyRequest[]) => reqs.filter((q) => fromGoCommand(q) && ['mod', 'zip', 'info'].includes(q.kind));
const buildOffline = (c: GuardCase) => c.go(['build', '-o', path.join(c.lab, 'app'), '.'], { GOPROXY: 'off' });

test('a cold cache: everything go.sum names is prefetched, go mod download asks the proxy for nothing, the summary shows it', async () => {
  const p = await labProxy();
  const c = guardCase('prefetch-cold');
  const r = await c.run({ ...noCache, proxies: p.url, 'prefetch-concurrency': '16' });
  expect(r.code).toBe(0);
  expect(r.outputs['ladder-step']).toBe('proxy');
  const pf = r.report.warm.prefetch;
  expect(pf).toMatchObject({ status: 'done', concurrency: 16, missed: 0, rejected: 0 });
  expect(pf.fetched).toBe(pf.planned);
  expect(pf.fetched).toBe(3 * c.project.buildList.length);
  expect(pf.bytes).toBeGreaterThan(0);
  expect(goFiles(p.requests)).toEqual([]);
  expect(r.stdout).toMatch(
    new RegExp(`prefetch: ${pf.fetched} of ${pf.planned} files \\([\\d.]+ MiB\\) in [\\d.]+ s, 16 at a time, 0 failures absorbed`),
  );
  expect(r.summary).toMatch(/- Prefetch: \d+ of \d+ files/);
  expect(Number(r.outputs.modules)).toBe(c.project.buildList.length);
  // 16 requests share the prefetch's deadline: no Node warning about its listeners reaches the log.
  expect(r.stderr).not.toMatch(/MaxListenersExceededWarning/);
  expect((await buildOffline(c)).code).toBe(0);
});

test('transient failures are absorbed by the prefetch (retries with backoff): go never sees them, the ladder stays on its first rung', async () => {
  const p = await labProxy();
  await p.setFault({ flaky: 2 }, { module: GAMMA.path, path: /\.zip$/ });
  const c = guardCase('prefetch-flaky');
  const r = await c.run({ ...noCache, proxies: p.url, retries: '3' });
  expect(r.code).toBe(0);
  expect(r.outputs['ladder-step']).toBe('proxy');
  expect(r.report.warm.ladder.map((x: { step: string; outcome: string }) => `${x.step}:${x.outcome}`)).toEqual(['proxy:ok']);
  expect(r.report.warm.prefetch).toMatchObject({ missed: 0, absorbed: 2 });
  expect(r.stdout).toMatch(/, 2 failures absorbed/);
  expect(goFiles(p.requests)).toEqual([]);
});

test('prefetch-concurrency 0 turns it off: go mod download fetches everything, as before', async () => {
  const p = await labProxy();
  const c = guardCase('prefetch-off');
  const r = await c.run({ ...noCache, proxies: p.url, 'prefetch-concurrency': '0' });
  expect(r.code).toBe(0);
  expect(r.report.warm.prefetch).toMatchObject({ status: 'skipped', reason: 'prefetch-concurrency is 0' });
  expect(goFiles(p.requests).filter((q) => q.kind === 'zip')).toHaveLength(c.project.buildList.length);
});

test('a bad prefetch-concurrency is refused, naming the input, the value and the range', async () => {
  const c = guardCase('prefetch-bad-input');
  const r = await c.run({ ...noCache, proxies: 'http://127.0.0.1:9', 'prefetch-concurrency': 'lots' });
  expect(r.code).not.toBe(0);
  expect(r.errors.join('\n')).toMatch(/prefetch-concurrency.*lots/);
});

test('without go.sum the prefetch stands aside and says so; go mod download does the work as before', async () => {
  const p = await labProxy();
  const c = guardCase('prefetch-no-sum', { withGoSum: false });
  const r = await c.run({ ...noCache, proxies: p.url });
  expect(r.report.warm.prefetch.status).toBe('skipped');
  expect(r.report.warm.prefetch.reason).toMatch(/no go.sum next to go.mod: go mod download fetched everything itself/);
  expect(r.stdout).toMatch(/prefetch skipped: no go.sum/);
  expect(r.summary).toMatch(/- Prefetch: skipped: no go.sum/);
  expect(p.requests.filter((q) => q.userAgent?.includes('(serve)'))).toEqual([]);
});

test('a partial cache restore (dependency bump): only the missing files are prefetched, go asks for nothing', async () => {
  const p = await labProxy();
  const c = guardCase('prefetch-bump', { requires: [BETA, UPPER] });
  await job(c, { proxies: p.url });
  makeGoProject(c.project.dir, { requires: [BETA, GAMMA], world });
  nextJob(c);
  p.resetLog();
  const r = await c.run({ ...fast, proxies: p.url }, { env: cacheServer().env });
  expect(r.code).toBe(0);
  expect(r.outputs['cache-hit']).toBe('partial');
  expect(r.report.warm.downloaded).toEqual([`${GAMMA.path}@${GAMMA.version}`]);
  const pf = r.report.warm.prefetch;
  expect(pf.cached).toBeGreaterThan(0);
  expect(pf.fetched).toBe(3);
  const prefetched = p.requests.filter((q) => q.userAgent?.includes('(serve)'));
  expect(prefetched.map((q) => `${q.module}.${q.kind}`).sort()).toEqual([`${GAMMA.path}.info`, `${GAMMA.path}.mod`, `${GAMMA.path}.zip`]);
  expect(goFiles(p.requests)).toEqual([]);
});
