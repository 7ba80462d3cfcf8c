import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import type { GoEnv } from '../go/go-env.js';
import type { Project } from '../project/discover.js';
import { hitKind, type CacheHit, type CiCache } from './ci-cache.js';
import { cacheKeys } from './key.js';

export interface RestoreOutcome {
  hit: CacheHit;
  key: string | undefined;
  matched: string | undefined;
  /** Why the cache could not be used, when it could not: a warning, never a failure. */
  problem?: string;
}

/** GOMODCACHE/cache/download, in the runner's own path syntax (`p` is path.win32 or path.posix in tests). */
export const moduleDownloadDir = (gomodcache: string, p: path.PlatformPath = path) => p.join(gomodcache, 'cache', 'download');

/** Restore GOMODCACHE/cache/download: the exact key first, then the newest entry with the prefix. */
export async function restoreModuleCache(opts: {
  config: Config;
  goEnv: GoEnv;
  project: Project;
  cache: CiCache | undefined;
}): Promise<RestoreOutcome> {
  const { config, goEnv, project } = opts;
  if (!config.cache.enabled || !opts.cache || project.layout === 'none') return { hit: 'none', key: undefined, matched: undefined };
  const sums = await Promise.all(
    project.sumFiles.map(async (f) => ({ name: path.relative(project.root, f), content: await fs.readFile(f) })),
  );
  const keys = cacheKeys({ prefix: config.cache.keyPrefix, os: goEnv.GOOS, arch: goEnv.GOARCH, sums });
  try {
    const matched = await opts.cache.restore([moduleDownloadDir(goEnv.GOMODCACHE)], keys.primary, keys.restore);
    return { hit: hitKind(matched, keys.primary), key: keys.primary, matched };
  } catch (err) {
    return { hit: 'none', key: keys.primary, matched: undefined, problem: (err as Error).message };
  }
}
