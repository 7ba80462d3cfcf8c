/**
 * The local proxy as the action runs it (serve, the default): started by
 * the main step in the background, used by later steps through the exported
 * GOPROXY, stopped and reported by the post step, and gone when the job
 * ends even if the post step never runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { closeLabServers, FAST_INPUTS, guardCase, labProxy, type GuardCase } from './lab/guard-case.js';
import type { ActionResult } from './lab/runner.js';
import { repoRoot } from './lab/paths.js';

afterEach(closeLabServers);

const fast = { ...FAST_INPUTS, cache: 'false' };
const handleOf = (r: ActionResult) => JSON.parse(r.state.serve ?? '{}') as { pid: number; url: string; statsFile: string; logFile: string };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end && !cond()) await new Promise((r) => setTimeout(r, 100));
  return cond();
};
/** A later step with an empty module cache, so every module goes through the exported GOPROXY. */
const laterStep = (c: GuardCase, r: ActionResult, name: string) => {
  const modcache = path.join(c.lab, name);
  return c.go(['mod', 'download', '-json', 'all'], { GOPROXY: r.exportedEnv.GOPROXY ?? '', GOMODCACHE: modcache });
};

test('a later step meets a failing first proxy: the local proxy absorbs it, the post step reports it', async () => {
  const a = await labProxy();
  // Slower at probe time, so the ranking (and the first upstream) is a, then b.
  const b = await labProxy({ slow: 150 });
  const c = guardCase('serve-action');
  // The action taken from a repository on a GitHub Enterprise server (the emulator's GITHUB_SERVER_URL).
  const source = { GITHUB_ACTION_REPOSITORY: 'tools/go-proxy-guard' };
  const r = await c.run({ ...fast, proxies: `${a.url}\n${b.url}` }, { env: source });
  await b.setFault('ok');
  expect(r.code).toBe(0);
  const local = r.outputs['local-proxy'];
  expect(local).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}$/);
  expect(r.exportedEnv.GOPROXY).toBe(`${local}|${a.url}|${b.url}|direct`);
  expect(r.outputs.goproxy).toBe(`${a.url}|${b.url}|direct`);
  // A Docker build cannot reach the runner's loopback: its GOPROXY is the goproxy output, no local proxy, no token.
  expect(r.outputs['docker-build-args']).toBe(`GOPROXY=${a.url}|${b.url}|direct`);
  // The report is an artifact: the local proxy without its access token.
  expect(r.report.serve.url).toBe(new URL(local ?? '').origin);

  // Mid-job the first proxy starts failing; plain "a|b" would fall through, but only after a's 503s.
  await a.setFault({ status: 503 });
  const step = await laterStep(c, r, 'step-modcache');
  expect(step.code).toBe(0);
  expect(step.stderr).not.toMatch(/503/);

  const post = await c.post(r, { env: source });
  expect(post.code).toBe(0);
  expect(alive(handleOf(r).pid)).toBe(false);
  // Its docs links go to the repository the action came from, on that server.
  expect(r.summary).toContain(
    '[local proxy](https://github.example/tools/go-proxy-guard/blob/HEAD/docs/local-proxy.md#the-local-proxy-serve)',
  );
  expect(post.summary).toContain(
    '[hedge](https://github.example/tools/go-proxy-guard/blob/HEAD/docs/local-proxy.md#the-local-proxy-serve)',
  );
  expect(post.stdout).toMatch(/local proxy http:\/\/127\.0\.0\.1:\d+: \d+ requests from the go command/);
  expect(post.summary).toMatch(/^### \S+ go-proxy-guard: local proxy /m);
  const report = JSON.parse(readFileSync(r.outputs.report ?? '', 'utf8'));
  const stats = report.serve.stats;
  expect(stats.failed).toBe(0);
  expect(stats.served).toBeGreaterThan(0);
  expect(stats.stoppedAt).toBeDefined();
  const first = stats.upstreams.find((u: { url: string }) => u.url === a.url);
  expect(first.failures).toBeGreaterThan(0);
  expect(first.absorbed).toBe(first.failures);
});

test('the local proxy killed mid-job: the go command falls through to the ranked chain', async () => {
  const a = await labProxy();
  const c = guardCase('serve-killed');
  const r = await c.run({ ...fast, proxies: a.url });
  expect(r.code).toBe(0);
  process.kill(handleOf(r).pid, 'SIGKILL');
  expect(await waitFor(() => !alive(handleOf(r).pid), 3000)).toBe(true);
  const step = await laterStep(c, r, 'after-kill');
  expect(step.code).toBe(0);
  expect(a.hits('.zip').length).toBeGreaterThan(0);
  // The post step still ends well, with the figures the proxy last saved.
  const post = await c.post(r);
  expect(post.code).toBe(0);
  expect(post.errors).toEqual([]);
});

test('the job ends without a post step: the local proxy sees the job process go and stops', async () => {
  const a = await labProxy();
  const c = guardCase('serve-orphan');
  // The runner's worker outlives every step; here a shell plays it, and exits once the step is done.
  const worker = path.join(c.lab, 'worker.sh');
  writeFileSync(worker, `"${process.execPath}" "${path.join(repoRoot, 'dist', 'index.js')}"\nsleep 1\n`);
  const r = await c.run({ ...fast, proxies: a.url }, { node: '/bin/sh', entry: worker });
  expect(r.code).toBe(0);
  const h = handleOf(r);
  expect(await waitFor(() => !alive(h.pid), 5000)).toBe(true);
  const stats = JSON.parse(readFileSync(h.statsFile, 'utf8'));
  expect(stats.stopReason).toMatch(/job's process \d+ is gone/);
});

test('serve-idle-timeout: an idle local proxy stops by itself', async () => {
  const a = await labProxy();
  const c = guardCase('serve-idle');
  const r = await c.run({ ...fast, proxies: a.url, 'serve-idle-timeout': '1s' });
  const h = handleOf(r);
  expect(await waitFor(() => !alive(h.pid), 5000)).toBe(true);
  expect(JSON.parse(readFileSync(h.statsFile, 'utf8')).stopReason).toMatch(/idle/);
});

test('serve: false keeps the plain chain; a chain without proxies starts nothing', async () => {
  const a = await labProxy();
  const c = guardCase('serve-off');
  const off = await c.run({ ...fast, proxies: a.url, serve: 'false' });
  expect(off.exportedEnv.GOPROXY).toBe(`${a.url}|direct`);
  expect(off.outputs['local-proxy']).toBe('');
  expect(off.state.serve).toBeUndefined();
  const down = await labProxy({ status: 503 });
  const none = await c.run({ ...fast, proxies: down.url, prewarm: 'false' });
  expect(none.exportedEnv.GOPROXY).toBe('direct');
  expect(none.report.notes.join('\n')).toMatch(/no proxy to stand in front of/);
});

test("proxy credentials reach the upstream but never the local proxy's log, figures or summary", async () => {
  const secret = 'serve-Secret-pw';
  const a = await labProxy('ok', { tls: 'valid', auth: { user: 'bot', pass: secret } });
  const c = guardCase('serve-creds');
  const r = await c.run({ ...fast, proxies: a.authUrl });
  expect(r.code).toBe(0);
  // Build arguments stay in the image's history: the ranked chain goes in without the login.
  expect(r.outputs['docker-build-args']).toBe(`GOPROXY=${a.url}|direct`);
  const step = await laterStep(c, r, 'creds-modcache');
  expect(step.code).toBe(0);
  expect(a.requests.filter((q) => q.status === 401)).toEqual([]);
  const post = await c.post(r);
  const h = handleOf(r);
  const seen = [
    readFileSync(h.logFile, 'utf8'),
    readFileSync(h.statsFile, 'utf8'),
    post.summary,
    post.stdout,
    readFileSync(r.outputs.report ?? '', 'utf8'),
  ].join('\n');
  expect(seen).toContain('bot:***@');
  expect(seen).not.toContain(secret);
});

test('an https proxy with credentials: GOPROXY carries none, a later step authenticates through NETRC', async () => {
  const a = await labProxy('ok', { tls: 'valid', auth: { user: 'ci', pass: 'S3cret-pw' } });
  const c = guardCase('serve-action-netrc');
  const r = await c.run({ ...fast, proxies: a.authUrl });
  expect(r.code).toBe(0);
  const local = r.outputs['local-proxy'] ?? '';
  expect(r.exportedEnv.GOPROXY).toBe(`${local}|${a.url}|direct`);
  expect(JSON.stringify(r.exportedEnv)).not.toContain('S3cret-pw');
  const netrc = r.exportedEnv.NETRC ?? '';
  expect(readFileSync(netrc, 'utf8')).toMatch(new RegExp(`^machine 127\\.0\\.0\\.1:${a.port} login ci password S3cret-pw$`, 'm'));
  // The local proxy adds the credentials itself; stopped, go falls through to the bare chain and reads NETRC.
  const through = await c.go(['mod', 'download', '-json', 'all'], {
    GOPROXY: r.exportedEnv.GOPROXY ?? '',
    NETRC: netrc,
    GOMODCACHE: path.join(c.lab, 'through'),
  });
  expect(through.code).toBe(0);
  const post = await c.post(r);
  expect(post.code).toBe(0);
  const fallback = await c.go(['mod', 'download', '-json', 'all'], {
    GOPROXY: r.exportedEnv.GOPROXY ?? '',
    NETRC: netrc,
    GOMODCACHE: path.join(c.lab, 'fallback'),
  });
  expect(fallback.code).toBe(0);
  // Every request reached it with the credentials: through the local proxy, and straight from go with NETRC.
  expect(a.requests.filter((q) => q.status === 401)).toEqual([]);
});

test("the local proxy's access token is masked before any line could show it; later steps still get it", async () => {
  const a = await labProxy();
  const c = guardCase('serve-token-mask');
  const r = await c.run({ ...fast, proxies: a.url });
  expect(r.code).toBe(0);
  const local = r.outputs['local-proxy'] ?? '';
  const token = /^http:\/\/127\.0\.0\.1:\d+\/([A-Za-z0-9_-]{32})$/.exec(local)?.[1] ?? '';
  expect(token).not.toBe('');
  // The runner masks a value only in lines after its ::add-mask::: that line comes first, and is the only one.
  const lines = r.stdout.split('\n');
  const withToken = lines.filter((l) => l.includes(token));
  expect(withToken).toEqual([`::add-mask::${token}`]);
  expect(r.masks).toContain(token);
  expect(lines.some((l) => /^local proxy http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) in front of /.test(l))).toBe(true);
  expect(r.summary).not.toContain(token);
  expect(readFileSync(r.outputs.report ?? '', 'utf8')).not.toContain(token);
  // What later steps need keeps it: the output, the exported GOPROXY, and so a go command through it.
  expect(r.exportedEnv.GOPROXY?.startsWith(`${local}|`)).toBe(true);
  const step = await laterStep(c, r, 'token-modcache');
  expect(step.code).toBe(0);
  const post = await c.post(r);
  expect(post.code).toBe(0);
  expect(post.stdout.split('\n').filter((l) => l.includes(token) && l !== `::add-mask::${token}`)).toEqual([]);
  expect(post.summary).not.toContain(token);
  expect(readFileSync(r.outputs.report ?? '', 'utf8')).not.toContain(token);
  expect(JSON.parse(readFileSync(r.outputs.report ?? '', 'utf8')).serve.stats.served).toBeGreaterThan(0);
});
