import type { BuildCacheRestore } from '../cache/build-cache.js';
import type { Config } from '../config/config.js';
import { explainLadderFailure } from '../diagnosis/ladder-cause.js';
import { formatGoproxy, proxyUrls, shownChain, type Chain, type ChainEnd } from '../goproxy/chain.js';
import type { GoEnv } from '../go/go-env.js';
import type { Verdict } from '../model/verdict.js';
import type { Project } from '../project/discover.js';
import { REPORT_SCHEMA, type RunReport, type ToolchainReport, type WarmReport } from '../model/run-report.js';
import type { ProjectToolchain } from '../project/toolchain-file.js';
import type { ToolchainWarm } from '../warm/toolchain.js';
import type { ProbeOutcome } from './probe-stage.js';

/** Everything the run found, as values: the report is made of these and nothing else. */
export interface ReportParts {
  config: Config;
  goEnv: Pick<GoEnv, 'GOVERSION' | 'GOSUMDB'> & Partial<Pick<GoEnv, 'GOTOOLCHAIN'>>;
  /** The user's own GOPROXY, parsed once (prepareStage). */
  userChain: Chain;
  project: Project;
  /** The probe, with the warm's failures folded in. */
  probe: ProbeOutcome;
  /** How the run's chains end (prepareStage). */
  end: ChainEnd;
  warm: WarmReport | undefined;
  /** Notes of the warm, in the order they arose. */
  warmNotes: string[];
  /** The local proxy's URL (with its access token) when it runs, and the note of its start. */
  serve: { url: string | undefined; note: string | undefined };
  /** What later steps get, as it may be shown (exportStage decided it). */
  exported: Chain;
  build: BuildCacheRestore | undefined;
  /** The loud override line, when an override is in force. */
  override: string | undefined;
  /** The toolchain the project's go commands run, and how a switch was warmed (absent: not warmed). */
  toolchain?: { project: ProjectToolchain; warm: ToolchainWarm | undefined };
  /** A URL as it may be shown: credentials masked. */
  shown: (url: string) => string;
  generatedAt: Date;
}

/** The run report: a pure function of what the stages returned. */
export function assembleReport(p: ReportParts): RunReport {
  const { config, project, probe, shown } = p;
  const ranked = probe.ranked.map((x) => ({ ...x, url: shown(x.url) }));
  const warm = p.warm?.ladderStep === 'failed' ? { ...p.warm, cause: ladderCause(p, ranked) } : p.warm;
  const verdict = overallVerdict(probe.verdict, warm);
  const chain = shownChain(probe.chain, shown);
  const userChain = shownChain(p.userChain, shown);
  const privateModules = project.requirements.filter((r) => r.private).map((r) => r.path);
  return {
    schema: REPORT_SCHEMA,
    generatedAt: p.generatedAt.toISOString(),
    project: {
      root: project.root,
      layout: project.layout,
      modules: project.modules.map((m) => m.path ?? m.dir),
      requirements: project.requirements.length,
      probed: probe.probed,
      private: privateModules,
    },
    go: { version: p.goEnv.GOVERSION, goproxy: formatGoproxy(userChain), chain: userChain, gosumdb: p.goEnv.GOSUMDB },
    probe: {
      timeoutMs: config.probe.timeoutMs,
      samples: probe.fit.samples,
      durationMs: probe.durationMs,
      concurrency: probe.fit.concurrency,
    },
    proxies: ranked,
    goproxy: formatGoproxy(chain),
    chain,
    exportedGoproxy: formatGoproxy(p.exported),
    exportedChain: p.exported,
    bestProxy: probe.healthy[0] ? shown(probe.healthy[0].url) : undefined,
    healthyCount: probe.healthy.length,
    verdict,
    reason: verdictReason(config, verdict, ranked, warm),
    notes: [
      ...(p.override ? [p.override] : []),
      ...probe.notes,
      ...p.warmNotes,
      ...rankNotes(ranked),
      ...(p.serve.note ? [p.serve.note] : []),
      ...(privateModules.length > 0 ? [`private modules served by direct: ${privateModules.join(', ')}`] : []),
      ...(p.toolchain?.project.choice.kind === 'local' && p.toolchain.project.choice.note ? [p.toolchain.project.choice.note] : []),
      ...(p.toolchain?.warm?.note ? [p.toolchain.warm.note] : []),
    ],
    warm,
    ...(p.build ? { buildCache: { hit: p.build.hit, key: p.build.key, added: p.build.added } } : {}),
    // Without its access token: the report is an artifact; the token is for this job's go commands.
    ...(p.serve.url ? { serve: { url: new URL(p.serve.url).origin, upstreams: proxyUrls(probe.chain).map(shown) } } : {}),
    ...(p.override ? { override: p.override } : {}),
    ...toolchainPart(p),
  };
}

/** The report's toolchain section: present when the project's go commands switch toolchains, or refuse the setting. */
function toolchainPart(p: ReportParts): Pick<RunReport, 'toolchain'> {
  const tc = p.toolchain?.project;
  if (!tc || tc.choice.kind === 'local') return {};
  const base = { local: p.goEnv.GOVERSION, gotoolchain: p.goEnv.GOTOOLCHAIN ?? '' };
  const w = p.toolchain?.warm;
  if (tc.choice.kind === 'invalid')
    return { toolchain: { ...base, source: 'invalid', problem: tc.choice.reason, ...(w?.diagnosis ? { diagnosis: w.diagnosis } : {}) } };
  const report: ToolchainReport = {
    ...base,
    name: tc.choice.name,
    requestedBy: tc.choice.by,
    ...(tc.module ? { module: `${tc.module.path}@${tc.module.version}` } : {}),
    source: w ? w.source : 'not-warmed',
  };
  if (!w) return { toolchain: report };
  return {
    toolchain: {
      ...report,
      ...(w.proxy ? { proxy: p.shown(w.proxy) } : {}),
      ...(w.ladder ? { step: w.ladder.step, ladder: w.ladder.rungs } : {}),
      ms: w.ms,
      ...(w.switched ? { switched: w.switched } : {}),
      ...(w.diagnosis ? { diagnosis: w.diagnosis } : {}),
    },
  };
}

/** What the ranking adds to the notes: warm failures, and proxies judged on fewer requests than planned. */
export function rankNotes(ranked: RunReport['proxies']): string[] {
  return [
    ...ranked.filter((x) => x.warmFailure).map((p) => `${p.url} passed the probe but failed while warming: ${p.warmFailure?.message}`),
    ...ranked
      .filter((x) => x.notWaitedFor > 0)
      .map(
        (p) =>
          `${p.url} was still answering when the cache was warm: judged on ${p.requests} measured requests, ${p.notWaitedFor} not waited for`,
      ),
    ...ranked
      .filter((x) => x.notWaitedFor === 0 && (x.notMeasured ?? 0) > 0)
      .map(
        (p) => `${p.url}: ${p.requests} requests measured, ${p.notMeasured} cut off unanswered by probe-timeout (not counted as failures)`,
      ),
  ];
}

function ladderCause(p: ReportParts, ranked: RunReport['proxies']): string {
  return explainLadderFailure({
    proxies: ranked,
    rungs: p.warm?.ladder ?? [],
    directOff: p.end === 'off' ? 'GOPROXY ends with off' : 'direct: false',
  });
}

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
