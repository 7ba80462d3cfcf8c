import * as core from '@actions/core';
import { InputError } from '../config/errors.js';
import { saveModuleCache, type SaveState } from '../cache/module-cache-save.js';
import { goRunEnv } from '../engine/warm-stage.js';
import { finishServeStage } from '../engine/serve-stage.js';
import { saveBuildCacheStage, type BuildCacheState } from '../engine/build-cache-stage.js';
import { isDaemonProcess, runDaemon, type DaemonHandle } from '../serve/daemon.js';
import { runGuard } from '../engine/run.js';
import { finalLine } from '../report/headline.js';
import { GitHubPlatform } from '../platform/github.js';
import { Secrets } from '../secrets/secrets.js';

/** One bundle serves the main and the post step; state tells them apart. */
const State = { isPost: 'isPost', save: 'save', buildCache: 'buildCache', serve: 'serve', report: 'report' } as const;

async function main(): Promise<void> {
  const secrets = new Secrets((v) => core.setSecret(v));
  const platform = new GitHubPlatform(secrets);
  core.saveState(State.isPost, 'true');
  try {
    const { report, reportPath, gate, saveState, buildCacheState, serve } = await runGuard({ platform, secrets, env: process.env, cwd: process.cwd() });
    if (saveState) core.saveState(State.save, JSON.stringify(saveState));
    if (buildCacheState) core.saveState(State.buildCache, JSON.stringify(buildCacheState));
    if (serve) core.saveState(State.serve, JSON.stringify(serve));
    core.saveState(State.report, reportPath);
    // One last line a reader sees: the verdict, its cause, the action, and whether the job fails.
    const last = finalLine(report, gate);
    if (gate.pass) platform.info(last);
    else platform.fail(last);
  } catch (err) {
    platform.fail(err instanceof InputError ? err.message : `go-proxy-guard failed: ${(err as Error).stack ?? err}`);
  }
}

async function post(): Promise<void> {
  const secrets = new Secrets((v) => core.setSecret(v));
  const platform = new GitHubPlatform(secrets);
  // The post step never fails a job that the main step let through.
  const serve = core.getState(State.serve);
  if (serve) {
    await finishServeStage(JSON.parse(serve) as DaemonHandle, core.getState(State.report) || undefined, platform, secrets).catch((err: unknown) =>
      platform.warning(`serve: ${(err as Error).message}`),
    );
  }
  const raw = core.getState(State.save);
  if (raw && platform.cache) {
    try {
      await saveModuleCache(JSON.parse(raw) as SaveState, platform.cache, platform, { goEnv: goRunEnv(process.env), event: process.env.GITHUB_EVENT_NAME });
    } catch (err) {
      platform.warning(`cache save skipped: ${(err as Error).message}`);
    }
  }
  const build = core.getState(State.buildCache);
  if (build && platform.cache) {
    await saveBuildCacheStage(JSON.parse(build) as BuildCacheState, platform.cache, platform, process.env).catch((err: unknown) =>
      platform.warning(`build cache save skipped: ${(err as Error).message}`),
    );
  }
}

// The same bundle is the main step, the post step, and the local proxy that lives between them.
if (isDaemonProcess()) await runDaemon();
else if (core.getState(State.isPost) === 'true') await post();
else await main();
// Abandoned cache transfers (timed out) must not keep the step alive.
process.exit(process.exitCode ?? 0);
