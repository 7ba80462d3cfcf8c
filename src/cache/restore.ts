import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import type { GoEnv } from '../go/go-env.js';
import type { Project } from '../project/discover.js';
import { hitKind, type CiCache } from './ci-cache.js';
import type { CacheHit } from '../model/cache-hit.js';
import { cacheKeys } from './key.js';
import { parseGoSum, type SumTable } from './sum-table.js';
import { listFiles } from './files.js';
import { freshStaging, mergeInto, removeTree, stagedDownloadDir } from './staging.js';
import { checkRestoredModules, type RestoreCheck } from './verify-restored.js';

export interface RestoreOutcome {
  hit: CacheHit;
  key: string | undefined;
  matched: string | undefined;
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
export async function projectSums(project: Project): Promise<SumTable> {
  const table: SumTable = new Map();
  for (const f of project.sumFiles) parseGoSum(await fs.readFile(f, 'utf8').catch(() => ''), table);
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
  goEnv: GoEnv;
  project: Project;
  cache: CiCache | undefined;
  /** The guard's own directory the Actions cache entry goes through. */
  stagingRoot: string;
  /** The platform restored GOMODCACHE/cache/download before the job (GitLab). */
  platformRestored?: boolean;
}): Promise<RestoreOutcome> {
  const { config, goEnv, project } = opts;
  const none: RestoreOutcome = { hit: 'none', key: undefined, matched: undefined };
  if (!config.cache.enabled || project.layout === 'none') return none;
  const download = moduleDownloadDir(goEnv.GOMODCACHE);
  // Hashing what was restored is bounded like a download of it.
  const bound = { timeoutMs: config.warm.timeoutMs };
  if (!opts.cache) {
    if (!opts.platformRestored) return none;
    const files = await listFiles(download);
    if (files.length === 0) return none;
    const check = await checkRestoredModules(download, files, await projectSums(project), bound);
    return { ...none, check, toolchainZips: await toolchainZipsIn(download, files) };
  }
  const sums = await Promise.all(
    project.sumFiles.map(async (f) => ({ name: path.relative(project.root, f), content: await fs.readFile(f) })),
  );
  const keys = cacheKeys({ prefix: config.cache.keyPrefix, os: goEnv.GOOS, arch: goEnv.GOARCH, sums });
  const staged = stagedDownloadDir(opts.stagingRoot);
  try {
    await freshStaging(opts.stagingRoot);
    const matched = await opts.cache.restore([staged], keys.primary, keys.restore);
    const outcome: RestoreOutcome = { hit: hitKind(matched, keys.primary), key: keys.primary, matched };
    if (matched) {
      const files = await listFiles(staged);
      outcome.check = await checkRestoredModules(staged, files, await projectSums(project), bound);
      outcome.toolchainZips = await toolchainZipsIn(staged, files);
      await mergeInto(staged, download);
    }
    return outcome;
  } catch (err) {
    return { hit: 'none', key: keys.primary, matched: undefined, problem: (err as Error).message };
  } finally {
    await removeTree(opts.stagingRoot).catch(() => {});
  }
}

/** The toolchain zips among restored files that are still there once the check discarded what failed it. */
async function toolchainZipsIn(dir: string, files: string[]): Promise<string[]> {
  const zips = files.map((f) => f.split(path.sep).join('/')).filter((f) => /^golang\.org\/toolchain\/@v\/[^/]+\.zip$/.test(f));
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
