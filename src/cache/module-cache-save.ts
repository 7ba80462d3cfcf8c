import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SaveCache } from '../config/config.js';
import type { GoTarget } from '../project/go-target.js';
import { verifyModules } from '../project/verify-modules.js';
import type { LadderStep } from '../model/ladder.js';
import type { CacheHit } from '../model/cache-hit.js';
import type { CiCache } from './ci-cache.js';
import { listFiles } from './files.js';
import { copyBuildList, pruneToBuildList } from './prune.js';
import { moduleDownloadDir } from './restore.js';
import { shouldSaveCache } from './save-policy.js';
import type { SavedToolchain } from './toolchain-files.js';
import { freshStaging, removeTree, stagedDownloadDir } from './staging.js';

/** What the main step hands the post step. */
export interface SaveState {
  key: string;
  hit: CacheHit;
  step: LadderStep;
  policy: SaveCache;
  gomodcache: string;
  /** The guard's directory the saved copy of the build list is made in (restore reads the same path). */
  stagingRoot: string;
  target: GoTarget;
  timeoutMs: number;
  /** The toolchain the project switches to: kept in the saved cache with what proves it, so a later job switches offline. */
  toolchain?: SavedToolchain;
}

/** Where the save says what it did: the platform's log. */
export interface SaveLog {
  info(message: string): void;
  warning(message: string, title?: string): void;
}

/**
 * Who saves the module cache after this run:
 * - `post-step`: the guard, from its CI cache, in the post step (GitHub);
 * - `prune-now`: the platform saves GOMODCACHE itself once the job ends
 *   (GitLab's cache:), so the guard prunes it to the build list now;
 * - `none`: nothing worth saving, or nobody to save it.
 */
export type ModuleCacheSavePlan = 'post-step' | 'prune-now' | 'none';

export function planModuleCacheSave(o: {
  /** The CI cache key of this run's restore; undefined when the guard drives no CI cache. */
  cacheKey: string | undefined;
  hasCiCache: boolean;
  platformSavesItself: boolean;
  cacheEnabled: boolean;
  step: LadderStep;
  policy: SaveCache;
}): ModuleCacheSavePlan {
  if (o.cacheKey && o.hasCiCache) return 'post-step';
  if (o.platformSavesItself && o.cacheEnabled && o.step !== 'failed' && o.step !== 'vendor' && o.policy !== 'never') return 'prune-now';
  return 'none';
}

/** `go mod verify` before any save: a cache that fails it is never saved. `goEnv`: the environment of every go invocation. */
async function verifiedForSave(state: SaveState, log: SaveLog, goEnv: NodeJS.ProcessEnv): Promise<boolean> {
  const verify = await verifyModules(state.target, { env: goEnv, timeoutMs: state.timeoutMs });
  if (!verify.ok) log.warning(`cache: not saving, go mod verify failed: ${verify.output}`, 'go-proxy-guard cache');
  return verify.ok;
}

/**
 * For a module cache the guard owns whole (GitLab's, inside the project
 * directory, which GitLab saves after the job): verified, then pruned in
 * place to the build list. Says why not when it must not be saved.
 */
export async function readyForSave(state: SaveState, log: SaveLog, goEnv: NodeJS.ProcessEnv): Promise<'ready' | 'unverified' | 'unpruned'> {
  if (!(await verifiedForSave(state, log, goEnv))) return 'unverified';
  try {
    const pruned = await pruneToBuildList(state.target, state.gomodcache, goEnv, state.timeoutMs, state.toolchain);
    log.info(
      `cache: pruned to the build list: kept ${pruned.keptFiles} files (${mib(pruned.bytesAfter)}), removed ${pruned.removedFiles} (${mib(pruned.bytesBefore - pruned.bytesAfter)})`,
    );
  } catch (err) {
    if (state.policy !== 'always') {
      log.warning(`cache: not saving, ${(err as Error).message}`, 'go-proxy-guard cache');
      return 'unpruned';
    }
    log.warning(`cache: saving unpruned, ${(err as Error).message}`, 'go-proxy-guard cache');
  }
  return 'ready';
}

/**
 * `prune-now`: there is no post step, so prune now, so that what the platform
 * saves is exactly the build list; a cache that fails go mod verify is
 * removed rather than saved.
 */
export async function pruneForPlatformSave(state: SaveState, log: SaveLog, goEnv: NodeJS.ProcessEnv): Promise<void> {
  if ((await readyForSave(state, log, goEnv)) === 'unverified') {
    await fs.rm(moduleDownloadDir(state.gomodcache), { recursive: true, force: true });
  }
}

/**
 * Save the module cache when it is worth it: verified, then exactly the build
 * list, copied into the guard's staging directory so that GOMODCACHE (maybe a
 * runner's shared ~/go/pkg/mod) loses nothing. Never a reason to fail the job.
 * `event`: the CI event that started the run (some never save).
 */
export async function saveModuleCache(
  state: SaveState,
  cache: CiCache,
  log: SaveLog,
  run: { goEnv: NodeJS.ProcessEnv; event: string | undefined },
): Promise<'saved' | 'skipped' | 'failed'> {
  const decision = shouldSaveCache({ policy: state.policy, hit: state.hit, step: state.step, event: run.event });
  if (!decision.save) {
    log.info(`cache: not saving (${decision.reason})`);
    return 'skipped';
  }
  if (!(await verifiedForSave(state, log, run.goEnv))) return 'skipped';
  try {
    await freshStaging(state.stagingRoot);
    let staged: string[];
    try {
      staged = await copyBuildList(state.target, state.gomodcache, state.stagingRoot, run.goEnv, state.timeoutMs, state.toolchain);
    } catch (err) {
      log.warning(`cache: not saving, ${(err as Error).message}`, 'go-proxy-guard cache');
      return 'skipped';
    }
    const [stagedBytes, inCache] = await Promise.all([
      sizeOf(stagedDownloadDir(state.stagingRoot), staged),
      listFiles(moduleDownloadDir(state.gomodcache)),
    ]);
    log.info(
      `cache: pruned to the build list: kept ${staged.length} files (${mib(stagedBytes)}), removed ${Math.max(0, inCache.length - staged.length)} from the saved copy; GOMODCACHE is left as it is`,
    );
    const saved = await cache.save([stagedDownloadDir(state.stagingRoot)], state.key);
    log.info(
      saved === 'exists' ? `cache: ${state.key} was already saved by another job` : `cache: saved ${state.key} (${decision.reason})`,
    );
    return 'saved';
  } catch (err) {
    log.warning(`cache: save failed, the build is unaffected: ${(err as Error).message}`, 'go-proxy-guard cache');
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
