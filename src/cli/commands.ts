import type { InputName } from '../config/inputs.js';

/**
 * The CLI's subcommands and the flags that are not inputs. Input flags are
 * not listed here: every command takes every input as a flag (see flags.ts),
 * generated from the INPUTS table.
 */
export type CommandName = 'probe' | 'warm' | 'serve' | 'doctor' | 'gitlab' | 'status-page';
/** The commands that run the engine (and so take every input). */
export type GuardCommandName = Exclude<CommandName, 'doctor' | 'status-page'>;

export interface OptionSpec {
  name: string;
  short?: string;
  /** Placeholder of the value; absent for a switch. */
  value?: string;
  description: string;
  /** Environment variable read when the flag is absent. */
  env?: string;
  default?: string;
}

export interface CommandSpec {
  name: CommandName;
  summary: string;
  /** Paragraphs shown under the usage line of the command's help. */
  about: string[];
  /** Where the run's inputs, logs, exported variables and reports go; none for a command that runs nothing. */
  platform: 'local' | 'gitlab' | 'none';
  /** Whether it takes the inputs as flags (every command that probes does). */
  inputs: boolean;
  /** Inputs the command decides itself; a flag for one is refused. */
  fixed: Partial<Record<InputName, string>>;
  options: OptionSpec[];
}

/** Switches every command takes. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'json', description: 'Print one JSON document on stdout instead of the human output; log lines go to stderr.' },
  { name: 'quiet', short: 'q', description: 'Print only what other programs read (export lines or --json), warnings and errors.' },
  { name: 'verbose', short: 'v', description: "Print the go command's progress lines (go: downloading ...) as they come." },
  { name: 'help', short: 'h', description: 'Show this help.' },
];

const localOutputs: OptionSpec[] = [
  {
    name: 'dotenv',
    value: 'file',
    description: 'Write the exported variables (GOPROXY, GOFLAGS) to this dotenv file (NAME=value lines) instead of printing export lines.',
  },
  {
    name: 'reports-dir',
    value: 'dir',
    description: 'Write report.json, junit.xml and report.md here (default: report.json only, in the temp directory).',
  },
  {
    name: 'state-file',
    value: 'file',
    description: 'Alert and health history state between runs (default: one file per project under $XDG_CACHE_HOME/go-proxy-guard).',
  },
];

const gitlabOutputs: OptionSpec[] = [
  {
    name: 'dotenv',
    value: 'file',
    env: 'GPG_DOTENV',
    default: 'go-proxy-guard.env',
    description:
      'The artifacts:reports:dotenv file: GOPROXY (credentials removed), GOFLAGS when vendor/ is used, and the outputs as GO_PROXY_GUARD_<NAME>.',
  },
  {
    name: 'reports-dir',
    value: 'dir',
    env: 'GPG_REPORTS_DIR',
    default: 'go-proxy-guard-report',
    description: 'Where report.json, junit.xml and report.md go (the template exposes them as artifacts).',
  },
  {
    name: 'state-file',
    value: 'file',
    env: 'GPG_STATE_FILE',
    default: '.go-proxy-guard/state/state.json',
    description: "Alert and health history state between pipelines (the template keeps it in GitLab's cache).",
  },
];

export const COMMANDS: Record<CommandName, CommandSpec> = {
  probe: {
    name: 'probe',
    summary: 'probe and rank the candidate proxies and print the GOPROXY chain; downloads nothing',
    about: [
      'Every candidate is asked what the go command will ask for this project, under --probe-timeout, then scored and ranked.',
      'The chain is printed as export lines on stdout: eval "$(go-proxy-guard probe -q)" sets GOPROXY in the current shell.',
    ],
    platform: 'local',
    inputs: true,
    fixed: { prewarm: 'false', serve: 'false' },
    options: localOutputs,
  },
  warm: {
    name: 'warm',
    summary: 'probe, then download the whole build list into GOMODCACHE down the degradation ladder',
    about: [
      'Like probe, then go mod download down the ladder: ranked proxies, retries of transient failures, direct, vendor/.',
      'The local module cache is used as it is; nothing is restored or saved.',
    ],
    platform: 'local',
    inputs: true,
    fixed: { serve: 'false' },
    options: localOutputs,
  },
  serve: {
    name: 'serve',
    summary: 'probe, then run a local GOPROXY on 127.0.0.1 in front of the ranked chain for every later go command',
    about: [
      'Starts the local proxy in the background and prints GOPROXY=http://127.0.0.1:<port>|<chain> as export lines (or --dotenv):',
      'eval "$(go-proxy-guard serve -q)". Every go command then gets deadlines, retries, hedging and checked answers.',
      'It stops when the shell that started it exits, after serve-idle-timeout without requests, or with serve --stop,',
      'which prints what it absorbed. --foreground keeps it in this terminal until Ctrl-C instead.',
    ],
    platform: 'local',
    inputs: true,
    fixed: { prewarm: 'false', cache: 'false', serve: 'true' },
    options: [
      ...localOutputs,
      {
        name: 'serve-dir',
        value: 'dir',
        env: 'GPG_SERVE_DIR',
        description:
          'Where the local proxy keeps its handle, log and figures (default: one directory per CI job, or per shell, in the temp directory).',
      },
      { name: 'stop', description: 'Stop the local proxy this shell (or CI job) started, and print its figures.' },
      { name: 'foreground', description: 'Stay in the foreground until interrupted, then stop the proxy and print its figures.' },
    ],
  },
  doctor: {
    name: 'doctor',
    summary: 'check the local Go setup: GOPROXY semantics, private modules, the checksum database, vendor/, the module cache',
    about: [
      'Reads go env and the project (--working-directory), explains the GOPROXY chain, and asks each proxy in it (or --proxies)',
      'whether it serves the checksum database. Exits 1 when a check fails; warnings do not change the exit status.',
    ],
    platform: 'local',
    inputs: true,
    fixed: {},
    options: [],
  },
  gitlab: {
    name: 'gitlab',
    summary: 'the whole run as a GitLab CI job (used by templates/go-proxy-guard.yml)',
    about: [
      'Inputs come from flags or GPG_<NAME> variables (the template sets the variables from its spec:inputs).',
      'Writes the dotenv report for later jobs, JUnit, Markdown and JSON reports, and prints collapsible log sections.',
    ],
    platform: 'gitlab',
    inputs: true,
    fixed: {},
    options: gitlabOutputs,
  },
  'status-page': {
    name: 'status-page',
    summary: 'draw the status page (one self-contained HTML file) from a status document or the kept history',
    about: [
      "Reads a status.json (the action's output status, the GitLab job's go-proxy-guard-report/status.json) or a state file (the history probe and warm keep, or GitLab's .go-proxy-guard/state/state.json) and writes the page the status-page input writes: the verdict, each proxy with its score, a chart per proxy over the kept runs, outages, MTTR.",
      'It probes nothing, and the page requests nothing when viewed (file://, GitHub Pages, GitLab Pages).',
    ],
    platform: 'none',
    inputs: false,
    fixed: {},
    options: [
      {
        name: 'from',
        value: 'file',
        description:
          'A status document (status.json) or a state file. Default: the state file probe and warm keep for the project in the current directory.',
      },
      {
        name: 'out',
        value: 'file|dir',
        default: 'status.html',
        description:
          'Where the page goes; a directory (one that exists, or a path ending in /) gets index.html, ready to publish as a site.',
      },
    ],
  },
};

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** Exit statuses, one meaning each; the help, docs/cli.md and gitlab/README.md list them. */
export const EXIT = {
  /** The gate passed (fail-on), or doctor found nothing failing. */
  ok: 0,
  /** The gate failed per fail-on, or a doctor check failed. */
  gate: 1,
  /** A bad command line or input value: nothing was probed. */
  usage: 2,
  /** go-proxy-guard itself failed (a bug, or the environment broke under it). */
  internal: 3,
} as const;
