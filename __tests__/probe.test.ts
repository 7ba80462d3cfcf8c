/**
 * The foundation, end to end: the bundled action probes real loopback
 * proxies speaking the GOPROXY protocol, ranks them, exports GOPROXY, and
 * the real go command downloads with what was exported.
 */
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeGoWork, makeGoProject } from './lab/go.js';
import { ALPHA, BETA, closeLabServers, guardCase, labProxy, UPPER, GAMMA, world } from './lab/guard-case.js';

afterEach(closeLabServers);

const probeOnly = { prewarm: 'false', cache: 'false' };

describe('probing ranks proxies by measured health and exports the chain', () => {
  test('ranking follows health; stale, broken and failing proxies are excluded with the right reason', async () => {
    const fast = await labProxy();
    const slow = await labProxy({ slow: 250 });
    const failing = await labProxy({ status: 503 });
    const portal = await labProxy('html');
    const stale = await labProxy({ notFound: 404 });
    await stale.clearFaults();
    await stale.setFault({ notFound: 404 }, { module: 'example.com/beta', version: 'v0.2.0' });
    const expired = await labProxy('ok', { tls: 'expired' });
    const untrusted = await labProxy('ok', { tls: 'untrusted' });
    const refused = await labProxy('refused');
    const c = guardCase('ranking');
    const all = [refused, untrusted, expired, stale, portal, failing, slow, fast];
    const r = await c.run({ ...probeOnly, proxies: all.map((p) => p.url).join('\n'), 'probe-timeout': '5s', 'probe-samples': '2' });

    expect(r.code).toBe(0);
    const verdicts = Object.fromEntries(
      r.report.proxies.map((p: { url: string; verdict: string; failure?: { code: string } }) => [
        p.url,
        `${p.verdict}:${p.failure?.code ?? ''}`,
      ]),
    );
    expect(verdicts).toEqual({
      [fast.url]: 'healthy:',
      [slow.url]: 'healthy:',
      [stale.url]: 'stale:stale',
      [failing.url]: 'down:http-5xx',
      [refused.url]: 'down:refused',
      [portal.url]: 'broken:html',
      [expired.url]: 'broken:tls-expired',
      [untrusted.url]: 'broken:tls-untrusted',
    });
    expect(r.report.proxies.slice(0, 2).map((p: { url: string }) => p.url)).toEqual([fast.url, slow.url]);
    expect(r.report.proxies[2].url).toBe(stale.url);
    expect(r.report.proxies.find((p: { url: string }) => p.url === stale.url).stale).toContain('example.com/beta@v0.2.0');
    expect(r.outputs.goproxy).toBe(`${fast.url}|${slow.url}|direct`);
    // Later steps go through the local proxy first, then straight down the same chain.
    expect(r.outputs['local-proxy']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}$/);
    expect(r.exportedEnv.GOPROXY).toBe(`${r.outputs['local-proxy']}|${fast.url}|${slow.url}|direct`);
    expect(r.outputs['best-proxy']).toBe(fast.url);
    expect(r.outputs['healthy-count']).toBe('2');
    expect(r.outputs.verdict).toBe('degraded');
    expect(r.stdout).toMatch(/^go-proxy-guard: degraded\. /m);
    // The log shows the table: proxy, verdict, latency, success, score, TLS days, reason.
    expect(r.stdout).toMatch(/proxy\s+verdict\s+p50\s+p95\s+success\s+score\s+TLS days\s+reason/);
    const expiredRow = r.report.proxies.find((p: { url: string }) => p.url === expired.url);
    expect(expiredRow.tlsDaysLeft).toBeLessThan(0);

    // A later step downloads with what was exported.
    const dl = await c.go(['mod', 'download', 'all'], { GOPROXY: r.exportedEnv.GOPROXY ?? '' });
    expect(dl.stderr).toBe('');
    expect(dl.code).toBe(0);
  });

  test('the probe asks what the go command asks, case-encoded, and checks the sumdb when GOSUMDB is on', async () => {
    const p = await labProxy();
    const c = guardCase('protocol', { goEnv: { GOSUMDB: 'sum.golang.org', GONOSUMDB: 'example.com' } });
    const r = await c.run({ ...probeOnly, proxies: p.url, 'probe-samples': '1', 'probe-modules': '5' });
    expect(r.code).toBe(0);
    const paths = p.requests.map((q) => q.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/example.com/beta/@v/list',
        '/example.com/beta/@v/v0.2.0.info',
        '/example.com/beta/@v/v0.2.0.mod',
        '/example.com/!upper/!case/@v/v1.0.0.info',
        '/example.com/gamma/v2/@v/v2.0.1.mod',
        '/sumdb/sum.golang.org/supported',
      ]),
    );
    const zip = p.requests.filter((q) => q.kind === 'zip');
    expect(zip).toHaveLength(1);
    expect(zip[0]!.status).toBe(206);
  });

  test('a hanging proxy costs no more than the probe deadline', async () => {
    const hang = await labProxy('hang');
    const ok = await labProxy();
    const c = guardCase('hang');
    const r = await c.run({ ...probeOnly, proxies: `${hang.url},${ok.url}`, 'probe-timeout': '1500ms' });
    expect(r.code).toBe(0);
    expect(r.report.probe.durationMs).toBeLessThan(1500 + 400);
    expect(r.report.proxies.map((p: { verdict: string }) => p.verdict)).toEqual(['healthy', 'down']);
    expect(r.report.proxies[1].failure.code).toBe('timeout');
    expect(r.outputs.goproxy).toBe(`${ok.url}|direct`);
  });

  test('fallback, direct and fail-on shape the chain and the exit status', async () => {
    const a = await labProxy();
    // Clearly slower, so the ranking does not depend on the machine's load.
    const b = await labProxy({ slow: 150 });
    const c = guardCase('chain');
    const r = await c.run({ ...probeOnly, proxies: `${a.url}\n${b.url}`, fallback: 'not-found', direct: 'false' });
    expect(r.outputs.goproxy).toBe(`${a.url},${b.url}`);

    const dead = await labProxy({ status: 502 });
    const unhealthy = await c.run({ ...probeOnly, proxies: dead.url, 'fail-on': 'unhealthy' });
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.outputs.verdict).toBe('failed');
    expect(unhealthy.outputs.goproxy).toBe('direct');
    expect(unhealthy.errors.join('\n')).toMatch(/no proxy reached min-score/);
    const never = await c.run({ ...probeOnly, proxies: dead.url, 'fail-on': 'never' });
    expect(never.code).toBe(0);
    expect(never.outputs.verdict).toBe('failed');
  });

  test('GOPROXY ending in off is kept: the chain never gains direct', async () => {
    const p = await labProxy();
    const c = guardCase('off', { goEnv: { GOPROXY: `${'https://corp.invalid'},off` } });
    const r = await c.run({ ...probeOnly, proxies: p.url });
    expect(r.outputs.goproxy).toBe(`${p.url}|off`);
  });
});

describe('private modules and credentials', () => {
  test('GOPRIVATE modules are never asked of a proxy and are reported as served by direct', async () => {
    const p = await labProxy();
    const c = guardCase('private', { goEnv: { GOPRIVATE: 'example.com/beta' } });
    const r = await c.run({ ...probeOnly, proxies: p.url, 'probe-modules': '10' });
    expect(r.code).toBe(0);
    expect(p.requests.filter((q) => q.path.includes('/beta/'))).toEqual([]);
    expect(p.requests.some((q) => q.path.includes('/alpha/'))).toBe(true);
    expect(r.report.project.private).toEqual(['example.com/beta']);
    expect(r.stdout).toMatch(/private modules served by direct: example.com\/beta/);
  });

  test('credentials in the URL or in netrc are used and masked in every log line, output and report', async () => {
    const secret = 'hunter2-PW';
    const withUrl = await labProxy('ok', { tls: 'valid', auth: { user: 'bot', pass: secret } });
    const viaNetrc = await labProxy('ok', { tls: 'valid', host: 'localhost', auth: { user: 'ci', pass: `${secret}-netrc` } });
    const c = guardCase('creds');
    const netrc = path.join(c.lab, 'netrc');
    writeFileSync(netrc, `machine localhost:${viaNetrc.port} login ci password ${secret}-netrc\n`);
    const r = await c.run({ ...probeOnly, proxies: `${withUrl.authUrl}\n${viaNetrc.url}` }, { env: { NETRC: netrc } });
    expect(r.code).toBe(0);
    expect(r.report.proxies.map((p: { verdict: string }) => p.verdict)).toEqual(['healthy', 'healthy']);
    expect(withUrl.requests.every((q) => q.status !== 401)).toBe(true);
    expect(viaNetrc.requests.every((q) => q.status !== 401)).toBe(true);
    // ::add-mask:: lines are instructions to the runner, never shown.
    const log = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    const visible = [log, r.stderr, JSON.stringify(r.outputs), readFileSync(r.outputs.report!, 'utf8')].join('\n');
    expect(visible).not.toContain(secret);
    expect(visible).toContain('bot:***@');
    expect(r.masks).toEqual(expect.arrayContaining([secret, `${secret}-netrc`]));
    // The exported GOPROXY holds no credentials: the local proxy adds them, and a netrc file (NETRC) has them for the chain after it.
    expect(r.exportedEnv.GOPROXY).not.toContain(secret);
    expect(readFileSync(r.exportedEnv.NETRC ?? '', 'utf8')).toContain(`login bot password ${secret}`);
  });

  test("certificates are judged by the roots the go command trusts (SSL_CERT_FILE), not only Node's", async () => {
    const p = await labProxy('ok', { tls: 'valid' });
    const c = guardCase('go-trust');
    const r = await c.run({ ...probeOnly, proxies: p.url }, { env: { NODE_EXTRA_CA_CERTS: undefined } });
    expect(r.report.proxies[0].verdict).toBe('healthy');
    expect(r.report.proxies[0].tlsDaysLeft).toBeGreaterThan(300);
  });

  test("credentials in the environment's GOPROXY never reach the report, even when proxies is set", async () => {
    const token = 'tok3n-Secret-value';
    const p = await labProxy();
    const c = guardCase('env-creds', {
      goEnv: { GOPROXY: `https://a.invalid|https://${token}@b.invalid,https://bot:${token}@c.invalid,direct` },
    });
    const r = await c.run({ ...probeOnly, proxies: p.url });
    expect(r.code).toBe(0);
    const report = readFileSync(r.outputs.report!, 'utf8');
    expect(report).not.toContain(token);
    expect(r.report.go.goproxy).toBe('https://a.invalid|https://***@b.invalid,https://bot:***@c.invalid,direct');
    expect(r.summary).not.toContain(token);
  });
});

describe('project layouts and bad input', () => {
  test('a go.work with two modules: requirements of both are probed', async () => {
    const p = await labProxy();
    const c = guardCase('work', { requires: [BETA] });
    const other = path.join(c.lab, 'project', 'tools');
    mkdirSync(other, { recursive: true });
    makeGoProject(other, { module: 'lab.example/tools', requires: [GAMMA, UPPER], world });
    makeGoWork(path.join(c.lab, 'project'), ['.', './tools']);
    const r = await c.run({ ...probeOnly, proxies: p.url, 'probe-modules': '10', 'probe-samples': '1' });
    expect(r.code).toBe(0);
    expect(r.report.project.layout).toBe('workspace');
    expect(r.report.project.probed).toEqual(
      expect.arrayContaining([`${BETA.path}@${BETA.version}`, `${GAMMA.path}@${GAMMA.version}`, `${ALPHA.path}@${ALPHA.version}`]),
    );
  });

  test('no go.mod: the candidates are still probed, and the log says so', async () => {
    const p = await labProxy();
    const c = guardCase('nogomod');
    const empty = path.join(c.lab, 'empty');
    mkdirSync(empty);
    const r = await c.run({ ...probeOnly, proxies: p.url }, { cwd: empty });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no go.mod or go.work in .*empty: probed with a well-known module instead/);
    expect(r.report.proxies[0].verdict).toBe('healthy');
  });

  test.each([
    [{ fallback: 'sometimes' }, 'input "fallback" must be one of any-error, not-found, got "sometimes"'],
    [{ 'min-score': '1.7' }, 'input "min-score" must be a number from 0 to 1, got "1.7"'],
    [{ 'probe-timeout': 'fast' }, 'input "probe-timeout" must be a duration like 3s, 2500ms or 1m, got "fast"'],
    [{ proxies: 'ftp://x.example' }, 'input "proxies" must list http:// or https:// URLs (or bare host names), got "ftp://x.example"'],
    [{ proxies: ',' }, 'input "proxies" must list at least one proxy URL, got ","'],
    [{ 'working-directory': 'missing' }, 'input "working-directory" must be an existing directory, got "missing"'],
    [{ 'working-directory': 'sub' }, 'input "working-directory" must hold a go.mod or go.work (none found there), got "sub"'],
  ])('bad input %j fails the step naming the input', async (inputs, message) => {
    const c = guardCase('badinput');
    mkdirSync(path.join(c.project.dir, 'sub'), { recursive: true });
    const r = await c.run({ proxies: 'http://127.0.0.1:9', ...inputs });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([message]);
  });
});

test('the sample of modules probed is the direct requirements first', async () => {
  const healthy = await labProxy();
  const c = guardCase('demo-shape', { requires: [BETA, UPPER] });
  const r = await c.run({ ...probeOnly, proxies: healthy.url });
  // Direct requirements first, in go.mod order; the indirect one last.
  expect(r.report.project.probed).toEqual([
    `${UPPER.path}@${UPPER.version}`,
    `${BETA.path}@${BETA.version}`,
    `${ALPHA.path}@${ALPHA.version}`,
  ]);
});
