import { replaceFile } from '../secrets/own-files.js';
import * as path from 'node:path';
import type { CiCache } from '../cache/ci-cache.js';
import { formatGoproxy, type Chain } from '../goproxy/chain.js';
import type { OutputName, RawInputs } from '../config/inputs.js';
import type { RunContext } from '../model/run-context.js';
import type { Secrets } from '../secrets/secrets.js';
import { FileStateStore } from '../state/file-state-store.js';
import type { StateStore } from '../state/guard-state.js';
import { exportLine, writeDotenv } from './dotenv.js';
import type { CliPlatform } from './platform.js';
import { SUMMARY_FILE } from './report-files.js';
import type { Styles } from '../report/styles.js';
import { StatusLine, stylesFor, type TextStream } from './terminal.js';

export interface LocalPlatformOptions {
  secrets: Secrets;
  readInput: RawInputs;
  workDir: string;
  /** workDir was asked for (--reports-dir): the summary and JUnit go there too; else the terminal output is the summary. */
  writesReportFiles?: boolean;
  /** Alert and history state between runs on this machine. */
  stateFile: string;
  /** Where and what this run is, for alerts and history. */
  context: Omit<RunContext, 'platform' | 'at'>;
  stdout: TextStream;
  stderr: TextStream;
  env: NodeJS.ProcessEnv;
  /** stdout carries a JSON document: every log line goes to stderr. */
  json?: boolean;
  /** Only warnings and errors are logged (stdout keeps the export lines). */
  quiet?: boolean;
  /** Every progress line is printed, not only the latest on a status line. */
  verbose?: boolean;
  /** Write exported variables here instead of printing export lines. */
  dotenvFile?: string;
  /** serve: the script that becomes the local proxy, and the process whose end stops it. */
  serveEntry?: string;
  jobPid?: number;
}

/**
 * A terminal. Log lines go to stdout, or to stderr when stdout carries
 * something a program reads (--json); warnings and errors always go to
 * stderr. Outputs and exported variables are collected and handed over at
 * the end, as export lines or a dotenv file. The local module cache is
 * already on disk: there is no CI cache to drive.
 */
export class LocalPlatform implements CliPlatform {
  readonly name = 'local' as const;
  readonly cache: CiCache | undefined = undefined;
  readonly readInput: RawInputs;
  readonly workDir: string;
  readonly state: StateStore;
  readonly writesReportFiles: boolean;
  readonly serveEntry: string | undefined;
  readonly jobPid: number | undefined;
  /** Masked, as any output. */
  readonly outputs: Partial<Record<OutputName, string>> = {};
  /** Real values: the shell that evals them needs the real GOPROXY. */
  readonly exported: Record<string, string> = {};

  private readonly log: TextStream | undefined;
  private readonly logStyles: Styles;
  private readonly errStyles: Styles;
  private readonly status: StatusLine | undefined;

  constructor(private readonly opts: LocalPlatformOptions) {
    this.readInput = opts.readInput;
    this.workDir = opts.workDir;
    this.state = new FileStateStore(opts.stateFile);
    this.writesReportFiles = opts.writesReportFiles === true;
    this.serveEntry = opts.serveEntry;
    this.jobPid = opts.jobPid;
    this.log = opts.quiet ? undefined : opts.json ? opts.stderr : opts.stdout;
    this.logStyles = this.log ? stylesFor(this.log, opts.env) : stylesFor(opts.stderr, opts.env);
    this.errStyles = stylesFor(opts.stderr, opts.env);
    // A status line only makes sense on a terminal someone watches.
    this.status = this.log?.isTTY && !opts.verbose ? new StatusLine(this.log, this.logStyles) : undefined;
  }

  get styles(): Styles {
    return this.logStyles;
  }

  runContext(): RunContext {
    return { platform: 'local', ...this.opts.context, at: new Date() };
  }
  async writeSummary(markdown: string): Promise<void> {
    if (!this.writesReportFiles) return;
    await replaceFile(path.join(this.workDir, SUMMARY_FILE), this.mask(markdown));
  }
  info(message: string): void {
    this.write(this.log, this.mask(message));
  }
  warning(message: string, title?: string): void {
    this.write(this.opts.stderr, this.errStyles.yellow(`warning: ${title ? `${title}: ` : ''}${this.mask(message)}`));
  }
  error(message: string, title?: string): void {
    this.write(this.opts.stderr, this.errStyles.red(`error: ${title ? `${title}: ` : ''}${this.mask(message)}`));
  }
  /** The engine's progress lines (go: downloading ...): the status line on a terminal, all of them with --verbose. */
  debug(message: string): void {
    const line = this.mask(message).trim();
    if (!line || !this.log) return;
    if (this.opts.verbose) this.write(this.log, this.logStyles.dim(`  ${line}`));
    else this.status?.update(line);
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.write(this.log, this.logStyles.bold(`==> ${name}`));
    try {
      return await fn();
    } finally {
      this.status?.clear();
    }
  }
  setOutput(name: OutputName, value: string): void {
    // The local proxy's URL keeps its access token: `serve --json` hands it to whoever started it.
    this.outputs[name] = this.opts.secrets.maskOutput(value);
  }
  exportVariable(name: string, value: string): void {
    this.exported[name] = value;
  }
  /** The shell that evals the export lines (or reads --dotenv) is the user's own: the chain goes as it is. */
  exportGoproxy(chain: Chain): Chain {
    this.exportVariable('GOPROXY', formatGoproxy(chain));
    return chain;
  }
  /** A terminal has no log masking of its own: every line is masked before it is written. */
  fail(message: string): void {
    this.error(message);
  }

  /**
   * Hand the exported variables over: a dotenv file when one was asked for,
   * else `export` lines on stdout (none with --json: the document has them).
   */
  finish(): string | undefined {
    this.status?.clear();
    if (this.opts.dotenvFile) {
      for (const { name, reason } of writeDotenv(this.opts.dotenvFile, this.exported))
        this.warning(`${name} is left out of ${this.opts.dotenvFile}: ${reason}`);
      return this.opts.dotenvFile;
    }
    if (!this.opts.json) for (const [name, value] of Object.entries(this.exported)) this.opts.stdout.write(`${exportLine(name, value)}\n`);
    return undefined;
  }

  dotenvNames(): string[] {
    return Object.keys(this.exported);
  }

  private mask(text: string): string {
    return this.opts.secrets.mask(text);
  }

  private write(stream: TextStream | undefined, line: string): void {
    if (!stream) return;
    this.status?.clear();
    stream.write(`${line}\n`);
  }
}
