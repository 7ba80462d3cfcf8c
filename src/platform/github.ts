import * as core from '@actions/core';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CiCache } from '../cache/ci-cache.js';
import { formatGoproxy, type Chain } from '../goproxy/chain.js';
import type { InputName, OutputName } from '../config/inputs.js';
import type { RunContext } from '../model/run-context.js';
import { githubRunContext } from './github-context.js';
import type { StateStore } from '../state/guard-state.js';
import { FileStateStore } from '../state/file-state-store.js';
import { GitHubStateStore } from '../state/github-state-store.js';
import type { AlertClaim } from '../state/alert-claim.js';
import { GitHubAlertClaim } from '../state/github-alert-claim.js';
import { GitHubCache } from './github-cache.js';
import { setupGoCacheOn } from './setup-go.js';
import type { Secrets } from '../secrets/secrets.js';
import type { Platform } from './platform.js';
import { neutraliseWorkflowCommands } from './workflow-commands.js';

/**
 * The Actions cache logs its own lines ("Cache restored successfully", sizes,
 * tar): for the run history they go in groups of their own, so nobody takes
 * them for the module cache.
 */
function grouped(store: StateStore): StateStore {
  return {
    load: () => core.group('Run history: restoring it from the Actions cache', () => store.load()),
    save: (state) => core.group('Run history: saving it to the Actions cache', () => store.save(state)),
  };
}

/** The GitHub Actions runner, through @actions/core. */
export class GitHubPlatform implements Platform {
  readonly name = 'github' as const;
  readonly workDir: string;
  readonly cache: CiCache | undefined;
  readonly state: StateStore;
  readonly alertClaim: AlertClaim | undefined;
  /** This very bundle: it becomes the local proxy when started with DAEMON_ENV. */
  readonly serveEntry = process.argv[1];
  /** The runner's worker process, which starts every step of the job and outlives them. */
  readonly jobPid = process.ppid > 1 ? process.ppid : undefined;

  constructor(
    private readonly secrets: Secrets,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.workDir = path.join(env.RUNNER_TEMP || os.tmpdir(), 'go-proxy-guard');
    this.cache = GitHubCache.available() ? new GitHubCache() : undefined;
    // Without the cache service (some self-hosted runners) state lasts for this job only.
    this.state = this.cache
      ? grouped(new GitHubStateStore(env, (m) => this.warning(m)))
      : new FileStateStore(path.join(this.workDir, 'state.json'));
    this.alertClaim = this.cache ? new GitHubAlertClaim(env) : undefined;
  }

  runContext(): RunContext {
    return githubRunContext(this.env);
  }

  /** The workflow file (GITHUB_WORKFLOW_REF, in the checkout) says whether actions/setup-go caches too. */
  otherGoCacheStep(): Promise<string | undefined> {
    return setupGoCacheOn(this.env);
  }

  async writeSummary(markdown: string): Promise<void> {
    if (!this.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(this.secrets.mask(markdown), true).write();
  }

  readonly readInput = (name: InputName): string | undefined => core.getInput(name) || undefined;

  /** Masked, and never a workflow command, whatever text reached it. */
  private shown(message: string): string {
    return neutraliseWorkflowCommands(this.secrets.mask(message));
  }
  info(message: string): void {
    core.info(this.shown(message));
  }
  warning(message: string, title?: string): void {
    core.warning(this.shown(message), title ? { title: this.shown(title) } : undefined);
  }
  error(message: string, title?: string): void {
    core.error(this.shown(message), title ? { title: this.shown(title) } : undefined);
  }
  debug(message: string): void {
    core.debug(this.shown(message));
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn);
  }
  setOutput(name: OutputName, value: string): void {
    core.setOutput(name, this.secrets.maskOutput(value));
  }
  exportVariable(name: string, value: string): void {
    core.exportVariable(name, value);
  }
  /** GITHUB_ENV is read by later steps of this job only: the chain goes as it is (the runner masks its credentials). */
  exportGoproxy(chain: Chain): Chain {
    this.exportVariable('GOPROXY', formatGoproxy(chain));
    return chain;
  }
  fail(message: string): void {
    core.setFailed(this.shown(message));
  }
}
