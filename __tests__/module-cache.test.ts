/**
 * The module cache on the user's runner, end to end: the bundled action, the
 * real go command, loopback proxies and the real @actions/cache against the
 * lab's cache service. Every later job sees the same paths as the first
 * (workspace, GOMODCACHE, RUNNER_TEMP), emptied, as on a hosted runner.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkModuleZip } from '../src/goproxy/module-zip.js';
import { ciJobs } from './lab/ci-jobs.js';
import { runCommand } from './lab/go.js';
import { ALPHA, BETA, closeLabServers, FAST_INPUTS, GAMMA, type GuardCase, guardCase, labProxy, rungs, UPPER } from './lab/guard-case.js';
import { buildZip, escapePath } from './lab/modules.js';
import { CLI } from './lab/paths.js';

afterEach(closeLabServers);

const fast = FAST_INPUTS;
const { job, nextJob, cacheServer, moduleEntries } = ciJobs({ inputs: fast });
const download = (c: GuardCase) => path.join(c.env.GOMODCACHE!, 'cache', 'download');
const zipPath = (c: GuardCase, m: { path: string; version: string }) =>
  path.join(download(c), escapePath(m.path), '@v', `${m.version}.zip`);

/** The same module zip with one byte of one file changed: a valid zip, the same length, another h1:. */
function tamperedSameLength(m: typeof GAMMA): Buffer {
  const prefix = `${m.path}@${m.version}/`;
  const names = Object.keys(m.files).sort();
  const victim = names.find((n) => n.endsWith('.go'))!;
  const changed = (s: string) => s.slice(0, -1) + (s.endsWith('\n') ? ' ' : '\n');
  return buildZip(names.map((n) => ({ name: prefix + n, data: n === victim ? changed(m.files[n] ?? '') : (m.files[n] ?? '') })));
}

/** Change a zip inside a stored entry's archive (zstd tar), the .ziphash left as it was: an attacker with cache write access. */
function tamperStoredEntry(key: string, m: typeof GAMMA): void {
  const entry = cacheServer()
    .entries()
    .find((e) => e.key === key)!;
  const tar = execFileSync('zstd', ['-d', '--long=30', '-q', '-c'], { input: cacheServer().archive(key)! });
  const at = tar.indexOf(m.zip);
  expect(at).toBeGreaterThan(0);
  const bad = tamperedSameLength(m);
  expect(bad.length).toBe(m.zip.length);
  bad.copy(tar, at);
  cacheServer().seed(key, entry.version, execFileSync('zstd', ['-q', '-c'], { input: tar }));
}

/** Files of a stored entry's archive (paths as tar lists them). */
function archiveFiles(key: string): string[] {
  const tar = execFileSync('zstd', ['-d', '--long=30', '-q', '-c'], { input: cacheServer().archive(key)! });
  return execFileSync('tar', ['-t'], { input: tar })
    .toString()
    .split('\n')
    .filter((l) => l && !l.endsWith('/'));
}

describe('a restored module cache is hashed before anything uses it', () => {
  test('a zip tampered in the stored entry, its .ziphash original, is discarded and downloaded again, never used', async () => {
    const p = await labProxy();
    const c = guardCase('tampered-restore');
    const first = await job(c, { proxies: p.url });
    expect(first.post.stdout).toMatch(/cache: saved /);
    const key = moduleEntries()[0]!.key;
    tamperStoredEntry(key, GAMMA);

    nextJob(c);
    p.resetLog();
    const { main, post } = await job(c, { proxies: p.url });
    expect(main.code).toBe(0);
    expect([main.outputs['cache-hit'], main.warnings.join('\n')]).toEqual(['exact', expect.anything()]);
    expect(main.warnings.join('\n')).toMatch(
      new RegExp(
        `1 of 4 restored modules fail their checksums .*${GAMMA.path.replace(/[.]/g, '\\.')}@${GAMMA.version}: the zip hashes to h1:`,
      ),
    );
    expect(main.report.warm.restoreCheck).toEqual({
      checked: 4,
      discarded: [expect.stringContaining(`${GAMMA.path}@${GAMMA.version}: the zip hashes to`)],
    });
    expect(main.report.notes.join('\n')).toMatch(/fail their checksums: discarded and downloaded again, never saved back/);
    // Only gamma came over the network; what is on disk is the proxy's zip, go.sum's h1:.
    expect(main.outputs['ladder-step']).toBe('proxy');
    expect(main.outputs.modules).toBe('1');
    expect(p.requests.filter((q) => q.kind === 'zip' && q.status === 200).map((q) => q.module)).toEqual([GAMMA.path]);
    expect(readFileSync(zipPath(c, GAMMA)).equals(GAMMA.zip)).toBe(true);
    expect((await checkModuleZip({ file: zipPath(c, GAMMA) }, { module: GAMMA.path, version: GAMMA.version }, { hash: true })).h1).toBe(
      GAMMA.h1,
    );
    expect(post.stdout).toMatch(/cache: not saving \(the exact key was restored/);
  });

  test('with the proxies down and direct off, the tampered module is never accepted: the job fails naming it', async () => {
    const p = await labProxy();
    const c = guardCase('tampered-no-path');
    await job(c, { proxies: p.url });
    tamperStoredEntry(moduleEntries()[0]!.key, GAMMA);
    nextJob(c);
    await p.setFault({ status: 503 });
    const { main } = await job(c, { proxies: p.url, direct: 'false', 'save-cache': 'always' });
    expect(main.code).toBe(1);
    expect(main.outputs['ladder-step']).toBe('failed');
    expect(existsSync(zipPath(c, GAMMA))).toBe(false);
    expect(moduleEntries()).toHaveLength(2); // the first save and the lab's tampered copy: nothing saved back
  });

  test('an exact, clean restore is the cache rung: no request to any proxy, modules 0, the probe verdict stands', async () => {
    const p = await labProxy();
    const c = guardCase('exact-cache-rung');
    await job(c, { proxies: p.url });
    nextJob(c);
    const { main } = await job(c, { proxies: p.url });
    expect(main.code).toBe(0);
    expect(main.outputs['cache-hit']).toBe('exact');
    expect(main.outputs['ladder-step']).toBe('cache');
    expect(main.outputs.modules).toBe('0');
    // No proxy rung ran: the proxy saw only its probe.
    expect(rungs(main)).toEqual(['cache:ok']);
    expect(main.report.warm.ladder[0].reason).toBe('exact restore, complete and verified');
    expect(main.report.warm.restoreCheck).toEqual({ checked: 4, discarded: [] });
    expect(main.outputs.verdict).toBe('healthy');
    expect((await c.go(['build', './...'], { GOPROXY: 'off', GOFLAGS: '-modcacherw' })).code).toBe(0);
  });

  test('GitLab: what its cache: restored is hashed in place; a tampered zip is replaced before the ladder', async () => {
    const p = await labProxy();
    const c = guardCase('gitlab-tampered');
    const env = { ...c.env, GPG_PROXIES: p.url, GPG_PROBE_SAMPLES: '1', GPG_PROBE_TIMEOUT: '1500ms', CI_PROJECT_PATH: 'lab/project' };
    const first = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
    expect(first.code).toBe(0);
    // What GitLab's cache: would bring back, with gamma's zip altered and its .ziphash left alone.
    writeFileSync(zipPath(c, GAMMA), tamperedSameLength(GAMMA));
    for (const d of readdirSync(c.env.GOMODCACHE!))
      if (d !== 'cache') rmSync(path.join(c.env.GOMODCACHE!, d), { recursive: true, force: true });
    p.resetLog();
    const r = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WARNING: go-proxy-guard cache: cache: 1 of 4 restored modules fail their checksums/);
    const report = JSON.parse(readFileSync(path.join(c.project.dir, 'go-proxy-guard-report', 'report.json'), 'utf8'));
    expect(report.warm.restoreCheck.discarded).toEqual([expect.stringContaining(`${GAMMA.path}@${GAMMA.version}`)]);
    expect(report.warm.downloaded).toEqual([`${GAMMA.path}@${GAMMA.version}`]);
    expect((await checkModuleZip({ file: zipPath(c, GAMMA) }, { module: GAMMA.path, version: GAMMA.version }, { hash: true })).h1).toBe(
      GAMMA.h1,
    );
  });
});

describe("the user's module cache loses nothing", () => {
  test("a shared GOMODCACHE keeps other projects' modules and the sumdb cache; the saved entry holds exactly the build list", async () => {
    const p = await labProxy();
    const c = guardCase('shared-modcache', { requires: [BETA, GAMMA] });
    // Another project on the same runner left Upper/Case, and go's checksum database cache.
    const other = guardCase('shared-modcache-other', { requires: [UPPER] });
    const dl = await runCommand('go', ['mod', 'download', 'all'], {
      cwd: other.project.dir,
      env: { ...other.env, GOMODCACHE: c.env.GOMODCACHE!, GOPROXY: p.url, GOFLAGS: '-modcacherw' },
      timeoutMs: 60_000,
    });
    expect(dl.code).toBe(0);
    const sumdb = path.join(download(c), 'sumdb', 'sum.golang.org', 'lookup', 'example.com', 'x@v1.0.0');
    mkdirSync(path.dirname(sumdb), { recursive: true });
    writeFileSync(sumdb, 'a line from the checksum database\n');
    const before = snapshot(download(c));

    const { main, post } = await job(c, { proxies: p.url });
    expect(main.code).toBe(0);
    expect(post.stdout).toMatch(
      /cache: pruned to the build list: kept \d+ files .*removed [1-9]\d* from the saved copy; GOMODCACHE is left as it is/,
    );
    expect(post.stdout).toMatch(/cache: saved /);
    // Nothing that was there before is gone or changed.
    const after = snapshot(download(c));
    for (const [f, h] of before) expect([f, after.get(f)]).toEqual([f, h]);
    expect(existsSync(zipPath(c, UPPER)) && existsSync(sumdb)).toBe(true);
    // The saved entry: the build list's zips and nothing else (no other project, no sumdb).
    const saved = archiveFiles(moduleEntries()[0]!.key);
    const zips = saved
      .filter((f) => f.endsWith('.zip'))
      .map((f) => f.split('/cache/download/')[1])
      .sort();
    // gamma needs alpha: the build list is beta, gamma and alpha.
    expect(zips).toEqual([ALPHA, BETA, GAMMA].map((m) => `${escapePath(m.path)}/@v/${m.version}.zip`).sort());
    expect(saved.some((f) => f.includes('/sumdb/'))).toBe(false);
    // The staging copy is the guard's and is gone.
    expect(existsSync(path.join(cacheServer().env.RUNNER_TEMP!, 'go-proxy-guard', 'module-cache'))).toBe(false);
  });
});

describe('untrusted events never save, whatever save-cache says', () => {
  test.each(['pull_request_target', 'workflow_run', 'issue_comment'])('%s with save-cache: always saves nothing', async (event) => {
    const p = await labProxy();
    const c = guardCase(`untrusted-${event}`);
    const { main, post } = await job(c, { proxies: p.url, 'save-cache': 'always' }, { GITHUB_EVENT_NAME: event });
    expect(main.code).toBe(0);
    expect(post.stdout).toContain(`cache: not saving (${event} events never save caches`);
    expect(moduleEntries()).toEqual([]);
    // Nor the alert and history state.
    expect(cacheServer().entries()).toEqual([]);
  });
});

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (!e.name.endsWith('.lock')) out.set(path.relative(dir, full), createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}
