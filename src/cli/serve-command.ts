import { replaceFileSync } from '../secrets/own-files.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDir, userTempDir, writePrivateFile } from '../secrets/private-files.js';
import { gitlabRunContext } from '../platform/gitlab.js';
import { docsLinks } from '../report/docs-links.js';
import { serveMarkdown, serveTable } from '../report/serve-report.js';
import { stopDaemon, type DaemonHandle } from '../serve/daemon.js';
import { COMMANDS, EXIT } from './commands.js';
import { optionValue, type CommandLine } from './flags.js';
import { runGuardCommand, type CliIo } from './guard-command.js';

const HANDLE_FILE = 'handle.json';

/**
 * One directory per CI job (so after_script, a new shell, finds it) or per
 * shell (so `serve --stop` later in the same shell does), inside this user's
 * own temp directory (mode 0700): nobody else can plant or read a handle there.
 */
export function serveDir(cl: CommandLine, io: CliIo): string {
  const given = optionValue(
    cl,
    COMMANDS.serve.options.find((o) => o.name === 'serve-dir'),
    io.env,
  );
  if (given) return path.resolve(io.cwd, given);
  const job = io.env.CI_JOB_ID ?? (io.env.GITHUB_RUN_ID ? `${io.env.GITHUB_RUN_ID}-${io.env.GITHUB_JOB ?? ''}` : undefined);
  return path.join(userTempDir(), `serve-${(job ?? `shell-${process.ppid}`).replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

/** `serve`: probe, start the local proxy in the background, print the exports; `--stop` ends it; `--foreground` waits. */
export async function runServeCommand(cl: CommandLine, io: CliIo): Promise<number> {
  const dir = serveDir(cl, io);
  const handleFile = path.join(dir, HANDLE_FILE);
  if (cl.options.stop === true) return stop(handleFile, cl, io);
  const foreground = cl.options.foreground === true;
  let handle: DaemonHandle | undefined;
  const reportsDir = cl.options['reports-dir'];
  const code = await runGuardCommand(cl, io, {
    local: {
      serveEntry: process.argv[1],
      // In the background it lives as long as the shell that started it; in the foreground, as long as this process.
      jobPid: foreground ? process.pid : process.ppid,
      ...(typeof reportsDir === 'string' ? {} : { workDir: dir }),
    },
    afterRun: async (outcome) => {
      handle = outcome.serve;
      if (handle) {
        ensurePrivateDir(dir);
        // A link planted at the handle's name is replaced, its target never written.
        writePrivateFile(handleFile, JSON.stringify(handle, null, 2));
      }
    },
  });
  if (!handle || !foreground || code !== EXIT.ok) return code;
  io.stderr.write(`go-proxy-guard: serving on ${handle.url}; Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    // Signal listeners alone do not keep Node.js running: this timer does, until a signal comes.
    const keepAlive = setInterval(() => {}, 60_000);
    const done = () => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  return stop(handleFile, cl, io);
}

async function stop(handleFile: string, cl: CommandLine, io: CliIo): Promise<number> {
  let handle: DaemonHandle;
  try {
    handle = JSON.parse(fs.readFileSync(handleFile, 'utf8')) as DaemonHandle;
  } catch {
    io.stderr.write(
      `error: no local proxy recorded in ${path.dirname(handleFile)} (started by "go-proxy-guard serve" in this shell or CI job?)\n`,
    );
    return EXIT.gate;
  }
  const stats = await stopDaemon(handle);
  fs.rmSync(handleFile, { force: true });
  if (!stats) {
    io.stderr.write(`warning: the local proxy left no figures (log: ${handle.logFile})\n`);
    return EXIT.ok;
  }
  const reportsDir = cl.options['reports-dir'];
  if (typeof reportsDir === 'string') {
    const dir = path.resolve(io.cwd, reportsDir);
    fs.mkdirSync(dir, { recursive: true });
    replaceFileSync(path.join(dir, 'serve.json'), `${JSON.stringify(stats, null, 2)}\n`);
    // In a GitLab job (.go-proxy-guard-serve's after_script) the links go to the component's project.
    const docs = docsLinks(io.env.GITLAB_CI ? gitlabRunContext(io.env) : undefined);
    replaceFileSync(path.join(dir, 'serve.md'), serveMarkdown(stats, docs));
  }
  io.stdout.write(cl.options.json === true ? `${JSON.stringify(stats, null, 2)}\n` : `${serveTable(stats)}\n`);
  return EXIT.ok;
}
