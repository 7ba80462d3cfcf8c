/** Pure parts of the build cache and its neighbours: keys, the setup-go check, Docker build arguments. */
import { buildCacheKeys, chooseEntries, IDLE_BUDGET, IDLE_ENTRY_MAX_BYTES } from '../../src/cache/build-cache.js';
import { forEachLimit } from '../../src/cache/files.js';
import { setupGoCacheStep } from '../../src/platform/setup-go.js';
import { parseGoproxy } from '../../src/goproxy/chain.js';
import { dockerBuildArgs } from '../../src/goproxy/docker-build-args.js';

const sums = (content: string) => [{ name: 'go.sum', content: Buffer.from(content) }];

test('build cache keys: OS, arch, Go version and go.sum; the restore prefix stays within one Go release', () => {
  const a = buildCacheKeys({ prefix: 'gpg', os: 'linux', arch: 'amd64', goVersion: 'go1.19.8', sums: sums('x h1:1\n') });
  const bumped = buildCacheKeys({ prefix: 'gpg', os: 'linux', arch: 'amd64', goVersion: 'go1.19.8', sums: sums('x h1:2\n') });
  const newGo = buildCacheKeys({ prefix: 'gpg', os: 'linux', arch: 'amd64', goVersion: 'go1.20.1', sums: sums('x h1:1\n') });
  expect(a.primary).toMatch(/^gpg-build-linux-amd64-go1\.19\.8-[0-9a-f]{32}$/);
  expect(a.restore).toEqual(['gpg-build-linux-amd64-go1.19.8-']);
  expect(bumped.restore).toEqual(a.restore);
  expect(bumped.primary).not.toBe(a.primary);
  expect(newGo.restore[0]!.startsWith(a.restore[0]!)).toBe(false);
  // The module cache's prefix never finds a build cache entry.
  expect(a.primary.startsWith('gpg-linux-amd64-')).toBe(false);
});

describe('what the build cache saves', () => {
  const markedAt = 1_000_000_000;
  const used = (rel: string, size: number) => ({ rel, size, mtimeMs: markedAt + 5000 });
  const idle = (rel: string, size: number) => ({ rel, size, mtimeMs: markedAt - 7_200_000 });

  test('everything used or written since the restore, whatever its size; nothing unused that the restore did not add', () => {
    const files = [used('aa/1-d', 5_000_000), used('bb/2-a', 175), idle('cc/3-a', 175), idle('dd/4-d', 900)];
    const r = chooseEntries(files, markedAt, new Map());
    expect(r.used.map((f) => f.rel)).toEqual(['aa/1-d', 'bb/2-a']);
    expect(r.idle).toEqual([]);
    expect(r.unused).toBe(2);
  });

  test('restored entries not used: small ones, most recently used first, within the budget; large ones never', () => {
    const files = [
      used('aa/used-d', 100_000),
      idle('01/old-a', 3000),
      idle('02/new-a', 3000),
      idle('03/mid-d', 3000),
      idle('04/large-d', IDLE_ENTRY_MAX_BYTES + 1),
    ];
    const restored = new Map([
      ['01/old-a', 1000],
      ['02/new-a', 3000],
      ['03/mid-d', 2000],
      ['04/large-d', 9000],
    ]);
    const r = chooseEntries(files, markedAt, restored);
    // Budget: IDLE_BUDGET of 100 kB = 10 kB: the newest three fit (9 kB), in that order; the large one is left out.
    expect(IDLE_BUDGET).toBe(0.1);
    expect(r.idle.map((f) => f.rel)).toEqual(['02/new-a', '03/mid-d', '01/old-a']);
    expect(r.idle[0]!.archivedMs).toBe(3000);
    expect(r.unused).toBe(1);
    // A smaller budget stops at the first entry that no longer fits: the most recently used are the ones kept.
    const tight = chooseEntries([used('aa/used-d', 50_000), ...files.slice(1)], markedAt, restored);
    expect(tight.idle.map((f) => f.rel)).toEqual(['02/new-a']);
  });

  test('one second of slack for coarse file system clocks', () => {
    const r = chooseEntries(
      [
        { rel: 'aa/x-a', size: 1, mtimeMs: markedAt - 999 },
        { rel: 'bb/y-a', size: 1, mtimeMs: markedAt - 1001 },
      ],
      markedAt,
      new Map(),
    );
    expect(r.used.map((f) => f.rel)).toEqual(['aa/x-a']);
  });
});

test('forEachLimit: every item once, never more than the limit in flight, a failure rejects', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  await forEachLimit([...Array(50).keys()], 4, async (i) => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, i % 3));
    seen.push(i);
    inFlight--;
  });
  expect(seen.sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  expect(most).toBe(4);
  await expect(forEachLimit([1, 2, 3], 2, async (i) => (i === 2 ? Promise.reject(new Error('no 2')) : undefined))).rejects.toThrow('no 2');
  await forEachLimit([], 8, () => Promise.reject(new Error('never called')));
});

describe('setup-go with its cache on, read from the workflow', () => {
  const wf = (step: string) =>
    `jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n${step}      - uses: org/go-proxy-guard@v1\n`;
  test.each([
    [
      'v5, no cache input: on by default',
      '      - uses: actions/setup-go@v5\n        with:\n          go-version-file: go.mod\n',
      'actions/setup-go@v5',
    ],
    [
      'v5, cache: false',
      '      - uses: actions/setup-go@v5\n        with:\n          go-version-file: go.mod\n          cache: false\n',
      undefined,
    ],
    [
      'v5, flow mapping with cache: false',
      '      - uses: actions/setup-go@v5\n        with: { go-version-file: go.mod, cache: false }\n',
      undefined,
    ],
    ['v3: off by default', '      - uses: actions/setup-go@v3\n        with:\n          go-version: "1.19"\n', undefined],
    ['v3, cache: true', '      - uses: actions/setup-go@v3\n        with:\n          cache: true\n', 'actions/setup-go@v3'],
    [
      'a SHA pin: a current release',
      '      - name: Go\n        uses: actions/setup-go@0c52d547c9bc32b1aa3301fd7a9cb496313a4491\n',
      'actions/setup-go@0c52d547c9bc32b1aa3301fd7a9cb496313a4491',
    ],
    [
      'name first, cache: false after uses',
      "      - name: Go\n        uses: 'actions/setup-go@v5'\n        with:\n          cache: 'false'\n",
      undefined,
    ],
    ['no setup-go', '', undefined],
  ])('%s', (_name, step, want) => {
    expect(setupGoCacheStep(wf(step))).toBe(want);
  });
  test("the cache input of the next step is not this one's", () => {
    const text = wf('      - uses: actions/setup-go@v5\n      - uses: actions/cache@v4\n        with:\n          cache: false\n');
    expect(setupGoCacheStep(text)).toBe('actions/setup-go@v5');
  });
});

test('docker-build-args: the chain without credentials, separators kept, GOFLAGS when vendor/ saved the job', () => {
  expect(dockerBuildArgs(parseGoproxy('https://bot:s3cret@goproxy.example/mod/|https://TOKEN@b.example,direct'), undefined)).toBe(
    'GOPROXY=https://goproxy.example/mod/|https://b.example,direct',
  );
  expect(dockerBuildArgs(parseGoproxy('https://proxy.golang.org,direct'), '-mod=vendor')).toBe(
    'GOPROXY=https://proxy.golang.org,direct\nGOFLAGS=-mod=vendor',
  );
  expect(dockerBuildArgs(parseGoproxy('off'), undefined)).toBe('GOPROXY=off');
});
