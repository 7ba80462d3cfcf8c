/**
 * Hashing a restored module cache (go.sum's h1: and the go command's
 * .ziphash), on real module zips from the lab world written to disk.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseGoSum } from '../../src/cache/sum-table.js';
import { goModHash } from '../../src/goproxy/dirhash.js';
import { checkModuleZip } from '../../src/goproxy/module-zip.js';
import { checkRestoredModules } from '../../src/cache/verify-restored.js';
import { defaultWorld, escapePath, goSumLines, tamperedZip, type ModuleVersion } from '../lab/modules.js';

const world = defaultWorld();
const bound = { timeoutMs: 60_000 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gpg-restored-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A version laid out as the go command keeps it in cache/download. */
function put(m: ModuleVersion, opts: { zip?: Buffer; ziphash?: string; mod?: string } = {}): string[] {
  const base = path.join(dir, escapePath(m.path), '@v', m.version);
  mkdirSync(path.dirname(base), { recursive: true });
  writeFileSync(`${base}.zip`, opts.zip ?? m.zip);
  writeFileSync(`${base}.ziphash`, opts.ziphash ?? `${m.h1}\n`);
  writeFileSync(`${base}.mod`, opts.mod ?? m.mod);
  writeFileSync(`${base}.info`, m.info);
  return ['zip', 'ziphash', 'mod', 'info'].map((e) => path.relative(dir, `${base}.${e}`));
}

test('the h1: of every lab module zip and go.mod is the one go.sum records', async () => {
  for (const m of world) {
    put(m);
    const file = path.join(dir, escapePath(m.path), '@v', `${m.version}.zip`);
    expect((await checkModuleZip({ file }, { module: m.path, version: m.version }, { hash: true })).h1).toBe(m.h1);
    expect(goModHash(Buffer.from(m.mod))).toBe(m.goModH1);
  }
});

test('clean versions pass; each kind of tampering discards that version whole, and only it', async () => {
  const [a, b, c, d, e] = world;
  const sums = parseGoSum(goSumLines([a!, b!, c!, e!]).join('\n'));
  const files = [
    ...put(a!),
    ...put(b!, { zip: tamperedZip(b!) }), // altered zip, original .ziphash, go.sum has the line
    ...put(c!, { mod: `${c!.mod}// altered\n` }), // go.mod that go.sum does not know
    ...put(d!, { zip: tamperedZip(d!) }), // not in go.sum: caught by its .ziphash
    ...put(e!, { ziphash: 'h1:AAAA\n' }), // a .ziphash that lies
  ];
  const check = await checkRestoredModules(dir, files, sums, bound);
  expect(check.checked).toBe(5);
  const ids = check.discarded.map((x) => x.split(': ')[0]);
  expect(ids.sort()).toEqual([b!, c!, d!, e!].map((m) => `${m.path}@${m.version}`).sort());
  expect(check.discarded.find((x) => x.startsWith(`${b!.path}@`))).toMatch(/the zip hashes to h1:\S+, go\.sum says h1:/);
  expect(check.discarded.find((x) => x.startsWith(`${d!.path}@`))).toMatch(/its \.ziphash says/);
  expect(check.discarded.find((x) => x.startsWith(`${c!.path}@`))).toMatch(/go\.mod hashes to/);
  // The clean one is untouched; the discarded ones are gone whole, so go downloads them again.
  expect(
    readdirSync(path.join(dir, escapePath(a!.path), '@v'))
      .filter((f) => f.startsWith(`${a!.version}.`))
      .sort(),
  ).toEqual(['zip', 'ziphash', 'mod', 'info'].map((x) => `${a!.version}.${x}`).sort());
  for (const m of [b!, c!, d!, e!]) {
    const left = readdirSync(path.join(dir, escapePath(m.path), '@v')).filter((f) => f.startsWith(`${m.version}.`));
    expect(left).toEqual([]);
  }
});

test('only the files named are read: an unlisted bad zip next to them is left alone', async () => {
  const [a, b] = world;
  const files = put(a!);
  put(b!, { zip: Buffer.from('not a zip') });
  expect(await checkRestoredModules(dir, files, new Map(), bound)).toEqual({ checked: 1, discarded: [] });
});
