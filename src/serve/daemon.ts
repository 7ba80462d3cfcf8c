import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import http from 'node:http';
import type { Credentials } from '../goproxy/goauth.js';
import { makePrivateTempDir, openNewPrivateFile, writePrivateFile } from '../secrets/private-files.js';
import { startLocalProxy, WHOAMI_PATH } from './local-proxy.js';
import { servePolicy } from '../upstream/policy.js';
import type { ServeStats } from '../model/serve-stats.js';
import type { UpstreamSpec } from '../upstream/upstream.js';

/** Set in the environment of the process that is to become the local proxy. */
export const DAEMON_ENV = 'GO_PROXY_GUARD_DAEMON';

/** Handed to the background process over IPC, never on disk or argv: it may hold proxy credentials. */
export interface DaemonConfig {
  upstreams: UpstreamSpec[];
  credentials: Credentials;
  moduleCache: string | undefined;
  retries: number;
  /** Where the proxy keeps its stats, log and spilled bodies: a private directory made for it under this one. */
  dir: string;
  idleTimeoutMs: number;
  /** One go command request's whole budget (serve-request-timeout). */
  requestTimeoutMs: number;
  /** Stop when this process is gone: the job's own process, which outlives every step. */
  watchPid: number | undefined;
  /** The access token of its URL, made (and registered as a secret) by the caller; a new one when not given. */
  token?: string;
}

/** What a later step (or the post step) needs to find and stop the proxy. */
export interface DaemonHandle {
  pid: number;
  /** http://127.0.0.1:<port>/<token>: the GOPROXY entry; the token is the only way in. */
  url: string;
  statsFile: string;
  logFile: string;
}

/**
 * What the local proxy may inherit: how to reach the upstreams (the
 * HTTP(S)_PROXY of this network, the roots go trusts) and where temp files go.
 * Never the inputs, webhook URLs or tokens of the step that starts it.
 */
const DAEMON_ENV_KEEP =
  /^(PATH|HOME|USER|LOGNAME|LANG|LC_ALL|TZ|TMPDIR|TEMP|TMP|SYSTEMROOT|WINDIR|HTTPS?_PROXY|ALL_PROXY|NO_PROXY|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS)$/i;

export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && DAEMON_ENV_KEEP.test(k)) kept[k] = v;
  return { ...kept, [DAEMON_ENV]: 'serve' };
}

const READY_TIMEOUT_MS = 10_000;
const TICK_MS = 1_000;

export const isDaemonProcess = (env: NodeJS.ProcessEnv = process.env): boolean => env[DAEMON_ENV] === 'serve';

/**
 * Start the local proxy as a detached process running `entry` (the bundle
 * the caller itself runs from), and wait until it listens.
 */
export async function launchDaemon(entry: string, given: DaemonConfig, env: NodeJS.ProcessEnv = process.env): Promise<DaemonHandle> {
  const config = { ...given, dir: makePrivateTempDir(given.dir, 'serve-') };
  const logFile = path.join(config.dir, 'serve.log');
  const statsFile = path.join(config.dir, 'serve-stats.json');
  const log = openNewPrivateFile(logFile);
  // Its own session, no pipes to us: the step that starts it ends long before it does.
  // A small young generation: the proxy streams, it needs no 16 MB nursery (peak memory, npm run bench:serve).
  const child = spawn(process.execPath, ['--max-semi-space-size=2', entry], {
    detached: true,
    windowsHide: true, // no console window for the daemon on Windows
    stdio: ['ignore', log, log, 'ipc'],
    env: daemonEnv(env),
  });
  fs.closeSync(log);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the local proxy did not start within ${READY_TIMEOUT_MS} ms (see ${logFile})`)),
        READY_TIMEOUT_MS,
      );
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

/**
 * Stop the proxy and return what it did; undefined when it left no figures.
 * The signal goes only to a process that proved to be this proxy: it answered
 * on the handle's URL, token included, with the handle's pid. A handle naming
 * another process (a reused pid, a forged file) signals nothing.
 */
export async function stopDaemon(handle: DaemonHandle, timeoutMs = 5_000): Promise<ServeStats | undefined> {
  if ((await whoami(handle.url)) === handle.pid) {
    try {
      process.kill(handle.pid, 'SIGTERM');
    } catch {
      /* gone since it answered: its last figures are on disk */
    }
  } else if (!readStats(handle.statsFile)?.stoppedAt) {
    return readStats(handle.statsFile);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = readStats(handle.statsFile);
    if (stats?.stoppedAt || !alive(handle.pid)) return stats;
    await new Promise((r) => setTimeout(r, 50));
  }
  return readStats(handle.statsFile);
}

/** The pid the local proxy at `url` says it has; undefined when nothing answers as it would. */
export function whoami(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(`${url.replace(/\/+$/, '')}${WHOAMI_PATH}`);
    } catch {
      return resolve(undefined);
    }
    if (target.protocol !== 'http:' || target.hostname !== '127.0.0.1') return resolve(undefined);
    const req = http.get(target, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 4096) return res.destroy();
        chunks.push(c);
      });
      res.on('end', () => {
        try {
          const pid = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { pid?: unknown }).pid;
          resolve(res.statusCode === 200 && typeof pid === 'number' ? pid : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
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
      credentials: config.credentials,
      moduleCache: config.moduleCache,
      policy: servePolicy(config.retries, path.join(config.dir, 'spill'), config.requestTimeoutMs),
      port: 0,
      ...(config.token ? { token: config.token } : {}),
      log,
    });
  } catch (err) {
    process.send?.({ error: (err as Error).message });
    process.exit(1);
  }
  const statsFile = path.join(config.dir, 'serve-stats.json');
  const save = () => writePrivateFile(statsFile, JSON.stringify(proxy.stats(), null, 2));
  save();
  log(
    `listening on ${proxy.shownUrl}, upstreams ${proxy
      .stats()
      .upstreams.map((u) => u.url)
      .join(', ')}`,
  );
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
