import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildConfig, type Config } from '../config/config.js';
import { formatChainShown, formatGoproxy, parseGoproxy, proxyUrls, type Chain } from '../goproxy/chain.js';
import { readGoEnv } from '../go/go-env.js';
import type { Verdict } from '../health/rank.js';
import { moduleDownloadDir, restoreModuleCache } from '../cache/restore.js';
import type { Platform } from '../platform/platform.js';
import { discoverProject, requireDirectory } from '../project/discover.js';
import { REPORT_SCHEMA, type RunReport, type WarmReport } from '../report/run-report.js';
import { proxyTable } from '../report/table.js';
import { writeReport } from '../report/write-report.js';
import type { Secrets } from '../secrets/secrets.js';
import { decideGate, type GateDecision } from './gate.js';
import { readyForSave, type SaveState } from './post-stage.js';
import { readNetrc } from '../goproxy/netrc.js';
import { startProbes } from './probe-stage.js';
import { publishStage } from './publish-stage.js';
import { goRunEnv, warmStage } from './warm-stage.js';
import { startServeStage } from './serve-stage.js';
import { reportBuildCacheRestore, restoreBuildCacheStage, type BuildCacheState } from './build-cache-stage.js';
import { dockerBuildArgs } from '../goproxy/docker-build-args.js';
import type { DaemonHandle } from '../serve/daemon.js';

export interface EngineContext {
  platform: Platform;
  secrets: Secrets;
  env: NodeJS.ProcessEnv;
  /** Where a relative working-directory is resolved from. */
  cwd: string;
}

export interface RunOutcome {
  config: Config;
  report: RunReport;
  reportPath: string;
  gate: GateDecision;
  /** Set when the post step should consider saving the module cache. */
  saveState: SaveState | undefined;
  /** Set when the post step should consider saving the build cache. */
  buildCacheState: BuildCacheState | undefined;
  /** The local proxy, for the post step to stop. */
  serve: DaemonHandle | undefined;
}

/** The whole pipeline: config, discover, probe, rank, export, warm, report, verdict. */
export async function runGuard(ctx: EngineContext): Promise<RunOutcome> {
  const { platform, secrets, env } = ctx;
  const config = buildConfig(platform.readInput, ctx.cwd);
  // Pointing working-directory somewhere is a promise of a Go project there; the default is not.
  const wd = (platform.readInput('working-directory') ?? '.').trim() || '.';
  await requireDirectory(config.workingDirectory, wd);
  const goEnv = await readGoEnv(config.workingDirectory, env);
  if (goEnv.problem) platform.warning(`go env failed (${goEnv.problem}); using GOPROXY and friends from the environment`);
  const project = await discoverProject(config.workingDirectory, {
    gonoproxy: goEnv.env.GONOPROXY,
    gowork: goEnv.env.GOWORK,
    requireGoMod: wd !== '.',
    inputValue: wd,
  });
  const netrc = await readNetrc(env);
  for (const entry of netrc) secrets.add(entry.password);
  for (const url of config.proxies ?? []) secrets.addUrl(url);
  for (const hook of config.alerts.webhooks) secrets.add(hook.url);
  secrets.add(config.alerts.secret);

  // The cache download needs no proxy: let it overlap the probe.
  const restore = config.warm.enabled
    ? restoreModuleCache({
        config,
        goEnv: goEnv.env,
        project,
        cache: platform.cache,
        stagingRoot: moduleStagingRoot(platform),
        platformRestored: platform.savesModuleCacheItself,
      })
    : undefined;
  const buildRestore = project.layout !== 'none' ? restoreBuildCacheStage({ config, goEnv: goEnv.env, project, platform }) : undefined;
  const probes = startProbes(config, goEnv.env, project, netrc);
  const previousState = platform.state.load();
  for (const url of probes.candidates) secrets.addUrl(url);
  const shown = (url: string) => secrets.addUrl(url);
  platform.info(`probing ${probes.candidates.length} proxies (deadline ${config.probe.timeoutMs} ms each): ${probes.candidates.map(shown).join(', ')}`);

  let warm: WarmReport | undefined;
  let saveState: SaveState | undefined;
  const notes: string[] = [];
  if (restore && project.layout !== 'none') {
    // Warming starts as soon as a healthy proxy is known; the rest of the probe finishes meanwhile.
    const healthySoFar = await probes.early;
    const outcome = await platform.group('Warming the module cache', () =>
      warmStage({
        config,
        goEnv: goEnv.env,
        project,
        healthyProxies: healthySoFar,
        refreshProxies: probes.healthyNow,
        probeDone: probes.done,
        directAllowed: probes.terminal === 'direct',
        platform,
        restore,
        env,
      }),
    );
    const l = outcome.ladder;
    const step = l.step;
    warm = {
      ladderStep: step,
      ladder: l.rungs,
      cacheHit: outcome.cacheHit,
      cacheKey: outcome.cacheKey,
      downloaded: outcome.downloaded,
      buildList: l.buildList.length,
      downloadMs: outcome.downloadMs,
      goflags: l.goflags,
      diagnosis: l.diagnosis,
      ...(outcome.restoreCheck ? { restoreCheck: outcome.restoreCheck } : {}),
    };
    if (outcome.restoreCheck?.discarded.length) {
      notes.push(
        `the restored module cache held ${outcome.restoreCheck.discarded.length} modules that fail their checksums: discarded and downloaded again, never saved back (${outcome.restoreCheck.discarded.join('; ')})`,
      );
    }
    if (l.goflags) {
      // Any -mod the user set would contradict the vendor rung that saved the job.
      const goflags = [goRunEnv(env).GOFLAGS, l.goflags].filter(Boolean).join(' ');
      platform.exportVariable('GOFLAGS', goflags);
      notes.push(`vendor/ saved the job: exported GOFLAGS=${goflags}`);
    }
    const toSave: SaveState = {
      key: outcome.cacheKey ?? '',
      hit: outcome.cacheHit,
      step,
      policy: config.cache.save,
      gomodcache: goEnv.env.GOMODCACHE,
      stagingRoot: moduleStagingRoot(platform),
      target: outcome.target,
      timeoutMs: config.warm.timeoutMs,
    };
    if (outcome.cacheKey && platform.cache) saveState = toSave;
    else if (platform.savesModuleCacheItself && config.cache.enabled && step !== 'failed' && step !== 'vendor' && config.cache.save !== 'never') {
      // No post step here: prune now, so what the platform saves is exactly the build list;
      // a cache that fails go mod verify is removed rather than saved.
      if ((await readyForSave(toSave, platform, env)) === 'unverified') {
        await fs.rm(moduleDownloadDir(goEnv.env.GOMODCACHE), { recursive: true, force: true });
      }
    }
    probes.release();
  } else if (config.warm.enabled) {
    notes.push('nothing to pre-warm without go.mod or go.work');
  }
  const probe = await platform.group('Probing Go module proxies', () => probes.done);
  notes.unshift(...probe.notes);
  const ranked = probe.ranked.map((p) => ({ ...p, url: shown(p.url) }));
  for (const p of ranked.filter((x) => x.notWaitedFor > 0)) {
    notes.push(`${p.url} was still answering when the cache was warm: judged on ${p.requests} answers, ${p.notWaitedFor} requests not waited for`);
  }
  platform.info(proxyTable(ranked));
  const goproxy = formatGoproxy(probe.chain);
  const serve =
    config.serve.enabled && platform.serveEntry
      ? await startServeStage({
          config,
          entry: platform.serveEntry,
          chain: probe.chain,
          ranked: probe.ranked,
          netrc,
          gomodcache: goEnv.env.GOMODCACHE,
          platform,
          env,
          watchPid: platform.jobPid,
        })
      : undefined;
  if (serve?.note) notes.push(serve.note);
  // "|" after the local proxy: should it ever stop, the go command goes straight on down the chain.
  const exportedGoproxy = serve?.handle ? `${serve.handle.url}|${goproxy}` : goproxy;
  platform.exportVariable('GOPROXY', exportedGoproxy);
  const build = await buildRestore;
  if (build) reportBuildCacheRestore(build.restore, platform);
  if (project.requirements.some((r) => r.private)) {
    notes.push(`private modules served by direct: ${project.requirements.filter((r) => r.private).map((r) => r.path).join(', ')}`);
  }

  const verdict = overallVerdict(probe.verdict, warm);
  const report: RunReport = {
    schema: REPORT_SCHEMA,
    generatedAt: new Date().toISOString(),
    project: {
      root: project.root,
      layout: project.layout,
      modules: project.modules.map((m) => m.path ?? m.dir),
      requirements: project.requirements.length,
      probed: probe.probed,
      private: project.requirements.filter((r) => r.private).map((r) => r.path),
    },
    go: { version: goEnv.env.GOVERSION, goproxy: formatChainShown(parseGoproxy(goEnv.env.GOPROXY), shown), gosumdb: goEnv.env.GOSUMDB },
    probe: { timeoutMs: config.probe.timeoutMs, samples: config.probe.samples, durationMs: probe.durationMs },
    proxies: ranked,
    goproxy: formatChainShown(probe.chain, shown),
    bestProxy: probe.healthy[0] ? shown(probe.healthy[0].url) : undefined,
    healthyCount: probe.healthy.length,
    verdict,
    reason: verdictReason(config, verdict, ranked, warm),
    notes,
    warm,
    ...(build ? { buildCache: { hit: build.restore.hit, key: build.restore.key, added: build.restore.added } } : {}),
    ...(serve?.handle ? { serve: { url: serve.handle.url, upstreams: proxyUrlsShown(probe.chain, shown) } } : {}),
  };
  const reportPath = await writeReport(platform.workDir, report, secrets);
  const gate = decideGate({
    failOn: config.failOn,
    verdict,
    healthyCount: report.healthyCount,
    downloadOk: warm ? warm.ladderStep !== 'failed' : undefined,
  });

  for (const note of report.notes) platform.info(`note: ${note}`);
  if (warm) {
    platform.info(`ladder: ${warm.ladder.map((r) => `${r.step} ${r.outcome}${r.outcome === 'skipped' ? '' : ` (${r.reason}, ${r.ms} ms)`}`).join(' -> ')}`);
  }
  const state = await publishStage({ config, report, gate, platform, secrets, state: await previousState });
  await platform.state.save(state);
  platform.info(`GOPROXY=${report.goproxy}`);
  platform.setOutput('goproxy', report.goproxy);
  platform.setOutput('local-proxy', serve?.handle?.url ?? '');
  platform.setOutput('best-proxy', report.bestProxy ?? '');
  platform.setOutput('healthy-count', String(report.healthyCount));
  platform.setOutput('verdict', report.verdict);
  platform.setOutput('report', reportPath);
  platform.setOutput('cache-hit', warm?.cacheHit ?? 'none');
  platform.setOutput('ladder-step', warm?.ladderStep ?? '');
  platform.setOutput('modules', String(warm?.downloaded.length ?? 0));
  platform.setOutput('download-ms', String(warm?.downloadMs ?? 0));
  platform.setOutput('build-cache-hit', build?.restore.hit ?? 'none');
  platform.setOutput('docker-build-args', dockerBuildArgs(exportedGoproxy, warm?.goflags));
  return { config, report, reportPath, gate, saveState, buildCacheState: build?.state, serve: serve?.handle };
}

/** Where the Actions cache entry of the module cache is staged: the guard's, and the same path every job. */
const moduleStagingRoot = (platform: Platform) => path.join(platform.workDir, 'module-cache');

/**
 * The ladder can only make the probe's verdict worse: any rung past the
 * proxies means degraded. An exact restore tried first is no fallback.
 */
export function overallVerdict(probe: Verdict, warm: WarmReport | undefined): Verdict {
  if (!warm) return probe;
  if (warm.ladderStep === 'failed') return 'failed';
  const cacheFirst = warm.ladderStep === 'cache' && warm.ladder[0]?.step === 'cache';
  if (warm.ladderStep !== 'proxy' && !cacheFirst) return 'degraded';
  return probe === 'failed' ? 'degraded' : probe;
}

function verdictReason(config: Config, verdict: Verdict, ranked: RunReport['proxies'], warm: WarmReport | undefined): string {
  const bad = ranked.filter((p) => p.verdict !== 'healthy');
  const list = bad.map((p) => `${p.url} ${p.verdict}${p.failure ? ` (${p.failure.message})` : ''}`).join('; ');
  const fallback = warm && warm.ladderStep !== 'proxy' && warm.ladderStep !== 'failed' && warm.ladder[0]?.step !== warm.ladderStep;
  const saved = fallback ? `; the ${warm.ladderStep} rung saved the job` : '';
  if (warm?.ladderStep === 'failed') return `module download failed: ${warm.diagnosis?.message ?? 'no rung produced a complete module cache'}`;
  if (verdict === 'healthy') return `all ${ranked.length} proxies reached min-score ${config.minScore}`;
  if (bad.length === 0) return `all proxies healthy${saved}`;
  if (bad.length === ranked.length) return `no proxy reached min-score ${config.minScore}: ${list}${saved}`;
  return `${ranked.length - bad.length} of ${ranked.length} proxies healthy; ${list}${saved}`;
}

const proxyUrlsShown = (chain: Chain, shown: (url: string) => string): string[] => proxyUrls(chain).map(shown);
