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
  /** The entries the restore added to GOCACHE, with the time each held in the archive (see restoredListFile). */
  restoredList: string;
  policy: SaveCache;
}

/**
 * The go command's build cache (GOCACHE): compiled packages and test results.
 *
 * No snowball: the go command records the use of an entry in its mtime, but
 * only refreshes an mtime older than an hour (cmd/go/internal/cache,
 * mtimeInterval). Right after a restore, the restored entries' mtimes are set
 * two hours back; by the post step, every entry this job used or wrote has an
 * mtime after the restore, and the rest was not used. Those are saved, from a
 * copy made in the guard's staging directory: GOCACHE itself (maybe a
 * self-hosted runner's shared one) loses nothing.
 *
 * Small entries are the exception. The cache is content-addressed with early
 * cut-off: when a bump recompiles a package to the same export data, the
 * actions above it find their keys of an earlier job again, and their vet
 * facts and test results are small entries that job did not touch. Restored
 * entries this job did not use are kept when small (IDLE_ENTRY_MAX_BYTES),
 * most recently used in any earlier job first (the saved copy keeps the time
 * the archive held), within IDLE_BUDGET of the used bytes: the saved entry
 * stays within 1.1x of what the job used, and an entry idle for long drops out.
 */
export const MARK_BACK_MS = 2 * 3600_000;
export const IDLE_ENTRY_MAX_BYTES = 64 * 1024;
export const IDLE_BUDGET = 0.1;

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
 * The entries added, with the time each held in the archive, go to
 * `restoredList`: the save considers only those, never the user's own.
 */
export async function restoreBuildCache(opts: {
  cache: CiCache;
  keys: CacheKeys;
  gocache: string;
  stagingRoot: string;
  restoredList: string;
  now?: () => number;
}): Promise<BuildCacheRestore> {
  const now = opts.now ?? Date.now;
  try {
    await freshStaging(opts.stagingRoot);
    await fs.rm(opts.restoredList, { force: true });
    const matched = await opts.cache.restore([opts.stagingRoot], opts.keys.primary, opts.keys.restore);
    let added = 0;
    if (matched) {
      const archived = new Map((await entryFiles(opts.stagingRoot)).map((f) => [f.rel, f.mtimeMs]));
      const back = new Date(now() - MARK_BACK_MS);
      await forEachLimit([...archived.keys()], FILE_OPS_IN_FLIGHT, (rel) => fs.utimes(path.join(opts.stagingRoot, rel), back, back));
      const merged = (await mergeInto(opts.stagingRoot, opts.gocache)).filter((rel) => archived.has(rel));
      await fs.writeFile(opts.restoredList, merged.map((rel) => `${Math.round(archived.get(rel)!)}\t${rel}\n`).join(''));
      added = merged.length;
    }
    return { hit: hitKind(matched, opts.keys.primary), key: opts.keys.primary, added, markedAt: now() };
  } catch (err) {
    return { hit: 'none', key: opts.keys.primary, added: 0, markedAt: now(), problem: (err as Error).message };
  } finally {
    await removeTree(opts.stagingRoot).catch(() => {});
  }
}

export interface BuildCacheSelection {
  /** Entries used or written since the restore: saved. */
  used: { rel: string; size: number }[];
  /** Restored entries this job did not use, kept all the same (small, recently used before): saved with their archived time. */
  idle: { rel: string; size: number; archivedMs: number }[];
  /** Entries in GOCACHE left out of the save (still on disk). */
  unused: number;
}

/**
 * What to save (pure): every entry used or written since `markedAt` (one
 * second of slack for coarse file system clocks), then restored entries this
 * job did not use, small ones, the most recently used first, while they fit
 * in IDLE_BUDGET of the used bytes. `restored` maps the entries the restore
 * added to the time each held in the archive.
 */
export function chooseEntries(
  files: readonly { rel: string; mtimeMs: number; size: number }[],
  markedAt: number,
  restored: ReadonlyMap<string, number>,
): BuildCacheSelection {
  const used = files.filter((f) => f.mtimeMs >= markedAt - 1000).map(({ rel, size }) => ({ rel, size }));
  let budget = IDLE_BUDGET * used.reduce((n, f) => n + f.size, 0);
  const idle: BuildCacheSelection['idle'] = [];
  const candidates = files
    .filter((f) => f.mtimeMs < markedAt - 1000 && f.size <= IDLE_ENTRY_MAX_BYTES && restored.has(f.rel))
    .map((f) => ({ rel: f.rel, size: f.size, archivedMs: restored.get(f.rel)! }))
    .sort((a, b) => b.archivedMs - a.archivedMs || (a.rel < b.rel ? -1 : 1));
  for (const c of candidates) {
    if (c.size > budget) break;
    budget -= c.size;
    idle.push(c);
  }
  return { used, idle, unused: files.length - used.length - idle.length };
}

/** Read GOCACHE and the restore's list, and choose what to save (chooseEntries). */
export async function selectEntries(gocache: string, markedAt: number, restoredList: string): Promise<BuildCacheSelection> {
  const restored = new Map<string, number>();
  for (const line of (await fs.readFile(restoredList, 'utf8').catch(() => '')).split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) restored.set(line.slice(tab + 1), Number(line.slice(0, tab)));
  }
  return chooseEntries(await entryFiles(gocache), markedAt, restored);
}

/**
 * The selection, staged for the save: hard links (copies across file
 * systems) of the used entries; copies of the idle ones carrying their
 * archived time, so that GOCACHE's own files keep theirs.
 */
export async function stageEntries(
  gocache: string,
  selection: Pick<BuildCacheSelection, 'used' | 'idle'>,
  stagingRoot: string,
): Promise<void> {
  await freshStaging(stagingRoot);
  const all = [...selection.used, ...selection.idle];
  for (const dir of new Set(all.map((f) => path.dirname(f.rel)))) await fs.mkdir(path.join(stagingRoot, dir), { recursive: true });
  await forEachLimit(selection.used, FILE_OPS_IN_FLIGHT, async ({ rel }) => {
    const from = path.join(gocache, rel);
    const to = path.join(stagingRoot, rel);
    await fs.link(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
      await fs.copyFile(from, to);
    });
  });
  await forEachLimit(selection.idle, FILE_OPS_IN_FLIGHT, async ({ rel, archivedMs }) => {
    const to = path.join(stagingRoot, rel);
    await fs.copyFile(path.join(gocache, rel), to);
    await fs.utimes(to, new Date(archivedMs), new Date(archivedMs));
  });
}
