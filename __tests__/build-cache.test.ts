/**
 * The build cache (GOCACHE), end to end: the bundled action's main and post
 * steps around a job's own `go test`, the real go command, the real
 * @actions/cache against the lab's cache service. Every later job sees the
 * same paths (workspace, GOCACHE, GOMODCACHE, RUNNER_TEMP), emptied, as on a
 * hosted runner.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IDLE_BUDGET, IDLE_ENTRY_MAX_BYTES, MARK_BACK_MS } from '../src/cache/build-cache.js';
import { ciJobs } from './lab/ci-jobs.js';
import { makeGoProject } from './lab/go.js';
import { BETA, closeLabServers, FAST_INPUTS, GAMMA, type GuardCase, guardCase, labProxy, UPPER, world } from './lab/guard-case.js';

afterEach(closeLabServers);

/** Several CI jobs with real compiles, on a machine shared by many: generous, the behaviour needs far less. */
const JOBS_TIMEOUT = 300_000;
const fast = { ...FAST_INPUTS, serve: 'false' };
/** One CI job: the guard's main step, the job's own go test, the guard's post step. */
const { job, nextJob, cacheServer } = ciJobs({
  inputs: fast,
  step: (c) => c.go(['test', './...'], { GOPROXY: 'off', GOFLAGS: '-modcacherw' }),
});
const buildEntries = () =>
  cacheServer()
    .entries()
    .filter((e) => e.key.startsWith('go-proxy-guard-build-'));
const gocache = (c: GuardCase) => c.env.GOCACHE!;

/** Entry files of a GOCACHE, relative, with mtimes. */
function entries(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of readdirSync(dir).filter((x) => /^[0-9a-f]{2}$/.test(x))) {
    for (const f of readdirSync(path.join(dir, d))) out.set(`${d}/${f}`, statSync(path.join(dir, d, f)).mtimeMs);
  }
  return out;
}

/** Entry files of a GOCACHE, relative, with sizes. */
function entrySizes(dir: string): Map<string, number> {
  return new Map([...entries(dir).keys()].map((f) => [f, statSync(path.join(dir, f)).size]));
}
const bytes = (m: Map<string, number>, only?: (f: string) => boolean) =>
  [...m].reduce((n, [f, size]) => n + (!only || only(f) ? size : 0), 0);

/** A large file in the main package (its compiled archive is well over IDLE_ENTRY_MAX_BYTES), different per version. */
function withLargeFile(c: GuardCase, version: number): void {
  const funcs = Array.from({ length: 1500 }, (_, i) => `func Gen${i}(x int) int { return x*${i + 1} + ${version} }\n`).join('');
  writeFileSync(path.join(c.project.dir, 'large.go'), `package main\n\n${funcs}`);
}

/** A test in the project, so `go test` has results to cache. */
function withTest(c: GuardCase): void {
  writeFileSync(path.join(c.project.dir, 'main_test.go'), 'package main\n\nimport "testing"\n\nfunc TestMain0(t *testing.T) { main() }\n');
}

/** The GOCACHE entries a saved archive holds, with their sizes. */
function archiveSizes(key: string): Map<string, number> {
  const tar = execFileSync('zstd', ['-d', '--long=30', '-q', '-c'], { input: cacheServer().archive(key)!, maxBuffer: 1 << 30 });
  const out = new Map<string, number>();
  for (const line of execFileSync('tar', ['-tv'], { input: tar, maxBuffer: 1 << 28 })
    .toString()
    .split('\n')) {
    const m = /^\S+\s+\S+\s+(\d+)\s.*\/([0-9a-f]{2}\/[^/]+)$/.exec(line);
    if (m) out.set(m[2]!, Number(m[1]));
  }
  return out;
}
const archiveEntries = (key: string) => [...archiveSizes(key).keys()];

test(
  'go 1.19 refreshes a used entry whose mtime is over an hour old, and only a used one: the basis of pruning',
  async () => {
    const p = await labProxy();
    const c = guardCase('build-cache-mtime', { requires: [BETA, UPPER] });
    withTest(c);
    expect((await c.go(['mod', 'download', 'all'], { GOPROXY: p.url, GOFLAGS: '-modcacherw' })).code).toBe(0);
    expect((await c.go(['test', './...'], { GOPROXY: 'off' })).code).toBe(0);
    const back = new Date(Date.now() - MARK_BACK_MS);
    for (const f of entries(gocache(c)).keys()) utimesSync(path.join(gocache(c), f), back, back);
    const markedAt = Date.now();
    // Nothing ran: nothing is newer. Then build upper alone: some entries refreshed, beta's not.
    expect([...entries(gocache(c)).values()].filter((t) => t >= markedAt - 1000)).toEqual([]);
    const list = await c.go(['list', '-export', '-f', '{{.Export}}', UPPER.path], { GOPROXY: 'off' });
    expect(list.code).toBe(0);
    const after = [...entries(gocache(c)).values()];
    const used = after.filter((t) => t >= markedAt - 1000).length;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(after.length);
  },
  JOBS_TIMEOUT,
);

describe('the build cache across jobs', () => {
  test(
    'exact hit: the next job restores what the first compiled and tested; its tests come from the cache',
    async () => {
      const p = await labProxy();
      const c = guardCase('build-cache-exact');
      withTest(c);
      const first = await job(c, { proxies: p.url });
      expect(first.main.code).toBe(0);
      expect(first.main.outputs['build-cache-hit']).toBe('none');
      expect(first.step.code).toBe(0);
      expect(first.post.stdout).toMatch(
        /build cache: kept [1-9]\d* entries this job used or wrote \(.* MiB\) and 0 small restored ones it may want again \(0\.0 MiB\), left out \d+; GOCACHE is left as it is/,
      );
      expect(first.post.stdout).toMatch(/build cache: saved go-proxy-guard-build-linux-amd64-go1\.\d+(\.\d+)?-[0-9a-f]{32} /);
      expect(buildEntries()).toHaveLength(1);

      nextJob(c);
      const second = await job(c, { proxies: p.url });
      expect(second.main.outputs['build-cache-hit']).toBe('exact');
      expect(second.main.report.buildCache).toEqual({ hit: 'exact', key: buildEntries()[0]!.key, added: expect.any(Number) });
      expect(second.main.report.buildCache.added).toBeGreaterThan(0);
      expect(second.step.stdout).toMatch(/^ok\s+lab\.example\/project\s+\(cached\)$/m);
      expect(second.post.stdout).toMatch(/build cache: not saving \(the exact key was restored/);
    },
    JOBS_TIMEOUT,
  );

  test(
    'a dependency bump restores the old entry (partial), and saves what the new state used and a few small entries: no snowball',
    async () => {
      const p = await labProxy();
      const c = guardCase('build-cache-bump', { requires: [BETA, UPPER] });
      withTest(c);
      withLargeFile(c, 1);
      await job(c, { proxies: p.url });
      const oldKey = buildEntries()[0]!.key;

      // The bump: Upper/Case leaves, gamma arrives, and the project's own code changes. A new job on the same paths.
      makeGoProject(c.project.dir, { requires: [BETA, GAMMA], world });
      withTest(c);
      withLargeFile(c, 2);
      nextJob(c);
      const bumped = await job(c, { proxies: p.url });
      expect(bumped.main.outputs['build-cache-hit']).toBe('partial');
      expect(bumped.step.code).toBe(0);
      const kept = /kept (\d+) entries this job used or wrote \(.* MiB\) and (\d+) small restored ones .* left out (\d+);/.exec(
        bumped.post.stdout,
      );
      expect(Number(kept?.[3])).toBeGreaterThan(0);
      // The first job's small entries (its test results, vet facts) fit in a tenth of what this job used.
      expect(Number(kept?.[2])).toBeGreaterThan(0);
      expect(bumped.post.stdout).toMatch(/build cache: saved .*dependencies changed since the restored entry/);
      const newKey = buildEntries().find((e) => e.key !== oldKey)!.key;

      // The new entry is about what a cold cache for the new state holds, not old plus new.
      const saved = archiveSizes(newKey);
      nextJob(c);
      expect((await c.go(['mod', 'download', 'all'], { GOPROXY: p.url, GOFLAGS: '-modcacherw' })).code).toBe(0);
      expect((await c.go(['test', './...'], { GOPROXY: 'off', GOFLAGS: '-modcacherw' })).code).toBe(0);
      const cold = entrySizes(gocache(c));
      expect(bytes(saved)).toBeLessThanOrEqual(1.2 * bytes(cold));
      // Of what only the old state used, the large entries (the old compiled project) are gone; small ones stay
      // within the idle budget, the job's used bytes times IDLE_BUDGET.
      const oldSaved = archiveSizes(oldKey);
      const oldOnly = [...oldSaved.keys()].filter((f) => !cold.has(f));
      const large = oldOnly.filter((f) => oldSaved.get(f)! > IDLE_ENTRY_MAX_BYTES);
      expect(large.length).toBeGreaterThan(0);
      expect(large.filter((f) => saved.has(f))).toEqual([]);
      const keptOld = oldOnly.filter((f) => saved.has(f));
      expect(keptOld.length).toBeLessThanOrEqual(Number(kept?.[2]));
      expect(bytes(saved, (f) => keptOld.includes(f))).toBeLessThanOrEqual(IDLE_BUDGET * bytes(saved));
    },
    JOBS_TIMEOUT,
  );

  test.each(['pull_request_target', 'workflow_run', 'issue_comment'])(
    '%s never saves the build cache, even with save-cache: always',
    async (event) => {
      const p = await labProxy();
      const c = guardCase(`build-cache-${event}`);
      withTest(c);
      const { post } = await job(c, { proxies: p.url, 'save-cache': 'always' }, { GITHUB_EVENT_NAME: event });
      expect(post.stdout).toContain(`build cache: not saving (${event} events never save caches`);
      expect(buildEntries()).toEqual([]);
    },
    JOBS_TIMEOUT,
  );

  test(
    'a shared GOCACHE loses nothing: what it held stays, byte for byte, and only what this job used is saved',
    async () => {
      const p = await labProxy();
      const c = guardCase('build-cache-shared');
      withTest(c);
      // Another project's entries, and go's own files, in the runner's GOCACHE.
      const foreign = [
        '0a/0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a-a',
        '0a/0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a-d',
      ];
      const old = new Date(Date.now() - 3 * 86400_000);
      for (const f of foreign) {
        mkdirSync(path.join(gocache(c), path.dirname(f)), { recursive: true });
        writeFileSync(path.join(gocache(c), f), `someone else's ${f}\n`);
        utimesSync(path.join(gocache(c), f), old, old);
      }
      writeFileSync(path.join(gocache(c), 'README'), 'This directory holds cached build artifacts from the Go build system.\n');
      const first = await job(c, { proxies: p.url });
      expect(first.post.stdout).toMatch(/build cache: saved /);
      for (const f of foreign) expect(readFileSync(path.join(gocache(c), f), 'utf8')).toBe(`someone else's ${f}\n`);
      expect(readFileSync(path.join(gocache(c), 'README'), 'utf8')).toContain('cached build artifacts');
      const saved = archiveEntries(buildEntries()[0]!.key);
      for (const f of foreign) expect(saved).not.toContain(f);

      // The next job restores into a GOCACHE that already has entries: they are kept as they are.
      const before = entries(gocache(c));
      rmSync(path.join(cacheServer().env.RUNNER_TEMP!, 'go-proxy-guard'), { recursive: true, force: true });
      const second = await job(c, { proxies: p.url });
      expect(second.main.outputs['build-cache-hit']).toBe('exact');
      expect(second.main.report.buildCache.added).toBe(0);
      for (const f of foreign) expect(readFileSync(path.join(gocache(c), f), 'utf8')).toBe(`someone else's ${f}\n`);
      for (const f of before.keys()) expect(entries(gocache(c)).has(f)).toBe(true);
    },
    JOBS_TIMEOUT,
  );
});

test(
  'setup-go with its cache on in the same workflow: the guard says what to change and does not double-save',
  async () => {
    const p = await labProxy();
    const c = guardCase('build-cache-setup-go');
    withTest(c);
    const wf = path.join(c.project.dir, '.github', 'workflows', 'ci.yml');
    mkdirSync(path.dirname(wf), { recursive: true });
    writeFileSync(
      wf,
      'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-go@v5\n        with:\n          go-version-file: go.mod\n      - uses: org/go-proxy-guard@v1\n',
    );
    const { post } = await job(c, { proxies: p.url }, { GITHUB_WORKFLOW_REF: 'lab/project/.github/workflows/ci.yml@refs/heads/main' });
    expect(post.warnings.join('\n')).toMatch(
      /build cache: not saving: actions\/setup-go@v5 in this workflow saves GOCACHE and GOMODCACHE too\. Set "cache: false" on setup-go/,
    );
    expect(buildEntries()).toEqual([]);
  },
  JOBS_TIMEOUT,
);

test(
  'build-cache: false leaves GOCACHE alone: no restore, no save, output none',
  async () => {
    const p = await labProxy();
    const c = guardCase('build-cache-off');
    withTest(c);
    const { main, post } = await job(c, { proxies: p.url, 'build-cache': 'false' });
    expect(main.outputs['build-cache-hit']).toBe('none');
    expect(main.report.buildCache).toBeUndefined();
    expect(post.stdout).not.toMatch(/build cache:/);
    expect(buildEntries()).toEqual([]);
  },
  JOBS_TIMEOUT,
);

test(
  'docker-build-args: GOPROXY as a build argument, never with credentials',
  async () => {
    const secret = 'hunter2-docker';
    const p = await labProxy('ok', { tls: 'valid', auth: { user: 'bot', pass: secret } });
    const c = guardCase('docker-build-args');
    const { main } = await job(c, { proxies: p.authUrl, prewarm: 'false', 'probe-timeout': '10s', 'probe-samples': '1' });
    expect(main.outputs['healthy-count']).toBe('1');
    const args = main.outputs['docker-build-args']!;
    expect(args.split('\n')).toEqual([`GOPROXY=${p.url.replace(/\/$/, '')}|direct`]);
    expect(args).not.toContain(secret);
  },
  JOBS_TIMEOUT,
);
