import * as core from '@actions/core';
import { InputError } from '../config/errors.js';
import { runGuard } from '../engine/run.js';
import { GitHubPlatform } from '../platform/github.js';
import { Secrets } from '../secrets/secrets.js';

/** One bundle serves the main and the post step; the state flag tells them apart. */
const IS_POST = 'isPost';

async function main(): Promise<void> {
  const secrets = new Secrets((v) => core.setSecret(v));
  const platform = new GitHubPlatform(secrets);
  core.saveState(IS_POST, 'true');
  try {
    const { report, gate } = await runGuard({ platform, secrets, env: process.env, cwd: process.cwd() });
    // The verdict and its reason are the last lines a reader sees.
    core.info(secrets.mask(`verdict: ${report.verdict} - ${report.reason}`));
    if (gate.pass) core.info(`gate: pass (${gate.reason})`);
    else platform.fail(`gate: fail (${gate.reason})`);
  } catch (err) {
    platform.fail(err instanceof InputError ? err.message : `go-proxy-guard failed: ${(err as Error).stack ?? err}`);
  }
}

async function post(): Promise<void> {
  // Caching and history are saved here by later stages.
}

if (core.getState(IS_POST) === 'true') await post();
else await main();
