import { planModuleCacheSave, pruneForPlatformSave, type SaveState } from '../cache/module-cache-save.js';
import { restoreModuleCache, type RestoreOutcome } from '../cache/restore.js';
import { failure, type Failure } from '../diagnosis/failure.js';
import type { Platform } from '../platform/platform.js';
import type { WarmReport } from '../model/run-report.js';
import { duration } from '../report/format.js';
import { moduleStagingRoot, type Prepared } from './prepare-stage.js';
import type { ProbeRun } from './probe-stage.js';
import { warmModules, type WarmOutcome } from './warm-modules.js';
import type { ToolchainWarm } from '../warm/toolchain.js';

export interface WarmStageResult {
  /** Absent when prewarm is off or there is no go.mod. */
  warm: WarmReport | undefined;
  /** Proxies that passed the probe but failed while warming, for the ranking. */
  warmFailures: { url: string; failure: Failure }[];
  /** Set when the post step should consider saving the module cache. */
  saveState: SaveState | undefined;
  notes: string[];
  /** How the toolchain the project switches to was made usable offline; absent when it switches to none (or nothing was warmed). */
  toolchain?: ToolchainWarm;
}

/** The module cache restore, started before the probe so that its download overlaps it; undefined when prewarm is off. */
export function startModuleCacheRestore(run: Prepared, platform: Platform): Promise<RestoreOutcome> | undefined {
  if (!run.config.warm.enabled) return undefined;
  return restoreModuleCache({
    config: run.config,
    goEnv: run.goEnv,
    project: run.project,
    sums: run.sums,
    downloadDir: run.downloadDir,
    cache: platform.cache,
    stagingRoot: moduleStagingRoot(platform),
    platformRestores: platform.savesModuleCacheItself,
  });
}

/**
 * Warm the module cache down the ladder, starting as soon as one healthy
 * proxy is known (the rest of the probe finishes meanwhile); export GOFLAGS
 * when vendor/ saved the job; then decide who saves the cache, and release
 * the probe's stragglers.
 */
export async function warmStage(
  run: Prepared,
  restore: Promise<RestoreOutcome> | undefined,
  probes: ProbeRun,
  platform: Platform,
): Promise<WarmStageResult> {
  const { config, project } = run;
  if (!restore || project.layout === 'none') {
    const notes = config.warm.enabled ? ['nothing to pre-warm without go.mod or go.work'] : [];
    return { warm: undefined, warmFailures: [], saveState: undefined, notes };
  }
  const healthy = await probes.early;
  const outcome = await platform.group('Warming the module cache', async () => {
    const proxies = { healthy, refresh: probes.healthyNow, probeDone: probes.done, directAllowed: run.end === 'direct' };
    const warmed = await warmModules(run, restore, proxies, platform);
    platform.info(
      `ladder: ${warmed.ladder.rungs.map((r) => `${r.step} ${r.outcome}${r.outcome === 'skipped' ? '' : ` (${r.reason}, ${duration(r.ms)})`}`).join(' -> ')}`,
    );
    return warmed;
  });
  const warm = warmReportOf(outcome);
  const notes: string[] = [];
  if (warm.restoreCheck?.discarded.length) {
    notes.push(
      `the restored module cache held ${warm.restoreCheck.discarded.length} modules that fail their checksums: discarded and downloaded again, never saved back (${warm.restoreCheck.discarded.join('; ')})`,
    );
  }
  if (warm.goflags) {
    // Any -mod the user set would contradict the vendor rung that saved the job.
    const goflags = [run.runEnv.GOFLAGS, warm.goflags].filter(Boolean).join(' ');
    platform.exportVariable('GOFLAGS', goflags);
    notes.push(`vendor/ saved the job: exported GOFLAGS=${goflags}`);
  }
  const saveState = await decideModuleCacheSave(run, outcome, platform);
  probes.release();
  return { warm, warmFailures: warmFailuresOf(outcome), saveState, notes, toolchain: outcome.toolchain };
}

/** Proxies that failed while warming (the toolchain's, the ladder's, the prefetch's), for the ranking. */
function warmFailuresOf(outcome: WarmOutcome): { url: string; failure: Failure }[] {
  const toolchainFailures = outcome.ladder.step === 'failed' ? [] : (outcome.toolchain?.ladder?.proxyFailures ?? []);
  return [
    ...toolchainFailures.map((f) => ({ url: f.url, failure: f.diagnosis })),
    ...outcome.ladder.proxyFailures.map((f) => ({ url: f.url, failure: f.diagnosis })),
    // The prefetch absorbed these (another proxy answered), so go never saw them: only the prefetch can tell.
    ...outcome.prefetchFailures.map((f) => ({
      url: f.url,
      failure: failure(
        f.code,
        f.code === 'checksum-mismatch'
          ? `served a file that fails go.sum during the prefetch (${f.failed} of ${f.asked} requests failed${f.example ? `; ${f.example}` : ''}); fetched from another proxy`
          : `${f.failed} of ${f.asked} prefetch requests failed (${f.code}${f.example ? `: ${f.example}` : ''}); another proxy answered for them`,
      ),
    })),
  ];
}

/** What the report says about warming. */
export function warmReportOf(outcome: WarmOutcome): WarmReport {
  const l = outcome.ladder;
  return {
    ladderStep: l.step,
    ladder: l.rungs,
    cacheHit: outcome.cacheHit,
    cacheKey: outcome.cacheKey,
    downloaded: outcome.downloaded,
    buildList: l.buildList.length,
    downloadMs: outcome.downloadMs,
    goflags: l.goflags,
    diagnosis: l.diagnosis,
    prefetch: outcome.prefetch,
    ...(outcome.restoreCheck ? { restoreCheck: outcome.restoreCheck } : {}),
  };
}

/** The post step saves (a CI cache the guard drives), or the cache is pruned now for the platform to save, or neither. */
async function decideModuleCacheSave(run: Prepared, outcome: WarmOutcome, platform: Platform): Promise<SaveState | undefined> {
  const { config } = run;
  const state: SaveState = {
    key: outcome.cacheKey ?? '',
    hit: outcome.cacheHit,
    step: outcome.ladder.step,
    policy: config.cache.save,
    gomodcache: run.goEnv.GOMODCACHE,
    stagingRoot: moduleStagingRoot(platform),
    target: outcome.target,
    timeoutMs: config.warm.timeoutMs,
    ...savedToolchain(run, outcome.toolchain),
  };
  const plan = planModuleCacheSave({
    cacheKey: outcome.cacheKey,
    hasCiCache: platform.cache !== undefined,
    platformSavesItself: platform.savesModuleCacheItself === true,
    cacheEnabled: config.cache.enabled,
    step: state.step,
    policy: state.policy,
  });
  if (plan === 'prune-now') await pruneForPlatformSave(state, platform, run.runEnv);
  return plan === 'post-step' ? state : undefined;
}

/** What the save needs of the toolchain: it is kept only when it came through the module cache (PATH needs nothing). */
function savedToolchain(run: Prepared, t: ToolchainWarm | undefined): Pick<SaveState, 'toolchain'> {
  const c = run.toolchain.choice;
  if (!t || c.kind !== 'switch' || !run.toolchain.module || t.source === 'path' || t.source === 'failed') return {};
  return { toolchain: { name: c.name, module: run.toolchain.module, ...(t.dir ? { dir: t.dir } : {}) } };
}
