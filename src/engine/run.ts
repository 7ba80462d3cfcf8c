import type { Config } from '../config/config.js';
import type { SaveState } from '../cache/module-cache-save.js';
import type { GateDecision } from '../model/gate.js';
import type { Platform } from '../platform/platform.js';
import type { RunReport } from '../model/run-report.js';
import { duration } from '../report/format.js';
import { writeReport } from '../report/write-report.js';
import type { Secrets } from '../secrets/secrets.js';
import type { DaemonHandle } from '../serve/daemon.js';
import { assembleReport } from './assemble-report.js';
import { reportBuildCacheRestore, restoreBuildCacheStage, type BuildCacheState } from './build-cache-stage.js';
import { exportStage } from './export-stage.js';
import { decideGate, gateInputOf } from './gate.js';
import { outputsOf } from './outputs.js';
import { overrideInForce, previousState, withOverride } from './override-stage.js';
import { prepareStage } from './prepare-stage.js';
import { rankStage, startProbes } from './probe-stage.js';
import { planAlert, publishStage, silencedNote } from './publish-stage.js';
import { startModuleCacheRestore, warmStage } from './warm-stage.js';

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

/** The whole pipeline, one stage a line: prepare, restore and probe at once, warm, rank, export, report, gate, publish. */
export async function runGuard(ctx: EngineContext): Promise<RunOutcome> {
  const { platform, secrets } = ctx;
  const run = await prepareStage(ctx);
  const { config } = run;
  // The cache downloads need no proxy: they overlap the probe.
  const restore = startModuleCacheRestore(run, platform);
  const buildRestore = run.project.layout !== 'none' ? restoreBuildCacheStage(run, platform) : undefined;
  const probes = startProbes(run);
  for (const url of run.candidates) secrets.addUrl(url);
  const shown = (url: string) => secrets.addUrl(url);
  const state = previousState(platform, config);
  const override = config.override ? await overrideInForce(config.override, state(), shown, platform) : undefined;
  const deadline = config.probe.timeoutAsWritten ?? duration(config.probe.timeoutMs);
  platform.info(`probing ${run.candidates.length} proxies, ${deadline} deadline each: ${run.candidates.map(shown).join(', ')}`);
  const warmed = await warmStage(run, restore, probes, platform);
  const probe = await rankStage(run, probes, warmed.warmFailures, platform, shown);
  const exported = await exportStage(run, probe, platform, secrets);
  const build = await buildRestore;
  if (build) reportBuildCacheRestore(build.restore, platform);
  const assembled = assembleReport({
    config,
    goEnv: run.goEnv,
    userChain: run.userChain,
    project: run.project,
    probe,
    end: run.end,
    warm: warmed.warm,
    warmNotes: warmed.notes,
    serve: { url: exported.handle?.url, note: exported.note },
    exported: exported.shown,
    build: build?.restore,
    override: override?.notice,
    toolchain: { project: run.toolchain, warm: warmed.toolchain },
    shown,
    generatedAt: new Date(),
  });
  const gate = decideGate(gateInputOf(run, assembled));
  for (const note of assembled.notes) platform.info(`note: ${note}`);
  const previous = await state();
  const context = platform.runContext();
  // The alert is decided before the report is written, so that the report file says what the summary says.
  const alert = planAlert(config, assembled, previous, context);
  const report: RunReport = { ...assembled, notes: [...assembled.notes, ...silencedNote(alert)] };
  const reportPath = await writeReport(platform.workDir, report, secrets);
  const published = await publishStage({ config, report, gate, platform, secrets, state: previous, alert, context });
  await platform.state.save(withOverride(published.state, config.override, override?.since));
  platform.info(
    report.serve
      ? `GOPROXY=${report.exportedGoproxy} for later steps; without the local proxy: ${report.goproxy}`
      : `GOPROXY=${report.exportedGoproxy}`,
  );
  const outputs = outputsOf(report, {
    reportPath,
    statusPath: published.statusPath,
    statusPagePath: published.statusPagePath,
    localProxy: exported.handle?.url,
    chain: probe.chain,
  });
  for (const [name, value] of Object.entries(outputs)) platform.setOutput(name as keyof typeof outputs, value);
  return { config, report, reportPath, gate, saveState: warmed.saveState, buildCacheState: build?.state, serve: exported.handle };
}
