import * as path from 'node:path';
import type { CacheHit } from '../model/cache-hit.js';
import { listFiles } from '../cache/files.js';
import type { RestoreOutcome } from '../cache/restore.js';
import { escapeModulePath, escapeVersion } from '../goproxy/module-path.js';
import { offline } from '../goproxy/chain.js';
import type { Platform } from '../platform/platform.js';
import type { GoRunner } from '../go/command.js';
import { verifyModules } from '../project/verify-modules.js';
import { downloadAll, vendorUsable } from '../warm/download.js';
import { goTarget, type GoTarget } from '../project/go-target.js';
import { climbLadder, type LadderResult } from '../warm/ladder.js';
import { NO_MODULE } from '../goproxy/private.js';
import { oneLine } from '../diagnosis/untrusted-text.js';
import { FAILURE_CODES } from '../diagnosis/failure.js';
import type { PrefetchReport, PrefetchUpstreamFailure, RestoreCheck } from '../model/run-report.js';
import { prefetchFromGoSum, prefetchLine } from '../warm/prefetch/prefetch.js';
import type { ToolchainWarm } from '../warm/toolchain.js';
import type { Prepared } from './prepare-stage.js';
import { proxyRungs, type WarmProxies } from './probe-stage.js';
import { toolchainFailedLadder, toolchainStep } from './warm-toolchain.js';

export interface WarmOutcome {
  /** How the module cache came to hold what it did: the CI cache's answer, or (restored by the platform) judged against the build list. */
  cacheHit: CacheHit;
  cacheKey: string | undefined;
  ladder: LadderResult;
  /** module@version fetched over the network this run (absent from the cache before). */
  downloaded: string[];
  downloadMs: number;
  target: GoTarget;
  prefetch: PrefetchReport;
  /** Upstreams that failed during the prefetch (real URLs), even where another answered for them. */
  prefetchFailures: PrefetchUpstreamFailure[];
  /** What hashing the restored modules found, when something was restored. */
  restoreCheck?: RestoreCheck;
  /** The toolchain the project's go commands switch to, made usable offline first (absent: no switch). */
  toolchain?: ToolchainWarm;
}

/**
 * The module cache made complete: the restore awaited, the prefetch from
 * go.sum and the toolchain a switch needs (at once), then the ladder.
 */
export async function warmModules(
  run: Prepared,
  restore: Promise<RestoreOutcome>,
  proxies: WarmProxies,
  platform: Platform,
): Promise<WarmOutcome> {
  const target = goTarget(run.project);
  const runner: GoRunner = {
    env: run.runEnv,
    timeoutMs: run.config.warm.timeoutMs,
    // go's progress lines quote upstream answers: one clean line each.
    onProgress: (line) => platform.debug(oneLine(line)),
  };
  const started = performance.now();
  const restored = await restore;
  logRestore(restored, platform);
  const filesBefore = (await listFiles(run.downloadDir)).map((f) => f.split(path.sep).join('/'));
  // go.sum names the files go mod download will walk to one level at a time: fetch them all at once first.
  // Meanwhile the toolchain go.mod asks for: every go command in the project switches to it before anything else.
  const [{ upstreamFailures = [], ...prefetch }, toolchain] = await Promise.all([
    prefetchStep(run, proxies, filesBefore),
    toolchainStep(run, proxies, runner, target.dir, restored, platform),
  ]);
  platform.info(prefetchLine(prefetch));
  const ladder =
    toolchain?.source === 'failed'
      ? toolchainFailedLadder(toolchain, run.toolchain)
      : await climbModuleLadder(run, restored, proxies, upstreamFailures, ladderActions(target, runner, platform));
  const zipsBefore = new Set(filesBefore.filter((f) => f.endsWith('.zip')));
  const downloaded = notIn(zipsBefore, ladder.buildList);
  return {
    cacheHit: restored.byPlatform ? platformHit(ladder, downloaded, zipsBefore.size, platform) : restored.hit,
    cacheKey: restored.key,
    ladder,
    downloaded,
    downloadMs: Math.round(performance.now() - started),
    target,
    prefetch,
    prefetchFailures: upstreamFailures,
    restoreCheck: restored.check,
    ...(toolchain ? { toolchain } : {}),
  };
}

/** The module ladder, with what the restore and the prefetch found. */
function climbModuleLadder(
  run: Prepared,
  restored: RestoreOutcome,
  proxies: WarmProxies,
  prefetchFailures: PrefetchUpstreamFailure[],
  io: Parameters<typeof climbLadder>[1],
): Promise<LadderResult> {
  const { config } = run;
  // An exact key, or what the platform restored itself: likely the whole build list.
  const complete = restored.hit === 'exact' || restored.byPlatform === true;
  return climbLadder(
    {
      ...proxyRungs(config, proxies),
      // A proxy that failed go.sum stays: go's own mismatch is what keeps vendor/ from hiding it.
      broken: prefetchFailures.filter((f) => FAILURE_CODES[f.code] === 'proxy-broken').map((f) => f.url),
      cacheRestored: restored.hit !== 'none' || restored.byPlatform === true,
      cacheBeforeDirect: complete,
      cacheFirst: complete && restored.check !== undefined && restored.check.discarded.length === 0,
      vendorFallback: config.warm.vendorFallback,
      hasVendor: run.project.vendorDir !== undefined,
    },
    io,
  );
}

/** What the platform restored, judged against the build list: all of it (exact) or part (partial). */
function platformHit(ladder: LadderResult, downloaded: string[], zips: number, platform: Platform): CacheHit {
  const complete = ladder.step !== 'failed' && ladder.step !== 'vendor' && downloaded.length === 0;
  platform.info(`cache: the platform restored ${zips} module zips (${complete ? 'the whole build list' : 'part of the build list'})`);
  return complete ? 'exact' : 'partial';
}

/** The prefetch from go.sum through the proxies known now. */
function prefetchStep(run: Prepared, proxies: WarmProxies, filesBefore: string[]): Promise<PrefetchReport> {
  const { config } = run;
  return prefetchFromGoSum({
    project: run.project,
    downloadDir: run.downloadDir,
    cachedFiles: new Set(filesBefore),
    gonoproxy: run.goEnv.GONOPROXY,
    proxies: proxies.refresh?.() ?? proxies.healthy,
    credentials: run.credentials,
    concurrency: config.warm.prefetchConcurrency,
    retries: config.warm.retries,
    deadlineMs: config.warm.timeoutMs,
    env: run.env,
    goEnv: run.runEnv,
  });
}

/** Log what the module cache restore found. */
function logRestore(restored: RestoreOutcome, platform: Platform): void {
  if (restored.problem) platform.warning(`cache restore failed, continuing without it: ${restored.problem}`, 'go-proxy-guard cache');
  else if (restored.key)
    platform.info(restored.matched ? `cache: restored ${restored.hit} match ${restored.matched}` : `cache: no entry for ${restored.key}`);
  const check = restored.check;
  if (check && check.discarded.length > 0) {
    platform.warning(
      `cache: ${check.discarded.length} of ${check.checked} restored modules fail their checksums and were discarded, to be downloaded again: ${check.discarded.join('; ')}`,
      'go-proxy-guard cache',
    );
  } else if (check) platform.info(`cache: ${check.checked} restored modules match go.sum and their .ziphash`);
}

/** What each rung of the ladder does, with the real go command. */
function ladderActions(target: GoTarget, runner: GoRunner, platform: Platform): Parameters<typeof climbLadder>[1] {
  return {
    download: (chain) => downloadAll(target, chain, runner),
    offline: async () => {
      const a = await downloadAll(target, offline(), { ...runner, env: { ...runner.env, GONOPROXY: NO_MODULE } });
      const v = a.ok ? await verifyModules(target, runner) : { ok: false, output: '' };
      return { ...a, verified: v.ok, verifyOutput: v.output };
    },
    vendor: () => vendorUsable(target, runner),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: (m) => platform.info(m),
  };
}

/** The module@version of the build list whose zip was not in the cache before. */
function notIn(zipsBefore: Set<string>, buildList: string[]): string[] {
  return buildList.filter((id) => {
    const at = id.lastIndexOf('@');
    const rel = `${escapeModulePath(id.slice(0, at))}/@v/${escapeVersion(id.slice(at + 1))}.zip`;
    return !zipsBefore.has(rel);
  });
}
