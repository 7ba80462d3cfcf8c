import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildConfig, type Config } from '../config/config.js';
import { registerSecretInputs } from '../config/secret-inputs.js';
import { formatChainShown, formatGoproxy, parseGoproxy, proxyUrls, type Chain } from '../goproxy/chain.js';
import { readGoEnv } from '../go/go-env.js';
import type { Verdict } from '../model/verdict.js';
import type { Failure } from '../diagnosis/failure.js';
import { moduleDownloadDir, restoreModuleCache } from '../cache/restore.js';
import type { Platform } from '../platform/platform.js';
import { discoverProject, requireDirectory } from '../project/discover.js';
import { REPORT_SCHEMA, type RunReport, type WarmReport } from '../report/run-report.js';
import { duration } from '../report/summary.js';
import { proxyTable } from '../report/table.js';
import { writeReport } from '../report/write-report.js';
import type { Secrets } from '../secrets/secrets.js';
import { overrideFingerprint, overrideNotice, type Override } from '../config/override.js';
import type { GuardState } from '../state/guard-state.js';
import { decideGate, type GateDecision } from './gate.js';
import { readyForSave, type SaveState } from './post-stage.js';
import { readNetrc } from '../goproxy/netrc.js';
import { applyWarmFailures, startProbes } from './probe-stage.js';
import { explainLadderFailure } from '../diagnosis/ladder-cause.js';
import { publishStage } from './publish-stage.js';
import { warmStage } from './warm-stage.js';
import { goRunEnv } from '../go/run-env.js';
import { servedGoproxy, startServeStage } from './serve-stage.js';
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
  registerSecretInputs(platform.readInput, secrets);
  const config = buildConfig(platform.readInput, ctx.cwd, env);
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
  for (const url of probes.candidates) secrets.addUrl(url);
  const shown = (url: string) => secrets.addUrl(url);
  // The run history is read as late as possible: its cache's own "Cache restored successfully" must not be
  // taken for the module cache's. An override needs it at once (since when has it been in force?).
  let stateLoad = config.override ? platform.state.load() : undefined;
  const previousState = () => (stateLoad ??= platform.state.load());
  const override = config.override ? await overrideInForce(config.override, previousState(), shown, platform) : undefined;
  const deadline = platform.readInput('probe-timeout')?.trim() || duration(config.probe.timeoutMs);
  platform.info(`probing ${probes.candidates.length} proxies, ${deadline} deadline each: ${probes.candidates.map(shown).join(', ')}`);

  let warm: WarmReport | undefined;
  let warmFailures: { url: string; failure: Failure }[] = [];
  let saveState: SaveState | undefined;
  const notes: string[] = [];
  if (restore && project.layout !== 'none') {
    // Warming starts as soon as a healthy proxy is known; the rest of the probe finishes meanwhile.
    const healthySoFar = await probes.early;
    const outcome = await platform.group('Warming the module cache', async () => {
      const warmed = await warmStage({
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
        netrc,
      });
      platform.info(`ladder: ${warmed.ladder.rungs.map((r) => `${r.step} ${r.outcome}${r.outcome === 'skipped' ? '' : ` (${r.reason}, ${duration(r.ms)})`}`).join(' -> ')}`);
      return warmed;
    });
    const l = outcome.ladder;
    const step = l.step;
    warmFailures = l.proxyFailures.map((f) => ({ url: f.url, failure: f.diagnosis }));
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
      prefetch: outcome.prefetch,
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
  // The ranked table is printed inside its group, where a reader who opens it looks.
  const probe = await platform.group('Probing Go module proxies', async () => {
    const done = applyWarmFailures(config, await probes.done, probes.terminal, warmFailures);
    platform.info(proxyTable(done.ranked.map((p) => ({ ...p, url: shown(p.url) }))));
    return done;
  });
  notes.unshift(...probe.notes);
  const ranked = probe.ranked.map((p) => ({ ...p, url: shown(p.url) }));
  for (const p of ranked.filter((x) => x.warmFailure)) notes.push(`${p.url} passed the probe but failed while warming: ${p.warmFailure?.message}`);
  if (warm?.ladderStep === 'failed') {
    warm.cause = explainLadderFailure({
      proxies: ranked,
      rungs: warm.ladder,
      directOff: probes.terminal === 'off' ? 'GOPROXY ends with off' : 'direct: false',
    });
  }
  for (const p of ranked.filter((x) => x.notWaitedFor > 0)) {
    notes.push(`${p.url} was still answering when the cache was warm: judged on ${p.requests} measured requests, ${p.notWaitedFor} not waited for`);
  }
  for (const p of ranked.filter((x) => x.notWaitedFor === 0 && (x.notMeasured ?? 0) > 0)) {
    notes.push(`${p.url}: ${p.requests} requests measured, ${p.notMeasured} cut off unanswered by probe-timeout (not counted as failures)`);
  }
  const goproxy = formatGoproxy(probe.chain);
  const serve =
    // direct and off leave no proxy for the local proxy to stand in front of.
    config.serve.enabled && platform.serveEntry && !(config.override && config.override.mode !== 'proxies')
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
  // "|" after the local proxy: should it ever stop, the go command goes straight on down the chain,
  // whose credentials are in a netrc file of ours, never in GOPROXY.
  const served = serve?.handle ? servedGoproxy(serve.handle.url, probe.chain, platform.workDir, env) : undefined;
  if (served?.netrcFile) platform.exportVariable('NETRC', served.netrcFile);
  const exportedGoproxy = served?.goproxy ?? goproxy;
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
    probe: { timeoutMs: config.probe.timeoutMs, samples: probe.fit.samples, durationMs: probe.durationMs, concurrency: probe.fit.concurrency },
    proxies: ranked,
    goproxy: formatChainShown(probe.chain, shown),
    // The local proxy's access token is for this job's go commands, not for an artifact a reader shares.
    exportedGoproxy: serve?.handle ? `${new URL(serve.handle.url).origin}/…|${formatChainShown(probe.chain, shown)}` : formatChainShown(probe.chain, shown),
    bestProxy: probe.healthy[0] ? shown(probe.healthy[0].url) : undefined,
    healthyCount: probe.healthy.length,
    verdict,
    reason: verdictReason(config, verdict, ranked, warm),
    notes,
    warm,
    ...(build ? { buildCache: { hit: build.restore.hit, key: build.restore.key, added: build.restore.added } } : {}),
    // Without its access token: the report is an artifact; the token is for this job's go commands.
    ...(serve?.handle ? { serve: { url: new URL(serve.handle.url).origin, upstreams: proxyUrlsShown(probe.chain, shown) } } : {}),
    ...(override ? { override: override.notice } : {}),
  };
  if (override) report.notes.unshift(override.notice);
  const reportPath = await writeReport(platform.workDir, report, secrets);
  const gate = decideGate({
    failOn: config.failOn,
    verdict,
    healthyCount: report.healthyCount,
    downloadOk: warm ? warm.ladderStep !== 'failed' : undefined,
    ...(config.override && config.override.mode !== 'proxies' ? { override: config.override.mode } : {}),
  });

  for (const note of report.notes) platform.info(`note: ${note}`);
  const published = await publishStage({ config, report, gate, platform, secrets, state: await previousState(), override: override?.notice });
  const state = published.state;
  if (config.override && override) state.override = { value: overrideFingerprint(config.override), since: override.since };
  else delete state.override;
  await platform.state.save(state);
  // Publishing may have added notes (a silenced alert): the report file says what the summary says.
  await writeReport(platform.workDir, report, secrets);
  platform.info(
    report.exportedGoproxy === report.goproxy
      ? `GOPROXY=${report.goproxy}`
      : `GOPROXY=${report.exportedGoproxy} for later steps; without the local proxy: ${report.goproxy}`,
  );
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
  platform.setOutput('status', published.statusPath ?? '');
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
  if (warm?.ladderStep === 'failed') {
    const fatal = warm.diagnosis?.class === 'fatal' ? `${warm.diagnosis.message}; ` : '';
    return `module download failed: ${fatal}${warm.cause ?? warm.diagnosis?.message ?? 'no rung produced a complete module cache'}`;
  }
  if (ranked.length === 0 && config.override) return `override ${config.override.mode}: no proxy probed${saved}`;
  if (verdict === 'healthy') return `all ${ranked.length} proxies reached min-score ${config.minScore}`;
  if (bad.length === 0) return `all proxies healthy${saved}`;
  if (bad.length === ranked.length) return `no proxy reached min-score ${config.minScore}: ${list}${saved}`;
  return `${ranked.length - bad.length} of ${ranked.length} proxies healthy; ${list}${saved}`;
}

/**
 * Since when the override has been in force: the variable carries no date,
 * so the first run that saw this value (kept in the state) says when.
 * Logged as a warning (an annotation on GitHub) at once.
 */
async function overrideInForce(
  o: Override,
  previousState: Promise<GuardState>,
  shown: (url: string) => string,
  platform: Platform,
): Promise<{ since: string; notice: string }> {
  const prior = (await previousState).override;
  const since = prior && prior.value === overrideFingerprint(o) ? prior.since : new Date().toISOString();
  const notice = overrideNotice(o, since, shown);
  platform.warning(notice, 'go-proxy-guard override');
  return { since, notice };
}

const proxyUrlsShown = (chain: Chain, shown: (url: string) => string): string[] => proxyUrls(chain).map(shown);
