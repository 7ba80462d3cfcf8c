import { replaceFile } from '../secrets/own-files.js';
import * as path from 'node:path';
import type { CiCache } from '../cache/ci-cache.js';
import { OUTPUTS, type OutputName, type RawInputs } from '../config/inputs.js';
import type { RunContext } from '../model/run-context.js';
import type { Secrets } from '../secrets/secrets.js';
import { FileStateStore } from '../state/file-state-store.js';
import type { StateStore } from '../state/guard-state.js';
import { writeDotenv } from './dotenv.js';
import { credentialHosts, formatGoproxy, withoutCredentials, type Chain } from '../goproxy/chain.js';
import { SUMMARY_FILE } from './report-files.js';
import type { CliPlatform } from './platform.js';
import type { Styles } from '../report/styles.js';
import { alwaysStyles, type TextStream } from './terminal.js';

export interface GitLabPlatformOptions {
  secrets: Secrets;
  readInput: RawInputs;
  /** The reports directory the template exposes as artifacts. */
  workDir: string;
  /** The artifacts:reports:dotenv file. */
  dotenvFile: string;
  /** Alert and history state: a path the template keeps in GitLab's cache. */
  stateFile: string;
  stdout: TextStream;
  env: NodeJS.ProcessEnv;
  /** Print the go command's progress lines (also on with CI_DEBUG_TRACE). */
  verbose?: boolean;
}

/** `go-proxy-guard_<n>_<slug>`: GitLab allows letters, digits, `_`, `.` and `-` in section names. */
export const sectionName = (n: number, heading: string): string =>
  `go-proxy-guard_${n}_${heading
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')}`;

/** Prefix of the outputs in the dotenv report: GO_PROXY_GUARD_VERDICT, GO_PROXY_GUARD_HEALTHY_COUNT... */
export const outputVariable = (name: OutputName): string => `GO_PROXY_GUARD_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * The component project on this GitLab, as the template knows it: its
 * engine-project input (where the component project lives, a mirror
 * included), which the template's jobs carry in this variable.
 */
export const COMPONENT_PROJECT_VARIABLE = 'GPG_ENGINE_PROJECT';

/** Where this job runs, from GitLab's predefined variables, and where the component comes from. */
export function gitlabRunContext(env: NodeJS.ProcessEnv, at = new Date()): RunContext {
  const server = env.CI_SERVER_URL;
  const component = env[COMPONENT_PROJECT_VARIABLE];
  return {
    platform: 'gitlab',
    repository: env.CI_PROJECT_PATH,
    workflow: env.CI_JOB_NAME,
    runId: env.CI_PIPELINE_ID,
    runUrl: env.CI_JOB_URL ?? env.CI_PIPELINE_URL,
    event: env.CI_PIPELINE_SOURCE,
    at,
    ...(server && component ? { source: { forge: 'gitlab', serverUrl: server, path: component } } : {}),
  };
}

/**
 * A GitLab CI job. Logs go to the job log (stdout), groups become
 * collapsible sections, exported variables and outputs go to the dotenv
 * report that later jobs receive through `needs:`, the summary is an
 * artifact, and state lives in a file GitLab's cache keeps. The module cache is
 * GitLab's own `cache:` keyword's business (the template keys it on go.sum),
 * so there is no CI cache for the engine to drive.
 */
export class GitLabPlatform implements CliPlatform {
  readonly name = 'gitlab' as const;
  readonly cache: CiCache | undefined = undefined;
  readonly savesModuleCacheItself = true;
  readonly readInput: RawInputs;
  readonly workDir: string;
  readonly state: StateStore;
  readonly outputs: Partial<Record<OutputName, string>> = {};
  /** What the dotenv report holds for each exported variable (credentials removed). */
  readonly exported: Record<string, string> = {};
  readonly styles: Styles;
  /** The reports directory is an artifact: JUnit and the summary belong there. */
  readonly writesReportFiles = true;
  private sections = 0;
  private readonly verbose: boolean;
  /** What the dotenv report had to leave out, said once each. */
  private readonly skipNotes = new Set<string>();

  constructor(private readonly opts: GitLabPlatformOptions) {
    this.readInput = opts.readInput;
    this.workDir = opts.workDir;
    this.state = new FileStateStore(opts.stateFile);
    // The job log is no terminal, but GitLab renders ANSI colours.
    this.styles = alwaysStyles(opts.env);
    this.verbose = opts.verbose === true || opts.env.CI_DEBUG_TRACE === 'true';
    // Later jobs must find a dotenv report even when the run stops early.
    this.writeDotenv();
  }

  runContext(): RunContext {
    return gitlabRunContext(this.opts.env);
  }
  /** The summary is kept as report.md in the reports directory, an artifact of the job. */
  async writeSummary(markdown: string): Promise<void> {
    await replaceFile(path.join(this.workDir, SUMMARY_FILE), this.mask(markdown));
  }
  info(message: string): void {
    this.line(this.mask(message));
  }
  warning(message: string, title?: string): void {
    this.line(this.styles.yellow(`WARNING: ${title ? `${title}: ` : ''}${this.mask(message)}`));
  }
  error(message: string, title?: string): void {
    this.line(this.styles.red(`ERROR: ${title ? `${title}: ` : ''}${this.mask(message)}`));
  }
  debug(message: string): void {
    if (this.verbose) this.line(this.styles.dim(this.mask(message)));
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const section = sectionName(++this.sections, name);
    const now = () => Math.floor(Date.now() / 1000);
    this.opts.stdout.write(`\x1b[0Ksection_start:${now()}:${section}\r\x1b[0K${this.styles.bold(this.styles.cyan(name))}\n`);
    try {
      return await fn();
    } finally {
      this.opts.stdout.write(`\x1b[0Ksection_end:${now()}:${section}\r\x1b[0K\n`);
    }
  }
  setOutput(name: OutputName, value: string): void {
    if (!(name in OUTPUTS)) return;
    // The dotenv report is a downloadable artifact: every secret masked, access tokens included.
    this.outputs[name] = this.mask(value);
    this.writeDotenv();
  }
  /** A dotenv report is a downloadable artifact, so it must not carry credentials: a value holding a secret is left out. */
  exportVariable(name: string, value: string): void {
    if (this.mask(value) !== value) {
      this.warning(`${name} holds a secret: left out of ${this.opts.dotenvFile}`);
      return;
    }
    this.exported[name] = value;
    this.writeDotenv();
  }
  /** GOPROXY loses the user:password of its URLs: later jobs authenticate with netrc, as the go command does. */
  exportGoproxy(chain: Chain): Chain {
    const hosts = credentialHosts(chain);
    if (hosts.length > 0) {
      this.warning(
        `GOPROXY in ${this.opts.dotenvFile} has no credentials: dotenv reports are downloadable artifacts. Give later jobs a netrc for ${hosts.join(', ')} (a File variable named NETRC), as the go command reads it.`,
      );
    }
    const bare = withoutCredentials(chain);
    this.exportVariable('GOPROXY', formatGoproxy(bare));
    return bare;
  }
  /** GitLab masks only variables defined as masked in its settings; every line here is masked before it is written. */
  fail(message: string): void {
    this.error(message);
  }

  /** The dotenv report is rewritten on every change; this names it for the log. */
  finish(): string {
    return this.opts.dotenvFile;
  }

  /** The exported variables, and every output as GO_PROXY_GUARD_<OUTPUT>. */
  dotenvNames(): string[] {
    return [...Object.keys(this.exported), 'GO_PROXY_GUARD_<OUTPUT>'];
  }

  /** Variables first, then outputs: when GitLab's limits leave something out, it is an output. */
  private writeDotenv(): void {
    const outputs = Object.fromEntries(Object.entries(this.outputs).map(([k, v]) => [outputVariable(k as OutputName), v]));
    for (const { name, reason } of writeDotenv(this.opts.dotenvFile, { ...this.exported, ...outputs })) {
      const note = `${name} is left out of ${this.opts.dotenvFile}: ${reason}`;
      if (this.skipNotes.has(note)) continue;
      this.skipNotes.add(note);
      this.warning(note);
    }
  }

  private mask(text: string): string {
    return this.opts.secrets.mask(text);
  }

  private line(text: string): void {
    this.opts.stdout.write(`${text}\n`);
  }
}
