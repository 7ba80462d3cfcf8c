#!/usr/bin/env node
import { EXIT } from '../cli/commands.js';
import { runDoctorCommand } from '../cli/doctor-command.js';
import { parseCommandLine, UsageError } from '../cli/flags.js';
import { runGuardCommand, type CliIo } from '../cli/guard-command.js';
import { commandHelp, mainHelp } from '../cli/help.js';
import { runServeCommand } from '../cli/serve-command.js';
import { runStatusPageCommand } from '../cli/status-page-command.js';
import { internalFailure } from '../report/docs-links.js';
import { isDaemonProcess, runDaemon } from '../serve/daemon.js';
import pkg from '../../package.json' with { type: 'json' };

/** `go-proxy-guard <probe|warm|serve|doctor|gitlab|status-page> [flags]`: parse, dispatch, exit with the command's status. */
async function main(argv: string[], io: CliIo): Promise<number> {
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

// `serve` starts this very bundle again as the local proxy.
if (isDaemonProcess()) await runDaemon();

const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
}).catch((err: unknown) => {
  process.stderr.write(`${internalFailure('go-proxy-guard', err, undefined)}\n`);
  return EXIT.internal;
});
// Flush what is still buffered for a pipe, then exit: an abandoned probe socket must not keep the process alive.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
