/**
 * Proves the lab's checksum database and fake toolchain against the real go
 * command: go verifies lab modules through the lab sumdb (and refuses a lie),
 * and switches to the fake toolchain, then again with GOPROXY=off.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { hermeticGoEnv, parseJsonStream, runGo, type GoModDownload } from './lab/go.js';
import { startGoProxy, type GoProxy, type GoProxyOptions } from './lab/goproxy-server.js';
import { defaultWorld, findModule, type ModuleVersion } from './lab/modules.js';
import { listTree, makeLabDir } from './lab/paths.js';
import { createLabSumdb, lookupPath } from './lab/sumdb.js';
import { fakeToolchain, hostGo, newerGo, toolchainVersion } from './lab/toolchain.js';
import { parseCachedLookup, tilesProvingRecord } from '../src/go/sumdb-tiles.js';

const world = defaultWorld();
const ALPHA = findModule(world, { path: 'example.com/alpha', version: 'v1.1.0' }) as ModuleVersion;
/** Newer than this leg's go (go1.27.3 on go 1.26). */
const NEWER = newerGo();
const TOOLCHAIN = fakeToolchain(NEWER.fake);

const proxies: GoProxy[] = [];
async function proxy(opts: GoProxyOptions): Promise<GoProxy> {
  const p = await startGoProxy({ modules: [...world, TOOLCHAIN], ...opts });
  proxies.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** A go environment that checks everything against `gosumdb` (no GONOSUMDB), run from a directory with no go.mod. */
function world0(name: string, gosumdb: string, goproxy: string) {
  const lab = makeLabDir(name);
  const dir = path.join(lab, 'outside');
  mkdirSync(dir, { recursive: true });
  const env = hermeticGoEnv(lab, { GOPROXY: goproxy, GOSUMDB: gosumdb, GONOSUMDB: '', GOFLAGS: '-modcacherw' });
  return {
    lab,
    dir,
    env,
    go: (args: string[], extra: Record<string, string> = {}) => runGo(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 30_000 }),
  };
}

describe('lab checksum database', () => {
  test('go verifies a module with no go.sum line through the proxied lab sumdb', async () => {
    const sumdb = createLabSumdb({ modules: [ALPHA], fillers: 300 });
    const p = await proxy({ sumdb });
    const w = world0('sumdb-verify', sumdb.gosumdb, p.url);
    const r = await w.go(['mod', 'download', '-json', `${ALPHA.path}@${ALPHA.version}`]);
    expect(r.stderr).toBe('');
    const [got] = parseJsonStream<GoModDownload>(r.stdout);
    expect(got?.Sum).toBe(ALPHA.h1);
    expect(p.hits(`/sumdb/${sumdb.name}/supported`)).toHaveLength(1);
    expect(p.hits(`/sumdb/${sumdb.name}${lookupPath(ALPHA)}`)).toHaveLength(1);
    // 301 records: the lookup is proven with tiles of two levels.
    expect(p.hits(/\/tile\/8\/1\//).length).toBeGreaterThan(0);
    const cached = path.join(w.env.GOMODCACHE as string, 'cache', 'download', 'sumdb', sumdb.name);
    expect(existsSync(path.join(cached, `lookup/${ALPHA.path}@${ALPHA.version}`))).toBe(true);
  });

  test.each([0, 255, 300])(
    'with %d records before it, go caches exactly the tiles tilesProvingRecord names for the lookup',
    async (fillers) => {
      const sumdb = createLabSumdb({ modules: [ALPHA], fillers });
      const p = await proxy({ sumdb });
      const w = world0(`sumdb-tiles-${fillers}`, sumdb.gosumdb, p.url);
      const r = await w.go(['mod', 'download', '-json', `${ALPHA.path}@${ALPHA.version}`]);
      expect(r.code).toBe(0);
      const cache = path.join(w.env.GOMODCACHE as string, 'cache', 'download', 'sumdb', sumdb.name);
      const lookup = parseCachedLookup(readFileSync(path.join(cache, `lookup/${ALPHA.path}@${ALPHA.version}`), 'utf8'));
      expect(lookup).toEqual({ id: fillers, size: fillers + 1 });
      const tiles = listTree(path.join(cache, 'tile')).map((f) => `tile/${f}`);
      expect(tiles).toEqual(tilesProvingRecord(lookup!.id, lookup!.size));
    },
  );

  test('go refuses a module whose hash the lab sumdb contradicts', async () => {
    const sumdb = createLabSumdb();
    sumdb.addModule({ ...ALPHA, h1: 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' });
    const p = await proxy({ sumdb });
    const w = world0('sumdb-refuse', sumdb.gosumdb, p.url);
    const r = await w.go(['mod', 'download', '-json', `${ALPHA.path}@${ALPHA.version}`]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/checksum mismatch/);
  });
});

describe('lab toolchain module', () => {
  test('go switches to the fake toolchain through the lab proxy, then again with GOPROXY=off', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN], fillers: 40 });
    const p = await proxy({ sumdb });
    const w = world0('toolchain-switch', sumdb.gosumdb, p.url);
    const h = hostGo();
    const first = await w.go(['version'], { GOTOOLCHAIN: NEWER.fake });
    expect(first.stdout.trim()).toBe(`go version ${NEWER.fake} ${h.goos}/${h.goarch}`);
    expect(first.stderr).toContain(`go: downloading ${NEWER.fake}`);
    // The switch fetches the zip only, and checks it against the checksum database.
    expect(p.hits(/golang\.org\/toolchain\/@v\//).map((x) => x.kind)).toEqual(['zip']);
    expect(p.hits(`${lookupPath(TOOLCHAIN)}`)).toHaveLength(1);
    const before = p.requests.length;
    const offline = await w.go(['version'], { GOTOOLCHAIN: NEWER.fake, GOPROXY: 'off' });
    expect(offline.stdout.trim()).toBe(`go version ${NEWER.fake} ${h.goos}/${h.goarch}`);
    expect(p.requests.length).toBe(before);
    // go made bin/ executable and copied src/_go.mod on first use.
    const dir = path.join(w.env.GOMODCACHE as string, `golang.org/toolchain@${toolchainVersion(NEWER.fake)}`);
    expect(readdirSync(path.join(dir, 'src'))).toEqual(expect.arrayContaining(['_go.mod', 'go.mod']));
  });

  test('with GOSUMDB=off the go command still refuses to download a toolchain', async () => {
    const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
    const p = await proxy({ sumdb });
    const w = world0('toolchain-nosumdb', 'off', p.url);
    const r = await w.go(['version'], { GOTOOLCHAIN: NEWER.fake });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checksum database disabled by GOSUMDB=off/);
  });
});
