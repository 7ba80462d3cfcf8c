import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import type { GoEnv } from '../go/go-env.js';
import type { Project } from '../project/discover.js';
import { hitKind, type CiCache } from './ci-cache.js';
import type { CacheHit } from '../model/cache-hit.js';
import { cacheKeys, type SumFile } from './key.js';
import { parseGoSum, type SumTable } from './sum-table.js';
import { listFiles } from './files.js';
import { freshStaging, mergeInto, removeTree, stagedDownloadDir } from './staging.js';
import { checkRestoredModules } from './verify-restored.js';
import type { RestoreCheck } from '../model/run-report.js';

export interface RestoreOutcome {
  hit: CacheHit;
  key: string | undefined;
  matched: string | undefined;
  /**
   * The platform restored GOMODCACHE itself before the job (GitLab's cache:)
   * and module zips from it are there, checked: the ladder may use them, and
   * the hit is judged once the build list is known.
   */
  byPlatform?: boolean;
  /** Why the cache could not be used, when it could not: a warning, never a failure. */
  problem?: string;
  /** The restored modules, hashed before any use; absent when nothing was restored. */
  check?: RestoreCheck;
  /** Go toolchain zips the entry brought (`golang.org/toolchain/@v/<version>.zip`), that passed the check. */
  toolchainZips?: string[];
}

/** GOMODCACHE/cache/download, in the runner's own path syntax (`p` is path.win32 or path.posix in tests). */
export const moduleDownloadDir = (gomodcache: string, p: path.PlatformPath = path) => p.join(gomodcache, 'cache', 'download');

/** Every h1: line of the project's go.sum and go.work.sum files. */
export function sumTableOf(sums: readonly SumFile[]): SumTable {
  const table: SumTable = new Map();
  for (const f of sums) parseGoSum(f.content.toString('utf8'), table);
  return table;
}

/**
 * Restore GOMODCACHE/cache/download: the exact key first, then the newest
 * entry with the prefix. The entry lands in `stagingRoot`, is checked against
 * go.sum, and only then joins GOMODCACHE (files already there are kept).
 * Where the platform restored GOMODCACHE itself (GitLab's cache:), what it
 * restored is checked in place.
 */
export async function restoreModuleCache(opts: {
  config: Config;
  goEnv: Pick<GoEnv, 'GOOS' | 'GOARCH'>;
  project: Pick<Project, 'layout'>;
  /** The project's go.sum files: the key hashes them, the check reads their hashes. */
  sums: readonly SumFile[];
  /** GOMODCACHE/cache/download. */
  downloadDir: string;
  cache: CiCache | undefined;
  /** The guard's own directory the Actions cache entry goes through. */
  stagingRoot: string;
  /** The platform restores GOMODCACHE/cache/download before the job (GitLab). */
  platformRestores?: boolean;
}): Promise<RestoreOutcome> {
  const { config, goEnv, project } = opts;
  const none: RestoreOutcome = { hit: 'none', key: undefined, matched: undefined };
  if (!config.cache.enabled || project.layout === 'none') return none;
  const download = opts.downloadDir;
  // Hashing what was restored is bounded like a download of it.
  const bound = { timeoutMs: config.warm.timeoutMs };
  if (!opts.cache) {
    if (!opts.platformRestores) return none;
    const files = await listFiles(download);
    if (files.length === 0) return none;
    const check = await checkRestoredModules(download, files, sumTableOf(opts.sums), bound);
    const zips = await keptZips(download, files, () => true);
    return { ...none, byPlatform: zips.length > 0, check, toolchainZips: zips.filter(isToolchainZip) };
  }
  const keys = cacheKeys({ prefix: config.cache.keyPrefix, os: goEnv.GOOS, arch: goEnv.GOARCH, sums: opts.sums });
  const staged = stagedDownloadDir(opts.stagingRoot);
  try {
    await freshStaging(opts.stagingRoot);
    const matched = await opts.cache.restore([staged], keys.primary, keys.restore);
    const outcome: RestoreOutcome = { hit: hitKind(matched, keys.primary), key: keys.primary, matched };
    if (matched) {
      const files = await listFiles(staged);
      outcome.check = await checkRestoredModules(staged, files, sumTableOf(opts.sums), bound);
      outcome.toolchainZips = await keptZips(staged, files, isToolchainZip);
      await mergeInto(staged, download);
    }
    return outcome;
  } catch (err) {
    return { hit: 'none', key: keys.primary, matched: undefined, problem: (err as Error).message };
  } finally {
    await removeTree(opts.stagingRoot).catch(() => {});
  }
}

const isToolchainZip = (f: string) => /^golang\.org\/toolchain\/@v\/[^/]+\.zip$/.test(f);

/** The zips among restored files (`wanted` of them) that are still there once the check discarded what failed it, slash-separated. */
async function keptZips(dir: string, files: string[], wanted: (f: string) => boolean): Promise<string[]> {
  const zips = files.map((f) => f.split(path.sep).join('/')).filter((f) => f.endsWith('.zip') && wanted(f));
  const kept = await Promise.all(
    zips.map((f) =>
      fs.stat(path.join(dir, f)).then(
        () => f,
        () => undefined,
      ),
    ),
  );
  return kept.filter((f): f is string => f !== undefined);
}
