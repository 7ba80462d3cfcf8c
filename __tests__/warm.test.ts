/**
 * Warming down the degradation ladder, end to end: the bundled action, the
 * real go command, fault-injecting proxies and the real @actions/cache
 * against a loopback cache service. Each scenario asserts what a user sees:
 * exit status, outputs, exported variables and the ladder in the report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeGoProject, makeGoWork, vendorProject } from './lab/go.js';
import {
  ALPHA,
  BETA,
  closeLabServers,
  FAST_INPUTS,
  GAMMA,
  type GuardCase,
  guardCase,
  labProxy,
  rungs,
  UPPER,
  world,
} from './lab/guard-case.js';
import { fromGoCommand } from './lab/goproxy-server.js';
import { ciJobs } from './lab/ci-jobs.js';
import type { ActionResult } from './lab/runner.js';

afterEach(closeLabServers);

const fast = FAST_INPUTS;
const noCache = { ...fast, cache: 'false' };
const { job: cached, nextJob, cacheServer, startCacheServer, moduleEntries } = ciJobs({ inputs: fast });
const zipsIn = (c: GuardCase) => {
  const dir = path.join(c.env.GOMODCACHE!, 'cache', 'download');
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.zip')) out.push(path.relative(dir, path.join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
};
/** A later build step: no network at all, only the warmed cache. */
const buildOffline = (c: GuardCase, r: ActionResult) =>
  c.go(['build', '-o', path.join(c.lab, 'app'), '.'], { GOPROXY: 'off', GOFLAGS: r.exportedEnv.GOFLAGS ?? '-modcacherw' });

describe('a failing first proxy with a healthy second', () => {
  test.each([
    ['503', { status: 503 }],
    ['reset', 'reset'],
    ['hang', 'hang'],
    ['stale', { notFound: 404 }],
  ] as const)('first proxy %s: the healthy one warms the cache; go.mod and go.sum untouched', async (_name, fault) => {
    const bad = await labProxy(fault);
    const good = await labProxy();
    const c = guardCase(`first-${_name}`);
    const files = ['go.mod', 'go.sum'].map((f) => path.join(c.project.dir, f));
    const before = files.map((f) => readFileSync(f));
    const r = await c.run({ ...noCache, proxies: `${bad.url}\n${good.url}` });
    expect(r.code).toBe(0);
    expect(r.outputs['ladder-step']).toBe('proxy');
    expect(r.outputs.verdict).toBe('degraded');
    expect(r.exportedEnv.GOPROXY).toBe(`${r.outputs['local-proxy']}|${good.url}|direct`);
    expect(Number(r.outputs.modules)).toBe(c.project.buildList.length);
    expect(rungs(r)).toEqual(['proxy:ok']);
    // The failing proxy cost at most its probe deadline (1.5 s here), hang included.
    expect(r.report.probe.durationMs).toBeLessThan(1500 + 500);
    expect(files.map((f) => readFileSync(f))).toEqual(before);
    const build = await buildOffline(c, r);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
  });
});

test('once the cache is warm a silent proxy is not waited for, but a slow one that answers is still judged healthy', async () => {
  const fast = await labProxy();
  const slow = await labProxy({ slow: 300 });
  const silent = await labProxy('hang');
  const c = guardCase('stragglers');
  const r = await c.run({ ...noCache, proxies: `${silent.url}\n${slow.url}\n${fast.url}`, 'probe-timeout': '10s' });
  expect(r.code).toBe(0);
  const byUrl = Object.fromEntries(r.report.proxies.map((p: { url: string }) => [p.url, p]));
  expect(byUrl[fast.url].verdict).toBe('healthy');
  expect(byUrl[slow.url].verdict).toBe('healthy');
  expect(byUrl[slow.url].notWaitedFor).toBeGreaterThan(0);
  expect(byUrl[silent.url].verdict).toBe('down');
  // The silent proxy cost latency-max (2 s), not the 10 s deadline.
  expect(r.report.probe.durationMs).toBeLessThan(4000);
  expect(r.exportedEnv.GOPROXY).toBe(`${r.outputs['local-proxy']}|${fast.url}|${slow.url}|direct`);
});

test('a proxy that lacks a version the probe did not sample is a miss, not a fatal error: direct is still tried', async () => {
  const p = await labProxy();
  await p.setFault({ notFound: 404 }, { module: GAMMA.path });
  const c = guardCase('miss-unsampled');
  // Only one module is sampled (Upper/Case), so the probe finds the proxy healthy.
  const r = await c.run({ ...noCache, proxies: p.url, 'probe-modules': '1' });
  expect(r.report.proxies[0].verdict).toBe('healthy');
  expect(r.code).toBe(1);
  expect(rungs(r)).toEqual(['proxy:failed', 'direct:failed', 'cache:skipped', 'vendor:skipped', 'failed:failed']);
  expect(r.report.warm.ladder[0].diagnosis).toMatchObject({
    code: 'not-found',
    class: 'proxy-miss',
    module: `${GAMMA.path}@${GAMMA.version}`,
  });
});

test('a transient failure after the probe is retried with backoff: ladder-step retry', async () => {
  const p = await labProxy();
  // Only gamma's zip fails, and only twice: the probe (which asks for another module's zip) sees a healthy proxy.
  await p.setFault({ flaky: 2 }, { module: GAMMA.path, path: /\.zip$/ });
  const c = guardCase('retry');
  // The ladder's own rung: the prefetch, which absorbs such failures before go runs, is off here.
  const r = await c.run({ ...noCache, proxies: p.url, retries: '3', 'prefetch-concurrency': '0' });
  expect(r.code).toBe(0);
  expect(r.outputs['ladder-step']).toBe('retry');
  expect(rungs(r)).toEqual(['proxy:failed', 'retry:failed', 'retry:ok']);
  // Backoff happened between the tries: 100 ms doubling, with jitter in the upper half.
  const waits = [...r.stdout.matchAll(/retrying in (\d+) ms after/g)].map((m) => Number(m[1]));
  expect(waits).toHaveLength(2);
  expect(waits[0]).toBeGreaterThanOrEqual(50);
  expect(waits[1]).toBeGreaterThanOrEqual(100);
  expect(r.report.warm.ladder[0].diagnosis.class).toBe('transient');
  expect(r.outputs.verdict).toBe('degraded');
});

test('a corrupt zip from one proxy is rejected, never accepted into the cache, and the next proxy serves it', async () => {
  const corrupt = await labProxy();
  await corrupt.setFault('corrupt-zip', { module: GAMMA.path });
  // Clearly slower, so the corrupt one ranks first whatever the machine's load does to loopback latency.
  const good = await labProxy({ slow: 150 });
  const c = guardCase('corrupt');
  // go's own rejection: with the prefetch on, it refuses the zip first and keeps that proxy out of the ladder
  // altogether (__tests__/hostile-answers.test.ts).
  const r = await c.run({ ...noCache, proxies: `${corrupt.url}\n${good.url}`, 'prefetch-concurrency': '0' });
  expect(r.code).toBe(0);
  // The ladder may also wait for the probe (a 'waited' rung) when the good proxy is still being judged.
  expect(rungs(r).filter((x) => x !== 'proxy:waited')).toEqual(['proxy:failed', 'proxy:ok']);
  expect(r.report.warm.ladder[0].diagnosis.code).toBe('corrupt-zip');
  const verify = await c.go(['mod', 'verify'], { GOPROXY: 'off' });
  expect(verify.stdout.trim()).toBe('all modules verified');

  // With only the corrupt proxy, the step fails and the cache holds no zip for gamma.
  const alone = guardCase('corrupt-alone');
  const failed = await alone.run({ ...noCache, proxies: corrupt.url, direct: 'false', 'vendor-fallback': 'false' });
  expect(failed.code).toBe(1);
  expect(failed.outputs['ladder-step']).toBe('failed');
  expect(zipsIn(alone).filter((z) => z.includes('gamma'))).toEqual([]);
});

test('a checksum mismatch against go.sum is fatal when no verified source has the module: never retried, vendor/ never used, the module named', async () => {
  const p = await labProxy();
  await p.setFault('tampered-zip', { module: GAMMA.path });
  const c = guardCase('checksum');
  // vendor/ would hide the mismatch: the ladder must not reach it.
  const vendored = await vendorProject(c.project.dir, { ...c.env, GOPROXY: (await labProxy()).url });
  expect(vendored.code).toBe(0);
  rmSync(c.env.GOMODCACHE!, { recursive: true, force: true });
  const r = await c.run({ ...noCache, proxies: p.url, retries: '3' });
  expect(r.code).toBe(1);
  expect(r.outputs['ladder-step']).toBe('failed');
  // direct is tried (go checks it against go.sum too) but cannot reach example.com here; vendor/ is not checked against go.sum.
  expect(rungs(r)).toEqual(['proxy:failed', 'direct:failed', 'cache:skipped', 'vendor:skipped', 'failed:failed']);
  expect(r.report.warm.ladder[3].reason).toMatch(/never used past a checksum mismatch/);
  expect(r.report.warm.diagnosis.code).toBe('checksum-mismatch');
  expect(r.report.warm.diagnosis.module).toBe(`${GAMMA.path}@${GAMMA.version}`);
  expect(r.errors.join('\n')).toMatch(/checksum mismatch/);
  // go asked once, never again; before it, the prefetch's one try was rejected by its own h1: check.
  const zips = p.requests.filter((q) => q.path.endsWith(`${GAMMA.version}.zip`));
  expect(zips.filter(fromGoCommand)).toHaveLength(1);
  expect(zips).toHaveLength(2);
  expect(r.report.warm.prefetch.rejected).toBe(1);
});

test('all proxies down, no cache, consistent vendor/: GOFLAGS=-mod=vendor is exported', async () => {
  const seed = await labProxy();
  const c = guardCase('vendor');
  const vendored = await vendorProject(c.project.dir, { ...c.env, GOPROXY: seed.url });
  expect(vendored.code).toBe(0);
  await seed.setFault({ status: 503 });
  rmSync(c.env.GOMODCACHE!, { recursive: true, force: true });
  const r = await c.run({ ...noCache, proxies: seed.url, direct: 'false' });
  expect(r.code).toBe(0);
  expect(r.outputs['ladder-step']).toBe('vendor');
  expect(r.exportedEnv.GOFLAGS).toBe('-modcacherw -mod=vendor');
  expect(rungs(r)).toEqual(['proxy:skipped', 'direct:skipped', 'cache:skipped', 'vendor:ok']);
  const build = await buildOffline(c, r);
  expect(build.code).toBe(0);
});

test('nothing left: a clean failure with the right diagnosis', async () => {
  const down = await labProxy({ status: 503 });
  const c = guardCase('nothing');
  const r = await c.run({ ...noCache, proxies: down.url });
  expect(r.code).toBe(1);
  expect(r.outputs['ladder-step']).toBe('failed');
  expect(r.outputs.verdict).toBe('failed');
  // direct is allowed but cannot reach example.com from the lab.
  expect(rungs(r)).toEqual(['proxy:skipped', 'direct:failed', 'cache:skipped', 'vendor:skipped', 'failed:failed']);
  expect(r.errors.join('\n')).toMatch(/This step fails the job: the module cache is incomplete, as fail-on: download-failure asks\.$/);
  expect(r.stdout.trim().split('\n').slice(-1)[0]).toMatch(/^::error::go-proxy-guard: failed\. /);
});

test('a go.work with two modules warms the build list of both', async () => {
  const p = await labProxy();
  const c = guardCase('work', { requires: [BETA] });
  const tools = path.join(c.project.dir, 'tools');
  makeGoProject(tools, { module: 'lab.example/tools', requires: [GAMMA, UPPER], world });
  makeGoWork(c.project.dir, ['.', './tools']);
  const r = await c.run({ ...noCache, proxies: p.url });
  expect(r.code).toBe(0);
  expect(r.outputs['ladder-step']).toBe('proxy');
  expect(zipsIn(c)).toEqual(
    [BETA, ALPHA, GAMMA, UPPER].map((m) => `${m.path.replace(/[A-Z]/g, (x) => `!${x.toLowerCase()}`)}/@v/${m.version}.zip`).sort(),
  );
});

describe('the CI cache as the safety net (real @actions/cache, loopback cache service)', () => {
  test('saved after a good run; with every proxy down the exact entry restores, verified, served offline', async () => {
    const p = await labProxy();
    const c = guardCase('cache-hit');
    const first = await cached(c, { proxies: p.url });
    expect(first.main.outputs['cache-hit']).toBe('none');
    expect(first.post.stdout).toMatch(/cache: saved go-proxy-guard-linux-amd64-/);
    expect(moduleEntries()).toHaveLength(1);

    await p.setFault({ status: 503 });
    nextJob(c);
    const second = await cached(c, { proxies: p.url });
    expect(second.main.code).toBe(0);
    expect(second.main.outputs['cache-hit']).toBe('exact');
    expect(second.main.outputs['ladder-step']).toBe('cache');
    // An exact, clean restore is tried first: served offline and checked with go mod verify, no proxy or direct fetch.
    expect(rungs(second.main)).toEqual(['cache:ok']);
    expect(second.main.report.warm.ladder[0].reason).toBe('exact restore, complete and verified');
    expect(second.main.outputs.modules).toBe('0');
    expect(second.post.stdout).toMatch(/cache: not saving \(the exact key was restored/);
    expect((await buildOffline(c, second.main)).code).toBe(0);
  });

  test('a partial entry with every proxy down: the missing module is reported by name', async () => {
    const p = await labProxy();
    const c = guardCase('cache-partial', { requires: [BETA] });
    await cached(c, { proxies: p.url });
    // The project gains a dependency; the old entry restores by prefix, but nobody can serve gamma.
    makeGoProject(c.project.dir, { requires: [BETA, GAMMA], world });
    await p.setFault({ status: 503 });
    nextJob(c);
    const r = await cached(c, { proxies: p.url, direct: 'false' });
    expect(r.main.code).toBe(1);
    expect(r.main.outputs['cache-hit']).toBe('partial');
    expect(r.main.outputs['ladder-step']).toBe('failed');
    const cacheRung = r.main.report.warm.ladder.find((x: { step: string }) => x.step === 'cache');
    expect(cacheRung.outcome).toBe('failed');
    expect(cacheRung.reason).toContain(`${GAMMA.path}@${GAMMA.version}`);
    expect(r.post.stdout).toMatch(/cache: not saving \(the module cache is incomplete\)/);
  });

  test('a dependency bump restores the old entry, downloads only the changed module, saves an entry pruned to the build list', async () => {
    const p = await labProxy();
    const c = guardCase('bump', { requires: [BETA, UPPER] });
    await cached(c, { proxies: p.url });
    // Bump: Upper/Case leaves, gamma arrives.
    makeGoProject(c.project.dir, { requires: [BETA, GAMMA], world });
    nextJob(c);
    p.resetLog();
    const r = await cached(c, { proxies: p.url });
    expect(r.main.code).toBe(0);
    expect(r.main.outputs['cache-hit']).toBe('partial');
    expect(r.main.report.warm.downloaded).toEqual([`${GAMMA.path}@${GAMMA.version}`]);
    expect(r.main.outputs.modules).toBe('1');
    expect(p.requests.filter((q) => q.kind === 'zip' && q.status === 200).map((q) => q.module)).toEqual([GAMMA.path]);
    expect(r.post.stdout).toMatch(/cache: pruned to the build list: kept \d+ files .*removed [1-9]\d* /);
    expect(r.post.stdout).toMatch(/cache: saved/);
    // GOMODCACHE keeps what it held (the user's disk loses nothing); the new entry holds the build list only.
    expect(zipsIn(c).some((z) => z.includes('!upper'))).toBe(true);
    expect(moduleEntries()).toHaveLength(2);
    const tar = execFileSync('zstd', ['-d', '--long=30', '-q', '-c'], { input: cacheServer().archive(moduleEntries()[1]!.key)! });
    const savedZips = execFileSync('tar', ['-t'], { input: tar })
      .toString()
      .split('\n')
      .filter((f) => f.endsWith('.zip'));
    expect(savedZips).toHaveLength(3);
    expect(savedZips.some((z) => z.includes('!upper'))).toBe(false);
  });

  test('a cache service that is down is a warning, never a failure', async () => {
    const p = await labProxy();
    const c = guardCase('cache-down');
    (await startCacheServer()).setFault('down');
    const { main, post } = await cached(c, { proxies: p.url });
    expect(main.code).toBe(0);
    expect(main.outputs['ladder-step']).toBe('proxy');
    expect(post.code).toBe(0);
    // Bounded: the toolkit alone retries a dead service for ~30 s per call.
    expect(main.durationMs).toBeLessThan(25_000);
    expect(post.durationMs).toBeLessThan(25_000);
    expect(main.warnings.join('\n')).toMatch(/cache restore failed, continuing without it/);
    expect(post.warnings.join('\n')).toMatch(/cache: save failed, the build is unaffected/);
  });
});
