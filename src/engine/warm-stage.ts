import * as path from 'node:path';
import type { CacheHit } from '../model/cache-hit.js';
import { listFiles } from '../cache/prune.js';
import { moduleDownloadDir, type RestoreOutcome } from '../cache/restore.js';
import type { RestoreCheck } from '../cache/verify-restored.js';
import type { Config } from '../config/config.js';
import { escapeModulePath, escapeVersion } from '../goproxy/module-path.js';
import type { GoEnv } from '../go/go-env.js';
import { goRunEnv } from '../go/run-env.js';
import type { Platform } from '../platform/platform.js';
import type { Project } from '../project/discover.js';
import { downloadAll, verifyModules, vendorUsable, type GoRunner } from '../warm/download.js';
import { goTarget, type GoTarget } from '../project/go-target.js';
import { climbLadder, type LadderResult } from '../warm/ladder.js';
import { NO_MODULE } from '../goproxy/private.js';
import { oneLine } from '../diagnosis/untrusted-text.js';
import type { Credentials } from '../goproxy/goauth.js';
import { FAILURE_CODES } from '../diagnosis/failure.js';
import type { PrefetchUpstreamFailure } from '../warm/prefetch/fetch.js';
import { prefetchFromGoSum, prefetchLine, type PrefetchReport } from '../warm/prefetch/prefetch.js';
import { failure } from '../diagnosis/failure.js';
import type { ProjectToolchain } from '../project/toolchain-file.js';
import { warmToolchain, type ToolchainWarm } from '../warm/toolchain.js';

export interface WarmOutcome {
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

export async function warmStage(opts: {
  config: Config;
  goEnv: GoEnv;
  project: Project;
  healthyProxies: string[];
  refreshProxies?: () => string[];
  probeDone?: Promise<unknown>;
  directAllowed: boolean;
  platform: Platform;
  /** Started before the probe, so the download overlaps it. */
  restore: Promise<RestoreOutcome>;
  env: NodeJS.ProcessEnv;
  credentials: Credentials;
  /** The project's toolchain: a switch is warmed before any go command runs in the project. */
  toolchain?: ProjectToolchain;
}): Promise<WarmOutcome> {
  const { config, goEnv, project, platform } = opts;
  const target = goTarget(project);
  const runner: GoRunner = {
    env: goRunEnv(opts.env),
    timeoutMs: config.warm.timeoutMs,
    // go's progress lines quote upstream answers: one clean line each.
    onProgress: (line) => platform.debug(oneLine(line)),
  };
  const started = performance.now();
  const restored = await opts.restore;
  logRestore(restored, platform);
  const check = restored.check;
  let cacheHit: CacheHit = restored.hit;
  const cacheKey = restored.key;
  const filesBefore = (await listFiles(moduleDownloadDir(goEnv.GOMODCACHE))).map((f) => f.split(path.sep).join('/'));
  const zipsBefore = new Set(filesBefore.filter((f) => f.endsWith('.zip')));
  // A platform that restores GOMODCACHE itself (GitLab's cache:) leaves its result on disk.
  const restoredByPlatform = cacheHit === 'none' && !!platform.savesModuleCacheItself && config.cache.enabled && zipsBefore.size > 0;

  // go.sum names the files go mod download will walk to one level at a time: fetch them all at once first.
  // Meanwhile the toolchain go.mod asks for: every go command in the project switches to it before anything else.
  const [{ upstreamFailures = [], ...prefetch }, toolchain] = await Promise.all([
    prefetchStep(opts, filesBefore),
    toolchainStep(opts, runner, target.dir, restored),
  ]);
  platform.info(prefetchLine(prefetch));
  const ladder =
    toolchain?.source === 'failed'
      ? toolchainFailedLadder(toolchain, opts.toolchain)
      : await climbLadder(
          {
            proxies: opts.healthyProxies,
            // A proxy that failed go.sum stays: go's own mismatch is what keeps vendor/ from hiding it.
            broken: upstreamFailures.filter((f) => FAILURE_CODES[f.code] === 'proxy-broken').map((f) => f.url),
            refresh: opts.refreshProxies,
            probeDone: opts.probeDone,
            probeWaitMs: config.probe.timeoutMs,
            retries: config.warm.retries,
            backoffMs: config.warm.backoffMs,
            directAllowed: opts.directAllowed,
            cacheRestored: cacheHit !== 'none' || restoredByPlatform,
            cacheBeforeDirect: cacheHit === 'exact' || restoredByPlatform,
            cacheFirst: (cacheHit === 'exact' || restoredByPlatform) && check !== undefined && check.discarded.length === 0,
            vendorFallback: config.warm.vendorFallback,
            hasVendor: project.vendorDir !== undefined,
          },
          ladderActions(target, runner, platform),
        );
  const downloaded = notIn(zipsBefore, ladder.buildList);
  if (restoredByPlatform) {
    const complete = ladder.step !== 'failed' && ladder.step !== 'vendor' && downloaded.length === 0;
    cacheHit = complete ? 'exact' : 'partial';
    platform.info(
      `cache: the platform restored ${zipsBefore.size} module zips (${cacheHit === 'exact' ? 'the whole build list' : 'part of the build list'})`,
    );
  }
  return {
    cacheHit,
    cacheKey,
    ladder,
    downloaded,
    downloadMs: Math.round(performance.now() - started),
    target,
    prefetch,
    prefetchFailures: upstreamFailures,
    restoreCheck: check,
    ...(toolchain ? { toolchain } : {}),
  };
}

/** The prefetch from go.sum through the proxies known now. */
function prefetchStep(opts: Parameters<typeof warmStage>[0], filesBefore: string[]): Promise<PrefetchReport> {
  const { config, goEnv } = opts;
  return prefetchFromGoSum({
    project: opts.project,
    downloadDir: moduleDownloadDir(goEnv.GOMODCACHE),
    cachedFiles: new Set(filesBefore),
    gonoproxy: goEnv.GONOPROXY,
    proxies: opts.refreshProxies?.() ?? opts.healthyProxies,
    credentials: opts.credentials,
    concurrency: config.warm.prefetchConcurrency,
    retries: config.warm.retries,
    deadlineMs: config.warm.timeoutMs,
    env: opts.env,
    goEnv: goRunEnv(opts.env),
  });
}

/** Warm the toolchain a switch needs, down the same ladder as the modules; undefined when the project switches to none. */
async function toolchainStep(
  opts: Parameters<typeof warmStage>[0],
  runner: GoRunner,
  projectDir: string,
  restored: RestoreOutcome,
): Promise<ToolchainWarm | undefined> {
  const tc = opts.toolchain;
  if (tc?.choice.kind === 'invalid') {
    // The go command stops on the setting before anything else: nothing to fetch, nothing else will run.
    const diagnosis = { ...failure('invalid-version', tc.choice.reason), goMessage: `go: ${tc.choice.reason}` };
    return { source: 'failed', diagnosis, ms: 0 };
  }
  if (tc?.choice.kind !== 'switch' || !tc.module) return undefined;
  const zip = `${tc.module.path}/@v/${escapeVersion(tc.module.version)}.zip`;
  const warmed = await warmToolchain(
    {
      want: { name: tc.choice.name, module: tc.module, pathOnly: tc.choice.pathOnly },
      projectDir,
      gomodcache: opts.goEnv.GOMODCACHE,
      restored: restored.toolchainZips?.includes(zip) ?? false,
      ladder: {
        proxies: opts.healthyProxies,
        refresh: opts.refreshProxies,
        probeDone: opts.probeDone,
        probeWaitMs: opts.config.probe.timeoutMs,
        retries: opts.config.warm.retries,
        backoffMs: opts.config.warm.backoffMs,
        directAllowed: opts.directAllowed,
      },
    },
    runner,
    (line) => opts.platform.info(line),
  );
  opts.platform.info(toolchainLine(tc.choice.name, warmed));
  return warmed;
}

/** One log line: how the toolchain was made available, or why it could not be. */
function toolchainLine(name: string, t: ToolchainWarm): string {
  const took = `${(t.ms / 1000).toFixed(2)} s`;
  switch (t.source) {
    case 'path':
      return `toolchain ${name}: on PATH (${t.onPath}): the go command runs it, nothing to download`;
    case 'failed':
      return `toolchain ${name}: not available after ${took}: ${t.diagnosis?.message ?? 'unknown failure'}`;
    default:
      return `toolchain ${name}: ready offline (${t.source}${t.ladder ? `, ${t.ladder.step} rung` : ''}) in ${took}: ${t.switched ?? ''}`;
  }
}

/**
 * Without the toolchain go.mod asks for, no go command runs in the project:
 * the module ladder is not climbed, and the warm fails with the toolchain's
 * own rungs and diagnosis.
 */
function toolchainFailedLadder(t: ToolchainWarm, tc: ProjectToolchain | undefined): LadderResult {
  const name = tc?.choice.kind === 'switch' ? tc.choice.name : 'a valid toolchain setting';
  const by = tc?.choice.kind === 'switch' ? ` (${tc.choice.by.text})` : '';
  const rungs = (t.ladder?.rungs ?? []).filter((r) => r.step !== 'failed').map((r) => ({ ...r, reason: `toolchain ${name}: ${r.reason}` }));
  const reason = `every go command in the project needs ${name}${by}, and it could not be obtained: ${t.diagnosis?.message ?? 'unknown failure'}`;
  rungs.push({ step: 'failed', detail: '', outcome: 'failed', reason, ms: 0, diagnosis: t.diagnosis });
  return { step: 'failed', rungs, modules: 0, buildList: [], diagnosis: t.diagnosis, proxyFailures: t.ladder?.proxyFailures ?? [] };
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
    download: (goproxy) => downloadAll(target, goproxy, runner),
    offline: async () => {
      const a = await downloadAll(target, 'off', { ...runner, env: { ...runner.env, GONOPROXY: NO_MODULE } });
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
