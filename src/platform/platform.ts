import type { CiCache } from '../cache/ci-cache.js';
import type { Chain } from '../goproxy/chain.js';
import type { OutputName, RawInputs } from '../config/inputs.js';
import type { RunContext } from '../model/run-context.js';
import type { AlertClaim } from '../state/alert-claim.js';
import type { StateStore } from '../state/guard-state.js';
import type { Styles } from '../report/styles.js';

/**
 * The engine-facing seam. The only code that knows where inputs come from and where outputs,
 * exported variables, summaries and logs go (GitHub runner, GitLab job,
 * terminal). Everything it is handed is already masked, except exported
 * variables: later steps need the real GOPROXY.
 */
export interface Platform {
  readonly name: 'github' | 'gitlab' | 'local';
  readonly readInput: RawInputs;
  /** Where reports and scratch files go. */
  readonly workDir: string;
  /** The platform's cache for GOMODCACHE, when it has one the engine drives. */
  readonly cache: CiCache | undefined;
  /**
   * The platform saves GOMODCACHE itself once the job ends (GitLab's cache:),
   * so the engine prunes it to the build list before then.
   */
  readonly savesModuleCacheItself?: boolean;
  /**
   * The script that becomes the local proxy (serve) when later steps of this
   * job run on this machine; undefined where they do not (a GitLab job hands
   * its chain to other jobs, which start their own).
   */
  readonly serveEntry?: string;
  /** The process that lives as long as the job: the local proxy stops when it is gone. */
  readonly jobPid?: number;
  /**
   * Another step of this job that saves GOCACHE and GOMODCACHE too
   * (actions/setup-go with its cache on), named as the workflow names it;
   * undefined when there is none, or the platform cannot tell.
   */
  otherGoCacheStep?(): Promise<string | undefined>;
  /** Where alert and history state survives between runs. */
  readonly state: StateStore;
  /** Elects one sender per alert among the jobs of a run, where the platform can (GitHub's cache). */
  readonly alertClaim?: AlertClaim;
  /** Repository, workflow, run link: for alerts, summaries and history. */
  runContext(): RunContext;
  /** Publish the Markdown summary where this platform shows one (step summary, artifact, terminal). */
  writeSummary(markdown: string): Promise<void>;
  info(message: string): void;
  warning(message: string, title?: string): void;
  error(message: string, title?: string): void;
  debug(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  setOutput(name: OutputName, value: string): void;
  exportVariable(name: string, value: string): void;
  /**
   * Export GOPROXY to later steps and return the chain they get: the chain
   * itself, or (where exported variables are a file others can download,
   * GitLab's dotenv report) the chain without credentials, which later jobs
   * then read from netrc.
   */
  exportGoproxy(chain: Chain): Chain;
  fail(message: string): void;
}

/**
 * What the CLI needs beyond the engine's seam, of the platforms it runs the
 * engine behind (a terminal, a GitLab job): the verdict lines' colours, the
 * report files, and the outputs and variables handed over at the end.
 */
export interface CliPlatform extends Platform {
  readonly name: 'gitlab' | 'local';
  readonly styles: Styles;
  /** JUnit and the Markdown summary belong in workDir (an artifact, or --reports-dir). */
  readonly writesReportFiles: boolean;
  /** Masked, as any output: for --json. */
  readonly outputs: Partial<Record<OutputName, string>>;
  /** What later steps get, by name (credentials are the platform's business: see each). */
  readonly exported: Record<string, string>;
  /** Hand the exported variables over; the dotenv file that holds them, when one does. */
  finish(): string | undefined;
  /** The variable names that dotenv file holds, for the log. */
  dotenvNames(): string[];
}
