import { parseArgs } from 'node:util';
import { ALERT_ON, FAIL_ON, FALLBACKS, SAVE_CACHE, WEBHOOK_FORMATS } from '../config/config.js';
import { INPUTS, type InputName, type RawInputs } from '../config/inputs.js';
import { COMMAND_NAMES, COMMANDS, COMMON_OPTIONS, type CommandName, type OptionSpec } from './commands.js';

/**
 * Inputs outside the action: `--probe-timeout 3s` on the command line, or
 * `GPG_PROBE_TIMEOUT=3s` in the environment (the flag wins). Both are
 * generated from the INPUTS table, so a new input is a new flag, and values
 * go through the same buildConfig as the action's.
 */
export const INPUT_NAMES = Object.keys(INPUTS) as InputName[];

export const inputEnvName = (name: InputName): string => `GPG_${name.toUpperCase().replace(/-/g, '_')}`;

/** Inputs that hold lists: repeating the flag adds entries. Any other flag may appear once. */
export const LIST_INPUTS: readonly InputName[] = ['proxies', 'webhook-url', 'slack-webhook-url', 'alert-silence'];

/** The accepted values of the inputs that are choices (from the constants buildConfig checks against). */
export const INPUT_CHOICES: Partial<Record<InputName, readonly string[]>> = {
  fallback: FALLBACKS,
  'fail-on': FAIL_ON,
  'save-cache': SAVE_CACHE,
  'webhook-format': WEBHOOK_FORMATS,
  'alert-on': ALERT_ON,
};

export type InputKind = 'boolean' | 'duration' | 'number' | 'choice' | 'text';

/** What kind of value an input takes, read from its default (and its choices). */
export function inputKind(name: InputName): InputKind {
  const d: string = INPUTS[name].default;
  if (INPUT_CHOICES[name]) return 'choice';
  if (d === 'true' || d === 'false') return 'boolean';
  if (/^\d+(?:\.\d+)?(?:ms|s|m|h)$/.test(d)) return 'duration';
  if (/^\d+(?:\.\d+)?$/.test(d)) return 'number';
  return 'text';
}

/** The value placeholder shown in --help. */
export function inputPlaceholder(name: InputName): string {
  const kind = inputKind(name);
  if (kind === 'choice') return (INPUT_CHOICES[name] ?? []).join('|');
  if (kind === 'boolean') return 'true|false';
  if (kind === 'text')
    return name === 'proxies' || name.endsWith('-url') ? 'urls' : name.endsWith('directory') || name.endsWith('-file') ? 'path' : 'value';
  return kind;
}

/** A bad command line: reported with the command's help hint, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: CommandName | undefined,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandLine {
  /** Undefined when none was given (main help). */
  command: CommandName | undefined;
  /** Input values given as flags. */
  inputs: Partial<Record<InputName, string>>;
  /** Values of the other flags; switches are `true`. */
  options: Record<string, string | true>;
  help: boolean;
  version: boolean;
}

const negated = (name: InputName) => `no-${name}`;
const negatable = (name: InputName) => inputKind(name) === 'boolean';

/** Every long flag any command knows, so values are consumed alike before the command is known. */
function allFlags(): Map<string, { type: 'string' | 'boolean'; short?: string }> {
  const flags = new Map<string, { type: 'string' | 'boolean'; short?: string }>();
  for (const name of INPUT_NAMES) {
    flags.set(name, { type: 'string' });
    if (negatable(name)) flags.set(negated(name), { type: 'boolean' });
  }
  const add = (o: OptionSpec) => flags.set(o.name, { type: o.value ? 'string' : 'boolean', short: o.short });
  for (const o of COMMON_OPTIONS) add(o);
  for (const c of COMMAND_NAMES) for (const o of COMMANDS[c].options) add(o);
  flags.set('version', { type: 'boolean' });
  return flags;
}

/** The flags a command accepts, input flags included. */
export function commandFlags(command: CommandName | undefined): Set<string> {
  const names = new Set<string>(['help', 'version']);
  if (!command) return names;
  for (const o of [...COMMON_OPTIONS, ...COMMANDS[command].options]) names.add(o.name);
  if (!COMMANDS[command].inputs) return names;
  for (const name of INPUT_NAMES) {
    names.add(name);
    if (negatable(name)) names.add(negated(name));
  }
  return names;
}

/**
 * `go-proxy-guard [flags] <command> [flags]`, parsed with node's own
 * util.parseArgs (tokens mode, so every message is ours and names the flag).
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const flags = allFlags();
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries([...flags].map(([name, f]) => [name, f.short ? { type: f.type, short: f.short } : { type: f.type }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let command: CommandName | undefined;
  let helpTopic = false;
  const seen: { name: string; raw: string; value: string | undefined }[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (command === undefined && !helpTopic && t.value === 'help') helpTopic = true;
      else if (command === undefined && (COMMAND_NAMES as string[]).includes(t.value)) command = t.value as CommandName;
      else if (command === undefined)
        throw new UsageError(`unknown command "${t.value}" (commands: ${COMMAND_NAMES.join(', ')})`, undefined);
      else throw new UsageError(`unexpected argument "${t.value}" (flags take their value as --flag value or --flag=value)`, command);
      continue;
    }
    const spec = flags.get(t.name);
    if (!spec) throw new UsageError(`unknown flag ${t.rawName}`, command);
    if (spec.type === 'boolean' && t.value !== undefined)
      throw new UsageError(`flag ${t.rawName} takes no value, got "${t.value}"`, command);
    if (spec.type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) {
      throw new UsageError(`flag ${t.rawName} needs a value (--${t.name} <value>, or --${t.name}=<value>)`, command);
    }
    seen.push({ name: t.name, raw: t.rawName, value: t.value });
  }

  const accepted = commandFlags(command);
  const inputs: Partial<Record<InputName, string>> = {};
  const options: Record<string, string | true> = {};
  for (const s of seen) {
    if (!accepted.has(s.name)) {
      throw new UsageError(
        command ? `flag ${s.raw} does not apply to "${command}"` : `flag ${s.raw} needs a command (${COMMAND_NAMES.join(', ')})`,
        command,
      );
    }
    const input = (INPUT_NAMES as string[]).includes(s.name) ? (s.name as InputName) : undefined;
    const negatedInput = INPUT_NAMES.find((n) => negatable(n) && negated(n) === s.name);
    const name = input ?? negatedInput;
    if (name) {
      const value = input ? (s.value as string) : 'false';
      if (command && COMMANDS[command].fixed[name] !== undefined) {
        throw new UsageError(
          `flag ${s.raw} is set by "${command}" itself (${name}=${COMMANDS[command].fixed[name]})${name === 'prewarm' ? '; use "warm" to pre-warm' : ''}`,
          command,
        );
      }
      if (inputs[name] !== undefined && !LIST_INPUTS.includes(name)) throw new UsageError(`flag --${name} is given twice`, command);
      inputs[name] = inputs[name] !== undefined ? `${inputs[name]}\n${value}` : value;
    } else if (s.name !== 'help' && s.name !== 'version') {
      if (options[s.name] !== undefined) throw new UsageError(`flag ${s.raw} is given twice`, command);
      options[s.name] = s.value ?? true;
    }
  }
  const help = helpTopic || seen.some((s) => s.name === 'help');
  return { command, inputs, options, help, version: seen.some((s) => s.name === 'version') };
}

/** An option's value: the flag, else its environment variable, else its default. */
export function optionValue(cl: CommandLine, spec: OptionSpec | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!spec) return undefined;
  const flag = cl.options[spec.name];
  if (typeof flag === 'string') return flag;
  const fromEnv = spec.env ? env[spec.env]?.trim() : undefined;
  return fromEnv || spec.default;
}

/** Where inputs come from outside the action: the command's own choices, then flags, then GPG_<NAME>. */
export function inputReader(cl: CommandLine, env: NodeJS.ProcessEnv): RawInputs {
  const fixed = cl.command ? COMMANDS[cl.command].fixed : {};
  return (name) => fixed[name] ?? cl.inputs[name] ?? env[inputEnvName(name)];
}
