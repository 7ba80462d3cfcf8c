import { INPUTS } from '../config/inputs.js';
import { COMMAND_NAMES, COMMANDS, COMMON_OPTIONS, EXIT, type CommandName, type OptionSpec } from './commands.js';
import { INPUT_NAMES, inputEnvName, inputKind, inputPlaceholder, LIST_INPUTS } from './flags.js';

const WIDTH = 100;
const FLAG_COLUMN = 38;

const EXIT_LINES = [
  `  ${EXIT.ok}  the gate passed (fail-on), doctor found nothing failing, or status-page wrote the page`,
  `  ${EXIT.gate}  the gate failed per fail-on, or a doctor check failed`,
  `  ${EXIT.usage}  bad command line, input value or --from file (the message names it); nothing was probed`,
  `  ${EXIT.internal}  go-proxy-guard itself failed`,
];

export function mainHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((c) => c.length)) + 4;
  return [
    'go-proxy-guard: probe Go module proxies, export the healthiest GOPROXY chain, pre-warm the module cache.',
    '',
    'Usage: go-proxy-guard <command> [flags]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((c) => `  ${c.padEnd(width)}${COMMANDS[c].summary}`),
    '',
    'Run "go-proxy-guard <command> --help" for the flags of a command; every command that probes takes every',
    `input as a flag (--probe-timeout 5s) or as GPG_<NAME> in the environment (${inputEnvName('probe-timeout')}=5s).`,
    '',
    'Exit status:',
    ...EXIT_LINES,
    '',
  ].join('\n');
}

/** A command's help: every flag it takes, input flags generated from the INPUTS table. */
export function commandHelp(name: CommandName): string {
  const cmd = COMMANDS[name];
  const inputRows = INPUT_NAMES.map((input) => {
    const spec = INPUTS[input];
    const fixed = cmd.fixed[input];
    const notes = [
      fixed !== undefined ? `set by ${name}: ${fixed}` : `default: ${spec.default === '' ? '(empty)' : spec.default}`,
      LIST_INPUTS.includes(input) ? 'repeatable' : '',
      inputKind(input) === 'boolean' && fixed === undefined ? `--no-${input} = --${input} false` : '',
    ].filter(Boolean);
    return row(`--${input} <${inputPlaceholder(input)}>`, `${spec.description} [${notes.join('; ')}]`);
  });
  const inputs = [
    wrap(
      `Inputs: the action's inputs, with the same names, defaults and checks; each also as GPG_<NAME> in the environment (the flag wins).`,
      WIDTH,
      '',
    ),
    ...inputRows,
    '',
  ];
  return [
    `go-proxy-guard ${name}: ${cmd.summary}`,
    '',
    `Usage: go-proxy-guard ${name} [flags]`,
    '',
    ...cmd.about.map((l) => wrap(l, WIDTH, '')),
    '',
    ...(cmd.inputs ? inputs : []),
    'Output:',
    ...[...cmd.options, ...COMMON_OPTIONS].map(optionRow),
    '',
    'Exit status:',
    ...EXIT_LINES,
    '',
  ].join('\n');
}

function optionRow(o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` <${o.value}>` : ''}`;
  const extra = [o.default ? `default: ${o.default}` : '', o.env ? `also ${o.env}` : ''].filter(Boolean).join('; ');
  return row(flag, extra ? `${o.description} [${extra}]` : o.description);
}

function row(flag: string, text: string): string {
  const head = `  ${flag}`;
  const indent = ' '.repeat(FLAG_COLUMN);
  const body = wrap(text, WIDTH - FLAG_COLUMN, indent).trimStart();
  return head.length < FLAG_COLUMN - 1 ? head.padEnd(FLAG_COLUMN) + body : `${head}\n${indent}${body}`;
}

/** Greedy word wrap; every line but the first gets `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n');
}
