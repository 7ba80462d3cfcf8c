import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { hitKind, type CiCache } from './ci-cache.js';
import type { CacheHit } from '../model/cache-hit.js';
import { cacheKeys, type CacheKeys } from './key.js';
import { FILE_OPS_IN_FLIGHT, freshStaging, mergeInto, removeTree } from './staging.js';
import { forEachLimit } from './files.js';
import type { SaveCache } from '../config/config.js';

/** What the main step hands the post step for the build cache. */
export interface BuildCacheState {
  key: string;
  hit: CacheHit;
  gocache: string;
  stagingRoot: string;
  markedAt: number;
  policy: SaveCache;
}

/**
 * The go command's build cache (GOCACHE): compiled packages and test results.
 *
 * No snowball: the go command records the use of an entry in its mtime, but
 * only refreshes an mtime older than an hour (cmd/go/internal/cache,
 * mtimeInterval). Right after a restore, the restored entries' mtimes are set
 * two hours back; by the post step, every entry this job used or wrote has an
 * mtime after the restore, and the rest was not used. Only those are saved,
 * from a copy made in the guard's staging directory: GOCACHE itself (maybe a
 * self-hosted runner's shared one) loses nothing.
 */
export const MARK_BACK_MS = 2 * 3600_000;

/** Entry files live in 256 subdirectories 00..ff, as <hash>-a (action) and <hash>-d (output). */
const ENTRY_DIR = /^[0-9a-f]{2}$/;

export function buildCacheKeys(opts: {
  prefix: string;
  os: string;
  arch: string;
  goVersion: string;
  sums: { name: string; content: Buffer }[];
}): CacheKeys {
  // The compiler's output differs per Go release: a restore never crosses one.
  const goVersion = opts.goVersion.replace(/[^A-Za-z0-9._-]+/g, '_');
  return cacheKeys({ prefix: `${opts.prefix}-build`, os: opts.os, arch: `${opts.arch}-${goVersion}`, sums: opts.sums });
}

/** The entry files below a GOCACHE (or a staged copy), relative, with their mtimes. */
export async function entryFiles(root: string): Promise<{ rel: string; mtimeMs: number; size: number }[]> {
  const out: { rel: string; mtimeMs: number; size: number }[] = [];
  const dirs = (await fs.readdir(root).catch(() => [] as string[])).filter((d) => ENTRY_DIR.test(d));
  await forEachLimit(dirs, FILE_OPS_IN_FLIGHT, async (d) => {
    for (const f of await fs.readdir(path.join(root, d)).catch(() => [] as string[])) {
      const st = await fs.lstat(path.join(root, d, f)).catch(() => undefined);
      if (st?.isFile()) out.push({ rel: path.join(d, f), mtimeMs: st.mtimeMs, size: st.size });
    }
  });
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

export interface BuildCacheRestore {
  hit: CacheHit;
  key: string | undefined;
  /** Entry files the restore added to GOCACHE (files already there were kept as they were). */
  added: number;
  /** When the restore finished: an entry used or written after it has a later mtime. */
  markedAt: number;
  problem?: string;
}

/**
 * Restore the build cache into its staging directory, then add to GOCACHE
 * the entries it does not hold yet, with their mtimes set back (see above).
 */
export async function restoreBuildCache(opts: {
  cache: CiCache;
  keys: CacheKeys;
  gocache: string;
  stagingRoot: string;
  now?: () => number;
}): Promise<BuildCacheRestore> {
  const now = opts.now ?? Date.now;
  try {
    await freshStaging(opts.stagingRoot);
    const matched = await opts.cache.restore([opts.stagingRoot], opts.keys.primary, opts.keys.restore);
    let added = 0;
    if (matched) {
      const back = new Date(now() - MARK_BACK_MS);
      await forEachLimit(await entryFiles(opts.stagingRoot), FILE_OPS_IN_FLIGHT, (f) =>
        fs.utimes(path.join(opts.stagingRoot, f.rel), back, back),
      );
      await fs.mkdir(opts.gocache, { recursive: true });
      added = await mergeInto(opts.stagingRoot, opts.gocache);
    }
    return { hit: hitKind(matched, opts.keys.primary), key: opts.keys.primary, added, markedAt: now() };
  } catch (err) {
    return { hit: 'none', key: opts.keys.primary, added: 0, markedAt: now(), problem: (err as Error).message };
  } finally {
    await removeTree(opts.stagingRoot).catch(() => {});
  }
}

export interface BuildCacheSelection {
  /** Entries used or written since the restore: what is saved. */
  used: { rel: string; size: number }[];
  /** Entries in GOCACHE this job did not touch: left on disk, not saved. */
  unused: number;
}

/** Split GOCACHE by use since `markedAt` (one second of slack for coarse file system clocks). */
export async function selectUsed(gocache: string, markedAt: number): Promise<BuildCacheSelection> {
  const files = await entryFiles(gocache);
  const used = files.filter((f) => f.mtimeMs >= markedAt - 1000).map(({ rel, size }) => ({ rel, size }));
  return { used, unused: files.length - used.length };
}

/** Hard links (copies across file systems) of `files` from GOCACHE into the staging directory. */
export async function stageEntries(gocache: string, files: string[], stagingRoot: string): Promise<void> {
  await freshStaging(stagingRoot);
  for (const dir of new Set(files.map((rel) => path.dirname(rel)))) await fs.mkdir(path.join(stagingRoot, dir), { recursive: true });
  await forEachLimit(files, FILE_OPS_IN_FLIGHT, async (rel) => {
    const from = path.join(gocache, rel);
    const to = path.join(stagingRoot, rel);
    await fs.link(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
      await fs.copyFile(from, to);
    });
  });
}
