import type { CacheHit, CiCache } from '../cache/ci-cache.js';
import { pruneToBuildList } from '../cache/prune.js';
import { moduleDownloadDir } from '../cache/restore.js';
import { shouldSaveCache } from '../cache/save-policy.js';
import type { SaveCache } from '../config/config.js';
import type { Platform } from '../platform/platform.js';
import type { DownloadTarget } from '../warm/download.js';
import { verifyModules } from '../warm/download.js';
import type { LadderStep } from '../warm/ladder.js';
import { goRunEnv } from './warm-stage.js';

/** What the main step hands the post step. */
export interface SaveState {
  key: string;
  hit: CacheHit;
  step: LadderStep;
  policy: SaveCache;
  gomodcache: string;
  target: DownloadTarget;
  timeoutMs: number;
}

/**
 * Make the module cache fit to be saved: verified with `go mod verify`, then
 * pruned to the build list. Says why not when it must not be saved.
 */
export async function readyForSave(state: SaveState, platform: Platform, env: NodeJS.ProcessEnv): Promise<'ready' | 'unverified' | 'unpruned'> {
  const runner = { env: goRunEnv(env), timeoutMs: state.timeoutMs };
  const verify = await verifyModules(state.target, runner);
  if (!verify.ok) {
    platform.warning(`cache: not saving, go mod verify failed: ${verify.output}`, 'go-proxy-guard cache');
    return 'unverified';
  }
  try {
    const pruned = await pruneToBuildList(state.target, state.gomodcache, runner.env, state.timeoutMs);
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
 * Save the module cache when it is worth it: verified, pruned to the build
 * list, and never a reason to fail the job.
 */
export async function saveCacheStage(state: SaveState, cache: CiCache, platform: Platform, env: NodeJS.ProcessEnv): Promise<'saved' | 'skipped' | 'failed'> {
  const decision = shouldSaveCache({ policy: state.policy, hit: state.hit, step: state.step, event: env.GITHUB_EVENT_NAME });
  if (!decision.save) {
    platform.info(`cache: not saving (${decision.reason})`);
    return 'skipped';
  }
  if ((await readyForSave(state, platform, env)) !== 'ready') return 'skipped';
  try {
    const saved = await cache.save([moduleDownloadDir(state.gomodcache)], state.key);
    platform.info(saved === 'exists' ? `cache: ${state.key} was already saved by another job` : `cache: saved ${state.key} (${decision.reason})`);
    return 'saved';
  } catch (err) {
    platform.warning(`cache: save failed, the build is unaffected: ${(err as Error).message}`, 'go-proxy-guard cache');
    return 'failed';
  }
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
