/**
 * The prefetch from go.sum against real lab proxies and the real go command
 * (Go 1.19): what it fetches, what the early h1: check keeps out of the
 * module cache, and that `go mod download` afterwards finds everything local
 * and still verifies it against go.sum itself.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listFiles } from '../src/cache/prune.js';
import { discoverProject } from '../src/project/discover.js';
import { prefetchFromGoSum } from '../src/warm/prefetch/prefetch.js';
import type { PrefetchReport } from '../src/model/run-report.js';
import { hermeticGoEnv, makeGoProject, runGo, type GoProject } from './lab/go.js';
import { NO_CREDENTIALS } from '../src/goproxy/goauth.js';
import { fromGoCommand, startGoProxy, type GoProxy, type ProxyRequest } from './lab/goproxy-server.js';
import { NO_EGRESS, world, ALPHA, BETA, GAMMA, UPPER } from './lab/guard-case.js';
import { escapePath } from './lab/modules.js';
import { makeLabDir } from './lab/paths.js';

const open: GoProxy[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function proxy(): Promise<GoProxy> {
  const p = await startGoProxy({ modules: world });
  open.push(p);
  return p;
}

interface Case {
  lab: string;
  project: GoProject;
  env: Record<string, string>;
  downloadDir: string;
}
function labCase(name: string, extraEnv: Record<string, string> = {}): Case {
  const lab = makeLabDir(`prefetch-${name}`);
  const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER, GAMMA], world });
  const env = hermeticGoEnv(lab, { ...NO_EGRESS, ...extraEnv });
  return { lab, project, env, downloadDir: path.join(env.GOMODCACHE!, 'cache', 'download') };
}

async function prefetch(c: Case, proxies: GoProxy[], concurrency = 8): Promise<PrefetchReport> {
  const gonoproxy = c.env.GONOPROXY || c.env.GOPRIVATE || '';
  const project = await discoverProject(c.project.dir, { gonoproxy, gowork: '', requireGoMod: true, inputValue: '.' });
  const cachedFiles = new Set(await listFiles(c.downloadDir));
  return prefetchFromGoSum({
    project,
    downloadDir: c.downloadDir,
    cachedFiles,
    gonoproxy,
    proxies: proxies.map((p) => p.url),
    credentials: NO_CREDENTIALS,
    concurrency,
    retries: 1,
    deadlineMs: 60_000,
    env: c.env,
    goEnv: c.env,
  });
}

const goDownload = (c: Case, goproxy: string) =>
  runGo(['mod', 'download', '-json', 'all'], { cwd: c.project.dir, env: { ...c.env, GOPROXY: goproxy }, timeoutMs: 60_000 });
const fromGo = (reqs: ProxyRequest[]) => reqs.filter(fromGoCommand);
const fromGuard = (reqs: ProxyRequest[]) => reqs.filter((q) => q.userAgent?.startsWith('go-proxy-guard'));
const files = (reqs: ProxyRequest[]) => reqs.filter((q) => q.kind === 'mod' || q.kind === 'zip' || q.kind === 'info');
const zipPath = (c: Case, m: { path: string; version: string }) => path.join(c.downloadDir, escapePath(m.path), '@v', `${m.version}.zip`);

test('a complete prefetch: go mod download asks the proxy for nothing, verifies every zip itself, and the build works offline', async () => {
  const p = await proxy();
  const c = labCase('complete');
  const report = await prefetch(c, [p]);
  expect(report.status).toBe('done');
  expect(report.missed).toBe(0);
  expect(report.fetched).toBe(report.planned);
  // Every module of the build list: .zip and .info; every graph node: .mod.
  expect(report.planned).toBe(2 * c.project.buildList.length + c.project.buildList.length);
  // Each zip with the .ziphash go writes after the same check, so go does not inflate it all again.
  for (const m of c.project.buildList) expect(readFileSync(`${zipPath(c, m)}hash`, 'utf8')).toBe(m.h1);
  const guardRequests = files(fromGuard(p.requests)).length;

  p.resetLog();
  const r = await goDownload(c, p.url);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(files(p.requests)).toEqual([]);
  for (const m of c.project.buildList) expect(readFileSync(`${zipPath(c, m)}hash`, 'utf8')).toBe(m.h1);
  const build = await runGo(['build', '-o', path.join(c.lab, 'app'), '.'], {
    cwd: c.project.dir,
    env: { ...c.env, GOPROXY: 'off' },
    timeoutMs: 60_000,
  });
  expect(build.code).toBe(0);

  // No waste: about as many requests as the go command makes for the same build list from an empty cache.
  const plain = labCase('complete-plain');
  p.resetLog();
  expect((await goDownload(plain, p.url)).code).toBe(0);
  const goRequests = files(fromGo(p.requests)).length;
  expect(guardRequests).toBeLessThanOrEqual(Math.ceil(goRequests * 1.2));
  expect(guardRequests).toBe(report.planned);
});

test('a tampered zip is caught by the early h1: check and fetched again from the next proxy', async () => {
  const bad = await proxy();
  const good = await proxy();
  await bad.setFault('tampered-zip', { module: ALPHA.path });
  const c = labCase('tampered');
  const report = await prefetch(c, [bad, good]);
  expect(report.rejected).toBe(1);
  expect(report.absorbed).toBeGreaterThanOrEqual(1);
  expect(report.missed).toBe(0);
  expect(bad.hits(`${ALPHA.path}/@v/${ALPHA.version}.zip`)).toHaveLength(1);
  expect(good.hits(`${ALPHA.path}/@v/${ALPHA.version}.zip`)).toHaveLength(1);
  expect(readFileSync(zipPath(c, ALPHA))).toEqual(ALPHA.zip);
  // go, even pointed at the tampering proxy alone, finds the good zip local and accepts it.
  bad.resetLog();
  const r = await goDownload(c, bad.url);
  expect(r.code).toBe(0);
  expect(files(bad.requests)).toEqual([]);
});

test('when every proxy serves the tampered zip, nothing is placed and go reports the checksum mismatch as before', async () => {
  const a = await proxy();
  const b = await proxy();
  for (const p of [a, b]) await p.setFault('tampered-zip', { module: ALPHA.path });
  const c = labCase('tampered-everywhere');
  const report = await prefetch(c, [a, b]);
  expect(report.rejected).toBe(2);
  expect(report.missed).toBe(1);
  expect(report.failures.join('\n')).toMatch(
    /example.com\/alpha@v1.1.0.zip: http:\/\/127.0.0.1:\d+: example.com\/alpha@v1.1.0.zip: h1 h1:\S+ does not match go.sum's h1:/,
  );
  expect(existsSync(zipPath(c, ALPHA))).toBe(false);
  const r = await goDownload(c, `${a.url}|${b.url}`);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/checksum mismatch/);
});

test('go still holds each placed .ziphash to go.sum: one that names another hash is refused, never trusted', async () => {
  const p = await proxy();
  const c = labCase('ziphash-checked');
  await prefetch(c, [p]);
  writeFileSync(`${zipPath(c, ALPHA)}hash`, BETA.h1);
  const r = await goDownload(c, 'off');
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/example.com\/alpha@v1.1.0: .*checksum mismatch/s);
});

test('private modules (GOPRIVATE) are never asked of a proxy', async () => {
  const p = await proxy();
  const c = labCase('private', { GOPRIVATE: GAMMA.path });
  const report = await prefetch(c, [p]);
  expect(report.private).toEqual([GAMMA.path]);
  expect(p.requests.filter((q) => q.module === GAMMA.path)).toEqual([]);
  expect(existsSync(zipPath(c, GAMMA))).toBe(false);
  expect(existsSync(zipPath(c, BETA))).toBe(true);
});

test('files already in the module cache (a partial restore) are not fetched again', async () => {
  const p = await proxy();
  const c = labCase('partial');
  // A restored entry holds beta and alpha, from an earlier run.
  for (const m of [BETA, ALPHA]) {
    const base = path.join(c.downloadDir, escapePath(m.path), '@v', m.version);
    mkdirSync(path.dirname(base), { recursive: true });
    writeFileSync(`${base}.zip`, m.zip);
    writeFileSync(`${base}.mod`, m.mod);
    writeFileSync(`${base}.info`, m.info);
  }
  const report = await prefetch(c, [p]);
  expect(report.cached).toBe(6);
  expect(new Set(p.requests.map((q) => q.module))).toEqual(new Set([UPPER.path, GAMMA.path]));
  expect(p.requests).toHaveLength(6);
  expect(report.missed).toBe(0);
});

test('a file that cannot be stored costs that file, never the run: the rest is placed', async () => {
  const p = await proxy();
  const c = labCase('unstorable');
  // A plain file where alpha's directory belongs.
  mkdirSync(path.join(c.downloadDir, 'example.com'), { recursive: true });
  writeFileSync(path.join(c.downloadDir, 'example.com', 'alpha'), 'not a directory');
  const report = await prefetch(c, [p]);
  expect(report.status).toBe('done');
  expect(report.missed).toBe(3);
  expect(report.failures.join('\n')).toMatch(/example.com\/alpha@v1.1.0.zip: could not be stored/);
  expect(report.fetched).toBe(report.planned - 3);
  expect(existsSync(zipPath(c, BETA))).toBe(true);
});

test('without go.sum the prefetch stands aside, and says why', async () => {
  const p = await proxy();
  const c = labCase('no-go-sum');
  rmSync(path.join(c.project.dir, 'go.sum'));
  const report = await prefetch(c, [p]);
  expect(report.status).toBe('skipped');
  expect(report.reason).toMatch(/no go.sum next to go.mod/);
  expect(p.requests).toEqual([]);
});
