/**
 * Go toolchain switches, end to end: a go.mod asking for a newer Go than the
 * runner's makes every go command download golang.org/toolchain through
 * GOPROXY (checked against the checksum database) before anything builds.
 * The bundled action, the real go command, the lab's proxies serving a fake
 * go1.27.3 and a checksum database of their own, the runner emulator and the
 * lab's cache service.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { warmToolchainOnly } from '../src/engine/toolchain-only.js';
import { readToolchainFile, selectToolchain } from '../src/project/toolchain.js';
import { hermeticGoEnv, removeDirForce, runCommand, runGo } from './lab/go.js';
import { labRequest, type GoProxy } from './lab/goproxy-server.js';
import { closeLabServers, FAST_INPUTS, type GuardCase, guardCase, labCacheServer, labProxy, world } from './lab/guard-case.js';
import { CLI, listTree, makeLabDir } from './lab/paths.js';
import { createLabSumdb, lookupPath, type LabSumdb } from './lab/sumdb.js';
import { fakeToolchain, hostGo, newerGo, toolchainVersion } from './lab/toolchain.js';

afterEach(closeLabServers);

const h = hostGo();
/** Newer than this leg's go: go1.27.3 on go 1.26, go1.28.3 on go 1.27. */
const NEWER = newerGo(h);
const re = (s: string) => s.replace(/\./g, '\\.');
const TOOLCHAIN = fakeToolchain(NEWER.fake);
const ALPHA = world.find((m) => m.path === 'example.com/alpha' && m.version === 'v1.1.0')!;
const MODULE = `golang.org/toolchain@${TOOLCHAIN.version}`;
const SWITCHED = `go version ${NEWER.fake} ${h.goos}/${h.goarch}`;
const ZIP = { module: 'golang.org/toolchain', path: '.zip' };

/** Lab proxies that serve the lab world, the fake toolchain and one shared checksum database. */
async function proxies(sumdb: LabSumdb, n: number): Promise<GoProxy[]> {
  return Promise.all(Array.from({ length: n }, () => labProxy('ok', { modules: [...world, TOOLCHAIN], sumdb })));
}

/** A project whose go.mod says `toolchain <name>`, with GOTOOLCHAIN=auto and go checking toolchains against the lab sumdb. */
function switchingCase(name: string, sumdb: LabSumdb, lines: { go?: string; toolchain?: string } = { toolchain: NEWER.fake }): GuardCase {
  const c = guardCase(name, { goVersion: lines.go ?? '1.21', goEnv: { GOTOOLCHAIN: 'auto', GOSUMDB: sumdb.gosumdb } });
  if (lines.toolchain) writeFileSync(goModPath(c), `${c.project.goMod.replace(/\n+$/, '')}\n\ntoolchain ${lines.toolchain}\n`);
  return c;
}
const goModPath = (c: GuardCase) => path.join(c.project.dir, 'go.mod');
const toolchainHits = (p: GoProxy) => p.hits(/\/golang\.org\/toolchain\/@v\//);

describe('a project that switches toolchains', () => {
  test('the first proxy fails the toolchain zip: the guard gets it from the next, and GOPROXY=off go version then runs the switched go', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN], fillers: 300 });
    const [first, second] = await proxies(sumdb, 2);
    // The second answers a little later, so the first leads the ranking.
    await second!.setFault({ slow: 150 });
    await first!.setFault({ status: 503 }, ZIP);
    const c = switchingCase('tc-next-proxy', sumdb);
    const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: `${first!.url}\n${second!.url}` });
    expect(r.code).toBe(0);
    expect(r.report.toolchain).toMatchObject({
      name: NEWER.fake,
      local: h.version,
      gotoolchain: 'auto',
      requestedBy: { directive: 'toolchain', file: goModPath(c), line: expect.any(Number), text: `toolchain ${NEWER.fake}` },
      module: MODULE,
      source: 'proxy',
      proxy: second!.url,
      step: 'proxy',
      switched: SWITCHED,
    });
    expect(r.report.toolchain.ms).toBeGreaterThan(0);
    // The first proxy answered the zip with 503; the second gave it; the checksum database proved it.
    expect(first!.hits(/toolchain.*\.zip$/).map((q) => q.status)).toContain(503);
    expect(second!.hits(/toolchain.*\.zip$/).map((q) => q.status)).toContain(200);
    expect([...first!.hits(lookupPath(TOOLCHAIN)), ...second!.hits(lookupPath(TOOLCHAIN))].length).toBeGreaterThan(0);
    // The first proxy is marked for what it did while warming, and the modules were then fetched as usual.
    expect(r.report.proxies.find((p: { url: string }) => p.url === first!.url).warmFailure).toMatchObject({ class: 'transient' });
    expect(r.outputs['ladder-step']).toBe('proxy');
    expect(r.stdout).toMatch(new RegExp(String.raw`toolchain ${re(NEWER.fake)}: ready offline \(proxy, proxy rung\)`));
    const summary = r.summary;
    expect(summary).toMatch(
      new RegExp(
        String.raw`Go toolchain ${re(NEWER.fake)} \(asked by toolchain ${re(NEWER.fake)} at .*go\.mod:\d+; the runner has go1\.\d+\.\d+, GOTOOLCHAIN=auto\): downloaded from`,
      ),
    );

    // A later step switches with no network at all.
    const version = await c.go(['version'], { GOPROXY: 'off' });
    expect([version.code, version.stdout.trim()]).toEqual([0, SWITCHED]);
    // Through the switched go (the fake hands it to this machine's go): every package of the build loads offline.
    const list = await c.go(['list', '-deps', './...'], { GOPROXY: 'off', GOFLAGS: '-modcacherw' });
    expect([list.code, list.stderr]).toEqual([0, '']);
    expect(list.stdout).toContain('example.com/beta');
  });

  test('a single proxy that fails the zip once: the retry rung gets it', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
    const [p] = await proxies(sumdb, 1);
    await p!.setFault({ flaky: 1 }, ZIP);
    const c = switchingCase('tc-retry', sumdb);
    const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: p!.url });
    expect(r.code).toBe(0);
    expect(r.report.toolchain).toMatchObject({ source: 'proxy', step: 'retry', proxy: p!.url, switched: SWITCHED });
    expect(r.report.toolchain.ladder.map((x: { step: string; outcome: string }) => `${x.step}:${x.outcome}`)).toEqual([
      'proxy:failed',
      'retry:ok',
    ]);
    expect(p!.hits(/toolchain.*\.zip$/).map((q) => q.status)).toEqual([503, 200]);
    expect((await c.go(['version'], { GOPROXY: 'off' })).stdout.trim()).toBe(SWITCHED);
  });

  test('no proxy has the toolchain go.mod asks for: the run says so, once per proxy, and the gate decides', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
    const [a, b] = await proxies(sumdb, 2);
    // hugo's case: `go 1.27.0` means go1.27.0, which the lab does not have.
    const c = switchingCase('tc-missing', sumdb, { go: NEWER.missing.slice(2) });
    const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: `${a!.url}\n${b!.url}` });
    expect(r.code).toBe(1);
    expect(r.report.toolchain).toMatchObject({
      name: NEWER.missing,
      requestedBy: { directive: 'go', text: `go ${NEWER.missing.slice(2)}`, line: 3 },
      module: `golang.org/toolchain@${toolchainVersion(NEWER.missing)}`,
      source: 'failed',
      diagnosis: { code: 'unknown-revision', class: 'fatal' },
    });
    expect(r.report.toolchain.diagnosis.message).toMatch(
      new RegExp(String.raw`toolchain ${re(NEWER.missing)} is on none of the proxies \(HTTP 404\/410.*; direct failed too`),
    );
    expect(r.outputs['ladder-step']).toBe('failed');
    expect(r.report.warm.diagnosis.message).toBe(r.report.toolchain.diagnosis.message);
    // A miss is not retried: each proxy was asked once for the version, and no go mod download ran in the project.
    for (const p of [a!, b!]) expect(toolchainHits(p).map((q) => `${q.kind}:${q.status}`)).toEqual(['info:404']);
    expect(r.summary).toMatch(
      new RegExp(
        String.raw`No proxy has golang\.org\/toolchain@v0\.0\.1-${re(NEWER.missing)}.*: check go ${re(NEWER.missing.slice(2))} at go\.mod:3 names a released Go version`,
      ),
    );
    expect(r.summary).not.toMatch(/^- *$/m);
    // fail-on: never reports the same failure without failing the job.
    const lenient = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: a!.url, 'fail-on': 'never' });
    expect([lenient.code, lenient.report.toolchain.source]).toEqual([0, 'failed']);
  });

  test('a toolchain line the go command refuses: the run says so in its words, and no go command is run into it', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
    const [p] = await proxies(sumdb, 1);
    const c = switchingCase('tc-invalid', sumdb, { toolchain: 'stable' });
    const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: p!.url });
    expect(r.code).toBe(1);
    expect(r.report.toolchain).toMatchObject({
      source: 'invalid',
      problem: `invalid toolchain "stable" in ${goModPath(c)}`,
      diagnosis: { class: 'fatal' },
    });
    expect(r.report.warm.ladder.map((x: { step: string }) => x.step)).toEqual(['failed']);
    expect(r.summary).toMatch(/Fix GOTOOLCHAIN or the go\/toolchain line of go\.mod/);
    // The go command agrees.
    expect((await c.go(['version'])).stderr).toContain(`go: invalid toolchain "stable" in go.mod`);
  });

  test.each([
    ['a fresh runner', false],
    ["a runner whose go knows a newer tree than the proxy's cached lookup", true],
  ])('a toolchain saved with the module cache switches offline in the next job, with every proxy down: %s', async (_name, newerTree) => {
    // proxy.golang.org keeps a lookup's first answer: its tree can be older than the one go last saw.
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN], fillers: 300, memoLookups: true });
    const [p] = await proxies(sumdb, 1);
    const cacheServer = await labCacheServer();
    const c = switchingCase('tc-ci-cache', sumdb);
    const env = cacheServer.env;
    if (newerTree) {
      expect((await labRequest(`${p!.url}/sumdb/${sumdb.name}${lookupPath(TOOLCHAIN)}`)).status).toBe(200);
      // Past the next multiple of 256 records: a tile partial in the lookup's tree is full in the newer one.
      for (let i = 0; i < 250; i++) sumdb.addRecord([`later.example/m${i} v1.0.0 h1:${Buffer.from(String(i)).toString('base64')}`]);
      sumdb.addModule(ALPHA);
      const lab = makeLabDir('tc-newer-tree');
      const seen = await runGo(['mod', 'download', `${ALPHA.path}@${ALPHA.version}`], {
        cwd: lab,
        env: { ...c.env, GOPROXY: p!.url, GONOSUMDB: '', GOMODCACHE: path.join(lab, 'modcache') },
        timeoutMs: 30_000,
      });
      expect(seen.code).toBe(0);
    }
    const first = await c.run({ ...FAST_INPUTS, proxies: p!.url }, { env });
    expect(first.report.toolchain.source).toBe('proxy');
    // GOCACHE is filled by the switched go: the build cache key names it, not the runner's go.
    expect(first.report.buildCache.key).toMatch(new RegExp(String.raw`-${re(NEWER.fake)}-`));
    const post = await c.post(first, { env });
    expect(post.stdout).toMatch(/cache: saved /);

    // The next job on a hosted runner: the same paths, emptied (GOPATH's checksum-database state too); the proxy is down.
    rmSync(c.env.GOPATH!, { recursive: true, force: true });
    rmSync(c.env.GOMODCACHE!, { recursive: true, force: true });
    mkdirSync(c.env.GOMODCACHE!, { recursive: true });
    for (const e of readdirSync(env.RUNNER_TEMP!)) rmSync(path.join(env.RUNNER_TEMP!, e), { recursive: true, force: true });
    await p!.setFault({ status: 503 });
    p!.resetLog();
    const second = await c.run({ ...FAST_INPUTS, proxies: p!.url }, { env });
    expect(second.code).toBe(0);
    expect(second.report.toolchain).toMatchObject({ source: 'ci-cache', step: 'cache', switched: SWITCHED });
    expect(second.outputs['ladder-step']).toBe('cache');
    // Only the probe asked anything: no go command reached for the toolchain or the checksum database.
    expect(toolchainHits(p!)).toEqual([]);
    expect(p!.requests.filter((q) => q.userAgent !== 'go-proxy-guard (probe)')).toEqual([]);
    expect((await c.go(['version'], { GOPROXY: 'off' })).stdout.trim()).toBe(SWITCHED);
  });
});

describe('the GitLab job and the CLI', () => {
  test("GitLab: the module cache pruned for GitLab's cache: keeps the toolchain and its sumdb proof; the next job switches with the proxy down", async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN], fillers: 300 });
    const [p] = await proxies(sumdb, 1);
    const c = switchingCase('tc-gitlab', sumdb);
    const env = { ...c.env, GPG_PROXIES: p!.url, GPG_PROBE_SAMPLES: '1', GPG_PROBE_TIMEOUT: '1500ms', CI_PROJECT_PATH: 'lab/project' };
    const first = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/cache: pruned to the build list/);
    const kept = listTree(path.join(c.env.GOMODCACHE!, 'cache', 'download'));
    expect(kept).toEqual(
      expect.arrayContaining([`golang.org/toolchain/@v/${TOOLCHAIN.version}.zip`, `golang.org/toolchain/@v/${TOOLCHAIN.version}.ziphash`]),
    );
    expect(kept.filter((f) => f.startsWith(`sumdb/${sumdb.name}/`)).length).toBeGreaterThan(1);

    // What GitLab's cache: brings back is GOMODCACHE/cache/download alone; the proxy is down.
    for (const d of readdirSync(c.env.GOMODCACHE!)) if (d !== 'cache') removeDirForce(path.join(c.env.GOMODCACHE!, d));
    await p!.setFault({ status: 503 });
    const second = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
    expect(second.code).toBe(0);
    const report = JSON.parse(readFileSync(path.join(c.project.dir, 'go-proxy-guard-report', 'report.json'), 'utf8'));
    expect(report.toolchain).toMatchObject({ source: 'ci-cache', switched: SWITCHED });
    expect((await c.go(['version'], { GOPROXY: 'off' })).stdout.trim()).toBe(SWITCHED);
  });

  test('go-proxy-guard warm in a terminal warms the toolchain too', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
    const [p] = await proxies(sumdb, 1);
    const c = switchingCase('tc-cli', sumdb);
    const r = await runCommand(process.execPath, [CLI, 'warm', '--json', '--proxies', p!.url, '--probe-timeout', '1500ms'], {
      cwd: c.project.dir,
      env: c.env,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).report.toolchain).toMatchObject({ name: NEWER.fake, source: 'proxy', switched: SWITCHED });
    expect((await c.go(['version'], { GOPROXY: 'off' })).stdout.trim()).toBe(SWITCHED);
  });
});

describe('warmToolchainOnly (for benchmarks: the toolchain step alone)', () => {
  test('warms the switch through the proxies given, retrying a transient failure; nothing when the project does not switch', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
    const [p] = await proxies(sumdb, 1);
    await p!.setFault({ flaky: 1 }, ZIP);
    const c = switchingCase('tc-only', sumdb);
    const lines: string[] = [];
    const r = await warmToolchainOnly({ dir: c.project.dir, proxies: [p!.url], env: c.env, backoffMs: 50, log: (l) => lines.push(l) });
    expect(r.toolchain.choice).toMatchObject({ kind: 'switch', name: NEWER.fake });
    expect(r.warm).toMatchObject({ source: 'proxy', proxy: p!.url, switched: SWITCHED, ladder: { step: 'retry' } });
    expect(lines.join('\n')).toMatch(new RegExp(String.raw`toolchain ${re(NEWER.fake)}: retrying in \d+ ms`));
    // Already there: the module cache rung, no request.
    p!.resetLog();
    expect((await warmToolchainOnly({ dir: c.project.dir, proxies: [p!.url], env: c.env })).warm?.source).toBe('module-cache');
    expect(p!.requests).toEqual([]);
    const plain = guardCase('tc-only-none');
    expect(await warmToolchainOnly({ dir: plain.project.dir, proxies: [p!.url], env: plain.env })).toEqual({
      toolchain: expect.objectContaining({ choice: expect.objectContaining({ kind: 'local' }) }),
    });
  });
});

describe('the prediction matches the go command', () => {
  /** What the real go does in a directory whose go.mod has these lines, with this GOTOOLCHAIN, told by its own trace. */
  async function goChooses(gotoolchain: string, gomod: string): Promise<string> {
    const lab = makeLabDir('tc-select');
    writeFileSync(path.join(lab, 'go.mod'), gomod);
    const env = hermeticGoEnv(lab, { GOTOOLCHAIN: gotoolchain, GODEBUG: 'toolchaintrace=1', GOPROXY: 'off' });
    const r = await runGo(['version'], { cwd: lab, env, timeoutMs: 20_000 });
    const out = r.stdout + r.stderr;
    const target = /go: downloading (go\S+) \(|cannot find "(go\S+)" in PATH/.exec(out);
    if (target) return `switch ${target[1] ?? target[2]}`;
    if (/^go version /m.test(r.stdout)) return 'local';
    return `invalid ${/^go: (.*)$/m.exec(r.stderr)?.[1] ?? out}`;
  }

  const cases: [string, string][] = [
    ['auto', 'go 1.21\n\ntoolchain go1.27.5\n'],
    ['auto', 'go 1.27\n'],
    ['auto', 'go 1.28.1\ntoolchain go1.27.5\n'],
    ['auto', 'go 1.30.0\ntoolchain default\n'],
    ['auto', 'go 1.22\n'],
    ['local', 'go 1.27.0\n'],
    ['go1.27.3', 'go 1.22\n'],
    ['go1.25.0+auto', 'go 1.22\n'],
    ['go1.25.0+auto', 'go 1.21\ntoolchain go1.27.5\n'],
    ['path', 'go 1.27.0\n'],
    ['bash', 'go 1.22\n'],
    ['go1.27.3+newest', 'go 1.22\n'],
    ['auto', 'go 1.22\ntoolchain stable\n'],
    ['auto', 'go 1.22\ntoolchain go1.28\n'],
  ];
  test.each(cases)('GOTOOLCHAIN=%s with %j', async (gotoolchain, lines) => {
    const gomod = `module example.com/sel\n\n${lines}`;
    const choice = selectToolchain({ gotoolchain, local: h.version, file: readToolchainFile('go.mod', gomod) });
    const predicted = choice.kind === 'switch' ? `switch ${choice.name}` : choice.kind === 'local' ? 'local' : `invalid ${choice.reason}`;
    expect(predicted).toBe(await goChooses(gotoolchain, gomod));
  });
});
