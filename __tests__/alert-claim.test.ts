/**
 * The one-sender election of a matrix, up close: GitHubAlertClaim against the
 * REAL @actions/cache and the lab cache service (both protocols).
 */
import { afterEach, expect, jest, test } from '@jest/globals';
import { startCacheServer, useCacheEnv, type CacheServer } from './lab/cache-server.js';
import { makeLabDir } from './lab/paths.js';
import { GitHubAlertClaim } from '../src/state/github-alert-claim.js';

let server: CacheServer | undefined;
let restoreEnv: (() => void) | undefined;
afterEach(async () => {
  restoreEnv?.();
  await server?.close();
  jest.restoreAllMocks();
});

async function world(protocol: 'v1' | 'v2') {
  server = await startCacheServer({ protocol });
  restoreEnv = useCacheEnv(server, { GITHUB_WORKSPACE: makeLabDir('claim-ws') });
  // The library logs with @actions/core; keep the test output readable.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const env = { RUNNER_TEMP: server.env.RUNNER_TEMP, GITHUB_REPOSITORY: 'lab/project', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1' };
  return { env, server };
}

test.each(['v1', 'v2'] as const)(
  '%s: five jobs claim the same alert at once: one wins, four see it taken; another condition is a new election',
  async (protocol) => {
    const { env, server } = await world(protocol);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => new GitHubAlertClaim(env).claim('alert:verdict=degraded;failing=https://goproxy.cn')),
    );
    expect(results.filter((r) => r.outcome === 'won')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'lost')).toHaveLength(4);
    expect(new Set(results.map((r) => r.key)).size).toBe(1);
    expect(results[0]!.key).toMatch(/^go-proxy-guard-alert-lab_project-42-1-[0-9a-f]{16}$/);
    // A later job of the same run sees the key at once.
    expect((await new GitHubAlertClaim(env).claim('alert:verdict=degraded;failing=https://goproxy.cn')).outcome).toBe('lost');
    expect((await new GitHubAlertClaim(env).claim('recovery:verdict=degraded;failing=https://goproxy.cn')).outcome).toBe('won');
    // The next run elects afresh.
    expect(
      (await new GitHubAlertClaim({ ...env, GITHUB_RUN_ID: '43' }).claim('alert:verdict=degraded;failing=https://goproxy.cn')).outcome,
    ).toBe('won');
    expect(server.entries().filter((e) => e.key.startsWith('go-proxy-guard-alert-'))).toHaveLength(3);
  },
);

test('a service that refuses the reservation but never shows an entry: the election is unknown (the job sends), within its bound', async () => {
  const { env, server } = await world('v2');
  server.setFault('reject-save');
  const naps: number[] = [];
  const claim = new GitHubAlertClaim(env, { settleMs: 1_000, sleep: async (ms) => void naps.push(ms) });
  const started = Date.now();
  const r = await claim.claim('alert:x');
  expect(r.outcome).toBe('unknown');
  expect(naps.length).toBeGreaterThan(0);
  expect(Date.now() - started).toBeLessThan(20_000);
});
