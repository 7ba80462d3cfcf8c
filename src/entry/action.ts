import * as core from '@actions/core';
import { mainStep } from '../engine/main-step.js';
import { postStage } from '../engine/post.js';
import { GitHubPlatform } from '../platform/github.js';
import { GitHubStepState } from '../platform/step-state.js';
import { Secrets } from '../secrets/secrets.js';
import { isDaemonProcess, runDaemon } from '../serve/daemon.js';

// The same bundle is the main step, the post step, and the local proxy that lives between them.
const steps = new GitHubStepState();
if (isDaemonProcess()) await runDaemon();
else {
  const secrets = new Secrets((v) => core.setSecret(v));
  const platform = new GitHubPlatform(secrets);
  if (steps.isPost()) await postStage(steps.handedOver(), platform, secrets, process.env);
  else await mainStep(platform, secrets, steps, process.env, process.cwd());
}
// Abandoned cache transfers (timed out) must not keep the step alive.
process.exit(process.exitCode ?? 0);
