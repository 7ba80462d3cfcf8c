import { buildConfig } from '../config/config.js';
import { registerSecretInputs } from '../config/secret-inputs.js';
import { Secrets } from '../secrets/secrets.js';
import { SetupError } from '../config/errors.js';
import { doctorFailed, renderDoctor } from '../doctor/render.js';
import { DOCTOR_SCHEMA, runDoctor } from '../doctor/doctor.js';
import { stylesFor } from '../platform/terminal.js';
import { internalFailure } from '../report/docs-links.js';
import { EXIT } from './commands.js';
import { inputReader, type CommandLine } from './flags.js';
import type { CliIo } from './guard-command.js';

/** doctor: the same inputs and checks as every command, then findings instead of a probe run. */
export async function runDoctorCommand(cl: CommandLine, io: CliIo): Promise<number> {
  const json = cl.options.json === true;
  const errStyles = stylesFor(io.stderr, io.env);
  const secrets = new Secrets();
  try {
    const read = inputReader(cl, io.env);
    registerSecretInputs(read, secrets);
    const config = buildConfig(read, io.cwd);
    const report = await runDoctor({ config, env: io.env, workingDirectoryInput: config.workingDirectoryGiven ?? '.' });
    const exitCode = doctorFailed(report) ? EXIT.gate : EXIT.ok;
    if (json) io.stdout.write(`${JSON.stringify({ ...report, exitCode }, null, 2)}\n`);
    else if (cl.options.quiet !== true || exitCode !== EXIT.ok) io.stdout.write(renderDoctor(report, stylesFor(io.stdout, io.env)));
    return exitCode;
  } catch (err) {
    const usage = err instanceof SetupError;
    const message = secrets.mask(usage ? err.message : internalFailure('go-proxy-guard doctor', err, undefined));
    io.stderr.write(`${errStyles.red(`error: ${message}`)}\n`);
    const exitCode = usage ? EXIT.usage : EXIT.internal;
    if (json) io.stdout.write(`${JSON.stringify({ schema: DOCTOR_SCHEMA, exitCode, error: message }, null, 2)}\n`);
    return exitCode;
  }
}
