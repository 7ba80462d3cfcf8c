import { SetupError } from '../config/errors.js';
import type { Platform } from '../platform/platform.js';
import type { StepState } from '../platform/step-state.js';
import { internalFailure } from '../report/docs-links.js';
import { finalLine } from '../report/headline.js';
import type { Secrets } from '../secrets/secrets.js';
import { runGuard } from './run.js';

/**
 * The action's main step: the run, the handover to the post step, and one
 * last line a reader sees (the verdict, its cause, the action, and whether
 * the job fails).
 */
export async function mainStep(platform: Platform, secrets: Secrets, steps: StepState, env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  steps.markMain();
  try {
    const { report, reportPath, gate, saveState, buildCacheState, serve } = await runGuard({ platform, secrets, env, cwd });
    steps.handOver({ save: saveState, buildCache: buildCacheState, serve, reportPath });
    const last = finalLine(report, gate);
    if (gate.pass) platform.info(last);
    else platform.fail(last);
  } catch (err) {
    platform.fail(err instanceof SetupError ? err.message : internalFailure('go-proxy-guard', err, platform.runContext()));
  }
}
