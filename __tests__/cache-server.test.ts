/**
 * The lab cache server against the REAL `@actions/cache` 6.3.0, both protocols.
 *
 * The library reads process.env at call time and globs/archives paths relative
 * to GITHUB_WORKSPACE ?? cwd, so every test gets its own env (useCacheEnv clears
 * a runner's GITHUB_WORKSPACE/ACTIONS_*), its own cwd and its own server.
 *
 * Time compression (hang/down tests only, and only for the cache library's own
 * waits, recognised by call stack): retry sleeps from requestUtils.js /
 * cacheTwirpClient.js run immediately, and the http-client's default 3-minute
 * request socket timeout is shortened. The *requested* values are recorded and
 * asserted, so the real-world durations below are derived from what the
 * library actually asked for, not guessed.
 */
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as cache from '@actions/cache';
import { BlockBlobClient } from '@azure/storage-blob';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { type CacheProtocol, type CacheServer, libraryCacheVersion, startCacheServer, useCacheEnv } from './lab/cache-server.js';
import { makeLabDir } from './lab/paths.js';

const TWIRP = '/twirp/github.actions.results.api.v1.CacheService/';
/** http-client's default request socket timeout (ms) when no socketTimeout option is given. */
const HTTP_CLIENT_DEFAULT_TIMEOUT = 3 * 60_000;

// ---- helpers ----------------------------------------------------------------

type Tree = Record<string, string>;

function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** relpath -> sha256 of content (files) or 'dir' (directories). */
function readTree(root: string): Tree {
  const out: Tree = {};
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      const rel = path.relative(root, abs);
      if (d.isDirectory()) {
        out[rel] = 'dir';
        walk(abs);
      } else {
        out[rel] = createHash('sha256').update(readFileSync(abs)).digest('hex');
      }
    }
  };
  walk(root);
  return out;
}

function sampleTree(tag: string): Record<string, string | Buffer> {
  return {
    'go.mod': `module example.com/${tag}\n`,
    'pkg/mod/cache/download/example.com/x/@v/v1.0.0.zip': randomBytes(64 * 1024),
    'pkg/mod/example.com/x@v1.0.0/x.go': `package x // ${tag}\n`,
    'empty.txt': '',
    'deep/a/b/c/d.txt': tag,
  };
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

interface Ctx {
  server: CacheServer;
  dir: string;
  /** Everything the library wrote to stdout (its only log channel), one line per entry. */
  out: string[];
}

/** `::warning::...` / `::error::...` lines, without the prefix. */
const annotations = (out: string[], kind: 'warning' | 'error'): string[] =>
  out.filter((l) => l.startsWith(`::${kind}::`)).map((l) => l.slice(kind.length + 4));
/** Plain `core.info` lines. */
const infos = (out: string[]): string[] => out.filter((l) => !l.startsWith('::') && !l.startsWith('[command]'));

const endpoints = (s: CacheServer): string[] => s.requests().map((r) => r.endpoint);
const count = (s: CacheServer, endpoint: string): number => s.requests().filter((r) => r.endpoint === endpoint).length;

const realSetTimeout = globalThis.setTimeout;

/**
 * Run the cache library's retry sleeps (requestUtils.js: fixed 5000 ms;
 * cacheTwirpClient.js: 3000 ms then x1.5 with jitter) immediately, recording
 * what was requested. Other timers are untouched.
 */
function compressLibraryBackoff(): number[] {
  const requested: number[] = [];
  const fake = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const stack = new Error().stack ?? '';
    if (/[\\/]@actions[\\/]cache[\\/](lib|src)[\\/]internal[\\/](requestUtils|shared[\\/]cacheTwirpClient)\.(js|ts)/.test(stack)) {
      requested.push(ms ?? 0);
      return realSetTimeout(fn, 0, ...args);
    }
    return realSetTimeout(fn, ms, ...args);
  };
  jest.spyOn(globalThis, 'setTimeout').mockImplementation(fake as unknown as typeof setTimeout);
  return requested;
}

/** Shorten every request socket timeout >= 60 s to `toMs`, recording what was requested. */
function compressSocketTimeouts(toMs: number): number[] {
  const requested: number[] = [];
  const original = http.ClientRequest.prototype.setTimeout;
  jest.spyOn(http.ClientRequest.prototype, 'setTimeout').mockImplementation(function (
    this: http.ClientRequest,
    ms: number,
    cb?: () => void,
  ) {
    requested.push(ms);
    return original.call(this, ms >= 60_000 ? toMs : ms, cb);
  });
  return requested;
}

/** Twirp call the way the library makes it (for tests that drive the server directly). */
async function twirp(server: CacheServer, method: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(`${TWIRP}${method}`, server.env.ACTIONS_RESULTS_URL), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.env.ACTIONS_RUNTIME_TOKEN}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

// ---- fixture ------------------------------------------------------------------

function useFixture(protocol: CacheProtocol): () => Ctx {
  let ctx: Ctx | undefined;
  let restoreEnv: (() => void) | undefined;
  let prevCwd = '';
  const dirs: string[] = [];

  beforeEach(async () => {
    const server = await startCacheServer({ protocol });
    restoreEnv = useCacheEnv(server);
    prevCwd = process.cwd();
    const dir = makeLabDir(`cache-${protocol}`);
    dirs.push(dir);
    process.chdir(dir);
    const out: string[] = [];
    let partial = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      out.push(...lines);
      return true;
    });
    ctx = { server, dir, out };
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    process.chdir(prevCwd);
    restoreEnv?.();
    await ctx?.server.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    ctx = undefined;
  });

  return () => {
    if (!ctx) throw new Error('fixture not initialised');
    return ctx;
  };
}

/** A second clean directory to restore into, made the cwd. */
function chdirToFreshDir(protocol: CacheProtocol): string {
  const d = makeLabDir(`cache-${protocol}-restore`);
  process.chdir(d);
  return d;
}

// ---- per-protocol behaviour -----------------------------------------------------

describe.each(['v1', 'v2'] as const)('@actions/cache %s against the lab server', (protocol) => {
  const get = useFixture(protocol);
  const saveSeq =
    protocol === 'v1'
      ? ['v1.reserveCache', 'v1.uploadChunk', 'v1.commitCache']
      : ['v2.CreateCacheEntry', 'blob.put', 'v2.FinalizeCacheEntryUpload'];
  const lookupEndpoint = protocol === 'v1' ? 'v1.getCacheEntry' : 'v2.GetCacheEntryDownloadURL';
  const reserveEndpoint = protocol === 'v1' ? 'v1.reserveCache' : 'v2.CreateCacheEntry';

  test('save a tree, then restore it exactly into a clean directory', async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('exact'));
    const before = readTree(path.join(dir, 'work'));

    const id = await cache.saveCache(['work'], 'go-mod-linux-exact');
    expect(id).toBeGreaterThan(0);
    expect(endpoints(server)).toEqual(saveSeq);

    const [entry] = server.entries();
    expect(server.entries()).toHaveLength(1);
    expect(entry?.key).toBe('go-mod-linux-exact');
    expect(entry?.id).toBe(id);
    // The version is the library's hash of the literal path strings + compression.
    const archive = server.archive('go-mod-linux-exact');
    expect(archive?.length).toBe(entry?.size);
    if (entry?.version === libraryCacheVersion(['work'], 'zstd-without-long')) {
      expect(archive?.subarray(0, 4)).toEqual(ZSTD_MAGIC);
    } else {
      expect(entry?.version).toBe(libraryCacheVersion(['work'], 'gzip'));
      expect(archive?.subarray(0, 2)).toEqual(GZIP_MAGIC);
    }

    server.clearRequests();
    const fresh = chdirToFreshDir(protocol);
    const hit = await cache.restoreCache(['work'], 'go-mod-linux-exact');
    expect(hit).toBe('go-mod-linux-exact');
    expect(readTree(path.join(fresh, 'work'))).toEqual(before);
    expect(endpoints(server)).toEqual([lookupEndpoint, 'blob.get']);
    rmSync(fresh, { recursive: true, force: true });
  });

  test('restore-keys: exact key first, else newest prefix match per key in order; matched key is returned', async () => {
    const { server, dir } = get();
    const contents: Record<string, Tree> = {};
    for (const key of ['go-mod-linux-aaa', 'go-mod-linux-bbb', 'go-build-linux-ccc']) {
      rmSync(path.join(dir, 'work'), { recursive: true, force: true });
      writeTree(path.join(dir, 'work'), sampleTree(key));
      contents[key] = readTree(path.join(dir, 'work'));
      expect(await cache.saveCache(['work'], key)).toBeGreaterThan(0);
    }
    const restoreAs = async (key: string, restoreKeys: string[]): Promise<string | undefined> => {
      rmSync(path.join(dir, 'work'), { recursive: true, force: true });
      const hit = await cache.restoreCache(['work'], key, restoreKeys);
      if (hit) expect(readTree(path.join(dir, 'work'))).toEqual(contents[hit]);
      return hit;
    };

    // No exact hit: the newest entry under the first matching restore key.
    expect(await restoreAs('go-mod-linux-zzz', ['go-mod-linux-', 'go-'])).toBe('go-mod-linux-bbb');
    // Restore-key order beats recency.
    expect(await restoreAs('nothing', ['go-build-', 'go-mod-'])).toBe('go-build-linux-ccc');
    // An exact primary hit beats newer prefix matches.
    expect(await restoreAs('go-mod-linux-aaa', ['go-'])).toBe('go-mod-linux-aaa');
    // As on github.com, the primary key itself is prefix-matched when it has no exact hit.
    expect(await restoreAs('go-mod-linux-', [])).toBe('go-mod-linux-bbb');
    expect(infos(get().out)).toContain(protocol === 'v2' ? 'Cache hit for restore-key: go-mod-linux-bbb' : 'Cache restored successfully');

    // Seeded entries take part by creation time: an old one loses, a fresh one wins.
    const version = server.entries()[0]?.version ?? '';
    const archiveA = server.archive('go-mod-linux-aaa') ?? Buffer.alloc(0);
    server.seed('go-mod-linux-old', version, archiveA, { created: new Date(Date.now() - 3_600_000) });
    expect(await restoreAs('x', ['go-mod-linux-'])).toBe('go-mod-linux-bbb');
    server.seed('go-mod-linux-seeded', version, archiveA);
    contents['go-mod-linux-seeded'] = contents['go-mod-linux-aaa'] ?? {};
    expect(await restoreAs('x', ['go-mod-linux-'])).toBe('go-mod-linux-seeded');
  });

  test('a miss returns undefined and writes nothing (other key, or other version of the same key)', async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('miss'));
    expect(await cache.saveCache(['work'], 'go-mod-linux-miss')).toBeGreaterThan(0);
    server.clearRequests();

    expect(await cache.restoreCache(['gone'], 'no-such-key', ['nope-'])).toBeUndefined();
    // Same key, different path list => different version => miss. Even './work' vs 'work' differs.
    expect(await cache.restoreCache(['./work'], 'go-mod-linux-miss')).toBeUndefined();
    expect(await cache.restoreCache(['other'], 'go-mod-linux-miss')).toBeUndefined();
    expect(existsSync(path.join(dir, 'gone'))).toBe(false);
    expect(existsSync(path.join(dir, 'other'))).toBe(false);
    expect(endpoints(server)).toEqual([lookupEndpoint, lookupEndpoint, lookupEndpoint]);
    expect(annotations(get().out, 'warning')).toEqual([]);
  });

  test('lookupOnly returns the matched key without downloading or writing files', async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('lookup'));
    expect(await cache.saveCache(['work'], 'go-mod-linux-lookup')).toBeGreaterThan(0);
    rmSync(path.join(dir, 'work'), { recursive: true });
    server.clearRequests();

    expect(await cache.restoreCache(['work'], 'go-mod-linux-lookup', [], { lookupOnly: true })).toBe('go-mod-linux-lookup');
    expect(await cache.restoreCache(['work'], 'zzz', ['go-mod-'], { lookupOnly: true })).toBe('go-mod-linux-lookup');
    expect(await cache.restoreCache(['work'], 'zzz', [], { lookupOnly: true })).toBeUndefined();
    expect(existsSync(path.join(dir, 'work'))).toBe(false);
    expect(endpoints(server)).toEqual([lookupEndpoint, lookupEndpoint, lookupEndpoint]);
    expect(infos(get().out)).toContain('Lookup only - skipping download');
  });

  test('an existing key+version cannot be saved again: -1, logged at info level, entry unchanged', async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('first'));
    expect(await cache.saveCache(['work'], 'go-mod-linux-dup')).toBeGreaterThan(0);
    const original = server.archive('go-mod-linux-dup');
    writeTree(path.join(dir, 'work'), { 'go.mod': 'changed\n' });
    server.clearRequests();

    expect(await cache.saveCache(['work'], 'go-mod-linux-dup')).toBe(-1);
    expect(server.requests().map((r) => [r.endpoint, r.status])).toEqual([[reserveEndpoint, 409]]);
    expect(server.entries()).toHaveLength(1);
    expect(server.archive('go-mod-linux-dup')).toEqual(original);
    const failed = infos(get().out).filter((l) => l.startsWith('Failed to save:'));
    expect(failed).toEqual([
      protocol === 'v1'
        ? expect.stringMatching(
            /^Failed to save: Unable to reserve cache with key go-mod-linux-dup, another job may be creating this cache\. More details: Cache already exists\./,
          )
        : 'Failed to save: Unable to reserve cache with key go-mod-linux-dup, another job may be creating this cache.',
    ]);
    expect(annotations(get().out, 'warning')).toEqual([]);
    expect(annotations(get().out, 'error')).toEqual([]);
  });

  test("fault 'reject-save': reserve/create answers 409, saveCache returns -1 and stores nothing", async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('reject'));
    server.setFault('reject-save');
    expect(await cache.saveCache(['work'], 'go-mod-linux-reject')).toBe(-1);
    expect(server.entries()).toEqual([]);
    expect(server.requests().map((r) => [r.endpoint, r.status])).toEqual([[reserveEndpoint, 409]]);
    // Lookups are unaffected by this fault.
    expect(await cache.restoreCache(['work'], 'go-mod-linux-reject')).toBeUndefined();
  });

  test('fault {slow}: everything still works, each request is delayed', async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('slow'));
    const before = readTree(path.join(dir, 'work'));
    server.setFault({ slow: 150 });
    let t = Date.now();
    expect(await cache.saveCache(['work'], 'go-mod-linux-slow')).toBeGreaterThan(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(3 * 150);
    rmSync(path.join(dir, 'work'), { recursive: true });
    t = Date.now();
    expect(await cache.restoreCache(['work'], 'go-mod-linux-slow')).toBe('go-mod-linux-slow');
    expect(Date.now() - t).toBeGreaterThanOrEqual(2 * 150);
    expect(readTree(path.join(dir, 'work'))).toEqual(before);
  });

  test("fault 'down' (503 everywhere): saveCache resolves -1, restoreCache resolves undefined, neither throws", async () => {
    const { server, dir, out } = get();
    writeTree(path.join(dir, 'work'), sampleTree('down'));
    expect(await cache.saveCache(['work'], 'go-mod-linux-up')).toBeGreaterThan(0);
    server.clearRequests();
    server.setFault('down');
    const backoff = compressLibraryBackoff();

    // save
    await expect(cache.saveCache(['work'], 'go-mod-linux-down')).resolves.toBe(-1);
    // restore of an entry that exists
    await expect(cache.restoreCache(['work'], 'go-mod-linux-up')).resolves.toBeUndefined();

    if (protocol === 'v1') {
      // requestUtils.retry: 2 attempts, and a fixed 5000 ms sleep after EACH failed attempt
      // (the last one included), so ~10 s per call before the library gives up.
      expect(count(server, 'v1.reserveCache')).toBe(2);
      expect(count(server, 'v1.getCacheEntry')).toBe(2);
      expect(backoff).toEqual([5000, 5000, 5000, 5000]);
      expect(annotations(out, 'warning')).toEqual([
        'Failed to save: reserveCache failed: Cache service responded with 503',
        'Failed to restore: getCacheEntry failed: Cache service responded with 503',
      ]);
    } else {
      // cacheTwirpClient: 5 attempts, 4 sleeps between them: 3000, then [3000*1.5^n, *1.5) random,
      // i.e. ~24.4..34.3 s per call before the library gives up.
      expect(count(server, 'v2.CreateCacheEntry')).toBe(5);
      expect(count(server, 'v2.GetCacheEntryDownloadURL')).toBe(5);
      expect(backoff).toHaveLength(8);
      for (const sleeps of [backoff.slice(0, 4), backoff.slice(4)]) {
        expect(sleeps[0]).toBe(3000);
        expect(sleeps[1]).toBeGreaterThanOrEqual(4500);
        expect(sleeps[1]).toBeLessThan(6750);
        expect(sleeps[2]).toBeGreaterThanOrEqual(6750);
        expect(sleeps[2]).toBeLessThan(10125);
        expect(sleeps[3]).toBeGreaterThanOrEqual(10125);
        expect(sleeps[3]).toBeLessThan(15188);
      }
      // A failed CreateCacheEntry is reported as a reservation race, at INFO level (no warning).
      expect(infos(out)).toContain(
        'Failed to save: Unable to reserve cache with key go-mod-linux-down, another job may be creating this cache.',
      );
      expect(annotations(out, 'warning')).toEqual([
        'Failed to restore: Failed to GetCacheEntryDownloadURL: Failed to make request after 5 attempts: ' +
          'Failed request: (503) Service Unavailable: Service Unavailable (lab fault: down)',
      ]);
    }
    expect(annotations(out, 'error')).toEqual([]);
    expect(server.requests().every((r) => r.status === 503)).toBe(true);
  });

  test("fault 'hang': no timeout of its own below http-client's 3 min socket timeout; retries, then gives up", async () => {
    const { server, dir, out } = get();
    writeTree(path.join(dir, 'work'), sampleTree('hang'));
    // SEGMENT_DOWNLOAD_TIMEOUT_MINS only bounds the Azure-SDK download path; it changes nothing here.
    process.env.SEGMENT_DOWNLOAD_TIMEOUT_MINS = '0.01';
    server.setFault('hang');
    const backoff = compressLibraryBackoff();
    const socketTimeouts = compressSocketTimeouts(250);

    await expect(cache.restoreCache(['work'], 'go-mod-linux-hang')).resolves.toBeUndefined();
    await expect(cache.saveCache(['work'], 'go-mod-linux-hang')).resolves.toBe(-1);

    const attempts = protocol === 'v1' ? 2 : 5;
    expect(count(server, lookupEndpoint)).toBe(attempts);
    expect(count(server, reserveEndpoint)).toBe(attempts);
    expect(server.requests().every((r) => r.status === null)).toBe(true);
    // Every request was given http-client's default 180 000 ms socket timeout, nothing shorter.
    expect(socketTimeouts).toEqual(Array(2 * attempts).fill(HTTP_CLIENT_DEFAULT_TIMEOUT));
    const perCallWaitMs = (sleeps: number[]): number => attempts * HTTP_CLIENT_DEFAULT_TIMEOUT + sleeps.reduce((a, b) => a + b, 0);
    if (protocol === 'v1') {
      expect(backoff).toEqual([5000, 5000, 5000, 5000]);
      expect(perCallWaitMs(backoff.slice(0, 2))).toBe(370_000); // ~6 min per restore or save
      expect(annotations(out, 'warning')).toEqual([
        expect.stringMatching(
          /^Failed to restore: getCacheEntry failed: Request timeout: \/lab-cache\/_apis\/artifactcache\/cache\?keys=go-mod-linux-hang&version=[0-9a-f]{64}$/,
        ),
        'Failed to save: reserveCache failed: Request timeout: /lab-cache/_apis/artifactcache/caches',
      ]);
    } else {
      expect(backoff).toHaveLength(8);
      const wait = perCallWaitMs(backoff.slice(0, 4));
      expect(wait).toBeGreaterThanOrEqual(900_000 + 24_375); // >= ~15.4 min per restore or save
      expect(wait).toBeLessThan(900_000 + 34_313);
      expect(annotations(out, 'warning')).toEqual([
        `Failed to restore: Failed to GetCacheEntryDownloadURL: Failed to make request after 5 attempts: Request timeout: ${TWIRP}GetCacheEntryDownloadURL`,
      ]);
      expect(infos(out)).toContain(
        'Failed to save: Unable to reserve cache with key go-mod-linux-hang, another job may be creating this cache.',
      );
    }
  });

  test("fault 'hang' in real time: still pending after 2 s; close() ends it at once and the library reports a miss", async () => {
    const { server, dir, out } = get();
    writeTree(path.join(dir, 'work'), sampleTree('hang-rt'));
    server.setFault('hang');
    const backoff = compressLibraryBackoff(); // v1 retries once after 5 s; skip that wait

    let settled = false;
    const pending = cache.restoreCache(['work'], 'go-mod-linux-hang').finally(() => {
      settled = true;
    });
    await new Promise((r) => realSetTimeout(r, 2000));
    expect(settled).toBe(false);
    expect(server.requests().map((r) => [r.endpoint, r.status])).toEqual([[lookupEndpoint, null]]);

    const t = Date.now();
    await server.close();
    expect(Date.now() - t).toBeLessThan(1000);
    await expect(pending).resolves.toBeUndefined();
    expect(Date.now() - t).toBeLessThan(2000);
    if (protocol === 'v1') {
      // socket reset -> 5000 ms -> retry: connection refused -> 5000 ms -> miss.
      expect(backoff).toEqual([5000, 5000]);
      expect(annotations(out, 'warning')).toEqual([
        expect.stringMatching(/^Failed to restore: getCacheEntry failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
      ]);
    } else {
      // ECONNRESET is a NetworkError: not retried.
      expect(backoff).toEqual([]);
      expect(annotations(out, 'warning')).toEqual([
        expect.stringMatching(
          /^Failed to restore: Failed to GetCacheEntryDownloadURL: Unable to make request: ECONNRESET%0AIf you are using self-hosted runners/,
        ),
      ]);
    }
  });

  test("fault 'hang-download': lookup answers, the archive GET never does; 2 attempts x 3 min, then a miss", async () => {
    const { server, dir, out } = get();
    writeTree(path.join(dir, 'work'), sampleTree('hang-dl'));
    expect(await cache.saveCache(['work'], 'go-mod-linux-dl')).toBeGreaterThan(0);
    rmSync(path.join(dir, 'work'), { recursive: true });
    server.clearRequests();
    process.env.SEGMENT_DOWNLOAD_TIMEOUT_MINS = '0.01';
    server.setFault('hang-download');
    const backoff = compressLibraryBackoff();
    const socketTimeouts = compressSocketTimeouts(250);

    await expect(cache.restoreCache(['work'], 'go-mod-linux-dl')).resolves.toBeUndefined();
    // A loopback archive URL is not *.blob.core.windows.net, so both protocols download with the
    // plain http-client (downloadCacheHttpClient), never the Azure SDK / segment-timeout path.
    expect(server.requests().map((r) => [r.endpoint, r.status])).toEqual([
      [lookupEndpoint, 200],
      ['blob.get', null],
      ['blob.get', null],
    ]);
    // lookup + 2 download attempts, all with the 3 min default; 5000 ms after each failed attempt.
    expect(socketTimeouts).toEqual([HTTP_CLIENT_DEFAULT_TIMEOUT, HTTP_CLIENT_DEFAULT_TIMEOUT, HTTP_CLIENT_DEFAULT_TIMEOUT]);
    expect(backoff).toEqual([5000, 5000]);
    expect(annotations(out, 'warning')).toEqual([
      expect.stringMatching(/^Failed to restore: downloadCache failed: Request timeout: \/devstoreaccount1\/actions-cache\/\d+\?/),
    ]);
    expect(existsSync(path.join(dir, 'work'))).toBe(false);
  });
});

// ---- protocol-independent checks --------------------------------------------------

describe('lab cache server specifics', () => {
  const get = useFixture('v2');

  test('v2 block upload (PUT ?comp=block + ?comp=blocklist via @azure/storage-blob) is stored and restorable', async () => {
    const { server, dir } = get();
    writeTree(path.join(dir, 'work'), sampleTree('blocks'));
    const before = readTree(path.join(dir, 'work'));
    expect(await cache.saveCache(['work'], 'single-shot')).toBeGreaterThan(0);
    const archive = server.archive('single-shot') ?? Buffer.alloc(0);
    const version = server.entries()[0]?.version ?? '';
    rmSync(path.join(dir, 'work'), { recursive: true });
    server.clearRequests();

    // The library only stages blocks above 128 MiB; drive the same SDK call with tiny blocks instead.
    const created = await twirp(server, 'CreateCacheEntry', { key: 'blocks', version });
    expect(created.ok).toBe(true);
    const blob = new BlockBlobClient(String(created.signed_upload_url));
    const blockSize = Math.ceil(archive.length / 3);
    await blob.uploadData(archive, { blockSize, maxSingleShotSize: 0, concurrency: 2 });
    const fin = await twirp(server, 'FinalizeCacheEntryUpload', { key: 'blocks', version, size_bytes: String(archive.length) });
    expect(fin).toEqual({ ok: true, entry_id: expect.stringMatching(/^\d+$/) });
    expect(endpoints(server)).toEqual([
      'v2.CreateCacheEntry',
      'blob.putBlock',
      'blob.putBlock',
      'blob.putBlock',
      'blob.putBlockList',
      'v2.FinalizeCacheEntryUpload',
    ]);
    expect(server.archive('blocks')).toEqual(archive);

    expect(await cache.restoreCache(['work'], 'blocks')).toBe('blocks');
    expect(readTree(path.join(dir, 'work'))).toEqual(before);
  });

  test('Finalize with a wrong size is refused (library would warn FinalizeCacheError); Range downloads give 206', async () => {
    const { server } = get();
    const version = libraryCacheVersion(['x'], 'gzip');
    const created = await twirp(server, 'CreateCacheEntry', { key: 'k', version });
    const put = await fetch(String(created.signed_upload_url), {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: Buffer.from('0123456789'),
    });
    expect(put.status).toBe(201);
    expect(await twirp(server, 'FinalizeCacheEntryUpload', { key: 'k', version, size_bytes: '11' })).toEqual({
      ok: false,
      message: 'size_bytes 11 does not match the 10 bytes uploaded',
    });
    expect(await twirp(server, 'FinalizeCacheEntryUpload', { key: 'k', version, size_bytes: '10' })).toMatchObject({ ok: true });

    const hit = await twirp(server, 'GetCacheEntryDownloadURL', { key: 'k', restore_keys: [], version });
    expect(hit).toMatchObject({ ok: true, matched_key: 'k' });
    const part = await fetch(String(hit.signed_download_url), { headers: { Range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await part.text()).toBe('2345');
    // Unsigned/forged URLs and missing tokens are refused like the real services do.
    const forged = new URL(String(hit.signed_download_url));
    forged.searchParams.set('sig', 'forged');
    expect((await fetch(forged)).status).toBe(403);
    const noAuth = await fetch(new URL(`${TWIRP}GetCacheEntryDownloadURL`, server.env.ACTIONS_RESULTS_URL), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: 'k', version }),
    });
    expect(noAuth.status).toBe(401);
    expect(await twirp(server, 'GetCacheEntryDownloadURL', { key: 'k', version: 'other' })).toMatchObject({ ok: false });
  });

  test('GHES: a non-github.com GITHUB_SERVER_URL forces v1 even with ACTIONS_CACHE_SERVICE_V2 set (v1 paths on ACTIONS_RESULTS_URL)', async () => {
    const { server, dir } = get();
    process.env.GITHUB_SERVER_URL = 'https://ghes.example.internal'; // parsed only, never contacted
    writeTree(path.join(dir, 'work'), sampleTree('ghes'));
    expect(await cache.saveCache(['work'], 'ghes-key')).toBeGreaterThan(0);
    expect(await cache.restoreCache(['work'], 'ghes-key', [], { lookupOnly: true })).toBe('ghes-key');
    expect(endpoints(server)).toEqual(['v1.reserveCache', 'v1.uploadChunk', 'v1.commitCache', 'v1.getCacheEntry']);
  });

  test('env carries what the library needs and nothing that leaves loopback', async () => {
    const { server } = get();
    expect(server.env).toEqual({
      ACTIONS_RUNTIME_TOKEN: expect.any(String),
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: `${server.origin}/`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REF: 'refs/heads/main',
      RUNNER_TEMP: expect.any(String),
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    });
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const v1 = await startCacheServer({ protocol: 'v1' });
    try {
      expect(v1.env.ACTIONS_CACHE_URL).toBe(`${v1.origin}/lab-cache/`);
      expect(v1.env.ACTIONS_CACHE_SERVICE_V2).toBeUndefined();
      expect(v1.env.ACTIONS_RESULTS_URL).toBeUndefined();
    } finally {
      await v1.close();
    }
    expect(existsSync(v1.env.RUNNER_TEMP ?? '')).toBe(false);
  });
});

describe('lab cache server, v1 chunked upload', () => {
  const get = useFixture('v1');

  test('a multi-chunk v1 upload (concurrent PATCHes with Content-Range) is reassembled byte-exact', async () => {
    const { server, dir } = get();
    // CACHE_UPLOAD_CHUNK_SIZE is in MiB; random data does not compress, so ~3 MiB => 4 chunks.
    process.env.CACHE_UPLOAD_CHUNK_SIZE = '1';
    writeTree(path.join(dir, 'work'), { 'big.bin': randomBytes(3 * 1024 * 1024 + 5000), 'small.txt': 'x' });
    const before = readTree(path.join(dir, 'work'));
    expect(await cache.saveCache(['work'], 'chunked')).toBeGreaterThan(0);
    const patches = server.requests().filter((r) => r.endpoint === 'v1.uploadChunk');
    expect(patches.length).toBe(4);
    expect(patches.every((r) => r.status === 204)).toBe(true);
    expect(patches.reduce((n, r) => n + r.bytesIn, 0)).toBe(server.entries()[0]?.size);

    rmSync(path.join(dir, 'work'), { recursive: true });
    expect(await cache.restoreCache(['work'], 'chunked')).toBe('chunked');
    expect(readTree(path.join(dir, 'work'))).toEqual(before);
  });
});
