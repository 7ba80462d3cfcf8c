import { spawn } from 'node:child_process';
import { killTree } from './process-tree.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** How the go commands of a run are started: their environment, their time bound, where their progress lines go. */
export interface GoRunner {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  onProgress?: (line: string) => void;
}

export interface CommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  onStderrLine?: (line: string) => void;
}

/**
 * Run a command and kill its whole process tree when time is up (process group, or taskkill /T on Windows).
 * The go command has no timeout of its own and hangs forever on a proxy that
 * stops answering, and @actions/exec cannot kill a child, so
 * every go invocation goes through here.
 */
export function runCommand(file: string, args: string[], opts: CommandOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      // Its own process group on POSIX, so a timeout kills the tree; no console window on Windows.
      detached: process.platform !== 'win32',
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let pending = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      if (!opts.onStderrLine) return;
      pending += b.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) opts.onStderrLine(line);
    });
    const kill = () => {
      timedOut = true;
      if (child.pid) killTree(child.pid);
      else child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, opts.timeoutMs);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Date.now() - started,
      });
    };
    child.on('error', (e) => {
      err.push(Buffer.from(String(e.message)));
      finish(null);
    });
    child.on('close', (code) => finish(code));
  });
}
