/**
 * Answers built to get past the checks, against the real paths that hold
 * them (the prefetch inside the bundled action, the local proxy in front of
 * the go command, a module cache restored by the platform) and the real go:
 *
 * - an `.info` for another version, padded past the memory limit so that it
 *   used to spill to disk unchecked and land in GOMODCACHE, where go reads
 *   it without asking again (`go list -m` and `go version -m` then lie);
 * - a zip bomb: 3,000 central directory entries pointing at one 1.3 MB
 *   deflated run of 1.3 GB of zeros, which the h1: check inflated for hours.
 *
 * Each is refused from the proxy that sent it, that proxy is named and not
 * healthy, and the healthy next one serves the module, in bounded time.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NO_CREDENTIALS } from '../src/goproxy/goauth.js';
import { servePolicy } from '../src/upstream/policy.js';
import { startLocalProxy, type LocalProxy } from '../src/serve/local-proxy.js';
import { hermeticGoEnv, makeGoProject, parseJsonStream, runCommand, runGo, type GoModDownload } from './lab/go.js';
import { fromGoCommand, type GoProxy } from './lab/goproxy-server.js';
import { BETA, closeLabServers, FAST_INPUTS, GAMMA, guardCase, labProxy, NO_EGRESS, UPPER, world } from './lab/guard-case.js';
import { escapePath, lyingInfo, zipBomb, type ModuleVersion } from './lab/modules.js';
import { CLI, makeLabDir } from './lab/paths.js';

const LIE = 'v2.9.9';

const locals: LocalProxy[] = [];
afterEach(async () => {
  await Promise.all(locals.splice(0).map((l) => l.close('test over')));
  await closeLabServers();
});

/** The lab world with GAMMA's answers replaced: what one hostile upstream serves. */
const worldWith = (gamma: Partial<ModuleVersion>) => world.map((m) => (m === GAMMA ? { ...m, ...gamma } : m));
/** The bomb, under GAMMA's name: every entry declares the whole 1.3 GB run (built once). */
let bombZip: Buffer | undefined;
const bomb = () => (bombZip ??= zipBomb({ path: GAMMA.path, version: GAMMA.version, entries: 3000, zerosBytes: 1300 << 20 }));
const infoFile = (modcache: string, m: ModuleVersion) =>
  path.join(modcache, 'cache', 'download', escapePath(m.path), '@v', `${m.version}.info`);
const zipFile = (modcache: string, m: ModuleVersion) =>
  path.join(modcache, 'cache', 'download', escapePath(m.path), '@v', `${m.version}.zip`);
const proxyEntry = (report: { proxies: { url: string }[] }, p: GoProxy) =>
  report.proxies.find((x) => x.url === p.url) as unknown as {
    verdict: string;
    failure?: { code: string; message: string };
    warmFailure?: { code: string; message: string };
  };

/**
 * The action with `hostile` ranked first (the other answers 150 ms later) and
 * one module probed (not GAMMA), so GAMMA's answers reach only the prefetch.
 */
async function runWithHostileFirst(name: string, hostile: GoProxy, honest: GoProxy, inputs: Record<string, string> = {}) {
  const c = guardCase(name);
  const r = await c.run(
    { ...FAST_INPUTS, cache: 'false', serve: 'false', proxies: `${hostile.url}\n${honest.url}`, 'probe-modules': '1', ...inputs },
    { timeoutMs: 45_000 },
  );
  return { c, r };
}

describe('an .info naming another version, padded past the memory limit', () => {
  test('the prefetch refuses it from the proxy that sent it, names that proxy broken, and places the true .info', async () => {
    const liar = await labProxy('ok', { modules: worldWith({ info: lyingInfo(GAMMA, LIE, 70 << 10) }) });
    const honest = await labProxy({ slow: 150 });
    const { c, r } = await runWithHostileFirst('hostile-info-prefetch', liar, honest);
    expect(r.code).toBe(0);
    // The liar was asked (it leads), and answered with the padded lie.
    expect(liar.hits(`gamma/v2/@v/${GAMMA.version}.info`).length).toBeGreaterThan(0);
    expect(honest.hits(`gamma/v2/@v/${GAMMA.version}.info`).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(infoFile(c.env.GOMODCACHE!, GAMMA), 'utf8')).Version).toBe(GAMMA.version);
    const entry = proxyEntry(r.report, liar);
    expect(entry.verdict).toBe('broken');
    expect(entry.warmFailure).toMatchObject({
      code: 'version-mismatch',
      message: expect.stringContaining(`asked for ${GAMMA.version}, got ${LIE}`),
    });
    expect(r.stdout).toMatch(new RegExp(`${liar.url.replace(/[.:/]/g, '\\$&')}\\s.*broken`));
    // What the go command reports from the module cache, and what it records in a binary, is the required version.
    const list = await c.go(['list', '-m', '-json', 'all'], { GOPROXY: 'off' });
    expect(list.code).toBe(0);
    expect(parseJsonStream<{ Path: string; Version?: string }>(list.stdout).find((m) => m.Path === GAMMA.path)?.Version).toBe(
      GAMMA.version,
    );
    const bin = path.join(c.lab, 'app');
    expect((await c.go(['build', '-o', bin, '.'], { GOPROXY: 'off' })).code).toBe(0);
    const built = await c.go(['version', '-m', bin], { GOPROXY: 'off' });
    expect(built.stdout).toMatch(new RegExp(`\\bdep\\s+${GAMMA.path.replace(/[./]/g, '\\$&')}\\s+${GAMMA.version}\\s`));
    expect(built.stdout).not.toContain(LIE);
  });

  test('an .info whose "version" key (as encoding/json reads it) lies is refused too, whatever its "Version" says', async () => {
    const info = JSON.stringify({ Version: GAMMA.version, Time: GAMMA.time, version: LIE });
    const liar = await labProxy('ok', { modules: worldWith({ info }) });
    const honest = await labProxy({ slow: 150 });
    const { c, r } = await runWithHostileFirst('hostile-info-fold', liar, honest);
    expect(r.code).toBe(0);
    expect(liar.hits(`gamma/v2/@v/${GAMMA.version}.info`).length).toBeGreaterThan(0);
    expect(readFileSync(infoFile(c.env.GOMODCACHE!, GAMMA), 'utf8')).not.toContain(LIE);
    expect(proxyEntry(r.report, liar).verdict).toBe('broken');
    const list = await c.go(['list', '-m', '-json', 'all'], { GOPROXY: 'off' });
    expect(parseJsonStream<{ Path: string; Version?: string }>(list.stdout).find((m) => m.Path === GAMMA.path)?.Version).toBe(
      GAMMA.version,
    );
  });

  test('the local proxy refuses a lying .info over its 1 MiB memory limit and answers with the true one', async () => {
    const liar = await labProxy('ok', { modules: worldWith({ info: lyingInfo(GAMMA, LIE, 1200 << 10) }) });
    const honest = await labProxy();
    const { go, local } = await localProxyCase('hostile-info-serve', [liar, honest]);
    // Only the local proxy in GOPROXY: whatever it passes on, go takes.
    const r = await go(['mod', 'download', '-json', `${GAMMA.path}@${GAMMA.version}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseJsonStream<GoModDownload>(r.stdout)[0]).toMatchObject({ Path: GAMMA.path, Version: GAMMA.version });
    expect(liar.hits(`gamma/v2/@v/${GAMMA.version}.info`).length).toBeGreaterThan(0);
    expect(local.stats().upstreams[0]?.failureKinds['version-mismatch']).toBeGreaterThanOrEqual(1);
  });
});

test('a go.mod of a megabyte of blank lines is refused in milliseconds, not after minutes of backtracking', async () => {
  const blank = await labProxy('ok', { modules: worldWith({ mod: Buffer.from('\n'.repeat((1 << 20) - 1)) }) });
  const honest = await labProxy();
  const { go, local } = await localProxyCase('hostile-mod-blank', [blank, honest]);
  const started = performance.now();
  const r = await go(['mod', 'download', '-json', `${GAMMA.path}@${GAMMA.version}`]);
  expect(r.code).toBe(0);
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(local.stats().upstreams[0]?.failureKinds.malformed).toBeGreaterThanOrEqual(1);
});

describe('a zip bomb: 3,000 entries pointing at one deflated run of 1.3 GB of zeros', () => {
  test('the prefetch refuses it at once, names the proxy broken, and the next proxy serves the module within download-timeout', async () => {
    const bomber = await labProxy('ok', { modules: worldWith({ zip: bomb() }) });
    const honest = await labProxy({ slow: 150 });
    const { c, r } = await runWithHostileFirst('hostile-zip-prefetch', bomber, honest, { 'download-timeout': '10s' });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(bomber.hits(`gamma/v2/@v/${GAMMA.version}.zip`).length).toBeGreaterThan(0);
    // Bounded by download-timeout (10 s), with room to spare: refused from the central directory.
    expect(r.report.warm.prefetch.ms).toBeLessThan(5_000);
    expect(r.durationMs).toBeLessThan(20_000);
    expect(readFileSync(zipFile(c.env.GOMODCACHE!, GAMMA)).equals(GAMMA.zip)).toBe(true);
    // Nor was the bomber ever handed to go, whose own hash of a zip has no bound but download-timeout.
    expect(bomber.requests.filter(fromGoCommand)).toEqual([]);
    const entry = proxyEntry(r.report, bomber);
    expect(entry.verdict).toBe('broken');
    expect(entry.warmFailure).toMatchObject({ code: 'corrupt-zip', message: expect.stringMatching(/declares more than go's 500 MiB/) });
    expect((await c.go(['mod', 'verify'], { GOPROXY: 'off' })).code).toBe(0);
  });

  test('the local proxy refuses it from the central directory; the go command gets the true zip', async () => {
    const bomber = await labProxy('ok', { modules: worldWith({ zip: bomb() }) });
    const honest = await labProxy();
    const { go, local } = await localProxyCase('hostile-zip-serve', [bomber, honest]);
    const started = performance.now();
    const r = await go(['mod', 'download', '-json', `${GAMMA.path}@${GAMMA.version}`]);
    expect(r.code).toBe(0);
    expect(parseJsonStream<GoModDownload>(r.stdout)[0]).toMatchObject({ Path: GAMMA.path, Sum: GAMMA.h1 });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(local.stats().upstreams[0]?.failureKinds['corrupt-zip']).toBeGreaterThanOrEqual(1);
  });

  test('GitLab: a bomb where the restored module cache holds a zip is refused by the restore check, and downloaded again', async () => {
    const p = await labProxy();
    const c = guardCase('hostile-zip-restored');
    const env = {
      ...c.env,
      GPG_PROXIES: p.url,
      GPG_PROBE_SAMPLES: '1',
      GPG_PROBE_TIMEOUT: '1500ms',
      GPG_DOWNLOAD_TIMEOUT: '10s',
      CI_PROJECT_PATH: 'lab/project',
    };
    const first = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
    expect(first.code).toBe(0);
    // What GitLab's cache: brings back, with gamma's zip a bomb next to its original .ziphash.
    writeFileSync(zipFile(c.env.GOMODCACHE!, GAMMA), bomb());
    for (const d of readdirSync(c.env.GOMODCACHE!))
      if (d !== 'cache') rmSync(path.join(c.env.GOMODCACHE!, d), { recursive: true, force: true });
    const r = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 45_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.durationMs).toBeLessThan(20_000);
    const report = JSON.parse(readFileSync(path.join(c.project.dir, 'go-proxy-guard-report', 'report.json'), 'utf8'));
    expect(report.warm.restoreCheck.discarded).toEqual([
      expect.stringMatching(/^example\.com\/gamma\/v2@v2\.0\.1: the zip declares more than go's 500 MiB/),
    ]);
    expect(report.warm.downloaded).toEqual([`${GAMMA.path}@${GAMMA.version}`]);
    expect(readFileSync(zipFile(c.env.GOMODCACHE!, GAMMA)).equals(GAMMA.zip)).toBe(true);
  });
});

/** A local proxy in this process in front of `upstreams`, and go pointed at it alone. */
async function localProxyCase(name: string, upstreams: GoProxy[]) {
  const lab = makeLabDir(name);
  const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER, GAMMA], world });
  mkdirSync(path.join(lab, 'spill'), { recursive: true });
  const local = await startLocalProxy({
    upstreams: upstreams.map((u) => ({ url: u.url, p95Ms: 20 })),
    credentials: NO_CREDENTIALS,
    moduleCache: undefined,
    policy: servePolicy(1, path.join(lab, 'spill')),
    port: 0,
  });
  locals.push(local);
  const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: local.url });
  return { local, go: (args: string[]) => runGo(args, { cwd: project.dir, env, timeoutMs: 60_000 }) };
}
