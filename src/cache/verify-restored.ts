import type { RestoreCheck } from '../model/run-report.js';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { unescapeModulePath } from '../goproxy/module-path.js';
import { goModHash } from '../goproxy/dirhash.js';
import { checkModuleZip, MODULE_ZIP_LIMITS } from '../goproxy/module-zip.js';
import type { SumTable } from './sum-table.js';
import { forEachLimit } from './files.js';

/** The files the go command keeps for one module version in cache/download. */
const VERSION_FILES = ['.zip', '.ziphash', '.mod', '.info'];

/**
 * Hash what a cache restore wrote, before anything uses it. The go command
 * trusts a zip's `.ziphash` and never re-reads the zip, so a zip altered in a
 * stored cache entry next to its original `.ziphash` would be built from. A
 * zip must pass the module zip check (go's limits, no entries sharing
 * bytes) and match go.sum's `h1:` line when go.sum has one, and its
 * `.ziphash` always; a go.mod must match its `/go.mod` line. A version that
 * fails loses all its files, so the go command downloads it again and checks
 * it as new. Only `files` (relative to `downloadDir`, what the restore wrote)
 * are read. The whole check ends within `timeoutMs`: a version still unchecked
 * then is discarded as well.
 */
export async function checkRestoredModules(
  downloadDir: string,
  files: string[],
  sums: SumTable,
  opts: { timeoutMs: number; parallel?: number },
): Promise<RestoreCheck> {
  const versions = new Map<string, { escaped: string; exts: Set<string> }>();
  for (const rel of files) {
    const m = /^(.+)\/@v\/([^/]+)\.(zip|mod)$/.exec(rel.split(path.sep).join('/'));
    if (!m) continue;
    const escaped = `${m[1]}/@v/${m[2]}`;
    const entry = versions.get(escaped) ?? { escaped, exts: new Set<string>() };
    entry.exts.add(m[3] as string);
    versions.set(escaped, entry);
  }
  const discarded: string[] = [];
  const signal = AbortSignal.timeout(opts.timeoutMs);
  await forEachLimit([...versions.values()], opts.parallel ?? 4, async (v) => {
    const problem = await versionProblem(downloadDir, v.escaped, v.exts, sums, signal);
    if (!problem) return;
    discarded.push(`${problem.id}: ${problem.why}`);
    await Promise.all(VERSION_FILES.map((ext) => fs.rm(path.join(downloadDir, `${v.escaped}${ext}`), { force: true })));
  });
  return { checked: versions.size, discarded: discarded.sort() };
}

async function versionProblem(
  dir: string,
  escaped: string,
  exts: Set<string>,
  sums: SumTable,
  signal: AbortSignal,
): Promise<{ id: string; why: string } | undefined> {
  const [escPath, escVersion] = escaped.split('/@v/') as [string, string];
  const mod = unescapeModulePath(escPath);
  const version = unescapeModulePath(escVersion);
  const id = `${mod ?? escPath}@${version ?? escVersion}`;
  if (!mod || !version) return { id, why: 'not a module cache path' };
  const base = path.join(dir, escaped);
  if (exts.has('zip')) {
    let h1: string;
    try {
      h1 = (await checkModuleZip({ file: `${base}.zip` }, { module: mod, version }, { hash: true, signal })).h1 as string;
    } catch (err) {
      if (signal.aborted) return { id, why: 'not checked within download-timeout' };
      return { id, why: `the zip ${(err as Error).message}` };
    }
    const recorded = sums.get(`${mod} ${version}`);
    if (recorded && !recorded.has(h1)) return { id, why: `the zip hashes to ${h1}, go.sum says ${[...recorded][0]}` };
    const ziphash = await readHead(`${base}.ziphash`, 256);
    if (ziphash !== undefined && ziphash.trim() !== h1)
      return { id, why: `the zip hashes to ${h1}, its .ziphash says ${ziphash.trim().slice(0, 60)}` };
  }
  if (exts.has('mod')) {
    const recorded = sums.get(`${mod} ${version}/go.mod`);
    if (recorded) {
      if ((await fs.stat(`${base}.mod`)).size > MODULE_ZIP_LIMITS.goModBytes)
        return { id, why: "go.mod is larger than go's 16 MiB (MaxGoMod)" };
      const h1 = goModHash(await fs.readFile(`${base}.mod`));
      if (!recorded.has(h1)) return { id, why: `go.mod hashes to ${h1}, go.sum says ${[...recorded][0]}` };
    }
  }
  return undefined;
}

/** The first `bytes` of a file (a .ziphash is one short line), or undefined when it cannot be read. */
async function readHead(file: string, bytes: number): Promise<string | undefined> {
  try {
    const fd = await fs.open(file, 'r');
    try {
      const { buffer, bytesRead } = await fd.read(Buffer.alloc(bytes), 0, bytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fd.close();
    }
  } catch {
    return undefined;
  }
}
