import type { Config } from '../config/config.js';
import type { SaveState } from '../cache/module-cache-save.js';
import type { Platform } from '../platform/platform.js';
import type { RunReport } from '../report/run-report.js';
import { duration } from '../report/summary.js';
import { writeReport } from '../report/write-report.js';
import type { Secrets } from '../secrets/secrets.js';
import type { DaemonHandle } from '../serve/daemon.js';
import { assembleReport } from './assemble-report.js';
import { reportBuildCacheRestore, restoreBuildCacheStage, type BuildCacheState } from './build-cache-stage.js';
import { exportStage } from './export-stage.js';
import { decideGate, gateInputOf, type GateDecision } from './gate.js';
import { moduleCacheStage, startModuleCacheRestore } from './module-cache-stage.js';
import { outputsOf } from './outputs.js';
import { overrideInForce, previousState, withOverride } from './override-stage.js';
import { prepareStage } from './prepare-stage.js';
import { rankStage, startProbes } from './probe-stage.js';
import { publishStage } from './publish-stage.js';

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

/** The toolchain the project's go commands switch to, when they switch. */
const switchedTo = (run: { toolchain: { choice: { kind: string; name?: string } } }) =>
  run.toolchain.choice.kind === 'switch' ? run.toolchain.choice.name : undefined;

/** The whole pipeline, one stage a line: prepare, restore and probe at once, warm, rank, export, report, gate, publish. */
export async function runGuard(ctx: EngineContext): Promise<RunOutcome> {
  const { platform, secrets } = ctx;
  const run = await prepareStage(ctx);
  const { config } = run;
  // The cache downloads need no proxy: they overlap the probe.
  const restore = startModuleCacheRestore(run, platform);
  const buildRestore =
    run.project.layout !== 'none'
      ? restoreBuildCacheStage({ config, goEnv: run.goEnv, project: run.project, platform, toolchain: switchedTo(run) })
      : undefined;
  const probes = startProbes(config, run.goEnv, run.project, run.credentials);
  for (const url of probes.candidates) secrets.addUrl(url);
  const shown = (url: string) => secrets.addUrl(url);
  const state = previousState(platform, config);
  const override = config.override ? await overrideInForce(config.override, state(), shown, platform) : undefined;
  const deadline = config.probe.timeoutAsWritten ?? duration(config.probe.timeoutMs);
  platform.info(`probing ${probes.candidates.length} proxies, ${deadline} deadline each: ${probes.candidates.map(shown).join(', ')}`);
  const cache = await moduleCacheStage(run, restore, probes, platform);
  const probe = await rankStage(config, probes, cache.warmFailures, platform, shown);
  const exported = await exportStage(run, probe, platform, secrets);
  const build = await buildRestore;
  if (build) reportBuildCacheRestore(build.restore, platform);
  const report = assembleReport({
    config,
    goEnv: run.goEnv,
    project: run.project,
    probe,
    terminal: probes.terminal,
    warm: cache.warm,
    warmNotes: cache.notes,
    serve: { url: exported.handle?.url, note: exported.note },
    build: build?.restore,
    override: override?.notice,
    toolchain: { project: run.toolchain, warm: cache.toolchain },
    shown,
    generatedAt: new Date(),
  });
  const reportPath = await writeReport(platform.workDir, report, secrets);
  const gate = decideGate(gateInputOf(config, report));
  for (const note of report.notes) platform.info(`note: ${note}`);
  const published = await publishStage({ config, report, gate, platform, secrets, state: await state(), override: override?.notice });
  await platform.state.save(withOverride(published.state, config.override, override?.since));
  // Publishing may have added notes (a silenced alert): the report file says what the summary says.
  await writeReport(platform.workDir, report, secrets);
  platform.info(
    report.exportedGoproxy === report.goproxy
      ? `GOPROXY=${report.goproxy}`
      : `GOPROXY=${report.exportedGoproxy} for later steps; without the local proxy: ${report.goproxy}`,
  );
  const outputs = outputsOf(report, {
    reportPath,
    statusPath: published.statusPath,
    statusPagePath: published.statusPagePath,
    localProxy: exported.handle?.url,
    chain: probe.chain,
  });
  for (const [name, value] of Object.entries(outputs)) platform.setOutput(name as keyof typeof outputs, value);
  return { config, report, reportPath, gate, saveState: cache.saveState, buildCacheState: build?.state, serve: exported.handle };
}
