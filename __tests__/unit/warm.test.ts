import { cacheKeys } from '../../src/cache/key.js';
import { shouldSaveCache } from '../../src/cache/save-policy.js';
import { failure } from '../../src/diagnosis/failure.js';
import type { GoDiagnosis } from '../../src/diagnosis/go-output.js';
import { decideGate } from '../../src/engine/gate.js';
import { backoffDelay } from '../../src/diagnosis/backoff.js';
import type { DownloadAttempt } from '../../src/warm/download.js';
import { climbLadder, type LadderIo, type LadderPlan } from '../../src/warm/ladder.js';
import { parseJsonStream } from '../../src/warm/go-json.js';
import { findFallthroughs } from '../../src/warm/fallthrough.js';
import { formatGoproxy } from '../../src/goproxy/chain.js';

const ok = (n = 2): DownloadAttempt => ({
  ok: true,
  modules: Array.from({ length: n }, (_, i) => ({ Path: `m${i}.example/x`, Version: 'v1.0.0' })),
  durationMs: 5,
});
const bad = (code: Parameters<typeof failure>[0], url?: string): DownloadAttempt => ({
  ok: false,
  modules: [],
  durationMs: 5,
  diagnosis: { ...failure(code, code), url, goMessage: code } as GoDiagnosis,
});

/** A scripted go: each call to download answers with the next attempt for that GOPROXY. */
function io(script: Record<string, DownloadAttempt[]>, extra: Partial<LadderIo> = {}) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const impl: LadderIo = {
    download: async (chain) => {
      const goproxy = formatGoproxy(chain);
      calls.push(goproxy);
      const queue = script[goproxy];
      return queue?.shift() ?? bad('not-found');
    },
    offline: async () => ({ ...bad('not-found'), verified: false, verifyOutput: '' }),
    vendor: async () => ({ ok: false, output: 'inconsistent vendoring' }),
    sleep: async (ms) => void sleeps.push(ms),
    log: () => {},
    random: () => 0.5,
    ...extra,
  };
  return { impl, calls, sleeps };
}
const plan = (p: Partial<LadderPlan> = {}): LadderPlan => ({
  proxies: ['http://a', 'http://b'],
  retries: 3,
  backoffMs: 1000,
  directAllowed: true,
  cacheRestored: false,
  vendorFallback: true,
  hasVendor: false,
  ...p,
});

describe('the degradation ladder', () => {
  test('the ranked proxies succeed first time: step proxy', async () => {
    const { impl, calls } = io({ 'http://a|http://b': [ok()] });
    const r = await climbLadder(plan(), impl);
    expect([r.step, calls]).toEqual(['proxy', ['http://a|http://b']]);
  });

  test('a transient failure is retried with backoff, the culprit moved last', async () => {
    const { impl, calls, sleeps } = io({ 'http://a|http://b': [bad('http-5xx', 'http://a/x/@v/v1.zip')], 'http://b|http://a': [ok()] });
    const r = await climbLadder(plan(), impl);
    expect([r.step, calls, sleeps]).toEqual(['retry', ['http://a|http://b', 'http://b|http://a'], [750]]);
  });

  test('a corrupt zip drops the proxy (the go command does not fall through on it)', async () => {
    const { impl, calls, sleeps } = io({ 'http://a|http://b': [bad('corrupt-zip')], 'http://b': [ok()] });
    const r = await climbLadder(plan(), impl);
    expect([r.step, calls, sleeps]).toEqual(['proxy', ['http://a|http://b', 'http://b'], []]);
  });

  test('out of proxies while the probe still runs: wait for it and use the healthy ones it found', async () => {
    let known = ['http://a'];
    const probeDone = new Promise<void>((resolve) =>
      setTimeout(() => {
        known = ['http://a', 'http://b'];
        resolve();
      }, 10),
    );
    const { impl, calls } = io({ 'http://a': [bad('corrupt-zip')], 'http://b': [ok()] });
    const r = await climbLadder(plan({ proxies: ['http://a'], refresh: () => known, probeDone }), impl);
    expect([r.step, calls]).toEqual(['proxy', ['http://a', 'http://b']]);
  });

  test('a proxy that made go stall until download-timeout is dropped, not retried', async () => {
    const killed: DownloadAttempt = { ...bad('timeout'), diagnosis: { ...(bad('timeout').diagnosis as GoDiagnosis), killed: true } };
    const { impl, calls } = io({ 'http://a|http://b': [killed], 'http://b': [ok()] });
    const r = await climbLadder(plan(), impl);
    expect([r.step, calls]).toEqual(['retry', ['http://a|http://b', 'http://b']]);
  });

  test('the culprit is found even when go prints its URL with user:xxxxx', async () => {
    const { impl, calls } = io({ 'https://u:pw@a|http://b': [bad('corrupt-zip', 'https://u:xxxxx@a/x/@v/v1.zip')], 'http://b': [ok()] });
    const r = await climbLadder(plan({ proxies: ['https://u:pw@a', 'http://b'] }), impl);
    expect([r.step, calls]).toEqual(['proxy', ['https://u:pw@a|http://b', 'http://b']]);
  });

  test('a checksum mismatch is never retried on the same proxy nor carried past by vendor/: fatal when no verified source has the module', async () => {
    const { impl, calls } = io({ 'http://a|http://b': [bad('checksum-mismatch')] });
    const r = await climbLadder(plan({ hasVendor: true, cacheRestored: true }), impl);
    expect([r.step, r.diagnosis?.code, calls]).toEqual(['failed', 'checksum-mismatch', ['http://a|http://b', 'http://b', 'direct']]);
    expect(r.rungs.find((x) => x.step === 'vendor')).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/never used past a checksum mismatch/),
    });
    expect(r.proxyFailures.map((f) => [f.url, f.diagnosis.code])).toEqual([['http://a', 'checksum-mismatch']]);
  });

  test('a checksum mismatch one proxy caused, another proxy serving the module: the job goes on, the proxy is blamed', async () => {
    const { impl, calls } = io({ 'http://a|http://b': [bad('checksum-mismatch', 'http://a/x/@v/v1.zip')], 'http://b': [ok()] });
    const r = await climbLadder(plan(), impl);
    expect([r.step, calls]).toEqual(['proxy', ['http://a|http://b', 'http://b']]);
    expect(r.proxyFailures.map((f) => [f.url, f.diagnosis.code])).toEqual([['http://a', 'checksum-mismatch']]);
  });

  test('retries spent on the known proxy while the probe still runs: wait for it, then try the proxy it judged healthy before direct', async () => {
    let known = ['http://fast'];
    const probeDone = new Promise<void>((resolve) =>
      setTimeout(() => {
        known = ['http://fast', 'http://slow'];
        resolve();
      }, 30),
    );
    const reset = () => bad('reset', 'http://fast/x/@v/v1.zip');
    const { impl, calls } = io({ 'http://fast': [reset(), reset(), reset()], 'http://slow|http://fast': [ok()] });
    const r = await climbLadder(
      plan({ proxies: ['http://fast'], retries: 2, directAllowed: false, refresh: () => known, probeDone, probeWaitMs: 5000 }),
      impl,
    );
    expect([r.step, calls]).toEqual(['proxy', ['http://fast', 'http://fast', 'http://fast', 'http://slow|http://fast']]);
    expect(r.rungs.map((x) => `${x.step}:${x.outcome}`)).toEqual([
      'proxy:failed',
      'retry:failed',
      'retry:failed',
      'proxy:waited',
      'proxy:ok',
    ]);
    expect(r.rungs[3]?.reason).toBe('the probe judged 1 more proxy usable');
    expect(r.proxyFailures.map((f) => [f.url, f.diagnosis.code])).toEqual([['http://fast', 'reset']]);
  });

  test('the wait for the probe is bounded: a probe that never ends costs probeWaitMs, then direct', async () => {
    const { impl, calls } = io({ 'http://a': [bad('reset')], direct: [ok()] });
    const started = Date.now();
    const r = await climbLadder(
      plan({ proxies: ['http://a'], retries: 0, refresh: () => ['http://a'], probeDone: new Promise(() => {}), probeWaitMs: 50 }),
      impl,
    );
    expect([r.step, calls]).toEqual(['direct', ['http://a', 'direct']]);
    expect(r.rungs.map((x) => `${x.step}:${x.outcome}`)).toEqual(['proxy:failed', 'proxy:waited', 'direct:ok']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('no proxy known at the start: wait for the probe before going to direct', async () => {
    let known: string[] = [];
    const probeDone = new Promise<void>((resolve) => setTimeout(() => ((known = ['http://b']), resolve()), 10));
    const { impl, calls } = io({ 'http://b': [ok()] });
    const r = await climbLadder(plan({ proxies: [], refresh: () => known, probeDone }), impl);
    expect([r.step, calls, r.rungs.map((x) => x.outcome)]).toEqual(['proxy', ['http://b'], ['waited', 'ok']]);
  });

  test('no proxy known and the probe finds none: the skipped rung says how long it waited', async () => {
    const probeDone = new Promise<void>((resolve) => setTimeout(resolve, 20));
    const { impl } = io({ direct: [ok()] });
    const r = await climbLadder(plan({ proxies: [], refresh: () => [], probeDone }), impl);
    expect([r.step, r.rungs.map((x) => `${x.step}:${x.outcome}`)]).toEqual(['direct', ['proxy:skipped', 'direct:ok']]);
    expect(r.rungs[0]?.reason).toMatch(/^no healthy proxy \(waited \d+ ms for the probe\)$/);
  });

  test('retries run out, then direct', async () => {
    const transient = () => bad('timeout');
    const { impl, calls, sleeps } = io({ 'http://a': [transient(), transient(), transient()], direct: [ok()] });
    const r = await climbLadder(plan({ proxies: ['http://a'], retries: 2 }), impl);
    expect([r.step, calls, sleeps]).toEqual(['direct', ['http://a', 'http://a', 'http://a', 'direct'], [750, 1500]]);
  });

  test('not found behind every proxy goes to direct without retries', async () => {
    const { impl, calls, sleeps } = io({ 'http://a|http://b': [bad('not-found')], direct: [bad('dns')] });
    const r = await climbLadder(plan({ cacheRestored: true }), {
      ...impl,
      offline: async () => ({ ...ok(3), verified: true, verifyOutput: 'all modules verified' }),
    });
    expect([r.step, calls, sleeps, r.rungs.map((x) => `${x.step}:${x.outcome}`)]).toEqual([
      'cache',
      ['http://a|http://b', 'direct'],
      [],
      ['proxy:failed', 'direct:failed', 'cache:ok'],
    ]);
  });

  test('a restored cache that fails go mod verify is not used; vendor/ is', async () => {
    const { impl } = io({});
    const r = await climbLadder(plan({ proxies: [], directAllowed: false, cacheRestored: true, hasVendor: true }), {
      ...impl,
      offline: async () => ({ ...ok(), verified: false, verifyOutput: 'dir has been modified' }),
      vendor: async () => ({ ok: true, output: '' }),
    });
    expect([r.step, r.goflags, r.rungs.map((x) => `${x.step}:${x.outcome}`)]).toEqual([
      'vendor',
      '-mod=vendor',
      ['proxy:skipped', 'direct:skipped', 'cache:failed', 'vendor:ok'],
    ]);
  });

  test('nothing left: failed, with the last diagnosis', async () => {
    const { impl } = io({ 'http://a|http://b': [bad('refused'), bad('refused'), bad('refused'), bad('refused')], direct: [bad('dns')] });
    const r = await climbLadder(plan({ retries: 3 }), impl);
    expect([r.step, r.diagnosis?.code]).toEqual(['failed', 'dns']);
  });
});

describe('backoff', () => {
  test('doubles from the initial delay, capped, jittered within the upper half', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 32000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(10, 1000, 32000, () => 1)).toBe(32000);
    expect(backoffDelay(3, 1000, 32000, () => 0)).toBe(2000);
  });
});

describe('cache keys and the save policy', () => {
  const sums = (content: string) => [{ name: 'go.sum', content: Buffer.from(content) }];
  test('prefix-OS-arch-hash; a dependency bump changes the key but not the restore prefix', () => {
    const a = cacheKeys({ prefix: 'gpg', os: 'linux', arch: 'amd64', sums: sums('x h1:1\n') });
    const b = cacheKeys({ prefix: 'gpg', os: 'linux', arch: 'amd64', sums: sums('x h1:2\n') });
    expect(a.primary).toMatch(/^gpg-linux-amd64-[0-9a-f]{32}$/);
    expect(a.primary).not.toBe(b.primary);
    expect(a.restore).toEqual(['gpg-linux-amd64-']);
    expect(b.restore).toEqual(a.restore);
  });
  test.each([
    ['auto', 'none', 'proxy', 'push', true],
    ['auto', 'exact', 'proxy', 'push', false],
    ['auto', 'partial', 'retry', 'push', true],
    ['auto', 'none', 'failed', 'push', false],
    ['auto', 'none', 'proxy', 'pull_request_target', false],
    ['auto', 'none', 'proxy', 'release', false],
    ['always', 'exact', 'failed', 'release', true],
    ['always', 'none', 'proxy', 'pull_request_target', false],
    ['always', 'none', 'proxy', 'workflow_run', false],
    ['always', 'partial', 'proxy', 'issue_comment', false],
    ['never', 'none', 'proxy', 'push', false],
  ] as const)('%s with hit %s after %s on %s: save %s', (policy, hit, step, event, save) => {
    expect(shouldSaveCache({ policy, hit, step, event }).save).toBe(save);
  });
});

describe('gating', () => {
  test.each([
    ['download-failure', 'failed', 0, false, false],
    ['download-failure', 'degraded', 0, true, true],
    ['unhealthy', 'failed', 0, true, false],
    ['unhealthy', 'degraded', 1, true, true],
    ['degraded', 'degraded', 1, true, false],
    ['never', 'failed', 0, false, true],
  ] as const)('fail-on %s, verdict %s, %d healthy, download ok %s: pass %s', (failOn, verdict, healthyCount, downloadOk, pass) => {
    expect(decideGate({ failOn, verdict, healthyCount, downloadOk }).pass).toBe(pass);
  });
});

test('go -json streams are concatenated objects', () => {
  expect(parseJsonStream<{ Path: string }>('{\n"Path": "a {x}"\n}\n{"Path":"b\\"}"}')).toEqual([{ Path: 'a {x}' }, { Path: 'b"}' }]);
});

describe('a proxy the "|" chain fell through, read from go -x', () => {
  // Measured with go 1.19: the first proxy reset every zip mid-body, the second served them.
  const stderr = [
    '# get http://127.0.0.1:1/example.com/alpha/@v/v1.1.0.mod',
    '# get http://127.0.0.1:1/example.com/alpha/@v/v1.1.0.mod: 200 OK (0.030s)',
    '# get http://127.0.0.1:1/example.com/alpha/@v/v1.1.0.zip',
    '# get http://127.0.0.1:1/example.com/alpha/@v/v1.1.0.zip: 200 OK (0.007s)',
    '# get http://127.0.0.1:2/example.com/alpha/@v/v1.1.0.zip',
    '# get http://127.0.0.1:2/example.com/alpha/@v/v1.1.0.zip: 200 OK (0.022s)',
    '# get http://127.0.0.1:1/example.com/beta/@v/v0.2.0.info',
    '# get http://127.0.0.1:1/example.com/beta/@v/v0.2.0.info: 503 Service Unavailable (0.001s)',
    '# get http://127.0.0.1:2/example.com/beta/@v/v0.2.0.info',
    '# get http://127.0.0.1:2/example.com/beta/@v/v0.2.0.info: 200 OK (0.001s)',
  ].join('\n');
  test('a 200 whose body broke off is a reset; the first failure per proxy is kept', () => {
    const f = findFallthroughs(stderr, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    expect(f.map((x) => [x.proxy, x.file, x.failure.code, x.failure.message])).toEqual([
      ['http://127.0.0.1:1', 'example.com/alpha/@v/v1.1.0.zip', 'reset', 'the answer ended mid-body after 200 OK'],
    ]);
  });
  test('a 503 is a 503; a miss (404) is not a fault; a proxy asked last never fell through', () => {
    const lines = stderr.split('\n').filter((l) => !l.includes('alpha'));
    expect(findFallthroughs(lines.join('\n'), ['http://127.0.0.1:1', 'http://127.0.0.1:2']).map((x) => x.failure.code)).toEqual([
      'http-5xx',
    ]);
    const miss = lines.map((l) => l.replace('503 Service Unavailable', '404 Not Found')).join('\n');
    expect(findFallthroughs(miss, ['http://127.0.0.1:1', 'http://127.0.0.1:2'])).toEqual([]);
  });
});
