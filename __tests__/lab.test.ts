/**
 * Proves the test lab against the real go toolchain: if these pass, a
 * scenario built from the lab behaves like the real world it imitates.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  hermeticGoEnv,
  makeGoProject,
  makeGoWork,
  parseJsonStream,
  removeDirForce,
  runCommand,
  runGo,
  vendorProject,
  type GoModDownload,
  type GoProject,
} from './lab/go.js';
import { faultName, labRequest, startGoProxy, type GoProxy, type GoProxyOptions } from './lab/goproxy-server.js';
import {
  buildZip,
  defaultWorld,
  escapePath,
  findModule,
  goSumLines,
  hash1,
  largeModuleOnDisk,
  moduleVersion,
  unescapePath,
  type ModuleVersion,
} from './lab/modules.js';
import { makeLabDir, repoRoot } from './lab/paths.js';
import { ensureLabPki } from './lab/pki.js';
import { endAllJobs, endJob, parseFileCommands, parseWorkflowCommands, runAction, runPost } from './lab/runner.js';

const pki = ensureLabPki();
const world = defaultWorld();
const mod = (p: string, v: string): ModuleVersion => {
  const m = findModule(world, { path: p, version: v });
  if (!m) throw new Error(`${p}@${v} missing from world`);
  return m;
};
const BETA = mod('example.com/beta', 'v0.2.0');
const UPPER = mod('example.com/Upper/Case', 'v1.0.0');
const GAMMA = mod('example.com/gamma/v2', 'v2.0.1');

const proxies: GoProxy[] = [];
async function proxy(opts: GoProxyOptions = {}): Promise<GoProxy> {
  const p = await startGoProxy({ modules: world, ...opts });
  proxies.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

interface Case {
  lab: string;
  project: GoProject;
  env: Record<string, string>;
}

/** A fresh project (beta -> alpha, Upper/Case, gamma/v2) with its own empty module cache. */
function goCase(name: string, goproxy: string, opts: { withGoSum?: boolean } = {}): Case {
  const lab = makeLabDir(name);
  const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER, GAMMA], world, withGoSum: opts.withGoSum ?? true });
  return { lab, project, env: hermeticGoEnv(lab, { GOPROXY: goproxy }) };
}

function download(c: Case, timeoutMs = 20_000): ReturnType<typeof runGo> {
  return runGo(['mod', 'download', '-json', 'all'], { cwd: c.project.dir, env: c.env, timeoutMs });
}

describe('pki', () => {
  const cert = (p: string): X509Certificate => new X509Certificate(readFileSync(p));
  const ca = cert(pki.caCert);
  const DAY = 86_400_000;

  test('server cert is signed by the lab CA for 127.0.0.1 and localhost, valid ~1 year', () => {
    const c = cert(pki.server.cert);
    expect(c.verify(ca.publicKey)).toBe(true);
    expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(c.checkHost('localhost')).toBe('localhost');
    expect(Date.parse(c.validTo) - Date.now()).toBeGreaterThan(300 * DAY);
  });

  test('expired, expiring-soon and untrusted certs are what they claim', () => {
    const expired = cert(pki.expired.cert);
    expect(expired.verify(ca.publicKey)).toBe(true);
    expect(Date.parse(expired.validTo)).toBeLessThan(Date.now() - 9 * DAY);
    const soon = cert(pki.expiringSoon.cert);
    expect(soon.verify(ca.publicKey)).toBe(true);
    const left = Date.parse(soon.validTo) - Date.now();
    expect(left).toBeGreaterThan(3.9 * DAY);
    expect(left).toBeLessThan(5.1 * DAY);
    const untrusted = cert(pki.untrusted.cert);
    expect(untrusted.verify(ca.publicKey)).toBe(false);
    expect(untrusted.verify(cert(pki.rogueCaCert).publicKey)).toBe(true);
    expect(readFileSync(pki.caCert, 'utf8')).not.toContain(readFileSync(pki.rogueCaCert, 'utf8').trim());
  });

  test('is idempotent', () => {
    const before = readFileSync(pki.server.cert, 'utf8');
    expect(ensureLabPki()).toEqual(pki);
    expect(readFileSync(pki.server.cert, 'utf8')).toBe(before);
  });
});

describe('modules', () => {
  test('case-encoding round-trips', () => {
    expect(escapePath('example.com/Upper/Case')).toBe('example.com/!upper/!case');
    expect(unescapePath('example.com/!upper/!case')).toBe('example.com/Upper/Case');
    expect(unescapePath('example.com/Upper')).toBeUndefined();
  });

  test('hash1 matches a value computed by the go command', () => {
    // go.sum line written by go 1.19 for this exact go.mod content
    expect(hash1([{ name: 'go.mod', data: 'module example.com/alpha\n\ngo 1.19\n' }])).toBe(
      'h1:mOuCh+O5UHj5VcgHWatIyIi4p7hbUt1aSlR0h02xb1o=',
    );
  });

  test('custom modules and go.sum lines', () => {
    const m = moduleVersion({
      path: 'example.com/delta',
      version: 'v0.0.1-rc.1',
      requires: [{ path: 'example.com/alpha', version: 'v1.0.0' }],
    });
    expect(m.mod.toString()).toContain('require example.com/alpha v1.0.0');
    expect(m.files['delta.go']).toContain('dep0.Hello()');
    expect(JSON.parse(m.info)).toEqual({ Version: 'v0.0.1-rc.1', Time: m.time });
    expect(goSumLines([m])).toEqual([`example.com/delta v0.0.1-rc.1 ${m.h1}`, `example.com/delta v0.0.1-rc.1/go.mod ${m.goModH1}`]);
    expect(m.zip.subarray(0, 4).toString('hex')).toBe('504b0304');
  });

  test('largeModuleOnDisk writes exactly what buildZip and hash1 make in memory', async () => {
    const big = await largeModuleOnDisk({
      path: 'example.com/Large',
      version: 'v1.0.0',
      sizeBytes: 3 * 1024 * 1024 + 123,
      dir: makeLabDir('large-small'),
    });
    const file = readFileSync(big.zipFile);
    expect(file.length).toBe(3 * 1024 * 1024 + 123);
    expect(big.zipFile).toMatch(/example\.com\/!large\/@v\/v1\.0\.0\.zip$/);
    const prefix = 'example.com/Large@v1.0.0/';
    const blobAt = 30 + file.readUInt16LE(26);
    const blob = file.subarray(blobAt, blobAt + file.readUInt32LE(18));
    const entries = [
      { name: `${prefix}blob.bin`, data: blob },
      { name: `${prefix}go.mod`, data: big.mod },
    ];
    expect(file.equals(buildZip(entries))).toBe(true);
    expect(big.h1).toBe(hash1(entries));
    expect(big.goModH1).toBe(moduleVersion({ path: 'example.com/Large', version: 'v1.0.0', files: {} }).goModH1);
    expect(big.zip.length).toBe(0);
  });
});

describe('goproxy server (protocol)', () => {
  test('serves list, info, mod, zip, latest, HEAD and ranges; 404 for unknown', async () => {
    const p = await proxy();
    const alpha11 = mod('example.com/alpha', 'v1.1.0');
    const list = await labRequest(`${p.url}/example.com/alpha/@v/list`);
    expect(list.body.toString().split('\n').filter(Boolean).sort()).toEqual(['v1.0.0', 'v1.1.0']);
    expect(JSON.parse((await labRequest(`${p.url}/example.com/alpha/@latest`)).body.toString())).toEqual({
      Version: 'v1.1.0',
      Time: alpha11.time,
    });
    expect((await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.info`)).body.toString()).toBe(alpha11.info);
    expect((await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.mod`)).body.equals(alpha11.mod)).toBe(true);
    const zip = await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.zip`);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.body.equals(alpha11.zip)).toBe(true);
    const head = await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.zip`, { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(alpha11.zip.length), 0]);
    const part = await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.zip`, { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${alpha11.zip.length}`);
    expect(part.body.equals(alpha11.zip.subarray(10, 20))).toBe(true);
    const tail = await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.zip`, { headers: { Range: 'bytes=-22' } });
    expect(tail.body.readUInt32LE(0)).toBe(0x06054b50); // end-of-central-directory record
    expect((await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.zip`, { headers: { Range: 'bytes=999999-' } })).status).toBe(416);
    expect((await labRequest(`${p.url}/example.com/!upper/!case/@v/list`)).body.toString()).toBe('v1.0.0\n');
    expect((await labRequest(`${p.url}/example.com/alpha/@v/v9.9.9.info`)).status).toBe(404);
    expect((await labRequest(`${p.url}/example.com/nope/@v/list`)).status).toBe(404);
    expect((await labRequest(`${p.url}/sumdb/sum.golang.org/supported`)).status).toBe(404);
    expect(p.requests.map((r) => r.status)).toContain(206);
    expect(p.hits('/@v/list').every((r) => r.kind === 'list')).toBe(true);
  });

  test('prefix, basic auth and a configurable sumdb answer', async () => {
    const p = await proxy({ prefix: '/goproxy/', auth: { user: 'lab', pass: 's3cret' }, sumdbSupported: 200 });
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/goproxy$/);
    expect((await labRequest(`${p.url}/example.com/alpha/@v/list`)).status).toBe(401);
    expect((await labRequest(`${p.authUrl}/example.com/alpha/@v/list`)).status).toBe(200);
    expect(
      (await labRequest(`${p.origin}/example.com/alpha/@v/list`, { headers: { authorization: 'Basic bGFiOnMzY3JldA==' } })).status,
    ).toBe(404);
    expect((await labRequest(`${p.authUrl}/sumdb/sum.golang.org/supported`)).status).toBe(200);
  });

  test('faults: scoped rules coexist, flaky recovers, 429 carries Retry-After, html, reset', async () => {
    const p = await proxy();
    await p.setFault({ status: 500 }, { module: 'example.com/alpha' });
    await p.setFault({ status: 429, retryAfter: 7 }, { path: /gamma/ });
    await p.setFault('ok', { module: 'example.com/alpha', version: 'v1.0.0' }); // newest rule wins
    expect((await labRequest(`${p.url}/example.com/alpha/@v/list`)).status).toBe(500);
    expect((await labRequest(`${p.url}/example.com/alpha/@v/v1.0.0.mod`)).status).toBe(200);
    const limited = await labRequest(`${p.url}/example.com/gamma/v2/@v/list`);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '7']);
    expect((await labRequest(`${p.url}/example.com/beta/@v/list`)).status).toBe(200);

    await p.setFault({ flaky: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await labRequest(`${p.url}/example.com/beta/@v/list`)).status);
    expect(statuses).toEqual([503, 503, 200]);

    await p.setFault('html');
    const portal = await labRequest(`${p.url}/example.com/beta/@v/v0.2.0.zip`);
    expect([portal.status, portal.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);

    await p.setFault('reset', { path: /\.zip$/ });
    await expect(labRequest(`${p.url}/example.com/beta/@v/v0.2.0.zip`)).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|ERR_STREAM_PREMATURE_CLOSE/),
    });
    expect(p.requests.at(-1)).toMatchObject({ status: 200, aborted: true, fault: 'reset' });

    await p.setFault({ slow: 200 }, { module: 'example.com/beta' });
    const t0 = Date.now();
    expect((await labRequest(`${p.url}/example.com/beta/@v/list`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);

    await p.clearFaults();
    expect((await labRequest(`${p.url}/example.com/beta/@v/v0.2.0.zip`)).status).toBe(200);
    expect(p.requests.at(-1)).toMatchObject({ status: 200, fault: 'ok', kind: 'zip', module: 'example.com/beta', version: 'v0.2.0' });
  });

  test('failEvery fails every n-th matching request, counted per rule', async () => {
    const p = await proxy();
    const status = async (u: string): Promise<number> => (await labRequest(`${p.url}${u}`)).status;
    await p.setFault({ failEvery: 2 });
    const everyOther: number[] = [];
    for (let i = 0; i < 6; i++) everyOther.push(await status('/example.com/beta/@v/list'));
    expect(everyOther).toEqual([200, 503, 200, 503, 200, 503]);
    expect(p.requests.at(-1)?.fault).toBe('{"status":503}');
    expect(faultName({ failEvery: 2 })).toBe('{"failEvery":2}');

    await p.setFault('ok');
    await p.setFault({ failEvery: 5, status: 500 }, { module: 'example.com/alpha' });
    await p.setFault({ failEvery: 3, fault: { status: 429, retryAfter: 2 } }, { module: 'example.com/gamma/v2' });
    const alpha: number[] = [];
    const gamma: number[] = [];
    for (let i = 0; i < 10; i++) {
      alpha.push(await status('/example.com/alpha/@v/list'));
      if (i < 6) gamma.push(await status('/example.com/gamma/v2/@v/list')); // interleaved: its own counter
      expect(await status('/example.com/beta/@v/list')).toBe(200); // unscoped: untouched
    }
    expect(alpha).toEqual([200, 200, 200, 200, 500, 200, 200, 200, 200, 500]);
    expect(gamma).toEqual([200, 200, 429, 200, 200, 429]);
    expect(
      p
        .hits('/example.com/gamma/')
        .filter((r) => r.status === 429)
        .map((r) => r.fault),
    ).toEqual(Array(2).fill('{"status":429,"retryAfter":2}'));
    await expect(p.setFault({ failEvery: 0 })).rejects.toThrow(/positive integer/);
  });

  test('refused stops listening on the same port; ok listens again', async () => {
    const p = await proxy();
    await p.setFault('refused');
    await expect(labRequest(`${p.url}/example.com/beta/@v/list`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await p.setFault('ok');
    expect((await labRequest(`${p.url}/example.com/beta/@v/list`)).status).toBe(200);
  });

  test('hang never answers, and close() still returns at once', async () => {
    const p = await proxy({ tls: 'valid' });
    await p.setFault('hang');
    await expect(labRequest(`${p.url}/example.com/beta/@v/list`, { ca: pki.caCert, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    const pending = labRequest(`${p.url}/example.com/beta/@v/list`, { ca: pki.caCert, timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await p.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(pending).rejects.toBeDefined();
    expect(p.requests.every((r) => r.status === 0)).toBe(true);
  });

  test('stale (notFound) versions vanish from @v/list and @latest', async () => {
    const p = await proxy();
    await p.setFault({ notFound: 410 }, { module: 'example.com/alpha', version: 'v1.1.0' });
    expect((await labRequest(`${p.url}/example.com/alpha/@v/list`)).body.toString()).toBe('v1.0.0\n');
    expect(JSON.parse((await labRequest(`${p.url}/example.com/alpha/@latest`)).body.toString()).Version).toBe('v1.0.0');
    expect((await labRequest(`${p.url}/example.com/alpha/@v/v1.1.0.zip`)).status).toBe(410);
  });
});

describe('the real go command against the lab proxy', () => {
  test('downloads everything over HTTP, records the right sums, then builds offline', async () => {
    const p = await proxy();
    const c = goCase('ok-http', p.url);
    const r = await download(c);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = parseJsonStream<GoModDownload>(r.stdout);
    expect(got.map((d) => `${d.Path}@${d.Version}`).sort()).toEqual([
      'example.com/Upper/Case@v1.0.0',
      'example.com/alpha@v1.1.0',
      'example.com/beta@v0.2.0',
      'example.com/gamma/v2@v2.0.1',
    ]);
    for (const d of got) {
      const m = mod(d.Path, d.Version);
      expect([d.Error, d.Sum, d.GoModSum]).toEqual([undefined, m.h1, m.goModH1]);
    }
    expect(p.hits('/example.com/!upper/!case/@v/v1.0.0.zip')).toHaveLength(1);
    expect(readFileSync(path.join(c.project.dir, 'go.sum'), 'utf8')).toBe(c.project.goSum); // go found nothing to add

    const offline = { ...c.env, GOPROXY: 'off' };
    await p.close();
    const verify = await runGo(['mod', 'verify'], { cwd: c.project.dir, env: offline, timeoutMs: 20_000 });
    expect(verify.stdout).toContain('all modules verified');
    const build = await runGo(['build', '-o', 'app', '.'], { cwd: c.project.dir, env: offline, timeoutMs: 60_000 });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const run = await runCommand(path.join(c.project.dir, 'app'), [], { env: offline, timeoutMs: 10_000 });
    expect(run.stdout.trim().split('\n')).toEqual(c.project.expectedOutput);
    expect(c.project.expectedOutput).toContain('example.com/beta@v0.2.0 <- example.com/alpha@v1.1.0');
    removeDirForce(c.lab);
    expect(existsSync(c.lab)).toBe(false);
  });

  test('works over HTTPS with the lab CA, also while the cert is expiring soon', async () => {
    for (const tls of ['valid', 'expiring-soon'] as const) {
      const p = await proxy({ tls });
      expect(p.url).toMatch(/^https:/);
      const r = await download(goCase(`ok-${tls}`, p.url));
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
  });

  test('serves under a prefix and with basic auth from the GOPROXY URL (https only)', async () => {
    const plain = await proxy({ auth: { user: 'lab', pass: 's3cret' } });
    const insecure = await download(goCase('auth-http', plain.authUrl));
    expect(insecure.stderr).toMatch(/refusing to pass credentials to insecure URL/);
    const p = await proxy({ tls: 'valid', prefix: '/goproxy/', auth: { user: 'lab', pass: 's3cret' } });
    const denied = await download(goCase('auth-denied', p.url));
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/401 Unauthorized/);
    const r = await download(goCase('auth-ok', p.authUrl));
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  test('documented failures: 503, expired TLS, untrusted TLS', async () => {
    const down = await proxy();
    await down.setFault({ status: 503 });
    const expired = await proxy({ tls: 'expired' });
    const untrusted = await proxy({ tls: 'untrusted' });
    const [a, b, c] = await Promise.all([
      download(goCase('503', down.url)),
      download(goCase('expired', expired.url)),
      download(goCase('untrusted', untrusted.url)),
    ]);
    expect(a.code).not.toBe(0);
    expect(a.stderr).toMatch(/503 Service Unavailable/);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/x509: certificate has expired or is not yet valid/);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/x509: certificate signed by unknown authority/);
  });

  test('corrupt zip and tampered zip (checksum mismatch SECURITY ERROR)', async () => {
    const corrupt = await proxy();
    await corrupt.setFault('corrupt-zip');
    const tampered = await proxy();
    await tampered.setFault('tampered-zip', { module: 'example.com/beta' });
    const [a, b] = await Promise.all([download(goCase('corrupt', corrupt.url)), download(goCase('tampered', tampered.url))]);
    expect(a.code).not.toBe(0);
    expect(a.stdout + a.stderr).toMatch(/zip: not a valid zip file/);
    expect(b.code).not.toBe(0);
    expect(b.stdout + b.stderr).toMatch(/verifying example\.com\/beta@v0\.2\.0: checksum mismatch/);
    expect(b.stdout + b.stderr).toMatch(/SECURITY ERROR/);
    expect(b.stdout).toBe(''); // a failure while loading the module graph prints no JSON at all
  });

  test('network faults: reset, refused, captive portal, 429; `|` falls through where `,` does not', async () => {
    const good = await proxy();
    const reset = await proxy();
    await reset.setFault('reset');
    const refused = await proxy();
    await refused.setFault('refused');
    const portal = await proxy();
    await portal.setFault('html');
    const limited = await proxy();
    await limited.setFault({ status: 429, retryAfter: 1 });
    const [r1, r2, r3, r4, r5, r6] = await Promise.all([
      download(goCase('reset', `${reset.url},${good.url}`)),
      download(goCase('reset-pipe', `${reset.url}|${good.url}`)),
      download(goCase('refused', `${refused.url},${good.url}`)),
      download(goCase('refused-pipe', `${refused.url}|${good.url}`)),
      download(goCase('portal', portal.url)),
      download(goCase('429', limited.url)),
    ]);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toMatch(/unexpected EOF/);
    expect(r2.code).toBe(0);
    expect(r3.code).not.toBe(0);
    expect(r3.stderr).toMatch(/connect: connection refused/);
    expect(r4.code).toBe(0);
    expect(r5.code).not.toBe(0);
    expect(r5.stderr).toMatch(/go\.mod: checksum mismatch/); // the HTML page was taken for a go.mod
    expect(r6.code).not.toBe(0);
    expect(r6.stderr).toMatch(/429 Too Many Requests/);
    expect(limited.hits(/@v\/v1\.0\.0\.mod$/).length).toBe(1); // go does not retry, Retry-After or not
  });

  test('a stale proxy (404 for a version) makes go fail, unless `,` has a next proxy', async () => {
    const p = await proxy();
    await p.setFault({ notFound: 404 }, { module: 'example.com/alpha', version: 'v1.1.0' });
    const good = await proxy();
    const [r, chained] = await Promise.all([download(goCase('stale', p.url)), download(goCase('stale-chain', `${p.url},${good.url}`))]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/example\.com\/alpha@v1\.1\.0.*404 Not Found/s);
    expect(chained.code).toBe(0); // `,` falls through on 404/410
    expect(good.hits('/example.com/alpha/@v/v1.1.0.zip')).toHaveLength(1);
  });

  test('a hanging proxy is killed by timeoutMs', async () => {
    const p = await proxy();
    await p.setFault('hang');
    const r = await download(goCase('hang', p.url), 1500);
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(r.durationMs).toBeLessThan(5000);
    expect(p.requests.length).toBeGreaterThan(0);
  });

  test('go.work with two modules builds both', async () => {
    const p = await proxy();
    const lab = makeLabDir('work');
    const env = hermeticGoEnv(lab, { GOPROXY: p.url });
    makeGoProject(path.join(lab, 'ws', 'a'), { module: 'lab.example/a', requires: [BETA], world });
    makeGoProject(path.join(lab, 'ws', 'b'), { module: 'lab.example/b', requires: [GAMMA, UPPER], world });
    makeGoWork(path.join(lab, 'ws'), ['a', 'b']);
    const ws = await runGo(['build', '-o', `${path.join(lab, 'bin')}/`, './a', './b'], {
      cwd: path.join(lab, 'ws'),
      env,
      timeoutMs: 60_000,
    });
    expect(ws.stderr).toMatch(/go: downloading example\.com\/gamma\/v2 v2\.0\.1/);
    expect(ws.code).toBe(0);
    expect(existsSync(path.join(lab, 'bin', 'a')) && existsSync(path.join(lab, 'bin', 'b'))).toBe(true);
  });

  test('a large file-backed module is streamed from disk and accepted by go', async () => {
    const lab = makeLabDir('large');
    const size = 20 * 1024 * 1024;
    const big = await largeModuleOnDisk({ path: 'example.com/large', version: 'v1.0.0', sizeBytes: size, dir: path.join(lab, 'zips') });
    const p = await proxy({ modules: [...world, big] });
    const zipUrl = `${p.url}/example.com/large/@v/v1.0.0.zip`;
    const head = await labRequest(zipUrl, { method: 'HEAD' });
    expect([head.status, head.headers['content-length']]).toEqual([200, String(size)]);
    const tail = await labRequest(zipUrl, { headers: { Range: 'bytes=-22' } });
    expect([tail.status, tail.headers['content-range'], tail.body.readUInt32LE(0)]).toEqual([
      206,
      `bytes ${size - 22}-${size - 1}/${size}`,
      0x06054b50,
    ]);
    await p.setFault('reset', { module: 'example.com/large' });
    await expect(labRequest(zipUrl)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|ERR_STREAM_PREMATURE_CLOSE/) });
    expect(p.requests.at(-1)).toMatchObject({ status: 200, aborted: true, fault: 'reset' });
    await p.clearFaults();

    const project = makeGoProject(path.join(lab, 'project'), { requires: [big], world: [big], mainImports: false });
    const env = hermeticGoEnv(lab, { GOPROXY: p.url });
    const r = await runGo(['mod', 'download', '-json', 'example.com/large@v1.0.0'], { cwd: project.dir, env, timeoutMs: 60_000 });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const [d] = parseJsonStream<GoModDownload>(r.stdout);
    expect([d?.Error, d?.Sum, d?.GoModSum]).toEqual([undefined, big.h1, big.goModH1]);
    expect(statSync(path.join(d?.Dir ?? '', 'blob.bin')).size).toBeGreaterThan(size - 1024);
    expect(readFileSync(path.join(project.dir, 'go.sum'), 'utf8')).toBe(project.goSum);
    expect(p.hits('/example.com/large/@v/v1.0.0.zip').at(-1)).toMatchObject({ status: 200, fault: 'ok' });
    removeDirForce(lab);
  });

  test('a vendored project builds with no module cache and no proxy', async () => {
    const p = await proxy();
    const lab = makeLabDir('vendor');
    const env = hermeticGoEnv(lab, { GOPROXY: p.url });
    const project = makeGoProject(path.join(lab, 'project'), { requires: [BETA, UPPER], world });
    await vendorProject(project.dir, env);
    expect(readFileSync(path.join(project.dir, 'vendor', 'modules.txt'), 'utf8')).toContain('# example.com/alpha v1.1.0');
    removeDirForce(env.GOMODCACHE ?? '');
    expect(existsSync(env.GOMODCACHE ?? '')).toBe(false);
    const offline = { ...env, GOPROXY: 'off', GOFLAGS: '-mod=vendor' };
    const b = await runGo(['build', '-o', 'app', '.'], { cwd: project.dir, env: offline, timeoutMs: 60_000 });
    expect([b.code, b.stderr]).toEqual([0, '']);
    const run = await runCommand(path.join(project.dir, 'app'), [], { env: offline, timeoutMs: 10_000 });
    expect(run.stdout.trim().split('\n')).toEqual(project.expectedOutput);
  });
});

describe('runner emulator', () => {
  const corePath = pathToFileURL(path.join(repoRoot, 'node_modules', '@actions', 'core', 'lib', 'core.js')).href;
  const fakeAction = `
import * as core from ${JSON.stringify(corePath)};
if (process.env.STATE_phase) {
  core.setOutput('post-saw', [process.env.STATE_phase, process.env.GOPROXY, process.env.PATH.split(':')[0], core.getInput('probe-timeout')].join('|'));
} else {
  if (core.getInput('hang') === 'true') setInterval(() => {}, 1000);
  else {
    core.setOutput('healthy', core.getMultilineInput('proxies').join('\\n'));
    core.setOutput('timeout', core.getInput('probe-timeout'));
    core.setOutput('token', core.getInput('token'));
    core.setOutput('runner', [process.env.RUNNER_OS, process.env.RUNNER_ARCH, process.env.GITHUB_REPOSITORY, process.env.GITHUB_EVENT_NAME, process.env.GITHUB_ACTIONS].join(' '));
    core.exportVariable('GOPROXY', 'http://a,direct');
    core.addPath('/opt/lab/bin');
    core.saveState('phase', 'main-done');
    core.setSecret('s3cret');
    core.warning('proxy is slow');
    core.error('proxy is down', { title: 'a: b, c' });
    core.notice('multi\\nline');
    await core.summary.addHeading('Lab summary').write();
    if (core.getInput('fail') === 'true') core.setFailed('asked to fail');
  }
}
`;
  let entry = '';
  let actionYml = '';
  beforeAll(() => {
    const dir = makeLabDir('fake-action');
    entry = path.join(dir, 'index.mjs');
    actionYml = path.join(dir, 'action.yml');
    writeFileSync(entry, fakeAction);
    writeFileSync(
      actionYml,
      `name: fake
inputs:
  probe-timeout:
    description: per-probe timeout
    default: '5s'
  proxies:
    description: candidates
    default: |
      https://proxy.one
      https://proxy.two
  token:
    default: \${{ github.token }}
  hang:
    default: 'false'
  fail:
    default: false
runs:
  using: node20
  main: index.mjs
  post: index.mjs
`,
    );
  });

  test('main step: defaults, INPUT_ names with hyphens, outputs, env, path, state, summary, commands', async () => {
    const r = await runAction({ entry, actionYml, inputs: { 'probe-timeout': '2s', extra: 'x' }, env: { GITHUB_TOKEN: 'tok' } });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.env['INPUT_PROBE-TIMEOUT']).toBe('2s');
    expect(r.outputs).toEqual({
      healthy: 'https://proxy.one\nhttps://proxy.two',
      timeout: '2s',
      token: 'tok',
      runner: 'Linux X64 lab/project push true',
    });
    expect(r.exportedEnv).toEqual({ GOPROXY: 'http://a,direct' });
    expect(r.addedPaths).toEqual(['/opt/lab/bin']);
    expect(r.state).toEqual({ phase: 'main-done' });
    expect(r.summary).toContain('<h1>Lab summary</h1>');
    expect(r.warnings).toEqual(['proxy is slow']);
    expect(r.errors).toEqual(['proxy is down']);
    expect(r.commands.find((c) => c.command === 'error')?.properties).toEqual({ title: 'a: b, c' });
    expect(r.notices).toEqual(['multi\nline']);
    expect(r.masks).toEqual(['s3cret']);
    expect(r.unexpectedInputs).toEqual(['extra']);
    expect(r.fileCommandErrors).toEqual([]);

    const post = await runPost(r);
    expect(post.code).toBe(0);
    expect(post.outputs['post-saw']).toBe('main-done|http://a,direct|/opt/lab/bin|2s');
  });

  test('failure exit code and timeout kill', async () => {
    const failed = await runAction({ entry, actionYml, inputs: { fail: 'true' } });
    expect(failed.code).toBe(1);
    expect(failed.errors).toContain('asked to fail');
    const hung = await runAction({ entry, actionYml, inputs: { hang: 'true' }, timeoutMs: 500 });
    expect([hung.timedOut, hung.code, hung.signal]).toEqual([true, null, 'SIGKILL']);
  });

  test('endJob kills what a job left running (detached too); a post step shares the tracking id', async () => {
    const dir = makeLabDir('daemon');
    const spawner = path.join(dir, 'spawner.mjs');
    writeFileSync(
      spawner,
      `import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
child.unref();
appendFileSync(process.env.GITHUB_OUTPUT, 'pid=' + child.pid + '\\n');
`,
    );
    // Gone = no /proc entry or a zombie (PID 1 in a container may never reap orphans).
    const running = (pid: number): boolean => {
      try {
        return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const main = await runAction({ entry: spawner, actionYml: false });
    const post = await runPost(main);
    const other = await runAction({ entry: spawner, actionYml: false });
    expect(main.env.RUNNER_TRACKING_ID).toMatch(/^github_[0-9a-f-]{36}$/);
    expect(post.env.RUNNER_TRACKING_ID).toBe(main.env.RUNNER_TRACKING_ID);
    expect(other.env.RUNNER_TRACKING_ID).not.toBe(main.env.RUNNER_TRACKING_ID);
    const [mainPid, postPid, otherPid] = [main, post, other].map((r) => Number(r.outputs.pid));
    expect([mainPid, postPid, otherPid].map((pid) => running(pid ?? 0))).toEqual([true, true, true]);

    expect(await endJob(main)).toBe(2);
    expect([mainPid, postPid, otherPid].map((pid) => running(pid ?? 0))).toEqual([false, false, true]);
    expect(await endAllJobs()).toBe(1);
    expect(running(otherPid ?? 0)).toBe(false);
  });

  test('file-command and workflow-command parsers', () => {
    expect(parseFileCommands('a=1\nb<<EOF\nx\n\ny=z\nEOF\nc=3=4\n')).toEqual({ values: { a: '1', b: 'x\n\ny=z', c: '3=4' }, errors: [] });
    expect(parseFileCommands('d<<EOF\nnever closed\n').errors[0]).toMatch(/delimiter 'EOF' not found/);
    const cmds = parseWorkflowCommands(
      '::warning file=a.go,line=3::50%25 done%0Anext\n::stop-commands::tok\n::error::hidden\n::tok::\n::error::shown\n',
    );
    expect(cmds).toEqual([
      { command: 'warning', properties: { file: 'a.go', line: '3' }, message: '50% done\nnext' },
      { command: 'error', properties: {}, message: 'shown' },
    ]);
  });
});
