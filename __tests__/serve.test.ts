/**
 * The local resilient proxy (src/serve) between the real go command and lab
 * upstreams with faults. Each scenario exports GOPROXY the way the product
 * does (local|upstreams), runs go, and asserts what a user sees: go's exit
 * status and messages, and the proxy's counters.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hermeticGoEnv, makeGoProject, parseJsonStream, runGo, type GoModDownload } from './lab/go.js';
import { labRequest, type GoProxy } from './lab/goproxy-server.js';
import { BETA, closeLabServers, GAMMA, labProxy, NO_EGRESS, UPPER, world } from './lab/guard-case.js';
import { buildZip } from './lab/modules.js';
import { makeLabDir } from './lab/paths.js';
import { NO_CREDENTIALS } from '../src/goproxy/goauth.js';
import { memoryBody } from '../src/upstream/body.js';
import { startLocalProxy, type LocalProxy } from '../src/serve/local-proxy.js';
import { servePolicy } from '../src/upstream/policy.js';
import { absorbedTotal } from '../src/model/serve-stats.js';
import { answerProblem } from '../src/upstream/answer-check.js';
import { parseServePath, type ServeRequest } from '../src/upstream/request-path.js';

const locals: LocalProxy[] = [];
afterEach(async () => {
  await Promise.all(locals.splice(0).map((l) => l.close('test over')));
  await closeLabServers();
});

interface ServeCase {
  local: LocalProxy;
  env: Record<string, string>;
  dir: string;
  go(args: string[], timeoutMs?: number): ReturnType<typeof runGo>;
}

/** A project needing BETA, UPPER and GAMMA (and what they require), served through a local proxy in front of `upstreams`. */
async function serveCase(
  name: string,
  upstreams: GoProxy[],
  opts: { retries?: number; memoryLimit?: number; moduleCache?: string; goEnv?: Record<string, string> } = {},
): Promise<ServeCase> {
  const lab = makeLabDir(name);
  const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER, GAMMA], world });
  const policy = {
    ...servePolicy(opts.retries ?? 2, path.join(lab, 'spill')),
    ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}),
  };
  const local = await startLocalProxy({
    // As the probe measured them on loopback.
    upstreams: upstreams.map((u) => ({ url: u.url, p95Ms: 20 })),
    credentials: NO_CREDENTIALS,
    moduleCache: opts.moduleCache ?? path.join(lab, 'modcache', 'cache', 'download'),
    policy,
    port: 0,
  });
  locals.push(local);
  const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: [local.url, ...upstreams.map((u) => u.url)].join('|'), ...opts.goEnv });
  return { local, env, dir: project.dir, go: (args, timeoutMs = 30_000) => runGo(args, { cwd: project.dir, env, timeoutMs }) };
}

const downloadAll = (c: ServeCase) => c.go(['mod', 'download', '-json', 'all']);
const downloaded = (stdout: string) => parseJsonStream<GoModDownload>(stdout);
const zipHits = (p: GoProxy) => p.hits('.zip').length;

describe('the go command through the local proxy', () => {
  test('all healthy: every file comes from the first upstream, nothing is retried or hedged away', async () => {
    const a = await labProxy();
    const b = await labProxy();
    const c = await serveCase('serve-healthy', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    const mods = downloaded(r.stdout);
    expect(mods.length).toBeGreaterThanOrEqual(4);
    expect(mods.every((m) => !m.Error && m.Sum)).toBe(true);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.served).toBe(s.requests);
    expect(s.upstreams[0]?.served).toBeGreaterThanOrEqual(mods.length);
    expect(s.upstreams[0]?.failures).toBe(0);
    expect(zipHits(a)).toBe(mods.length);
  });

  test('first upstream answers 503: the second serves, go never sees the 503', async () => {
    const a = await labProxy({ status: 503 });
    const b = await labProxy();
    const c = await serveCase('serve-503', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    expect(downloaded(r.stdout).every((m) => !m.Error)).toBe(true);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.upstreams[0]?.failureKinds['http-5xx']).toBeGreaterThan(0);
    expect(s.upstreams[0]?.absorbed).toBe(s.upstreams[0]?.failures);
    expect(s.upstreams[1]?.served).toBe(s.served);
    // After three failures in a row the first upstream rests: later requests start with the second.
    expect(a.hits().length).toBeLessThan(s.requests);
  });

  test('first upstream rate-limits with Retry-After: it rests for that long and the second serves', async () => {
    const a = await labProxy({ status: 429, retryAfter: 30 });
    const b = await labProxy();
    const c = await serveCase('serve-429', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.upstreams[0]?.failureKinds['rate-limited']).toBeGreaterThan(0);
    expect(a.hits().length).toBeLessThan(s.requests);
    // Honouring Retry-After (30 s): a later request does not reach the first upstream at all.
    const before = a.hits().length;
    const later = await labRequest(`${c.local.url}/example.com/beta/@v/list`);
    expect(later.status).toBe(200);
    expect(a.hits().length).toBe(before);
  });

  test('a lone upstream that rate-limits: the request waits out Retry-After, then is retried once', async () => {
    const a = await labProxy();
    await a.setFault({ status: 429, retryAfter: 1 }, { path: /beta\/@v\/list$/ });
    const c = await serveCase('serve-429-alone', [a]);
    setTimeout(() => void a.clearFaults(), 300);
    const res = await labRequest(`${c.local.url}/example.com/beta/@v/list`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain(BETA.version);
    const hits = a.hits('/example.com/beta/@v/list');
    expect(hits.map((h) => h.status)).toEqual([429, 200]);
    // Not asked again before the second it asked for.
    expect((hits[1]?.time ?? 0) - (hits[0]?.time ?? 0)).toBeGreaterThanOrEqual(950);
    expect(c.local.stats().upstreams[0]?.retries).toBe(1);
  });

  test('reset mid-zip on the first upstream: the zip is fetched again elsewhere before go gets a byte', async () => {
    const a = await labProxy();
    await a.setFault('reset', { path: '.zip' });
    const b = await labProxy();
    const c = await serveCase('serve-reset-zip', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    expect(downloaded(r.stdout).every((m) => !m.Error && m.Sum)).toBe(true);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.upstreams[0]?.failureKinds.reset).toBeGreaterThan(0);
    expect(zipHits(b)).toBeGreaterThan(0);
  });

  test('first upstream hangs: hedging gets every file from the second long before any timeout', async () => {
    const a = await labProxy('hang');
    const b = await labProxy();
    const c = await serveCase('serve-hang', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    // The header deadline is 10 s; hedging after the 50 ms floor must not wait for it.
    expect(r.durationMs).toBeLessThan(8_000);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.upstreams[1]?.hedgesWon).toBeGreaterThan(0);
    expect(s.upstreams[1]?.hedgesSent).toBeGreaterThanOrEqual(s.upstreams[1]?.hedgesWon ?? 0);
  });

  test('first upstream slow (700 ms): hedges win and the slow one soon stops leading', async () => {
    const a = await labProxy({ slow: 700 });
    const b = await labProxy();
    const c = await serveCase('serve-slow', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    const s = c.local.stats();
    expect(s.upstreams[1]?.hedgesWon).toBeGreaterThan(0);
    expect(s.upstreams[1]?.served).toBe(s.served);
    // Plain "a|b" would take 700 ms per request, in GOMAXPROCS parallel streams.
    expect(r.durationMs).toBeLessThan((s.requests * 700) / 2);
  });

  test('a lone upstream failing every other request: retried with backoff, go succeeds', async () => {
    const a = await labProxy({ failEvery: 2 });
    // One download at a time: with parallel ones, the lab's single every-other counter can hand every
    // failure to the same request, and no number of retries wins against a strict alternation.
    const c = await serveCase('serve-every-other', [a], { goEnv: { GOMAXPROCS: '1' } });
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    expect(downloaded(r.stdout).every((m) => !m.Error)).toBe(true);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.upstreams[0]?.retries).toBeGreaterThan(0);
    expect(absorbedTotal(s)).toBe(s.upstreams[0]?.failures);
    expect(s.rescued).toBeGreaterThan(0);
  });

  test('a zip that is not a zip, or a captive portal: that upstream is skipped, the next serves', async () => {
    const a = await labProxy();
    await a.setFault('corrupt-zip', { path: '.zip' });
    const b = await labProxy('html');
    const d = await labProxy();
    const c = await serveCase('serve-broken', [a, b, d]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    const s = c.local.stats();
    expect(s.failed).toBe(0);
    expect(s.upstreams[0]?.failureKinds['corrupt-zip']).toBeGreaterThan(0);
    expect(s.upstreams[1]?.failureKinds.html).toBeGreaterThan(0);
    expect(s.upstreams[2]?.served).toBeGreaterThan(0);
  });

  test('a tampered zip (valid, other content) is passed on untouched: go itself rejects it against go.sum', async () => {
    const a = await labProxy('tampered-zip');
    const c = await serveCase('serve-tampered', [a]);
    const r = await c.go(['mod', 'download', 'all']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checksum mismatch/);
    expect(r.stderr).toMatch(/SECURITY ERROR/);
    // Not retried into silence: one fetch of each tampered zip, no retries.
    expect(c.local.stats().upstreams[0]?.retries).toBe(0);
  });

  test('a version that does not exist is reported as not found at once, without retries', async () => {
    const a = await labProxy();
    const b = await labProxy();
    const c = await serveCase('serve-404', [a, b]);
    const r = await c.go(['mod', 'download', 'example.com/beta@v9.9.9']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/404 Not Found|unknown revision|not found/);
    expect(r.durationMs).toBeLessThan(3_000);
    const s = c.local.stats();
    expect(s.notFound).toBeGreaterThan(0);
    expect(s.failed).toBe(0);
    expect(s.upstreams.every((u) => u.retries === 0)).toBe(true);
  });

  test('a stale first upstream (404) and a second that has it: the second serves', async () => {
    const a = await labProxy({ notFound: 404 });
    const b = await labProxy();
    const c = await serveCase('serve-stale', [a, b]);
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    expect(c.local.stats().upstreams[1]?.served).toBeGreaterThan(0);
  });

  test('every upstream down, the modules in the local cache: go get @latest and version lists still work', async () => {
    const a = await labProxy();
    const c = await serveCase('serve-cache', [a]);
    expect((await downloadAll(c)).code).toBe(0);
    await a.setFault({ status: 503 });
    const versions = await c.go(['list', '-m', '-versions', 'example.com/beta']);
    expect(versions.code).toBe(0);
    expect(versions.stdout).toContain(BETA.version);
    const get = await c.go(['get', 'example.com/beta@latest']);
    expect(get.code).toBe(0);
    const s = c.local.stats();
    expect(s.fromCache).toBeGreaterThan(0);
    // A zip asked for directly is the cached file, byte for byte.
    const zip = await labRequest(`${c.local.url}/example.com/beta/@v/${BETA.version}.zip`);
    expect(zip.status).toBe(200);
    expect(zip.body.equals(readFileSync(path.join(c.env.GOMODCACHE!, 'cache/download/example.com/beta/@v', `${BETA.version}.zip`)))).toBe(
      true,
    );
  });

  test('every upstream down and nothing cached: a 502 that names the failures, never a 404', async () => {
    const a = await labProxy({ status: 503 });
    const c = await serveCase('serve-down', [a], { retries: 1 });
    const res = await labRequest(`${c.local.url}/example.com/beta/@v/list`);
    expect(res.status).toBe(502);
    expect(res.body.toString()).toMatch(/every upstream failed.*HTTP 503/);
    expect(c.local.stats().failed).toBe(1);
  });

  test('answers larger than the memory limit are held on disk and still arrive intact', async () => {
    const a = await labProxy();
    const c = await serveCase('serve-spill', [a], { memoryLimit: 256 });
    const r = await downloadAll(c);
    expect(r.code).toBe(0);
    expect(downloaded(r.stdout).every((m) => !m.Error && m.Sum)).toBe(true);
  });
});

describe('what the local proxy refuses', () => {
  test('paths that are not GOPROXY or sumdb requests, and methods other than GET', async () => {
    const a = await labProxy();
    const c = await serveCase('serve-refuse', [a]);
    for (const p of ['/', '/etc/passwd', '/example.com/beta/@v/../../x', '/example.com/beta/@v/list?x=1', '/example.com/Beta/@v/list']) {
      const res = await labRequest(`${c.local.url}${p}`);
      expect([p, res.status]).toEqual([p, 400]);
    }
    expect((await labRequest(`${c.local.url}/example.com/beta/@v/list`, { method: 'POST' })).status).toBe(405);
    expect(c.local.stats().refused).toBe(6);
    expect(a.hits().length).toBe(0);
    expect(new URL(c.local.url).hostname).toBe('127.0.0.1');
  });

  test('a zip whose entries are not under module@version/ is rejected', async () => {
    const wrong = buildZip([{ name: 'example.com/other@v1.0.0/go.mod', data: 'module example.com/other\n' }]);
    const right = buildZip([{ name: 'example.com/beta@v0.2.0/go.mod', data: 'module example.com/beta\n' }]);
    const req = (parseServePath('/example.com/beta/@v/v0.2.0.zip') as { request: ServeRequest }).request;
    const zipLayoutProblem = (zip: Buffer) => answerProblem(req, 'application/zip', memoryBody(zip));
    expect((await zipLayoutProblem(wrong))?.code).toBe('corrupt-zip');
    expect(await zipLayoutProblem(right)).toBeUndefined();
    expect((await zipLayoutProblem(Buffer.from('PK\u0003\u0004 truncated')))?.code).toBe('corrupt-zip');
  });
});
