/**
 * Proxy credentials exactly as the go command applies them (go 1.24+):
 * GOAUTH's methods, netrc machines matched as URL prefixes (host:port/path),
 * a GOAUTH command's headers, and what later steps get. Each world is tried on
 * the real go and on the guard, against one lab proxy that wants credentials:
 * both must authenticate, or neither.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './lab/go.js';
import { closeLabServers, guardCase, labProxy, type GuardCase } from './lab/guard-case.js';
import type { GoProxy } from './lab/goproxy-server.js';
import { CLI } from './lab/paths.js';

afterEach(closeLabServers);

const USER = 'ci';
const PASS = 'S3cret-goauth';

/** The guard probes `proxy` with the case's env plus `env`; true when its requests were let in. */
async function guardAuthenticates(c: GuardCase, proxy: GoProxy, proxyUrl: string, env: Record<string, string>): Promise<boolean> {
  const tmp = path.join(c.lab, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const r = await runCommand(
    process.execPath,
    [CLI, 'probe', '--json', '--proxies', proxyUrl, '--probe-samples', '1', '--probe-timeout', '3s'],
    {
      cwd: c.project.dir,
      env: { ...c.env, TMPDIR: tmp, ...env },
      timeoutMs: 60_000,
    },
  );
  expect(r.stdout).not.toContain(PASS);
  expect(r.stderr).not.toContain(PASS);
  const guard = proxy.requests.filter((q) => q.userAgent?.startsWith('go-proxy-guard'));
  expect(guard.length).toBeGreaterThan(0);
  return guard.every((q) => q.status !== 401);
}

/** The real go downloads the project through `proxyUrl` with the same env: did it get in? */
async function goAuthenticates(c: GuardCase, proxyUrl: string, env: Record<string, string>, name: string): Promise<boolean> {
  const r = await c.go(['mod', 'download', 'all'], { GOPROXY: proxyUrl, GOMODCACHE: path.join(c.lab, `modcache-${name}`), ...env });
  return r.code === 0;
}

function netrcFile(c: GuardCase, name: string, text: string): string {
  const file = path.join(c.lab, `netrc-${name}`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe('the guard sends the credentials go sends, and no others', () => {
  test.each([
    ['a netrc machine with the port', (p: GoProxy) => `machine 127.0.0.1:${p.port} login ${USER} password ${PASS}\n`, {}, true],
    [
      'a netrc machine without the port (go 1.24+ no longer matches it)',
      () => `machine 127.0.0.1 login ${USER} password ${PASS}\n`,
      {},
      false,
    ],
    ['GOAUTH=off ignores netrc', (p: GoProxy) => `machine 127.0.0.1:${p.port} login ${USER} password ${PASS}\n`, { GOAUTH: 'off' }, false],
    [
      'the first line of a machine wins',
      (p: GoProxy) =>
        `machine 127.0.0.1:${p.port} login ${USER} password ${PASS}\nmachine 127.0.0.1:${p.port} login ${USER} password wrong\n`,
      {},
      true,
    ],
    [
      'a longer prefix wins over the host',
      (p: GoProxy) =>
        `machine 127.0.0.1:${p.port} login ${USER} password wrong\nmachine 127.0.0.1:${p.port}/example.com login ${USER} password ${PASS}\n`,
      {},
      true,
    ],
  ])('%s', async (name, netrc, extra, expected) => {
    const proxy = await labProxy('ok', { tls: 'valid', auth: { user: USER, pass: PASS } });
    const c = guardCase(`goauth-${name.replace(/\W+/g, '-').slice(0, 40)}`);
    const env = { NETRC: netrcFile(c, 'n', netrc(proxy)), ...extra };
    expect(await goAuthenticates(c, proxy.url, env, 'go')).toBe(expected);
    expect(await guardAuthenticates(c, proxy, proxy.url, env)).toBe(expected);
  });

  test('a GOAUTH command: its headers for its URL prefixes, run once before the first request', async () => {
    const proxy = await labProxy('ok', { tls: 'valid', auth: { user: USER, pass: PASS } });
    const c = guardCase('goauth-command');
    const helper = path.join(c.lab, 'auth-helper.sh');
    const header = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
    writeFileSync(helper, `#!/bin/sh\nprintf '%s\\n\\n%s\\n\\n' '${proxy.url}/' 'Authorization: ${header}'\n`);
    chmodSync(helper, 0o755);
    const env = { GOAUTH: helper, NETRC: netrcFile(c, 'empty', '') };
    expect(await goAuthenticates(c, proxy.url, env, 'go')).toBe(true);
    expect(await guardAuthenticates(c, proxy, proxy.url, env)).toBe(true);
  });

  test("credentials in the URL: go sends them unless GOAUTH matched (the URL's user info is part of the prefix)", async () => {
    const proxy = await labProxy('ok', { tls: 'valid', auth: { user: USER, pass: PASS } });
    const c = guardCase('goauth-userinfo');
    // A netrc line for the host does not match a URL with user info, so the URL's right password is used.
    const env = { NETRC: netrcFile(c, 'host', `machine 127.0.0.1:${proxy.port} login ${USER} password wrong\n`) };
    expect(await goAuthenticates(c, proxy.authUrl, env, 'go')).toBe(true);
    expect(await guardAuthenticates(c, proxy, proxy.authUrl, env)).toBe(true);
  });
});

describe('later steps', () => {
  test('GOAUTH=off and credentials in the URL: later steps get GOAUTH=netrc and a netrc of ours alone', async () => {
    const proxy = await labProxy('ok', { tls: 'valid', auth: { user: USER, pass: PASS } });
    const c = guardCase('goauth-later-off');
    const own = netrcFile(c, 'own', 'machine git.example login me password mine\n');
    const r = await c.run(
      { proxies: proxy.authUrl, prewarm: 'false', 'probe-samples': '1', 'probe-timeout': '3s' },
      { env: { GOAUTH: 'off', NETRC: own } },
    );
    expect(r.code).toBe(0);
    expect(r.exportedEnv.GOAUTH).toBe('netrc');
    const exported = r.exportedEnv.NETRC ?? '';
    expect(readFileSync(exported, 'utf8')).toBe(`machine 127.0.0.1:${proxy.port} login ${USER} password ${PASS}\n`);
    expect(r.exportedEnv.GOPROXY).not.toContain(PASS);
    // The local proxy stopped, a later step's go falls through to the bare chain and authenticates from NETRC.
    await c.post(r);
    const later = await c.go(['mod', 'download', 'all'], {
      GOPROXY: r.exportedEnv.GOPROXY ?? '',
      GOAUTH: r.exportedEnv.GOAUTH ?? '',
      NETRC: exported,
      GOMODCACHE: path.join(c.lab, 'later'),
    });
    expect(later.code).toBe(0);
  });
});

describe('GOAUTH as go parses it', () => {
  test.each([
    ['off;netrc', 'GOAUTH=off cannot be combined'],
    ['git relative/dir', 'requires an absolute path'],
    ['netrc;;netrc', 'empty command'],
  ])('%s is refused before any request, with go’s reason', async (goauth, reason) => {
    const proxy = await labProxy('ok', { tls: 'valid' });
    const c = guardCase('goauth-bad');
    const go = await c.go(['mod', 'download', 'all'], { GOPROXY: proxy.url, GOAUTH: goauth });
    expect(go.code).not.toBe(0);
    expect(go.stderr).toContain(reason);
    const tmp = path.join(c.lab, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const r = await runCommand(process.execPath, [CLI, 'probe', '--json', '--proxies', proxy.url], {
      cwd: c.project.dir,
      env: { ...c.env, TMPDIR: tmp, GOAUTH: goauth },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toContain(reason);
    expect(proxy.requests).toEqual([]);
  });
});
