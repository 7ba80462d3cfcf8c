/**
 * Issue 17, end to end (bundled action, real go, loopback proxies): the
 * ladder never gives up while a proxy the probe may still judge usable
 * remains; a slow but correct proxy is slow, never down; a proxy that fails
 * while warming carries that failure in its entry; a failed ladder says what
 * was tried and what each answered.
 */
import { BETA, closeLabServers, GAMMA, guardCase, labProxy, rungs, UPPER, world } from './lab/guard-case.js';
import { largeModuleOnDisk } from './lab/modules.js';
import { makeLabDir } from './lab/paths.js';

afterEach(closeLabServers);

const noCache = { cache: 'false', 'download-timeout': '30s' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const entry = (r: { report: any }, url: string) => r.report.proxies.find((p: { url: string }) => p.url === url);

describe('the ladder waits for healthy proxies still being probed', () => {
  const theWorld = { ...noCache, retries: '2', 'retry-backoff': '200ms', direct: 'false', 'vendor-fallback': 'false' };

  test('the faster proxy resets every .zip mid-body, the correct one answers 250 ms later: the job succeeds through it', async () => {
    const fast = await labProxy();
    await fast.setFault('reset', { path: /\.zip$/ });
    const correct = await labProxy({ slow: 250 });
    const c = guardCase('wait-for-probe');
    const r = await c.run({ ...theWorld, proxies: `${fast.url}\n${correct.url}` });
    expect(r.code).toBe(0);
    expect(r.outputs['ladder-step']).not.toBe('failed');
    const last = r.report.warm.ladder[r.report.warm.ladder.length - 1];
    expect(last).toMatchObject({ outcome: 'ok', detail: `GOPROXY=${correct.url}|${fast.url}` });
    expect(r.report.warm.ladder.some((x: { step: string }) => x.step === 'direct')).toBe(false);
    // The reset proxy passed the probe (it reads only the start of one zip); the warm found it out.
    expect(entry(r, fast.url)).toMatchObject({ verdict: 'down', warmFailure: { code: 'reset', class: 'transient' } });
    expect(entry(r, correct.url).verdict).toBe('healthy');
    expect(r.outputs.verdict).toBe('degraded');
    expect((await c.go(['mod', 'verify'], { GOPROXY: 'off' })).stdout.trim()).toBe('all modules verified');
  });

  test('retries spent before the probe ends: the ladder shows the wait, then the proxy the probe found', async () => {
    const fast = await labProxy();
    await fast.setFault('reset', { path: /\.zip$/ });
    // One go run against the reset proxy takes ~100 ms; probing this one takes at least 3 rounds of 600 ms.
    const correct = await labProxy({ slow: 600 });
    const c = guardCase('wait-shown');
    const r = await c.run({ ...theWorld, retries: '0', proxies: `${fast.url}\n${correct.url}` });
    expect(r.code).toBe(0);
    expect(rungs(r)).toEqual(['proxy:failed', 'proxy:waited', 'proxy:ok']);
    expect(r.report.warm.ladder[1]).toMatchObject({ detail: 'the probe', reason: 'the probe judged 1 more proxy usable' });
    expect(r.report.warm.ladder[1].ms).toBeGreaterThan(0);
    // Bounded by the probe's deadline (3 s by default), with margin for a busy machine.
    expect(r.report.warm.ladder[1].ms).toBeLessThan(3000 + 1000);
    expect(r.report.warm.ladder[2].detail).toBe(`GOPROXY=${correct.url}|${fast.url}`);
  });

  test('a realistic tree: the first proxy resets the 8 MB zip mid-body, the second (250 ms slower) serves it', async () => {
    const big = await largeModuleOnDisk({
      path: 'golang.org/x/text',
      version: 'v0.3.8',
      sizeBytes: 8 * 1024 * 1024,
      dir: makeLabDir('big-text-zips'),
    });
    const modules = [...world, big];
    const fast = await labProxy('ok', { modules });
    await fast.setFault('reset', { module: big.path, path: /\.zip$/ });
    const correct = await labProxy({ slow: 250 }, { modules });
    const c = guardCase('wait-big', {
      requires: [BETA, UPPER, GAMMA, big],
      world: modules,
      mainImports: [BETA.path, UPPER.path, GAMMA.path],
    });
    const r = await c.run({ ...theWorld, proxies: `${fast.url}\n${correct.url}` });
    expect(r.code).toBe(0);
    expect(r.report.warm.ladder[r.report.warm.ladder.length - 1]).toMatchObject({
      outcome: 'ok',
      detail: `GOPROXY=${correct.url}|${fast.url}`,
    });
    expect(entry(r, fast.url).warmFailure.code).toBe('reset');
    expect(correct.hits(/text\/@v\/v0\.3\.8\.zip$/).filter((q) => q.status === 200)).toHaveLength(1);
    expect((await c.go(['mod', 'verify'], { GOPROXY: 'off' })).stdout.trim()).toBe('all modules verified');
  });
});

describe('a slow but correct proxy is slow, never down', () => {
  test('every answer in 700 ms, default probe-timeout: measured in full, in the chain after the faster one', async () => {
    const near = await labProxy();
    const far = await labProxy({ slow: 700 });
    const c = guardCase('far-mirror');
    const r = await c.run({ ...noCache, proxies: `${far.url}\n${near.url}` });
    expect(r.code).toBe(0);
    const p = entry(r, far.url);
    expect(['healthy', 'slow']).toContain(p.verdict);
    expect(p.successRate).toBe(1);
    // Enough answers: at least one full sample round (3 modules x list/info/mod) and the zip.
    expect(p.requests).toBeGreaterThanOrEqual(10);
    expect(p.requests + p.notMeasured).toBe(entry(r, near.url).requests + entry(r, near.url).notMeasured);
    expect(r.exportedEnv.GOPROXY).toBe(`${r.outputs['local-proxy']}|${near.url}|${far.url}|direct`);
  });

  test('the only proxy, 700 ms per answer, its zip slower than a short probe-timeout: the zip is not measured, never a failure', async () => {
    const far = await labProxy({ slow: 700 });
    await far.setFault({ slow: 2500 }, { path: /\.zip$/ });
    const c = guardCase('far-short');
    const r = await c.run({ ...noCache, proxies: far.url, 'probe-timeout': '1500ms', prewarm: 'false' });
    const p = entry(r, far.url);
    expect(p.verdict).not.toBe('down');
    expect(p.successRate).toBe(1);
    expect(p.notMeasured).toBe(1);
    // The plan was fitted to the deadline: one sample round, every other request answered.
    expect(r.report.probe.samples).toBe(1);
    expect(r.report.notes.join('\n')).toMatch(
      /probe-samples 3 cannot be answered by a 800 ms proxy within probe-timeout 1500 ms: probed with 1/,
    );
    expect(r.exportedEnv.GOPROXY).toBe(`${r.outputs['local-proxy']}|${far.url}|direct`);
  });

  test('a proxy that never answers is still down, within the deadline', async () => {
    const silent = await labProxy('hang');
    const good = await labProxy();
    const c = guardCase('silent');
    const r = await c.run({ ...noCache, proxies: `${silent.url}\n${good.url}`, 'probe-timeout': '1500ms' });
    expect(r.code).toBe(0);
    expect(entry(r, silent.url)).toMatchObject({ verdict: 'down', requests: 0, failure: { code: 'timeout' } });
    expect(entry(r, silent.url).failure.message).toMatch(/^no answer within \d+ ms$/);
    expect(r.report.probe.durationMs).toBeLessThan(1500 + 1000);
  });
});

describe('what the warm found and what the diagnosis says', () => {
  test.each([
    ['reset', 'reset' as const, 'transient', 'down'],
    ['corrupt zip', 'corrupt-zip' as const, 'proxy-broken', 'broken'],
    ['tampered zip', 'tampered-zip' as const, 'fatal', 'broken'],
  ])(
    'a proxy that passed the probe and then served gamma with a %s: its entry carries it, the next attempt leads with the other',
    async (_name, fault, cls, verdict) => {
      const bad = await labProxy();
      // The probe reads beta's zip only (the first required module).
      await bad.setFault(fault, { module: GAMMA.path, path: /\.zip$/ });
      // Slower, so the faulty one ranks first and leads the first attempt.
      const good = await labProxy({ slow: 150 });
      const c = guardCase(`warm-${fault}`);
      // The ladder's own detection: with the prefetch on, it catches the corrupt and tampered zips first and keeps
      // that proxy out of the ladder altogether (__tests__/hostile-answers.test.ts).
      const r = await c.run({ ...noCache, proxies: `${bad.url}\n${good.url}`, 'retry-backoff': '100ms', 'prefetch-concurrency': '0' });
      expect(r.code).toBe(0);
      const e = entry(r, bad.url);
      expect([e.verdict, e.warmFailure.class]).toEqual([verdict, cls]);
      expect(e.failure.message).toMatch(/^while warming: /);
      expect(r.report.proxies[0].url).toBe(good.url);
      const tries = r.report.warm.ladder.filter((x: { detail: string }) => x.detail.startsWith('GOPROXY='));
      expect(tries[0].detail.startsWith(`GOPROXY=${bad.url}`)).toBe(true);
      expect(tries[tries.length - 1].detail).toMatch(new RegExp(`^GOPROXY=${good.url.replace(/[.]/g, '\\.')}`));
      expect(r.report.notes.join('\n')).toContain(`${bad.url} passed the probe but failed while warming`);
      // The module in the cache is the real one.
      expect((await c.go(['mod', 'verify'], { GOPROXY: 'off' })).stdout.trim()).toBe('all modules verified');
      // The exported chain leaves out a broken proxy, and puts one that failed transiently last.
      expect(r.exportedEnv.GOPROXY).toBe(`${r.outputs['local-proxy']}|${good.url}${verdict === 'down' ? `|${bad.url}` : ''}|direct`);
    },
  );

  test('direct: false, every proxy answering 503: the cause names the proxies, their status, and that direct was off', async () => {
    const a = await labProxy({ status: 503 });
    const b = await labProxy({ status: 503 });
    const c = guardCase('all-503');
    const r = await c.run({ ...noCache, proxies: `${a.url}\n${b.url}`, direct: 'false', 'vendor-fallback': 'false' });
    expect(r.code).toBe(1);
    const cause: string = r.report.warm.cause;
    expect(cause).toMatch(new RegExp(`${a.url.replace(/[.]/g, '\\.')} down \\(HTTP 503 x\\d+\\)`));
    expect(cause).toMatch(new RegExp(`${b.url.replace(/[.]/g, '\\.')} down \\(HTTP 503 x\\d+\\)`));
    expect(cause).toContain('direct was off (direct: false)');
    expect(r.report.reason).toContain(cause);
    for (const text of [r.report.reason, r.summary, r.stdout]) expect(text).not.toMatch(/origins were unreachable/);
  });

  test('direct allowed but failing, a proxy that lacks a module: the cause says each answer', async () => {
    const p = await labProxy();
    await p.setFault({ notFound: 404 }, { module: GAMMA.path });
    const c = guardCase('miss-cause');
    const r = await c.run({ ...noCache, proxies: p.url, 'probe-modules': '1' });
    expect(r.code).toBe(1);
    const cause: string = r.report.warm.cause;
    expect(cause).toContain(`${p.url} healthy`);
    expect(cause).toMatch(/1 download through them failed, the last with: example\.com\/gamma\/v2@v2\.0\.1: not found/);
    expect(cause).toMatch(/direct failed: /);
  });
});
