import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetrcEntry } from '../goproxy/netrc.js';
import { startLocalProxy } from './local-proxy.js';
import { servePolicy } from './policy.js';
import type { ServeStats } from './serve-stats.js';
import type { UpstreamSpec } from './upstream.js';

/** Set in the environment of the process that is to become the local proxy. */
export const DAEMON_ENV = 'GO_PROXY_GUARD_DAEMON';

/** Handed to the background process over IPC, never on disk or argv: it may hold proxy credentials. */
export interface DaemonConfig {
  upstreams: UpstreamSpec[];
  netrc: NetrcEntry[];
  moduleCache: string | undefined;
  retries: number;
  /** Where the proxy keeps its stats, log and spilled bodies. */
  dir: string;
  idleTimeoutMs: number;
  /** Stop when this process is gone: the job's own process, which outlives every step. */
  watchPid: number | undefined;
}

/** What a later step (or the post step) needs to find and stop the proxy. */
export interface DaemonHandle {
  pid: number;
  url: string;
  statsFile: string;
  logFile: string;
}

const READY_TIMEOUT_MS = 10_000;
const TICK_MS = 1_000;

export const isDaemonProcess = (env: NodeJS.ProcessEnv = process.env): boolean => env[DAEMON_ENV] === 'serve';

/**
 * Start the local proxy as a detached process running `entry` (the bundle
 * the caller itself runs from), and wait until it listens.
 */
export async function launchDaemon(entry: string, config: DaemonConfig, env: NodeJS.ProcessEnv = process.env): Promise<DaemonHandle> {
  fs.mkdirSync(config.dir, { recursive: true, mode: 0o700 });
  const logFile = path.join(config.dir, 'serve.log');
  const statsFile = path.join(config.dir, 'serve-stats.json');
  fs.rmSync(statsFile, { force: true });
  const log = fs.openSync(logFile, 'a', 0o600);
  // Its own session, no pipes to us: the step that starts it ends long before it does.
  // A small young generation: the proxy streams, it needs no 16 MB nursery (peak memory, npm run bench:serve).
  const child = spawn(process.execPath, ['--max-semi-space-size=2', entry], {
    detached: true,
    windowsHide: true, // no console window for the daemon on Windows
    stdio: ['ignore', log, log, 'ipc'],
    env: { ...env, [DAEMON_ENV]: 'serve' },
  });
  fs.closeSync(log);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the local proxy did not start within ${READY_TIMEOUT_MS} ms (see ${logFile})`)), READY_TIMEOUT_MS);
      child.once('message', (m: { url?: string; error?: string }) => {
        clearTimeout(timer);
        if (m.url) resolve(m.url);
        else reject(new Error(`the local proxy did not start: ${m.error ?? 'no reason given'}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the local proxy exited at start (status ${code}; see ${logFile})`));
      });
      child.once('error', reject);
      child.send(config);
    });
    child.disconnect();
    child.unref();
    return { pid: child.pid as number, url, statsFile, logFile };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Stop the proxy and return what it did; undefined when it left no figures. */
export async function stopDaemon(handle: DaemonHandle, timeoutMs = 5_000): Promise<ServeStats | undefined> {
  try {
    process.kill(handle.pid, 'SIGTERM');
  } catch {
    /* already gone (idle timeout, or killed): its last figures are on disk */
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = readStats(handle.statsFile);
    if (stats?.stoppedAt || !alive(handle.pid)) return stats;
    await new Promise((r) => setTimeout(r, 50));
  }
  return readStats(handle.statsFile);
}

export function readStats(file: string): ServeStats | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ServeStats;
  } catch {
    return undefined;
  }
}

/**
 * The background process: take the config, listen, report ready, serve
 * until stopped, idle or orphaned. Never returns: it exits when it stops.
 */
export async function runDaemon(): Promise<never> {
  const config = await new Promise<DaemonConfig>((resolve) => process.once('message', (m) => resolve(m as DaemonConfig)));
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let proxy;
  try {
    proxy = await startLocalProxy({
      upstreams: config.upstreams,
      netrc: config.netrc,
      moduleCache: config.moduleCache,
      policy: servePolicy(config.retries, path.join(config.dir, 'spill')),
      port: 0,
      log,
    });
  } catch (err) {
    process.send?.({ error: (err as Error).message });
    process.exit(1);
  }
  const statsFile = path.join(config.dir, 'serve-stats.json');
  const save = () => {
    const tmp = `${statsFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(proxy.stats(), null, 2), { mode: 0o600 });
    fs.renameSync(tmp, statsFile);
  };
  save();
  log(`listening on ${proxy.url}, upstreams ${proxy.stats().upstreams.map((u) => u.url).join(', ')}`);
  process.send?.({ url: proxy.url });
  process.disconnect?.();

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    await proxy.close(reason);
    save();
    fs.rmSync(path.join(config.dir, 'spill'), { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('stopped by the post step or a signal'));
  process.on('SIGINT', () => void stop('interrupted'));
  process.on('SIGHUP', () => void stop('hung up'));
  let savedAt = 0;
  setInterval(() => {
    const idle = Date.now() - proxy.lastActivity();
    if (config.watchPid && !alive(config.watchPid)) return void stop(`the job's process ${config.watchPid} is gone`);
    if (proxy.inFlight() === 0 && idle > config.idleTimeoutMs) return void stop(`idle for ${Math.round(idle / 1000)} s`);
    if (proxy.lastActivity() > savedAt) {
      savedAt = Date.now();
      save();
    }
  }, TICK_MS);
  return new Promise<never>(() => {});
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A dead child nobody reaped still answers kill(pid, 0). */
function isZombie(pid: number): boolean {
  try {
    return /^ Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\)/, ''));
  } catch {
    return false;
  }
}
