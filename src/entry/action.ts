import * as core from '@actions/core';
import { saveModuleCache } from '../cache/module-cache-save.js';
import { SetupError } from '../config/errors.js';
import { finishServeStage } from '../engine/serve-stage.js';
import { saveBuildCacheStage } from '../engine/build-cache-stage.js';
import { goRunEnv } from '../go/run-env.js';
import { isDaemonProcess, runDaemon } from '../serve/daemon.js';
import { runGuard } from '../engine/run.js';
import { internalFailure } from '../report/docs-links.js';
import { finalLine } from '../report/headline.js';
import { GitHubPlatform } from '../platform/github.js';
import { GitHubStepState, type StepState } from '../platform/step-state.js';
import { Secrets } from '../secrets/secrets.js';

async function main(steps: StepState): Promise<void> {
  const secrets = new Secrets((v) => core.setSecret(v));
  const platform = new GitHubPlatform(secrets);
  steps.markMain();
  try {
    const { report, reportPath, gate, saveState, buildCacheState, serve } = await runGuard({
      platform,
      secrets,
      env: process.env,
      cwd: process.cwd(),
    });
    steps.handOver({ save: saveState, buildCache: buildCacheState, serve, reportPath });
    // One last line a reader sees: the verdict, its cause, the action, and whether the job fails.
    const last = finalLine(report, gate);
    if (gate.pass) platform.info(last);
    else platform.fail(last);
  } catch (err) {
    platform.fail(err instanceof SetupError ? err.message : internalFailure('go-proxy-guard', err, platform.runContext()));
  }
}

async function post(steps: StepState): Promise<void> {
  const secrets = new Secrets((v) => core.setSecret(v));
  const platform = new GitHubPlatform(secrets);
  // The post step never fails a job that the main step let through.
  const handed = steps.handedOver();
  if (handed.serve) {
    await finishServeStage(handed.serve, handed.reportPath, platform, secrets).catch((err: unknown) =>
      platform.warning(`serve: ${(err as Error).message}`),
    );
  }
  if (handed.save && platform.cache) {
    try {
      await saveModuleCache(handed.save, platform.cache, platform, { goEnv: goRunEnv(process.env), event: process.env.GITHUB_EVENT_NAME });
    } catch (err) {
      platform.warning(`cache save skipped: ${(err as Error).message}`);
    }
  }
  if (handed.buildCache && platform.cache) {
    await saveBuildCacheStage(handed.buildCache, platform.cache, platform, process.env).catch((err: unknown) =>
      platform.warning(`build cache save skipped: ${(err as Error).message}`),
    );
  }
}

// The same bundle is the main step, the post step, and the local proxy that lives between them.
const steps = new GitHubStepState();
if (isDaemonProcess()) await runDaemon();
else if (steps.isPost()) await post(steps);
else await main(steps);
// Abandoned cache transfers (timed out) must not keep the step alive.
process.exit(process.exitCode ?? 0);
