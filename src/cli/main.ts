import { internalFailure } from '../report/docs-links.js';
import pkg from '../../package.json' with { type: 'json' };
import { EXIT } from './commands.js';
import { runDoctorCommand } from './doctor-command.js';
import { parseCommandLine, UsageError } from './flags.js';
import { runGuardCommand, type CliIo } from './guard-command.js';
import { commandHelp, mainHelp } from './help.js';
import { runServeCommand } from './serve-command.js';
import { runStatusPageCommand } from './status-page-command.js';

/** `go-proxy-guard <probe|warm|serve|doctor|gitlab|status-page> [flags]`: parse, dispatch, return the command's exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io).catch((err: unknown) => {
    io.stderr.write(`${internalFailure('go-proxy-guard', err, undefined)}\n`);
    return EXIT.internal;
  });
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  let cl;
  try {
    cl = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const hint = err.command ? `go-proxy-guard ${err.command} --help` : 'go-proxy-guard --help';
    io.stderr.write(`error: ${err.message}\nRun "${hint}" for the flags.\n`);
    return EXIT.usage;
  }
  if (cl.version) {
    io.stdout.write(`go-proxy-guard ${pkg.version}\n`);
    return EXIT.ok;
  }
  if (cl.help || !cl.command) {
    io.stdout.write(cl.command ? commandHelp(cl.command) : mainHelp());
    return cl.command || cl.help ? EXIT.ok : EXIT.usage;
  }
  if (cl.command === 'doctor') return runDoctorCommand(cl, io);
  if (cl.command === 'serve') return runServeCommand(cl, io);
  if (cl.command === 'status-page') return runStatusPageCommand(cl, io);
  return runGuardCommand(cl, io);
}
