import { buildConfig, type Config } from '../config/config.js';
import { formatGoproxy, type Chain } from '../goproxy/chain.js';
import { readGoEnv } from '../go/go-env.js';
import type { Platform } from '../platform/platform.js';
import { discoverProject } from '../project/discover.js';
import { REPORT_SCHEMA, type RunReport } from '../report/run-report.js';
import { proxyTable } from '../report/table.js';
import { writeReport } from '../report/write-report.js';
import type { Secrets } from '../secrets/secrets.js';
import { decideGate, type GateDecision } from './gate.js';
import { probeStage, readNetrc } from './probe-stage.js';

export interface EngineContext {
  platform: Platform;
  secrets: Secrets;
  env: NodeJS.ProcessEnv;
  /** Where a relative working-directory is resolved from. */
  cwd: string;
}

export interface RunOutcome {
  report: RunReport;
  reportPath: string;
  gate: GateDecision;
}

/** The whole pipeline: config, discover, probe, rank, export, report, verdict. */
export async function runGuard(ctx: EngineContext): Promise<RunOutcome> {
  const { platform, secrets, env } = ctx;
  const config = buildConfig(platform.readInput, ctx.cwd);
  const goEnv = await readGoEnv(config.workingDirectory, env);
  if (goEnv.problem) platform.warning(`go env failed (${goEnv.problem}); using GOPROXY and friends from the environment`);
  // Pointing working-directory somewhere is a promise of a Go project there; the default is not.
  const wd = (platform.readInput('working-directory') ?? '.').trim() || '.';
  const project = await discoverProject(config.workingDirectory, {
    gonoproxy: goEnv.env.GONOPROXY,
    gowork: env.GOWORK,
    requireGoMod: wd !== '.',
    inputValue: wd,
  });
  const netrc = await readNetrc(env);
  for (const entry of netrc) secrets.add(entry.password);

  const probe = await platform.group('Probing Go module proxies', async () => {
    for (const url of config.proxies ?? []) secrets.addUrl(url);
    const outcome = await probeStage(config, goEnv.env, project, netrc);
    for (const url of outcome.candidates) secrets.addUrl(url);
    return outcome;
  });

  const goproxy = formatGoproxy(probe.chain);
  platform.exportVariable('GOPROXY', goproxy);
  const shown = (url: string) => secrets.addUrl(url);
  const ranked = probe.ranked.map((p) => ({ ...p, url: shown(p.url) }));
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
    go: { version: goEnv.env.GOVERSION, goproxy: shown(goEnv.env.GOPROXY), gosumdb: goEnv.env.GOSUMDB },
    probe: { timeoutMs: config.probe.timeoutMs, samples: config.probe.samples, durationMs: probe.durationMs },
    proxies: ranked,
    goproxy: displayChain(probe.chain, shown),
    bestProxy: probe.healthy[0] ? shown(probe.healthy[0].url) : undefined,
    healthyCount: probe.healthy.length,
    verdict: probe.verdict,
    reason: verdictReason(config, probe.verdict, ranked),
    notes: [
      ...probe.notes,
      ...(project.requirements.some((r) => r.private)
        ? [`private modules served by direct: ${project.requirements.filter((r) => r.private).map((r) => r.path).join(', ')}`]
        : []),
    ],
  };
  const reportPath = await writeReport(platform.workDir, report, secrets);
  const gate = decideGate({ failOn: config.failOn, verdict: report.verdict, healthyCount: report.healthyCount, downloadOk: undefined });

  platform.info(proxyTable(ranked));
  for (const note of report.notes) platform.info(`note: ${note}`);
  platform.info(`GOPROXY=${report.goproxy}`);
  platform.setOutput('goproxy', report.goproxy);
  platform.setOutput('best-proxy', report.bestProxy ?? '');
  platform.setOutput('healthy-count', String(report.healthyCount));
  platform.setOutput('verdict', report.verdict);
  platform.setOutput('report', reportPath);
  return { report, reportPath, gate };
}

function displayChain(chain: Chain, shown: (url: string) => string): string {
  return formatGoproxy(chain.map((e) => (e.kind === 'proxy' ? { ...e, url: shown(e.url) } : e)));
}

function verdictReason(config: Config, verdict: string, ranked: RunReport['proxies']): string {
  const bad = ranked.filter((p) => p.verdict !== 'healthy');
  const list = bad.map((p) => `${p.url} ${p.verdict}${p.failure ? ` (${p.failure.message})` : ''}`).join('; ');
  if (verdict === 'healthy') return `all ${ranked.length} proxies reached min-score ${config.minScore}`;
  if (verdict === 'degraded') return `${ranked.length - bad.length} of ${ranked.length} proxies healthy; ${list}`;
  return `no proxy reached min-score ${config.minScore}: ${list}`;
}
