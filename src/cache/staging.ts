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
 * Move restored files into the module cache. A file already there is the
 * user's (or another job's) and stays as it is; returns how many were added.
 */
export async function mergeInto(fromDir: string, toDir: string): Promise<number> {
  let added = 0;
  const made = new Map<string, Promise<unknown>>();
  const mkdirOnce = (dir: string) => made.get(dir) ?? made.set(dir, fs.mkdir(dir, { recursive: true })).get(dir)!;
  await forEachLimit(await listFiles(fromDir), FILE_OPS_IN_FLIGHT, async (rel) => {
    const to = path.join(toDir, rel);
    if (
      await fs.lstat(to).then(
        () => true,
        () => false,
      )
    )
      return;
    await mkdirOnce(path.dirname(to));
    const from = path.join(fromDir, rel);
    await fs.rename(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV') throw err;
      await fs.copyFile(from, to, fs.constants.COPYFILE_EXCL);
    });
    added++;
  });
  return added;
}
