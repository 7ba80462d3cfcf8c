/**
 * The prefetch's pure parts: go.sum read as the go command writes it, the
 * plan of files to fetch, and dirhash's h1: computed the way go computes it
 * (checked against the lab's independent implementation and go itself in
 * __tests__/prefetch.test.ts).
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildZip, goSumLines, largeModuleOnDisk, moduleVersion, tamperedZip } from '../lab/modules.js';
import { parseGoSum } from '../../src/warm/prefetch/go-sum.js';
import { planPrefetch } from '../../src/warm/prefetch/plan.js';
import { prefetchLine } from '../../src/warm/prefetch/prefetch.js';
import type { PrefetchReport } from '../../src/model/run-report.js';
import { goModHash } from '../../src/goproxy/dirhash.js';
import { checkModuleZip } from '../../src/goproxy/module-zip.js';

const alpha = moduleVersion({ path: 'example.com/alpha', version: 'v1.1.0' });
const alphaOld = moduleVersion({ path: 'example.com/alpha', version: 'v1.0.0' });
const upper = moduleVersion({ path: 'example.com/Upper/Case', version: 'v1.0.0' });
const secret = moduleVersion({ path: 'corp.example/secret', version: 'v0.3.0' });
const loose = moduleVersion({ path: 'example.com/loose', version: 'v0.1.0' });

/** dirhash.HashZip of a zip on disk or in memory, through the one bounded module zip check. */
const hashZipFile = async (file: string, id = { module: 'x', version: 'v1.0.0' }) =>
  (await checkModuleZip({ file }, id, { hash: true })).h1;
const hashZipBuffer = async (buffer: Buffer, id: { module: string; version: string }) =>
  (await checkModuleZip({ buffer }, id, { hash: true })).h1;
const idOf = (m: { path: string; version: string }) => ({ module: m.path, version: m.version });

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'gpg-prefetch-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const onDisk = (name: string, data: Buffer) => {
  const f = path.join(dir, name);
  writeFileSync(f, data);
  return f;
};

describe('h1: as go.sum records it (dirhash Hash1 / HashZip)', () => {
  test('a module zip hashes to its go.sum line; a tampered one does not', async () => {
    expect(await hashZipFile(onDisk('a.zip', alpha.zip), idOf(alpha))).toBe(alpha.h1);
    expect(await hashZipFile(onDisk('u.zip', upper.zip), idOf(upper))).toBe(upper.h1);
    expect(await hashZipFile(onDisk('t.zip', tamperedZip(alpha)), idOf(alpha))).not.toBe(alpha.h1);
    expect(await hashZipBuffer(upper.zip, idOf(upper))).toBe(upper.h1);
  });

  test('a go.mod hashes to its /go.mod line', () => {
    expect(goModHash(alpha.mod)).toBe(alpha.goModH1);
    expect(goModHash(Buffer.concat([alpha.mod, Buffer.from('\n')]))).not.toBe(alpha.goModH1);
  });

  test('a truncated zip is an error, not a hash', async () => {
    const f = onDisk('cut.zip', alpha.zip);
    truncateSync(f, alpha.zip.length - 10);
    await expect(hashZipFile(f, idOf(alpha))).rejects.toThrow();
  });

  test('an entry whose CRC does not match its data is an error, as in Go', async () => {
    const zip = Buffer.from(buildZip([{ name: 'x@v1.0.0/go.mod', data: 'module x\n' }]));
    // Flip one byte of the stored data (local header 30 bytes + name).
    const at = 30 + 'x@v1.0.0/go.mod'.length;
    zip.writeUInt8(zip.readUInt8(at) ^ 1, at);
    await expect(hashZipFile(onDisk('crc.zip', zip))).rejects.toThrow(/checksum error/);
  });

  test('a large zip is hashed streaming, to the same h1 as the lab computed while writing it', async () => {
    const big = await largeModuleOnDisk({ path: 'example.com/big', version: 'v1.0.0', sizeBytes: 8 << 20, dir });
    expect(await hashZipFile(big.zipFile, idOf(big))).toBe(big.h1);
  });
});

describe('go.sum', () => {
  test('zip and /go.mod lines; other algorithms and garbage skipped', () => {
    const text = [...goSumLines([alpha]), 'example.com/x v1.0.0 h2:abc', 'not a line', ''].join('\n');
    expect(parseGoSum(text)).toEqual([
      { path: alpha.path, version: alpha.version, kind: 'zip', h1: alpha.h1 },
      { path: alpha.path, version: alpha.version, kind: 'mod', h1: alpha.goModH1 },
    ]);
  });
});

describe('the plan', () => {
  const sums = parseGoSum([...goSumLines([alphaOld], { zip: true }), ...goSumLines([alpha, upper, secret, loose])].join('\n'));
  const requirements = [alpha, upper, secret].map((m) => ({ path: m.path, version: m.version }));

  test('every /go.mod, the required zip and its .info; a stale zip line skipped; private modules left out', () => {
    const plan = planPrefetch({ sums, requirements, gonoproxy: 'corp.example', cached: new Set(), explicitRequirements: false });
    const paths = plan.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'example.com/alpha/@v/v1.0.0.mod',
        'example.com/alpha/@v/v1.1.0.mod',
        'example.com/alpha/@v/v1.1.0.zip',
        'example.com/alpha/@v/v1.1.0.info',
        'example.com/!upper/!case/@v/v1.0.0.zip',
        // Not required by a go.mod that may leave modules out (go < 1.17), but the only version go.sum holds a zip hash for.
        'example.com/loose/@v/v0.1.0.zip',
      ]),
    );
    expect(paths).not.toContain('example.com/alpha/@v/v1.0.0.zip');
    expect(paths.some((p) => p.startsWith('corp.example/'))).toBe(false);
    expect(plan.private).toEqual(['corp.example/secret']);
    expect(plan.files.find((f) => f.path.endsWith('v1.1.0.zip'))?.h1).toBe(alpha.h1);
    expect(plan.files.find((f) => f.kind === 'info')?.h1).toBeUndefined();
    // Zips first: the long transfers start earliest.
    expect(plan.files[0]?.kind).toBe('zip');
    expect(plan.unsummed).toEqual([]);
  });

  test('files already in the module cache are not fetched again', () => {
    const cached = new Set(['example.com/alpha/@v/v1.1.0.zip', 'example.com/alpha/@v/v1.1.0.mod']);
    const plan = planPrefetch({ sums, requirements, gonoproxy: '', cached, explicitRequirements: false });
    expect(plan.cached).toBe(2);
    expect(plan.files.map((f) => f.path)).not.toContain('example.com/alpha/@v/v1.1.0.zip');
    expect(plan.files.map((f) => f.path)).toContain('example.com/alpha/@v/v1.1.0.info');
  });

  test('a requirement without a zip hash is reported, for go to fetch', () => {
    const extra = { path: 'example.com/new', version: 'v1.0.0' };
    const plan = planPrefetch({
      sums,
      requirements: [...requirements, extra],
      gonoproxy: 'corp.example',
      cached: new Set(),
      explicitRequirements: true,
    });
    expect(plan.unsummed).toEqual(['example.com/new@v1.0.0']);
  });

  test('go 1.17+: go.mod lists every module a build opens, so a zip it does not require (a test of a dependency) is left to go', () => {
    const plan = planPrefetch({ sums, requirements, gonoproxy: '', cached: new Set(), explicitRequirements: true });
    const paths = plan.files.map((f) => f.path);
    expect(paths).toContain('example.com/alpha/@v/v1.1.0.zip');
    expect(paths).toContain('example.com/loose/@v/v0.1.0.mod');
    expect(paths).not.toContain('example.com/loose/@v/v0.1.0.zip');
  });
});

describe('the report line', () => {
  const done: PrefetchReport = {
    status: 'done',
    planned: 183,
    fetched: 180,
    bytes: 3 * (1 << 20),
    ms: 1234,
    concurrency: 32,
    absorbed: 4,
    rejected: 1,
    missed: 3,
    failures: [],
    requests: 190,
    cached: 12,
    private: ['corp.example/secret'],
    unsummed: [],
    maxRssMiB: 90,
    unpacked: 0,
  };
  test('files, bytes, time, concurrency and failures absorbed; what was left to go and why', () => {
    expect(prefetchLine(done)).toBe(
      'prefetch: 180 of 183 files (3.0 MiB) in 1.23 s, 32 at a time, 4 failures absorbed, 1 answers rejected by the h1: check, 12 already cached, 3 left to go mod download, 1 private modules not prefetched',
    );
    expect(
      prefetchLine({ ...done, status: 'skipped', reason: 'no go.sum next to go.mod: go mod download fetched everything itself' }),
    ).toBe('prefetch skipped: no go.sum next to go.mod: go mod download fetched everything itself');
  });
});
