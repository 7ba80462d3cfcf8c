import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CiCache } from '../cache/ci-cache.js';
import type { CacheHit } from '../model/cache-hit.js';
import { listFiles } from '../cache/files.js';
import { copyBuildList, pruneToBuildList } from '../cache/prune.js';
import { shouldSaveCache } from '../cache/save-policy.js';
import { freshStaging, removeTree, stagedDownloadDir } from '../cache/staging.js';
import type { SaveCache } from '../config/config.js';
import type { Platform } from '../platform/platform.js';
import type { DownloadTarget } from '../warm/download.js';
import { verifyModules } from '../warm/download.js';
import type { LadderStep } from '../model/ladder.js';
import { goRunEnv } from '../go/run-env.js';

/** What the main step hands the post step. */
export interface SaveState {
  key: string;
  hit: CacheHit;
  step: LadderStep;
  policy: SaveCache;
  gomodcache: string;
  /** The guard's directory the saved copy of the build list is made in (restore reads the same path). */
  stagingRoot: string;
  target: DownloadTarget;
  timeoutMs: number;
}

/** `go mod verify` before any save: a cache that fails it is never saved. */
async function verifiedForSave(state: SaveState, platform: Platform, env: NodeJS.ProcessEnv): Promise<boolean> {
  const verify = await verifyModules(state.target, { env: goRunEnv(env), timeoutMs: state.timeoutMs });
  if (!verify.ok) platform.warning(`cache: not saving, go mod verify failed: ${verify.output}`, 'go-proxy-guard cache');
  return verify.ok;
}

/**
 * For a module cache the guard owns whole (GitLab's, inside the project
 * directory, which GitLab saves after the job): verified, then pruned in
 * place to the build list. Says why not when it must not be saved.
 */
export async function readyForSave(state: SaveState, platform: Platform, env: NodeJS.ProcessEnv): Promise<'ready' | 'unverified' | 'unpruned'> {
  if (!(await verifiedForSave(state, platform, env))) return 'unverified';
  try {
    const pruned = await pruneToBuildList(state.target, state.gomodcache, goRunEnv(env), state.timeoutMs);
    platform.info(
      `cache: pruned to the build list: kept ${pruned.keptFiles} files (${mib(pruned.bytesAfter)}), removed ${pruned.removedFiles} (${mib(pruned.bytesBefore - pruned.bytesAfter)})`,
    );
  } catch (err) {
    if (state.policy !== 'always') {
      platform.warning(`cache: not saving, ${(err as Error).message}`, 'go-proxy-guard cache');
      return 'unpruned';
    }
    platform.warning(`cache: saving unpruned, ${(err as Error).message}`, 'go-proxy-guard cache');
  }
  return 'ready';
}

/**
 * Save the module cache when it is worth it: verified, then exactly the build
 * list, copied into the guard's staging directory so that GOMODCACHE (maybe a
 * runner's shared ~/go/pkg/mod) loses nothing. Never a reason to fail the job.
 */
export async function saveCacheStage(state: SaveState, cache: CiCache, platform: Platform, env: NodeJS.ProcessEnv): Promise<'saved' | 'skipped' | 'failed'> {
  const decision = shouldSaveCache({ policy: state.policy, hit: state.hit, step: state.step, event: env.GITHUB_EVENT_NAME });
  if (!decision.save) {
    platform.info(`cache: not saving (${decision.reason})`);
    return 'skipped';
  }
  if (!(await verifiedForSave(state, platform, env))) return 'skipped';
  try {
    await freshStaging(state.stagingRoot);
    let staged: string[];
    try {
      staged = await copyBuildList(state.target, state.gomodcache, state.stagingRoot, goRunEnv(env), state.timeoutMs);
    } catch (err) {
      platform.warning(`cache: not saving, ${(err as Error).message}`, 'go-proxy-guard cache');
      return 'skipped';
    }
    const [stagedBytes, inCache] = await Promise.all([sizeOf(stagedDownloadDir(state.stagingRoot), staged), listFiles(path.join(state.gomodcache, 'cache', 'download'))]);
    platform.info(
      `cache: pruned to the build list: kept ${staged.length} files (${mib(stagedBytes)}), removed ${Math.max(0, inCache.length - staged.length)} from the saved copy; GOMODCACHE is left as it is`,
    );
    const saved = await cache.save([stagedDownloadDir(state.stagingRoot)], state.key);
    platform.info(saved === 'exists' ? `cache: ${state.key} was already saved by another job` : `cache: saved ${state.key} (${decision.reason})`);
    return 'saved';
  } catch (err) {
    platform.warning(`cache: save failed, the build is unaffected: ${(err as Error).message}`, 'go-proxy-guard cache');
    return 'failed';
  } finally {
    await removeTree(state.stagingRoot).catch(() => {});
  }
}

async function sizeOf(dir: string, files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await fs.stat(path.join(dir, f)).catch(() => ({ size: 0 }))).size;
  return total;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
