/**
 * GOPRIVATE, GONOPROXY and GONOSUMDB mean to the guard exactly what they
 * mean to the go command. The same table of patterns × module paths goes
 * through the real go (does it ask the lab proxy for the module, does it ask
 * the proxied checksum database about it?) and through our matcher; then a
 * whole run of the action with `GOPRIVATE=example.com/private/` (a trailing
 * slash, which go drops) must not send one request for the private module
 * to any proxy: not the probe, not the prefetch, not the local proxy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { matchesPrefixPatterns } from '../src/goproxy/private.js';
import { hermeticGoEnv, runGo } from './lab/go.js';
import { startGoProxy, type GoProxy } from './lab/goproxy-server.js';
import { BETA, closeLabServers, FAST_INPUTS, guardCase, labProxy, NO_EGRESS, UPPER, world } from './lab/guard-case.js';
import { moduleVersion } from './lab/modules.js';
import { startModuleOrigin, type ModuleOrigin } from './lab/module-origin.js';
import { makeLabDir } from './lab/paths.js';

const PATHS = [
  'github.com/myorg/secret',
  'github.com/myorg',
  'github.com/myorgx/lib',
  'github.com/other/lib',
  'git.corp.example/team/x',
  'corp.example/a/b/c',
  'corp.example/a/x/c',
  'golang.org/x/mod',
];

const PATTERNS = [
  'github.com/myorg/',
  'github.com/myorg',
  'github.com/myorg//',
  'github.com/myorg/secret/',
  'github.com/myorg/*/',
  'github.com/myorg/secret/extra',
  ',,github.com/myorg/,',
  'a.example, github.com/myorg',
  ' github.com/myorg',
  'github.com/myorg ',
  '*.corp.example',
  'corp.example/*/c',
  'corp.example/a/',
  'corp.example/a/b/c/',
  'github.com/my*',
  'github.com/?yorg',
  'github.com/[m]yorg',
  'github.com/[^x]yorg',
  'github.com/[a-n]yorg*',
  'github.com/my\\org',
  'github.com/myorg[',
  'github.com/myorg\\',
  'github.com/[]yorg',
  '*',
  '*/*/',
  '/',
  'golang.org/x',
];

const tableWorld = PATHS.map((p) => moduleVersion({ path: p, version: 'v1.0.0' }));

let proxy: GoProxy;
beforeAll(async () => {
  // Says the checksum database is proxied: go then looks every public module up through it.
  proxy = await startGoProxy({ modules: tableWorld, sumdbSupported: 200 });
});
afterAll(() => proxy.close());

/** Which of PATHS the real go asked the proxy about, with `variable` set to `pattern`. */
async function askedByGo(
  variable: 'GOPRIVATE' | 'GONOPROXY' | 'GONOSUMDB',
  pattern: string,
): Promise<{ files: string[]; lookups: string[] }> {
  const lab = makeLabDir('private-patterns');
  const env = hermeticGoEnv(lab, {
    ...NO_EGRESS,
    GOPROXY: proxy.url,
    GOSUMDB: 'sum.golang.org',
    GONOSUMDB: undefined,
    GOPRIVATE: undefined,
    GONOPROXY: undefined,
    [variable]: pattern,
  });
  proxy.resetLog();
  const r = await runGo(['mod', 'download', '-json', ...PATHS.map((p) => `${p}@v1.0.0`)], { cwd: lab, env, timeoutMs: 60_000 });
  expect(r.timedOut).toBe(false);
  const lookup = /^\/sumdb\/sum\.golang\.org\/lookup\/(.+)@v1\.0\.0$/;
  return {
    files: [...new Set(proxy.requests.filter((q) => q.kind === 'info').map((q) => q.module as string))].sort(),
    lookups: [...new Set(proxy.requests.flatMap((q) => lookup.exec(q.path)?.[1] ?? []))].sort(),
  };
}

const publicFor = (pattern: string) => PATHS.filter((p) => !matchesPrefixPatterns(pattern, p)).sort();

describe.each(PATTERNS)('pattern %j', (pattern) => {
  test('GONOPROXY and GOPRIVATE keep the same modules from the proxy as go does', async () => {
    expect((await askedByGo('GONOPROXY', pattern)).files).toEqual(publicFor(pattern));
    const privately = await askedByGo('GOPRIVATE', pattern);
    expect(privately.files).toEqual(publicFor(pattern));
    expect(privately.lookups).toEqual(publicFor(pattern));
  });
  test('GONOSUMDB keeps the same modules from the checksum database as go does', async () => {
    const r = await askedByGo('GONOSUMDB', pattern);
    expect(r.files).toEqual([...PATHS].sort());
    expect(r.lookups).toEqual(publicFor(pattern));
  });
});

test('the table is not trivial: the trailing slash of GOPRIVATE=github.com/myorg/ makes both myorg modules private', () => {
  expect(publicFor('github.com/myorg/')).not.toContain('github.com/myorg/secret');
  expect(publicFor('github.com/myorg/')).not.toContain('github.com/myorg');
  expect(publicFor('a.example, github.com/myorg')).toContain('github.com/myorg/secret');
});

describe('a whole run with GOPRIVATE=example.com/private/', () => {
  const SECRET = moduleVersion({ path: 'example.com/private/secret', version: 'v1.0.0' });
  let origin: ModuleOrigin | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
    await closeLabServers();
  });

  test('no proxy is ever asked for the private module: probe, prefetch and the local proxy; direct fetches it', async () => {
    // Where direct finds the private module: an origin of its own, not a proxy of the chain.
    const source = await labProxy('ok', { modules: [SECRET] });
    origin = await startModuleOrigin(source.url);
    const a = await labProxy();
    const b = await labProxy({ slow: 100 });
    const c = guardCase('private-trailing-slash', {
      requires: [SECRET, BETA, UPPER],
      world: [...world, SECRET],
      goEnv: { ...origin.env(), GOPRIVATE: 'example.com/private/', GONOSUMDB: undefined },
    });
    const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: `${a.url}\n${b.url}`, 'probe-modules': '3' });
    const askedForSecret = () => [a, b].flatMap((p) => p.requests.filter((q) => q.path.includes('private')).map((q) => q.path));
    // The probe and the prefetch asked both proxies for the public modules, never for the private one.
    expect(askedForSecret()).toEqual([]);
    for (const p of [a, b]) expect(p.requests.some((q) => q.module === BETA.path)).toBe(true);
    expect(r.code).toBe(0);
    expect(r.report.warm.prefetch).toMatchObject({ status: 'done', private: [SECRET.path] });
    expect(r.report.project.private).toEqual([SECRET.path]);
    // A later step goes through the local proxy with an empty module cache.
    expect(r.exportedEnv.GOPROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const step = await c.go(['mod', 'download', '-json', 'all'], {
      GOPROXY: r.exportedEnv.GOPROXY ?? '',
      GOMODCACHE: path.join(c.lab, 'later-step'),
    });
    expect(step.code).toBe(0);
    const post = await c.post(r);
    expect(JSON.parse(readFileSync(r.outputs.report ?? '', 'utf8')).serve.stats.served).toBeGreaterThan(0);
    expect(post.code).toBe(0);
    expect(askedForSecret()).toEqual([]);
    expect(source.hits('private/secret/@v/v1.0.0.zip').length).toBeGreaterThan(0);
  });
});
