import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { workingDirectoryOf } from '../config/config.js';
import { SetupError } from '../config/errors.js';
import { runGuard, type RunOutcome } from '../engine/run.js';
import type { Verdict } from '../model/verdict.js';
import { GitLabPlatform } from '../platform/gitlab.js';
import { LocalPlatform, type LocalPlatformOptions } from '../platform/local.js';
import type { CliPlatform } from '../platform/platform.js';
import { userTempDir } from '../secrets/private-files.js';
import { SUMMARY_FILE, writeJunit } from '../platform/report-files.js';
import { internalFailure } from '../report/docs-links.js';
import type { Styles } from '../report/styles.js';
import type { TextStream } from '../platform/terminal.js';
import { Secrets } from '../secrets/secrets.js';
import { COMMANDS, EXIT, type GuardCommandName } from './commands.js';
import { inputReader, optionValue, type CommandLine } from './flags.js';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: TextStream;
  stderr: TextStream;
}

export const CLI_SCHEMA = 'go-proxy-guard/cli@1';

export interface GuardHooks {
  /** Platform settings of a command beyond the common ones (serve). */
  local?: Partial<LocalPlatformOptions>;
  /** Runs once the engine is done, before the verdict lines. */
  afterRun?: (outcome: RunOutcome, platform: CliPlatform) => Promise<void>;
}

/**
 * probe, warm and gitlab: the engine behind the command's platform, then
 * the verdict, the gate, the reports and the exported variables, in that
 * order, and the exit status the gate decided.
 */
export async function runGuardCommand(cl: CommandLine, io: CliIo, hooks: GuardHooks = {}): Promise<number> {
  const command = cl.command as GuardCommandName;
  const json = cl.options.json === true;
  const secrets = new Secrets();
  const platform = platformFor(command, cl, io, secrets, hooks.local);
  const printJson = (doc: Record<string, unknown>) =>
    io.stdout.write(`${secrets.mask(JSON.stringify({ schema: CLI_SCHEMA, command, ...doc }, null, 2))}\n`);

  try {
    const outcome = await runGuard({ platform, secrets, env: io.env, cwd: io.cwd });
    const { report, reportPath, gate } = outcome;
    await hooks.afterRun?.(outcome, platform);
    const files: Record<string, string> = { json: reportPath };
    if (platform.writesReportFiles) {
      files.junit = await writeJunit(platform.workDir, report, secrets);
      files.markdown = path.join(platform.workDir, SUMMARY_FILE);
    }
    // The verdict and the gate are the last lines a reader sees.
    platform.info(`verdict: ${paintVerdict(platform.styles, report.verdict)} - ${report.reason}`);
    platform.info(`report: ${Object.values(files).join(', ')}`);
    if (gate.pass) platform.info(`gate: ${platform.styles.green('pass')} (${gate.reason})`);
    else platform.fail(`gate: fail (${gate.reason})`);
    // Last: export lines on stdout are what `eval "$(go-proxy-guard probe -q)"` reads.
    const dotenvFile = platform.finish();
    if (dotenvFile) {
      platform.info(`dotenv: ${dotenvFile} (${platform.dotenvNames().join(', ')})`);
    }
    const exitCode = gate.pass ? EXIT.ok : EXIT.gate;
    if (json) {
      const exported = Object.fromEntries(Object.entries(platform.exported).map(([k, v]) => [k, secrets.maskOutput(v)]));
      printJson({ exitCode, gate, outputs: platform.outputs, exported, reports: files, report });
    }
    return exitCode;
  } catch (err) {
    const usage = err instanceof SetupError;
    const message = usage ? err.message : internalFailure('go-proxy-guard', err, platform.runContext());
    platform.fail(message);
    const exitCode = usage ? EXIT.usage : EXIT.internal;
    if (json) printJson({ exitCode, error: secrets.mask(usage ? message : String((err as Error).message ?? err)) });
    return exitCode;
  }
}

/** The command's platform, with the files it writes resolved from the flags (or their GPG_ variables and defaults). */
function platformFor(
  command: GuardCommandName,
  cl: CommandLine,
  io: CliIo,
  secrets: Secrets,
  local: Partial<LocalPlatformOptions> = {},
): CliPlatform {
  const spec = COMMANDS[command];
  const option = (name: string) =>
    optionValue(
      cl,
      spec.options.find((o) => o.name === name),
      io.env,
    );
  const resolve = (p: string) => path.resolve(io.cwd, p);
  const readInput = inputReader(cl, io.env);
  const [reportsDir, dotenv, stateFile] = [option('reports-dir'), option('dotenv'), option('state-file')];
  const verbose = cl.options.verbose === true;
  if (spec.platform === 'gitlab') {
    // The gitlab command's options all have defaults.
    const file = (p: string | undefined) => resolve(p ?? '');
    return new GitLabPlatform({
      secrets,
      readInput,
      workDir: file(reportsDir),
      dotenvFile: file(dotenv),
      stateFile: file(stateFile),
      stdout: io.stdout,
      env: io.env,
      verbose,
    });
  }
  const projectDir = workingDirectoryOf(readInput, io.cwd);
  return new LocalPlatform({
    secrets,
    readInput,
    // Not a shared /tmp/go-proxy-guard another user could create first: this user's own (0700).
    workDir: reportsDir ? resolve(reportsDir) : userTempDir(),
    writesReportFiles: reportsDir !== undefined,
    stateFile: stateFile ? resolve(stateFile) : localStateFile(io.env, projectDir),
    context: { repository: projectDir, workflow: `go-proxy-guard ${command}`, runId: undefined, runUrl: undefined, event: 'cli' },
    dotenvFile: dotenv ? resolve(dotenv) : undefined,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    json: cl.options.json === true,
    quiet: cl.options.quiet === true,
    verbose,
    ...local,
  });
}

/** One state file per project directory, in the user's cache directory. */
export function localStateFile(env: NodeJS.ProcessEnv, projectDir: string): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  const id = createHash('sha256').update(projectDir).digest('hex').slice(0, 16);
  return path.join(base, 'go-proxy-guard', `state-${id}.json`);
}

function paintVerdict(styles: Styles, verdict: Verdict): string {
  return verdict === 'healthy' ? styles.green(verdict) : verdict === 'degraded' ? styles.yellow(verdict) : styles.red(verdict);
}
