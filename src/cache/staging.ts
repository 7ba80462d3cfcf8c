import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { forEachLimit, listFiles, removeTree } from './files.js';

export { removeTree } from './files.js';

/**
 * The Actions cache saves and restores a directory by its path (the path is
 * part of the entry's version). The module cache goes through a staging
 * directory of the guard's own, at a path stable from job to job: a restore
 * lands there, is checked, and only then joins GOMODCACHE; a save holds a copy
 * of the build list made there. GOMODCACHE itself, which a self-hosted runner
 * may share between projects, is never pruned.
 */
export const stagedDownloadDir = (stagingRoot: string) => path.join(stagingRoot, 'cache', 'download');

/** An empty staging directory (whatever a previous guard step left there is the guard's). */
export async function freshStaging(stagingRoot: string): Promise<void> {
  await removeTree(stagingRoot);
  await fs.mkdir(stagingRoot, { recursive: true, mode: 0o700 });
}

/** File operations kept in flight at once over many small files. */
export const FILE_OPS_IN_FLIGHT = 16;

/**
 * Move restored files into the module cache (or GOCACHE). A file already
 * there is the user's (or another job's) and stays as it is; a directory
 * missing there moves whole, in one rename (a fresh cache takes a few hundred
 * renames, not one per file). Returns the files added, relative to `toDir`.
 */
export async function mergeInto(fromDir: string, toDir: string, rel = ''): Promise<string[]> {
  await fs.mkdir(toDir, { recursive: true });
  const added: string[] = [];
  const entries = await fs.readdir(fromDir, { withFileTypes: true });
  await forEachLimit(entries, FILE_OPS_IN_FLIGHT, async (e) => {
    const from = path.join(fromDir, e.name);
    const to = path.join(toDir, e.name);
    const there = await fs.lstat(to).catch(() => undefined);
    if (there?.isDirectory() && e.isDirectory()) added.push(...(await mergeInto(from, to, path.join(rel, e.name))));
    if (there) return;
    const files = e.isDirectory() ? (await listFiles(from)).map((f) => path.join(rel, e.name, f)) : [path.join(rel, e.name)];
    await fs.rename(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV') throw err;
      await fs.cp(from, to, { recursive: true, force: false, errorOnExist: false });
    });
    added.push(...files);
  });
  return added;
}
