/**
 * A small emulator of the GitHub Actions runner, enough to run the bundled
 * action (dist/index.js) end to end: inputs with action.yml defaults, the
 * file commands (GITHUB_OUTPUT/ENV/PATH/STATE/STEP_SUMMARY), stdout workflow
 * commands, and the main -> post hand-over of state.
 *
 * The child is spawned asynchronously (tests run proxies in this process) in
 * its own process group, and killed on timeout. Like the runner, each job
 * gets a RUNNER_TRACKING_ID, and endJob() kills whatever still carries it
 * (daemons the action left behind, even detached ones).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCommand } from './go.js';
import { makeLabDir, repoRoot } from './paths.js';

export interface RunActionOptions {
  /** Script to run with node (default `<repo>/dist/index.js`). */
  entry?: string;
  /** `with:` values; names as in action.yml. Unset inputs get action.yml defaults. */
  inputs?: Record<string, string>;
  /** Extra environment (wins over the runner's variables; `undefined` removes one). */
  env?: Record<string, string | undefined>;
  /** Working directory and GITHUB_WORKSPACE (default: a fresh empty workspace). */
  cwd?: string;
  /** Kill the step after this long (default 120 s). */
  timeoutMs?: number;
  /** Run as the post step of this earlier result: its state becomes STATE_<name>. */
  stateFrom?: ActionResult;
  /** action.yml for defaults (default `<repo>/action.yml`); false: no defaults. */
  actionYml?: string | false;
  /** Start from the whole of process.env instead of a minimal PATH/HOME/LANG (default false). */
  inheritEnv?: boolean;
  /** Reuse a RUNNER_TEMP (a job shares one across steps). */
  runnerTemp?: string;
  /** Node binary (default: the one running the tests). */
  node?: string;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** GITHUB_OUTPUT (plus deprecated `::set-output`). */
  outputs: Record<string, string>;
  /** GITHUB_ENV. */
  exportedEnv: Record<string, string>;
  /** GITHUB_PATH lines. */
  addedPaths: string[];
  /** GITHUB_STATE (plus deprecated `::save-state`). */
  state: Record<string, string>;
  /** GITHUB_STEP_SUMMARY contents (markdown). */
  summary: string;
  durationMs: number;
  warnings: string[];
  errors: string[];
  notices: string[];
  debug: string[];
  masks: string[];
  /** Every `::cmd props::message` line, decoded. */
  commands: WorkflowCommand[];
  /** Malformed file-command content: the real runner fails the step on these. */
  fileCommandErrors: string[];
  /** Things this emulator could not do like the runner (e.g. an unsupported `${{ }}` in a default). */
  labNotes: string[];
  /** Inputs given that action.yml does not declare (the runner warns "Unexpected input(s)"). */
  unexpectedInputs: string[];
  /** The environment the child got (for debugging and for runPost); RUNNER_TRACKING_ID names the job. */
  env: Record<string, string>;
  runnerTemp: string;
  workspace: string;
  /** Options this run used, so runPost can repeat them. */
  options: RunActionOptions;
}

export interface ActionInputSpec {
  description?: string;
  required?: boolean;
  default?: string;
  deprecationMessage?: string;
}

/** The `inputs:` of an action.yml (the runner, not the toolkit, applies defaults). */
export function readActionInputs(actionYml: string): Record<string, ActionInputSpec> {
  const doc = parseYaml(readFileSync(actionYml, 'utf8')) as { inputs?: Record<string, ActionInputSpec | null> } | null;
  const out: Record<string, ActionInputSpec> = {};
  for (const [name, spec] of Object.entries(doc?.inputs ?? {})) {
    const s = spec ?? {};
    out[name] = { ...s, ...(s.default !== undefined && s.default !== null ? { default: String(s.default) } : {}) };
  }
  return out;
}

/** `INPUT_<NAME>`: upper-case, spaces to `_`, hyphens kept (as the runner does). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Parse a file-command file (GITHUB_OUTPUT/ENV/STATE) the way the runner
 * does: `name=value`, or `name<<DELIM` ... `DELIM` with lines joined by \n.
 */
export function parseFileCommands(content: string): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const eq = line.indexOf('=');
    const hd = line.indexOf('<<');
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      const name = line.slice(0, eq);
      if (!name) errors.push(`line ${i + 1}: empty name`);
      else values[name] = line.slice(eq + 1);
    } else if (hd >= 0) {
      const name = line.slice(0, hd);
      const delim = line.slice(hd + 2);
      if (!name || !delim) {
        errors.push(`line ${i + 1}: invalid heredoc '${line}'`);
        continue;
      }
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && lines[j] !== delim) body.push(lines[j++] ?? '');
      if (j >= lines.length) {
        errors.push(`line ${i + 1}: matching delimiter '${delim}' not found`);
        break;
      }
      values[name] = body.join('\n');
      i = j;
    } else {
      errors.push(`line ${i + 1}: invalid format '${line}'`);
    }
  }
  return { values, errors };
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%25/g, '%');
}

/** Workflow commands on stdout (`::warning file=a::msg`), honouring `::stop-commands::`. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const m = /^::([A-Za-z0-9_-]+)(?:\s+([^:]*))?::(.*)$/.exec(line);
    if (!m?.[1]) {
      const legacy = parseLegacyCommand(raw);
      if (legacy) out.push(legacy);
      continue;
    }
    const properties: Record<string, string> = {};
    for (const kv of (m[2] ?? '').split(',')) {
      const eq = kv.indexOf('=');
      if (eq > 0) properties[kv.slice(0, eq).trim()] = unescapeProperty(kv.slice(eq + 1));
    }
    const cmd: WorkflowCommand = { command: m[1], properties, message: unescapeData(m[3] ?? '') };
    if (cmd.command === 'stop-commands') {
      stopToken = cmd.message;
      continue;
    }
    out.push(cmd);
  }
  return out;
}

/**
 * The runner still honours the legacy form `##[command prop=a;prop=b]data`,
 * and finds it anywhere in a line, not only at its start (ActionCommand.TryParse).
 */
function parseLegacyCommand(line: string): WorkflowCommand | undefined {
  const m = /##\[([A-Za-z0-9_-]+)(?: ([^\]]*))?\](.*)$/.exec(line);
  if (!m?.[1]) return undefined;
  const properties: Record<string, string> = {};
  for (const kv of (m[2] ?? '').split(';')) {
    const eq = kv.indexOf('=');
    if (eq > 0) properties[kv.slice(0, eq)] = unescapeData(kv.slice(eq + 1));
  }
  return { command: m[1], properties, message: unescapeData(m[3] ?? '') };
}

function expand(value: string, ctx: Record<string, string>, notes: string[]): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    if (expr in ctx) return ctx[expr] ?? '';
    notes.push(`unsupported expression in default: \${{ ${expr} }}`);
    return '';
  });
}

function readIfExists(p: string): string {
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Run the action's entry as one step (main, or post with `stateFrom`). */
export async function runAction(opts: RunActionOptions = {}): Promise<ActionResult> {
  const entry = opts.entry ?? path.join(repoRoot, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`lab runner: entry ${entry} does not exist (build the action first)`);
  const runDir = makeLabDir('runner');
  const runnerTemp = opts.runnerTemp ?? path.join(runDir, 'temp');
  const workspace = opts.cwd ?? path.join(runDir, 'workspace');
  const fileDir = path.join(runDir, '_runner_file_commands');
  const home = path.join(runDir, 'home');
  const toolCache = path.join(runDir, 'tool-cache');
  for (const d of [runnerTemp, workspace, fileDir, home, toolCache]) mkdirSync(d, { recursive: true });
  const id = randomUUID();
  const files = {
    GITHUB_OUTPUT: path.join(fileDir, `set_output_${id}`),
    GITHUB_ENV: path.join(fileDir, `set_env_${id}`),
    GITHUB_PATH: path.join(fileDir, `add_path_${id}`),
    GITHUB_STATE: path.join(fileDir, `save_state_${id}`),
    GITHUB_STEP_SUMMARY: path.join(fileDir, `step_summary_${id}`),
  };
  // The runner creates these before the step: @actions/core refuses missing files.
  for (const f of Object.values(files)) writeFileSync(f, '');
  const eventPath = path.join(runDir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'lab/project' } }));

  const base: Record<string, string | undefined> = opts.inheritEnv
    ? { ...process.env }
    : { PATH: process.env.PATH, LANG: 'C.UTF-8', TMPDIR: process.env.TMPDIR, HOME: home };
  const runner: Record<string, string> = {
    // One per job: a post step (stateFrom) belongs to its main step's job.
    RUNNER_TRACKING_ID: opts.stateFrom?.env.RUNNER_TRACKING_ID ?? `github_${randomUUID()}`,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'lab-runner',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'lab/project',
    GITHUB_REPOSITORY_OWNER: 'lab',
    GITHUB_RUN_ID: String(1000 + (Date.now() % 100000)),
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'lab',
    GITHUB_JOB: 'lab',
    GITHUB_ACTION: 'go-proxy-guard',
    GITHUB_ACTOR: 'lab',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_SHA: '0000000000000000000000000000000000000001',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_API_URL: 'https://api.github.example',
    ...files,
  };

  const notes: string[] = [];
  const ctx: Record<string, string> = {
    'github.token': opts.env?.GITHUB_TOKEN ?? '',
    'github.workspace': workspace,
    'github.repository': runner.GITHUB_REPOSITORY ?? '',
    'github.server_url': runner.GITHUB_SERVER_URL ?? '',
    'github.run_id': runner.GITHUB_RUN_ID ?? '',
    'runner.temp': runnerTemp,
    'runner.os': 'Linux',
    'runner.arch': 'X64',
  };
  const inputEnv: Record<string, string> = {};
  const actionYml = opts.actionYml ?? path.join(repoRoot, 'action.yml');
  const declared = actionYml !== false && existsSync(actionYml) ? readActionInputs(actionYml) : undefined;
  if (actionYml !== false && opts.actionYml !== undefined && !declared) throw new Error(`lab runner: ${actionYml} not found`);
  for (const [name, spec] of Object.entries(declared ?? {})) {
    if (spec.default !== undefined) inputEnv[inputEnvName(name)] = expand(spec.default, ctx, notes);
  }
  const unexpectedInputs: string[] = [];
  for (const [name, value] of Object.entries(opts.inputs ?? {})) {
    if (declared && !(name in declared)) unexpectedInputs.push(name);
    inputEnv[inputEnvName(name)] = value;
  }
  const stateEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.stateFrom?.state ?? {})) stateEnv[`STATE_${k}`] = v;

  const merged: Record<string, string | undefined> = { ...base, ...runner, ...inputEnv, ...stateEnv, ...opts.env };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  if (env.RUNNER_TRACKING_ID) liveJobs.add(env.RUNNER_TRACKING_ID);

  const r = await runCommand(opts.node ?? process.execPath, [entry], { cwd: workspace, env, timeoutMs: opts.timeoutMs ?? 120_000 });

  const out = parseFileCommands(readIfExists(files.GITHUB_OUTPUT));
  const exp = parseFileCommands(readIfExists(files.GITHUB_ENV));
  const st = parseFileCommands(readIfExists(files.GITHUB_STATE));
  const commands = parseWorkflowCommands(r.stdout);
  const pick = (c: string): string[] => commands.filter((x) => x.command === c).map((x) => x.message);
  const outputs = { ...out.values };
  const state = { ...st.values };
  for (const c of commands) {
    if (c.command === 'set-output' && c.properties.name) outputs[c.properties.name] ??= c.message;
    if (c.command === 'save-state' && c.properties.name) state[c.properties.name] ??= c.message;
  }
  return {
    code: r.code,
    signal: r.signal,
    timedOut: r.timedOut,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs,
    exportedEnv: exp.values,
    addedPaths: readIfExists(files.GITHUB_PATH)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean),
    state,
    summary: readIfExists(files.GITHUB_STEP_SUMMARY),
    durationMs: r.durationMs,
    warnings: pick('warning'),
    errors: pick('error'),
    notices: pick('notice'),
    debug: pick('debug'),
    masks: pick('add-mask'),
    commands,
    fileCommandErrors: [
      ...out.errors.map((e) => `GITHUB_OUTPUT ${e}`),
      ...exp.errors.map((e) => `GITHUB_ENV ${e}`),
      ...st.errors.map((e) => `GITHUB_STATE ${e}`),
    ],
    labNotes: notes,
    unexpectedInputs,
    env,
    runnerTemp,
    workspace,
    options: opts,
  };
}

/**
 * Run the same entry as the post step of `main`: STATE_<name> for each saved
 * state, the same inputs, workspace and RUNNER_TEMP, plus what main exported
 * through GITHUB_ENV and GITHUB_PATH (they apply to every later step).
 */
export function runPost(main: ActionResult, opts: RunActionOptions = {}): Promise<ActionResult> {
  const pathVar = [...[...main.addedPaths].reverse(), main.env.PATH ?? process.env.PATH ?? ''].filter(Boolean).join(path.delimiter);
  return runAction({
    ...main.options,
    cwd: main.workspace,
    runnerTemp: main.runnerTemp,
    ...opts,
    stateFrom: main,
    env: { ...main.options.env, ...main.exportedEnv, PATH: pathVar, ...opts.env },
  });
}

// ---------------------------------------------------------------- job end

/** Tracking ids runAction handed out in this process and no endJob has ended yet. */
const liveJobs = new Set<string>();

/** Pids (not this process) whose environment holds `RUNNER_TRACKING_ID=<id>`; zombies have none left. */
function trackedPids(id: string): number[] {
  const wanted = `RUNNER_TRACKING_ID=${id}`;
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids; // no procfs: nothing we could find, as on a non-Linux runner
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(wanted)) pids.push(Number(e));
    } catch {
      /* exited meanwhile, or not ours to read */
    }
  }
  return pids;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM every process of the job, SIGKILL what is left after 2 s; resolves to how many were signalled. */
async function killTracked(id: string): Promise<number> {
  const killed = new Set(trackedPids(id));
  signal([...killed], 'SIGTERM');
  const deadline = Date.now() + 2000;
  let left = trackedPids(id);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = trackedPids(id);
  }
  signal(left, 'SIGKILL');
  for (const pid of left) killed.add(pid);
  return killed.size;
}

/**
 * End the job `result` ran in, as the runner does after the last step:
 * kill every process whose /proc/<pid>/environ carries its
 * RUNNER_TRACKING_ID (the test process excluded). Returns how many.
 */
export async function endJob(result: ActionResult): Promise<number> {
  const id = result.env.RUNNER_TRACKING_ID;
  if (!id) return 0;
  liveJobs.delete(id);
  return killTracked(id);
}

/** endJob for every job runAction started in this process (see job-cleanup.ts). */
export async function endAllJobs(): Promise<number> {
  const ids = [...liveJobs];
  liveJobs.clear();
  const counts = await Promise.all(ids.map(killTracked));
  return counts.reduce((a, b) => a + b, 0);
}
