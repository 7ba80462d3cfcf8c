import * as path from 'node:path';
import {
  buildCacheKeys,
  restoreBuildCache,
  selectEntries,
  stageEntries,
  type BuildCacheRestore,
  type BuildCacheState,
} from '../cache/build-cache.js';

export type { BuildCacheState } from '../cache/build-cache.js';
import type { CiCache } from '../cache/ci-cache.js';
import { shouldSaveBuildCache } from '../cache/save-policy.js';
import { removeTree } from '../cache/staging.js';
import type { Platform } from '../platform/platform.js';
import type { Prepared } from './prepare-stage.js';

export const buildStagingRoot = (platform: Platform) => path.join(platform.workDir, 'build-cache');
/** The entries the restore added, for the post step (outside the staging directory, which each step empties). */
const restoredListFile = (platform: Platform) => path.join(platform.workDir, 'build-cache-restored.tsv');

/**
 * Restore GOCACHE from the CI cache (exact go.sum, then the newest for this
 * OS, arch and Go); undefined when off. The Go in the key is the toolchain
 * the project's go commands switch to, when they switch: it fills GOCACHE.
 */
export async function restoreBuildCacheStage(
  run: Pick<Prepared, 'config' | 'goEnv' | 'sums' | 'toolchain'>,
  platform: Platform,
): Promise<{ restore: BuildCacheRestore; state: BuildCacheState } | undefined> {
  const { config, goEnv } = run;
  const gocache = goEnv.GOCACHE;
  if (!config.buildCache.enabled || !platform.cache || !gocache || gocache === 'off' || !path.isAbsolute(gocache)) return undefined;
  const choice = run.toolchain.choice;
  const keys = buildCacheKeys({
    prefix: config.cache.keyPrefix,
    os: goEnv.GOOS,
    arch: goEnv.GOARCH,
    goVersion: choice.kind === 'switch' ? choice.name : goEnv.GOVERSION,
    sums: run.sums,
  });
  const stagingRoot = buildStagingRoot(platform);
  const restoredList = restoredListFile(platform);
  const restore = await restoreBuildCache({ cache: platform.cache, keys, gocache, stagingRoot, restoredList });
  return {
    restore,
    state: {
      key: keys.primary,
      hit: restore.hit,
      gocache,
      stagingRoot,
      markedAt: restore.markedAt,
      restoredList,
      policy: config.cache.save,
    },
  };
}

/** Log what the restore did. */
export function reportBuildCacheRestore(r: BuildCacheRestore, platform: Platform): void {
  if (r.problem) platform.warning(`build cache restore failed, continuing without it: ${r.problem}`, 'go-proxy-guard cache');
  else if (r.hit === 'none') platform.info(`build cache: no entry for ${r.key}`);
  else platform.info(`build cache: restored ${r.hit} match, ${r.added} entries added to GOCACHE`);
}

/**
 * Save what this job's go commands used or wrote in GOCACHE, and the small
 * restored entries an early cut-off may want again (cache/build-cache.ts):
 * after a dependency bump the entry is the size of a cold cache for the new
 * state, not the old cache plus the new one. Never a reason to fail.
 */
export async function saveBuildCacheStage(
  state: BuildCacheState,
  cache: CiCache,
  platform: Platform,
  event: string | undefined,
): Promise<'saved' | 'skipped' | 'failed'> {
  const decision = shouldSaveBuildCache({ policy: state.policy, hit: state.hit, event });
  if (!decision.save) {
    platform.info(`build cache: not saving (${decision.reason})`);
    return 'skipped';
  }
  const setupGo = await platform.otherGoCacheStep?.();
  if (setupGo) {
    platform.warning(
      `build cache: not saving: ${setupGo} in this workflow saves GOCACHE and GOMODCACHE too. Set "cache: false" on setup-go (go-proxy-guard owns both caches), or "build-cache: false" here to leave GOCACHE to setup-go.`,
      'go-proxy-guard cache',
    );
    return 'skipped';
  }
  try {
    const selection = await selectEntries(state.gocache, state.markedAt, state.restoredList);
    if (selection.used.length === 0) {
      platform.info('build cache: not saving (no go command used GOCACHE after the guard step)');
      return 'skipped';
    }
    await stageEntries(state.gocache, selection, state.stagingRoot);
    const mib = (files: { size: number }[]) => (files.reduce((n, f) => n + f.size, 0) / 1048576).toFixed(1);
    platform.info(
      `build cache: kept ${selection.used.length} entries this job used or wrote (${mib(selection.used)} MiB) and ${selection.idle.length} small restored ones it may want again (${mib(selection.idle)} MiB), left out ${selection.unused}; GOCACHE is left as it is`,
    );
    const saved = await cache.save([state.stagingRoot], state.key);
    platform.info(
      saved === 'exists'
        ? `build cache: ${state.key} was already saved by another job`
        : `build cache: saved ${state.key} (${decision.reason})`,
    );
    return 'saved';
  } catch (err) {
    platform.warning(`build cache: save failed, the build is unaffected: ${(err as Error).message}`, 'go-proxy-guard cache');
    return 'failed';
  } finally {
    await removeTree(state.stagingRoot).catch(() => {});
  }
}
