import { cacheKeys } from '../../src/cache/key.js';
import { shouldSaveCache } from '../../src/cache/save-policy.js';
import { failure } from '../../src/diagnosis/failure.js';
import type { GoDiagnosis } from '../../src/diagnosis/go-output.js';
import { decideGate } from '../../src/engine/gate.js';
import { backoffDelay } from '../../src/warm/backoff.js';
import type { DownloadAttempt } from '../../src/warm/download.js';
import { climbLadder, type LadderIo, type LadderPlan } from '../../src/warm/ladder.js';
import { parseJsonStream } from '../../src/warm/go-json.js';

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
    download: async (goproxy) => {
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
    const probeDone = new Promise<void>((resolve) => setTimeout(() => { known = ['http://a', 'http://b']; resolve(); }, 10));
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

  test('a checksum mismatch stops at once: never retried, no fallback', async () => {
    const { impl, calls } = io({ 'http://a|http://b': [bad('checksum-mismatch')] });
    const r = await climbLadder(plan({ hasVendor: true, cacheRestored: true }), impl);
    expect([r.step, r.diagnosis?.code, calls.length]).toEqual(['failed', 'checksum-mismatch', 1]);
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
