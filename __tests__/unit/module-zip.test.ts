/**
 * The one bounded module zip check (src/goproxy/module-zip.ts) that the
 * prefetch, the local proxy and the restored-cache check share: go's own
 * limits (golang.org/x/mod/zip: MaxZipFile, MaxGoMod, MaxLICENSE), no
 * entries sharing bytes, and hashing that stops at the caller's deadline.
 * On zips the lab builds; the end-to-end runs are in __tests__/zip-bomb.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkModuleZip, ZipRefused } from '../../src/goproxy/module-zip.js';
import { buildZip, moduleVersion, zipBomb } from '../lab/modules.js';
import { makeLabDir } from '../lab/paths.js';

const id = { module: 'example.com/bomb', version: 'v1.0.0' };
const check = (zip: Buffer, opts: { hash?: boolean; signal?: AbortSignal } = { hash: true }) => checkModuleZip({ buffer: zip }, id, opts);
const refusal = async (zip: Buffer, opts?: { hash?: boolean; signal?: AbortSignal }) => {
  const err = await check(zip, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ZipRefused);
  return (err as Error).message;
};

test('a real module zip passes and hashes to its go.sum line', async () => {
  const m = moduleVersion({ path: id.module, version: id.version });
  expect(await checkModuleZip({ buffer: m.zip }, id, { hash: true })).toEqual({
    entries: 2,
    uncompressedBytes: expect.any(Number),
    h1: m.h1,
  });
});

test('zip files checked at once: those that wait for memory and one too large for it, streamed, hash alike, to go.sum', async () => {
  // Three 20 MiB zips take turns in memory; one of 40 MiB is more than the check ever holds, and streams from disk.
  const dir = makeLabDir('module-zip-memory');
  const zips = [20, 20, 40, 20].map((mib, n) => {
    const m = moduleVersion({ path: `example.com/big${n}`, version: 'v1.0.0', binaryFiles: { 'blob.bin': randomBytes(mib << 20) } });
    const file = path.join(dir, `big${n}.zip`);
    writeFileSync(file, m.zip);
    return { m, file };
  });
  const checked = await Promise.all(
    zips.map(({ m, file }) => checkModuleZip({ file }, { module: m.path, version: m.version }, { hash: true })),
  );
  expect(checked.map((f) => f.h1)).toEqual(zips.map(({ m }) => m.h1));
  // What the checks held is given back: one more is not left waiting.
  const again = await checkModuleZip({ file: zips[0]!.file }, { module: zips[0]!.m.path, version: 'v1.0.0' }, { hash: true });
  expect(again.h1).toBe(zips[0]!.m.h1);
});

test('3,000 entries pointing at one deflated run: refused from the central directory, before inflating a byte', async () => {
  // The issue's bomb: a 1.3 MB run of 1.3 GB of zeros. Declaring it whole, the entries pass go's 500 MiB at once;
  // declaring 100 KiB each (300 MB in all), only the shared bytes give them away.
  const honest = zipBomb({ path: id.module, version: id.version, entries: 3000, zerosBytes: 1300 << 20 });
  const modest = zipBomb({ path: id.module, version: id.version, entries: 3000, zerosBytes: 1300 << 20, declaredBytes: 100 << 10 });
  expect(honest.length).toBeGreaterThan(1_000_000);
  const started = performance.now();
  expect(await refusal(honest)).toMatch(/declares more than go's 500 MiB \(MaxZipFile\)/);
  expect(await refusal(modest)).toMatch(
    /has entries that overlap \("example.com\/bomb@v1.0.0\/f\d+" and "example.com\/bomb@v1.0.0\/f\d+" share bytes/,
  );
  expect(performance.now() - started).toBeLessThan(2000);
});

test('a central directory claiming more entries than the zip can hold is refused before it is read', async () => {
  const bomb = zipBomb({ path: id.module, version: id.version, entries: 3000, zerosBytes: 64 << 20, declaredBytes: 100 << 10 });
  expect(await refusal(bomb)).toMatch(/claims 3000 entries; a zip of \d+ bytes holds at most \d+/);
});

test("entries that declare more than go's 500 MiB in all are refused, even apart", async () => {
  // One entry, honest about 512 MiB of zeros: go's checkZip refuses the total.
  expect(await refusal(zipBomb({ path: id.module, version: id.version, entries: 1, zerosBytes: 512 << 20 }))).toMatch(
    /declares more than go's 500 MiB \(MaxZipFile\)/,
  );
  // Four separate 160 MiB runs: no overlap, but 640 MiB in all.
  expect(await refusal(zipBomb({ path: id.module, version: id.version, entries: 4, zerosBytes: 160 << 20, separateRuns: true }))).toMatch(
    /500 MiB/,
  );
});

test('an entry that inflates past what it declares is refused at the first byte too many', async () => {
  const liar = zipBomb({ path: id.module, version: id.version, entries: 1, zerosBytes: 64 << 20, declaredBytes: 1000 });
  expect(await check(liar, { hash: false })).toMatchObject({ entries: 1, uncompressedBytes: 1000 });
  expect(await refusal(liar)).toMatch(/too many bytes|inflates past the 1000 bytes it declares/);
});

test('go.mod and LICENSE over 16 MiB, entries outside module@version/, names twice, and impossible entry counts are refused', async () => {
  const p = `${id.module}@${id.version}/`;
  const big = Buffer.alloc((16 << 20) + 1, 0x20);
  expect(await refusal(buildZip([{ name: `${p}go.mod`, data: big }]), { hash: false })).toMatch(/MaxGoMod/);
  expect(await refusal(buildZip([{ name: `${p}LICENSE`, data: big }]), { hash: false })).toMatch(/MaxLICENSE/);
  expect(await refusal(buildZip([{ name: 'example.com/other@v1.0.0/go.mod', data: 'module x\n' }]))).toMatch(
    /outside example.com\/bomb@v1.0.0\//,
  );
  expect(
    await refusal(
      buildZip([
        { name: `${p}a.go`, data: 'package a\n' },
        { name: `${p}a.go`, data: 'package b\n' },
      ]),
    ),
  ).toMatch(/holds "example.com\/bomb@v1.0.0\/a.go" twice/);
  // The end record claims 60,000 entries: a zip of this size cannot hold them.
  const zip = Buffer.from(buildZip([{ name: `${p}go.mod`, data: 'module example.com/bomb\n' }]));
  zip.writeUInt16LE(60_000, zip.length - 22 + 8);
  zip.writeUInt16LE(60_000, zip.length - 22 + 10);
  expect(await refusal(zip, { hash: false })).toMatch(/claims 60000 entries/);
});

test("hashing stops at the caller's deadline, between chunks", async () => {
  // Honest and within go's limits: 480 MiB of zeros in one entry, a few seconds to inflate.
  const slow = zipBomb({ path: id.module, version: id.version, entries: 1, zerosBytes: 480 << 20 });
  const controller = new AbortController();
  const reason = new Error('the request budget ran out');
  setTimeout(() => controller.abort(reason), 50);
  const started = performance.now();
  await expect(check(slow, { hash: true, signal: controller.signal })).rejects.toBe(reason);
  expect(performance.now() - started).toBeLessThan(1000);
});
