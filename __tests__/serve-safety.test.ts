/**
 * The local proxy (src/serve) and the probe's client under hostile upstreams
 * and on a shared machine: bounded size and time, the go command hanging up,
 * who may use it, what its process inherits, credentials never over plain
 * http, the user's fallback rule, redirects. Real loopback upstreams with
 * faults, the real go command where a user would see the difference.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hermeticGoEnv, makeGoProject, parseJsonStream, runCommand, runGo, type GoModDownload } from './lab/go.js';
import { labRequest, type GoProxy } from './lab/goproxy-server.js';
import { BETA, closeLabServers, GAMMA, guardCase, labProxy, NO_EGRESS, UPPER, world } from './lab/guard-case.js';
import { CLI, makeLabDir } from './lab/paths.js';
import { ensureLabPki } from './lab/pki.js';
import { servedGoproxy } from '../src/engine/serve-stage.js';
import { formatGoproxy } from '../src/goproxy/chain.js';
import { readNetrc } from '../src/goproxy/netrc.js';
import { redirectTarget } from '../src/goproxy/endpoint.js';
import { NO_CREDENTIALS, netrcCredentials } from '../src/goproxy/goauth.js';
import { ProxyClient } from '../src/probe/http.js';
import { launchDaemon, stopDaemon } from '../src/serve/daemon.js';
import { startLocalProxy, type LocalProxy } from '../src/serve/local-proxy.js';
import { MAX_ANSWER_BYTES, servePolicy } from '../src/upstream/policy.js';
import type { UpstreamSpec } from '../src/upstream/upstream.js';

const MiB = 1 << 20;

const locals: LocalProxy[] = [];
afterEach(async () => {
  await Promise.all(locals.splice(0).map((l) => l.close('test over')));
  await closeLabServers();
});

interface LocalOptions {
  retries?: number;
  budgetMs?: number;
  maxBytes?: Partial<typeof MAX_ANSWER_BYTES>;
  netrc?: { machine: string; login: string; password: string }[];
}

/** A local proxy in front of `upstreams` (as the probe measured them on loopback), with its spill directory. */
async function local(
  name: string,
  upstreams: (GoProxy | UpstreamSpec)[],
  opts: LocalOptions = {},
): Promise<{ proxy: LocalProxy; lab: string; spill: string }> {
  const lab = makeLabDir(name);
  const spill = path.join(lab, 'spill');
  const base = servePolicy(opts.retries ?? 1, spill, opts.budgetMs);
  const proxy = await startLocalProxy({
    upstreams: upstreams.map((u) => ('p95Ms' in u ? u : { url: u.url, p95Ms: 20 })),
    credentials: netrcCredentials(opts.netrc ?? []),
    moduleCache: undefined,
    policy: { ...base, maxBytes: { ...base.maxBytes, ...opts.maxBytes } },
    port: 0,
  });
  locals.push(proxy);
  return { proxy, lab, spill };
}

const get = (base: string, rel: string, opts: Parameters<typeof labRequest>[1] = {}) =>
  labRequest(`${base}/${rel}`, { timeoutMs: 20_000, ...opts });
const spillFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('size: every kind of answer has a cap', () => {
  test('an endless .info body: cut at its cap, never spilled past it; the next upstream answers', async () => {
    const endless = await labProxy({ endless: true });
    const good = await labProxy();
    // A long hedge delay: the next upstream is asked because of the cap, not because the first was slow to answer.
    const { proxy, spill } = await local('safety-endless-info', [{ url: endless.url, p95Ms: 5000 }, good]);
    const started = Date.now();
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.info`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).Version).toBe(BETA.version);
    expect(Date.now() - started).toBeLessThan(10_000);
    const s = proxy.stats();
    expect(s.upstreams[0]?.failureKinds).toEqual({ 'too-large': 1 });
    expect(s.upstreams[0]?.bytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES.info + 64 * 1024);
    expect(s.spillPeakBytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES.info);
    expect(spillFiles(spill)).toEqual([]);
  });

  test('an endless zip from a lone upstream: a 502 naming the cap, the spill stays within it and is removed', async () => {
    const endless = await labProxy({ endless: true });
    // The zip cap as the go command's 500 MiB, scaled down so the test writes 8 MiB, not 500.
    const { proxy, spill } = await local('safety-endless-zip', [endless], { retries: 0, maxBytes: { zip: 8 * MiB } });
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.zip`);
    expect(res.status).toBe(502);
    expect(res.body.toString()).toMatch(/larger than the 8 MiB the go command accepts/);
    const s = proxy.stats();
    expect(s.spillPeakBytes).toBeGreaterThan(MiB);
    expect(s.spillPeakBytes).toBeLessThanOrEqual(8 * MiB);
    expect(spillFiles(spill)).toEqual([]);
  });

  test('a declared Content-Length over the cap fails before a byte of the body is read', async () => {
    const liar = await labProxy();
    const { proxy } = await local('safety-declared', [liar], { retries: 0, maxBytes: { mod: 16 } });
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.mod`);
    expect(res.status).toBe(502);
    expect(proxy.stats().upstreams[0]?.bytes).toBe(0);
  });

  test('too little free disk: the answer is not spilled, the go command gets a 502 that says so', async () => {
    const big = await labProxy('ok', { modules: world });
    const lab = makeLabDir('safety-nospace');
    const spill = path.join(lab, 'spill');
    mkdirSync(spill, { recursive: true });
    // Keep free everything the disk has now: the first spill of a zip must be refused.
    const free = statfsSync(spill);
    const proxy = await startLocalProxy({
      upstreams: [{ url: big.url, p95Ms: 20 }],
      credentials: NO_CREDENTIALS,
      moduleCache: undefined,
      policy: { ...servePolicy(0, spill), memoryLimit: 64, spillReserveBytes: free.bavail * free.bsize },
      port: 0,
    });
    locals.push(proxy);
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.zip`);
    expect(res.status).toBe(502);
    expect(res.body.toString()).toMatch(/not enough free disk/);
    expect(spillFiles(spill)).toEqual([]);
  });

  test('the caps are the go command’s own', () => {
    expect(MAX_ANSWER_BYTES.zip).toBe(500 * MiB);
    expect(MAX_ANSWER_BYTES.mod).toBe(16 * MiB);
    for (const k of ['info', 'list', 'latest', 'sumdb'] as const) expect(MAX_ANSWER_BYTES[k]).toBeLessThanOrEqual(8 * MiB);
  });
});

describe('time: one budget per request', () => {
  test('a lone upstream trickling a byte every 200 ms: a 502 when the budget runs out, not minutes later', async () => {
    const trickle = await labProxy({ trickle: 200 });
    const { proxy } = await local('safety-trickle', [trickle], { budgetMs: 1500 });
    const started = Date.now();
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.info`);
    const ms = Date.now() - started;
    expect(res.status).toBe(502);
    expect(res.body.toString()).toMatch(/request budget/);
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(4500);
  });

  test('the first upstream stalls mid-body: the next one answers within the budget', async () => {
    const stall = await labProxy({ trickle: 60_000 });
    const good = await labProxy();
    const { proxy } = await local('safety-stall', [stall, good], { budgetMs: 2000 });
    const started = Date.now();
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.mod`);
    expect(res.status).toBe(200);
    expect(res.body.equals(BETA.mod)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(proxy.stats().upstreams[0]?.failureKinds.timeout).toBe(1);
  });
});

describe('the go command hangs up', () => {
  test('the upstream request is aborted at once, not left to its timeouts', async () => {
    const hang = await labProxy('hang');
    const { proxy } = await local('safety-gone', [hang]);
    await expect(get(proxy.url, `example.com/beta/@v/${BETA.version}.zip`, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && !hang.hits('.zip')[0]?.aborted) await new Promise((r) => setTimeout(r, 25));
    expect(hang.hits('.zip')[0]?.aborted).toBe(true);
    expect(proxy.stats().gone).toBe(1);
  });
});

describe('who may use it', () => {
  test('only requests for our own address and with the per-run token; the upstream never hears of the others', async () => {
    const a = await labProxy();
    const { proxy } = await local('safety-who', [a]);
    const u = new URL(proxy.url);
    const token = u.pathname.slice(1);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const list = 'example.com/beta/@v/list';
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends Host: evil.example:<port>.
    expect((await get(proxy.url, list, { headers: { host: `evil.example:${u.port}` } })).status).toBe(403);
    expect((await get(u.origin, list)).status).toBe(403);
    expect((await get(`${u.origin}/${token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, list)).status).toBe(403);
    expect(a.hits().length).toBe(0);
    expect((await get(proxy.url, list)).status).toBe(200);
    expect(proxy.stats().refused).toBe(3);
    // Two proxies, two tokens.
    const other = await local('safety-who-2', [a]);
    expect(new URL(other.proxy.url).pathname).not.toBe(u.pathname);
  });
});

describe('the daemon', () => {
  test('inherits only what it needs: no inputs, webhook URLs or secrets of the step that starts it', async () => {
    const a = await labProxy();
    const lab = makeLabDir('safety-env');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: lab,
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1',
      INPUT_PROXIES: 'https://user:S3cret@proxy.example',
      'INPUT_WEBHOOK-URL': 'https://hooks.example/T000/B000/XXXX',
      'INPUT_WEBHOOK-SECRET': 'sign-me',
      GITHUB_TOKEN: 'ghs_secret',
    };
    const handle = await launchDaemon(
      CLI,
      {
        upstreams: [{ url: a.url, p95Ms: 20 }],
        credentials: NO_CREDENTIALS,
        moduleCache: undefined,
        retries: 0,
        dir: lab,
        idleTimeoutMs: 60_000,
        requestTimeoutMs: 5000,
        watchPid: process.pid,
      },
      env,
    );
    try {
      const environ = readFileSync(`/proc/${handle.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((e) => e.slice(0, e.indexOf('=')));
      expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'HTTPS_PROXY', 'NO_PROXY']));
      expect(environ.join('\n')).not.toMatch(/S3cret|hooks\.example|sign-me|ghs_secret|INPUT_/);
      // Its files are in a directory made for it, that only this user may enter.
      expect(lstatSync(path.dirname(handle.logFile)).mode & 0o777).toBe(0o700);
      expect(path.dirname(handle.logFile)).not.toBe(lab);
    } finally {
      await stopDaemon(handle);
    }
  });

  test('serve --stop signals only a process that proves to be its daemon', async () => {
    const a = await labProxy();
    const lab = makeLabDir('safety-stop');
    // A handle naming someone else's process (a reused pid, a forged file).
    const bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const forged = {
        pid: bystander.pid as number,
        url: `http://127.0.0.1:${a.port}/x`,
        statsFile: path.join(lab, 'none.json'),
        logFile: path.join(lab, 'none.log'),
      };
      await stopDaemon(forged, 1000);
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
      const handle = await launchDaemon(CLI, {
        upstreams: [{ url: a.url, p95Ms: 20 }],
        credentials: NO_CREDENTIALS,
        moduleCache: undefined,
        retries: 0,
        dir: lab,
        idleTimeoutMs: 60_000,
        requestTimeoutMs: 5000,
        watchPid: process.pid,
      });
      // The right URL but another pid: not signalled either.
      await stopDaemon({ ...handle, pid: bystander.pid as number }, 1000);
      expect(bystander.signalCode).toBeNull();
      const stats = await stopDaemon(handle);
      expect(stats?.stoppedAt).toBeDefined();
    } finally {
      bystander.kill();
    }
  });
});

describe('credentials', () => {
  test('never over plain http: the probe and the local proxy refuse, as the go command does', async () => {
    const plain = await labProxy('ok', { auth: { user: 'ci', pass: 'S3cret' } });
    expect(plain.authUrl).toMatch(/^http:\/\/ci:S3cret@/);
    const client = new ProxyClient(plain.authUrl, NO_CREDENTIALS, 5000);
    const probed = await client.get('example.com/beta/@v/list');
    client.close();
    expect(probed).toMatchObject({ failure: { code: 'insecure-credentials', class: 'proxy-broken' } });
    expect('failure' in probed && probed.failure.message).not.toContain('S3cret');
    const { proxy } = await local('safety-insecure', [{ url: plain.authUrl, p95Ms: 20 }], { retries: 0 });
    const res = await get(proxy.url, 'example.com/beta/@v/list');
    expect(res.status).toBe(502);
    expect(res.body.toString()).toMatch(/refusing to pass credentials to insecure URL/);
    expect(res.body.toString()).not.toContain('S3cret');
    // A netrc entry for a plain-http host is not sent either (go sends netrc credentials over https only).
    const netrcd = await local('safety-insecure-netrc', [plain], {
      retries: 0,
      netrc: [{ machine: `127.0.0.1:${plain.port}`, login: 'ci', password: 'S3cret' }],
    });
    expect((await get(netrcd.proxy.url, 'example.com/beta/@v/list')).status).toBe(502);
    expect(plain.hits().filter((h) => h.authorization)).toEqual([]);
  });

  test('the report says why a plain-http proxy with credentials is unusable, never "healthy"', async () => {
    const plain = await labProxy('ok', { auth: { user: 'ci', pass: 'S3cret' } });
    const good = await labProxy();
    const c = guardCase('safety-insecure-report');
    const r = await c.run({
      proxies: `${plain.authUrl}\n${good.url}`,
      'probe-timeout': '3s',
      'probe-samples': '1',
      prewarm: 'false',
      serve: 'false',
    });
    expect(r.code).toBe(0);
    const entry = r.report.proxies.find((p: { url: string }) => p.url.includes(`:${plain.port}`));
    expect(entry.verdict).toBe('broken');
    expect(JSON.stringify(entry)).toContain('insecure-credentials');
    // An unusable proxy shows no figures (–) before its reason.
    expect(r.stdout).toMatch(/broken(\s+(–|0%))*\s+refusing to pass credentials to insecure URL http:\/\/ci:\*\*\*@/);
    // Registered as a secret (the runner's ::add-mask::), and shown nowhere.
    expect(r.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('S3cret');
    expect(r.exportedEnv.GOPROXY).not.toContain(`:${plain.port}`);
    expect(plain.hits().filter((h) => h.authorization)).toEqual([]);
  });

  test('not in the exported GOPROXY: a netrc file (0600) the go command reads through NETRC', async () => {
    const pki = ensureLabPki();
    const secure = await labProxy('ok', { tls: 'valid', auth: { user: 'ci', pass: 'S3cret' }, pki });
    const lab = makeLabDir('safety-netrc');
    const home = path.join(lab, 'home');
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, '.netrc'), 'machine git.example login me password mine\n');
    const chain = [{ kind: 'proxy' as const, url: secure.authUrl, fallBackOnError: true }, { kind: 'off' as const }];
    const served = servedGoproxy('http://127.0.0.1:1/token', chain, path.join(lab, 'work'), await readNetrc({ HOME: home }));
    expect(formatGoproxy(served.chain)).toBe(`http://127.0.0.1:1/token|${secure.url}|off`);
    expect(served.netrcFile).toBeDefined();
    const netrcFile = served.netrcFile as string;
    expect(lstatSync(netrcFile).mode & 0o777).toBe(0o600);
    expect(lstatSync(path.dirname(netrcFile)).mode & 0o777).toBe(0o700);
    // The user's own netrc is kept, after ours.
    expect(readFileSync(netrcFile, 'utf8')).toBe(
      `machine 127.0.0.1:${secure.port} login ci password S3cret\nmachine git.example login me password mine\n`,
    );
    // The real go command, with the local proxy gone (port 1): it falls through to the bare chain and authenticates from NETRC.
    const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA], world });
    const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: formatGoproxy(served.chain) });
    const withNetrc = await runGo(['mod', 'download', '-json', 'all'], {
      cwd: project.dir,
      env: { ...env, NETRC: netrcFile },
      timeoutMs: 30_000,
    });
    expect(withNetrc.code).toBe(0);
    expect(secure.hits('.zip').every((h) => h.status === 200)).toBe(true);
    expect(secure.hits('.zip').length).toBeGreaterThan(0);
    const without = await runGo(['mod', 'download', '-json', 'all'], {
      cwd: project.dir,
      env: { ...env, GOMODCACHE: path.join(lab, 'modcache2') },
      timeoutMs: 30_000,
    });
    expect(without.code).not.toBe(0);
  });
});

describe('the user\u2019s fallback rule', () => {
  const zip = `example.com/beta/@v/${BETA.version}.zip`;
  const strict = (p: GoProxy): UpstreamSpec => ({ url: p.url, p95Ms: 20, fallBackOnError: false });

  test('not-found: a 503 is retried on the same upstream, and the next is never asked', async () => {
    const a = await labProxy({ status: 503 });
    const b = await labProxy();
    const { proxy } = await local('safety-notfound-503', [strict(a), strict(b)], { retries: 2 });
    const res = await get(proxy.url, zip);
    expect(res.status).toBe(502);
    expect(a.hits('.zip').length).toBe(3);
    expect(b.hits().length).toBe(0);
  });

  test('not-found: a flaky first upstream is retried until it answers; the next is never asked', async () => {
    const a = await labProxy({ flaky: 1 });
    const b = await labProxy();
    const { proxy } = await local('safety-notfound-flaky', [strict(a), strict(b)], { retries: 2 });
    const res = await get(proxy.url, zip);
    expect(res.status).toBe(200);
    expect(a.hits('.zip').map((h) => h.status)).toEqual([503, 200]);
    expect(b.hits().length).toBe(0);
  });

  test('not-found: after a 404 the next upstream is asked; go downloads through the local proxy', async () => {
    const a = await labProxy({ notFound: 404 });
    const b = await labProxy();
    const { proxy, lab } = await local('safety-notfound-404', [strict(a), strict(b)]);
    const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER, GAMMA], world });
    const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: `${proxy.url}|${a.url},${b.url}` });
    const r = await runGo(['mod', 'download', '-json', 'all'], { cwd: project.dir, env, timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(parseJsonStream<GoModDownload>(r.stdout).every((m) => !m.Error)).toBe(true);
    expect(a.hits('.zip').every((h) => h.status === 404)).toBe(true);
    expect(b.hits('.zip').length).toBeGreaterThan(0);
  });

  test('any-error (the default): a 503 goes on to the next upstream at once', async () => {
    const a = await labProxy({ status: 503 });
    const b = await labProxy();
    const { proxy } = await local('safety-anyerror', [a, b], { retries: 2 });
    const res = await get(proxy.url, zip);
    expect(res.status).toBe(200);
    expect(a.hits('.zip').length).toBe(1);
    expect(b.hits('.zip').length).toBe(1);
  });
});

describe('redirects', () => {
  test('go downloads through the local proxy from an upstream that redirects to another (a CDN)', async () => {
    const cdn = await labProxy();
    const front = await labProxy({ redirect: cdn.url });
    const { proxy, lab } = await local('safety-redirect', [front]);
    const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER, GAMMA], world });
    const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: proxy.url });
    const r = await runGo(['mod', 'download', '-json', 'all'], { cwd: project.dir, env, timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(front.hits('.zip').every((h) => h.status === 302)).toBe(true);
    expect(cdn.hits('.zip').length).toBe(front.hits('.zip').length);
  });

  test('credentials go to the proxy\u2019s own host only; https never leads to http', async () => {
    const pki = ensureLabPki();
    const cdn = await labProxy('ok', { tls: 'valid', pki });
    const front = await labProxy({ redirect: cdn.url }, { tls: 'valid', pki, auth: { user: 'ci', pass: 'S3cret' } });
    const env = { ...process.env, SSL_CERT_FILE: pki.caCert };
    const lab = makeLabDir('safety-redirect-auth');
    const proxy = await startLocalProxy({
      upstreams: [{ url: front.authUrl, p95Ms: 20 }],
      credentials: NO_CREDENTIALS,
      moduleCache: undefined,
      policy: servePolicy(0, path.join(lab, 'spill')),
      port: 0,
      env,
    });
    locals.push(proxy);
    // The lab's redirect comes before its auth check; what matters is what each host was sent.
    const res = await get(proxy.url, `example.com/beta/@v/${BETA.version}.info`);
    expect(res.status).toBe(200);
    expect(front.hits('.info')[0]?.authorization).toMatch(/^Basic /);
    expect(cdn.hits('.info')[0]?.authorization).toBeUndefined();

    const plain = await labProxy();
    await front.setFault({ redirect: plain.url });
    const down = await get(proxy.url, `example.com/beta/@v/${BETA.version}.mod`);
    expect(down.status).toBe(502);
    expect(down.body.toString()).toMatch(/redirected from secure URL .* to insecure URL/);
    expect(plain.hits().length).toBe(0);
  });

  test('the probe resolves a relative Location against the request URL', async () => {
    const a = await labProxy({ redirect: '/mirror' });
    const client = new ProxyClient(a.url, NO_CREDENTIALS, 5000);
    const r = await client.get('example.com/beta/@v/list');
    client.close();
    expect(r).toMatchObject({ answer: { status: 200 } });
    expect('answer' in r && r.answer.body.toString()).toContain(BETA.version);
    expect(a.hits().map((h) => h.status)).toEqual([302, 200]);
  });

  test('the rules of a hop, as the go command’s client has them', () => {
    const from = new URL('https://proxy.example/a/b');
    expect(redirectTarget(from, '/c', 1)).toEqual({ url: new URL('https://proxy.example/c') });
    expect(redirectTarget(from, 'x', 1)).toEqual({ url: new URL('https://proxy.example/a/x') });
    expect(redirectTarget(from, 'http://cdn.example/x', 1)).toMatchObject({ refused: expect.stringMatching(/secure URL .* insecure URL/) });
    expect(redirectTarget(from, 'https://cdn.example/x', 11)).toMatchObject({ refused: 'stopped after 10 redirects' });
    expect(redirectTarget(new URL('http://proxy.example/'), 'file:///etc/passwd', 1)).toMatchObject({
      refused: expect.stringMatching(/file:/),
    });
  });
});

describe('serve from the command line', () => {
  test('--foreground keeps serving until SIGTERM, then stops the proxy', async () => {
    const a = await labProxy();
    const c = guardCase('safety-foreground');
    const tmp = path.join(c.lab, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--foreground', '--proxies', a.url, '--probe-samples', '1', '--serve-dir', path.join(c.lab, 'serve')],
      {
        cwd: c.project.dir,
        env: { ...c.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !/serving on (\S+);/.test(stderr) && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
      const url = /serving on (\S+);/.exec(stderr)?.[1];
      expect(url).toBeDefined();
      await new Promise((r) => setTimeout(r, 2000));
      expect(child.exitCode).toBeNull();
      expect((await get(url as string, 'example.com/beta/@v/list')).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(get(url as string, 'example.com/beta/@v/list', { timeoutMs: 1000 })).rejects.toBeDefined();
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a link planted at the handle path is replaced, its target never written', async () => {
    const a = await labProxy();
    const c = guardCase('safety-handle-link');
    const dir = path.join(c.lab, 'serve');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const victim = path.join(c.lab, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(dir, 'handle.json'));
    mkdirSync(path.join(c.lab, 'tmp'), { recursive: true });
    const start = await runCommand(process.execPath, [CLI, 'serve', '-q', '--proxies', a.url, '--probe-samples', '1', '--serve-dir', dir], {
      cwd: c.project.dir,
      env: { ...c.env, TMPDIR: path.join(c.lab, 'tmp') },
      timeoutMs: 60_000,
    });
    try {
      expect(start.code).toBe(0);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(lstatSync(path.join(dir, 'handle.json')).isSymbolicLink()).toBe(false);
      expect(lstatSync(path.join(dir, 'handle.json')).mode & 0o777).toBe(0o600);
    } finally {
      await runCommand(process.execPath, [CLI, 'serve', '--stop', '--serve-dir', dir], {
        cwd: c.project.dir,
        env: c.env,
        timeoutMs: 30_000,
      });
    }
  });
});
