#!/usr/bin/env node
import { runCli } from '../cli/main.js';
import { isDaemonProcess, runDaemon } from '../serve/daemon.js';

// `serve` starts this very bundle again as the local proxy.
if (isDaemonProcess()) await runDaemon();

const code = await runCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
// Flush what is still buffered for a pipe, then exit: an abandoned probe socket must not keep the process alive.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
