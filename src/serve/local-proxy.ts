import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Credentials } from '../goproxy/goauth.js';
import { memoryBody, SpillMeter, type HeldBody } from '../upstream/body.js';
import { forward, type ForwardPolicy } from '../upstream/forward.js';
import { fromModuleCache } from './module-cache.js';
import { parseServePath, type ServeRequest } from '../upstream/request-path.js';
import type { ServeStats } from '../model/serve-stats.js';
import { Upstream, type UpstreamSpec } from '../upstream/upstream.js';

/** The last requests that failed, kept for the report. */
const RECENT_FAILURES = 10;

export interface LocalProxyOptions {
  upstreams: UpstreamSpec[];
  credentials: Credentials;
  /** GOMODCACHE/cache/download, answered from when every upstream fails. */
  moduleCache: string | undefined;
  policy: ForwardPolicy;
  /** 0 for a random free port. */
  port: number;
  /** The path segment every request must start with; a random one when not given. */
  token?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface LocalProxy {
  /** http://127.0.0.1:<port>/<token>: the GOPROXY entry, the only way in. */
  url: string;
  /** http://127.0.0.1:<port>, as reports show it. */
  shownUrl: string;
  stats(): ServeStats;
  /** Epoch ms of the last request, for the idle timeout. */
  lastActivity(): number;
  inFlight(): number;
  close(reason: string): Promise<ServeStats>;
}

/** A per-run access token: 192 random bits, URL-safe (it is the first path segment of the proxy's URL). */
export const newAccessToken = (): string => randomBytes(24).toString('base64url');

/** Below the token: the daemon names its pid, so `serve --stop` signals only a process proven to be it. */
export const WHOAMI_PATH = '/-/whoami';

/**
 * A GOPROXY server on loopback that stands between the go command and the
 * ranked upstreams: deadlines, retries, hedging and validation per request
 * (forward.ts), the module cache as the last resort, byte-for-byte answers.
 *
 * Only this job's go commands may use it (and so the upstreams' credentials):
 * a request must name the listening address as its Host (no DNS rebinding
 * from a browser) and start with the random per-run token of `url`.
 */
export async function startLocalProxy(opts: LocalProxyOptions): Promise<LocalProxy> {
  const log = opts.log ?? (() => {});
  const token = opts.token ?? newAccessToken();
  const upstreams = opts.upstreams.map((spec) => new Upstream(spec, opts.credentials, opts.env));
  const spill = new SpillMeter();
  const stats = newServeStats(upstreams);
  const door: Door = { host: '', token, stats, log };
  const requests = new RequestsInFlight();
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) =>
    answerRequest(req, res, { door, upstreams, policy: { ...opts.policy, spill }, spill, moduleCache: opts.moduleCache });
  const server = http.createServer((req, res) => requests.serve(req, res, handle, log));
  const sockets = trackSockets(server);
  const port = await listenOnLoopback(server, opts.port);
  door.host = `127.0.0.1:${port}`;
  stats.url = `http://${door.host}`;

  return {
    url: `${stats.url}/${token}`,
    shownUrl: stats.url,
    stats: () => stats,
    lastActivity: () => requests.last,
    inFlight: () => requests.active,
    async close(reason: string) {
      stats.stoppedAt = new Date().toISOString();
      stats.stopReason = reason;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      for (const u of upstreams) u.close();
      return stats;
    },
  };
}

/** Who may come in: the address we listen on and the per-run token; and where refusals are counted. */
interface Door {
  host: string;
  token: string;
  stats: ServeStats;
  log: (line: string) => void;
}

/** What answers an admitted request: the upstreams, then the module cache. */
interface Answerers {
  door: Door;
  upstreams: Upstream[];
  policy: ForwardPolicy;
  spill: SpillMeter;
  moduleCache: string | undefined;
}

function newServeStats(upstreams: Upstream[]): ServeStats {
  return {
    url: '',
    pid: process.pid,
    startedAt: new Date().toISOString(),
    requests: 0,
    served: 0,
    fromCache: 0,
    notFound: 0,
    failed: 0,
    refused: 0,
    gone: 0,
    spillPeakBytes: 0,
    rescued: 0,
    bytesServed: 0,
    upstreams: upstreams.map((u) => u.stats),
    recentFailures: [],
  };
}

/** The requests being answered, and when the last one came or went (for the idle timeout). */
class RequestsInFlight {
  active = 0;
  last = Date.now();

  serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
    log: (line: string) => void,
  ): void {
    this.active++;
    this.last = Date.now();
    req.resume();
    handle(req, res)
      .catch((err: unknown) => {
        log(`internal error on ${req.url}: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      })
      .finally(() => {
        this.active--;
        this.last = Date.now();
      });
  }
}

/** The open connections, destroyed on close so a kept-alive one does not hold the server open. */
function trackSockets(server: http.Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (_e, s: Socket) => s.destroy());
  return sockets;
}

/** Loopback only: the proxy serves this machine's go commands and nothing else. */
async function listenOnLoopback(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** One request from the go command: admitted or refused, then forwarded, and answered. */
async function answerRequest(req: http.IncomingMessage, res: http.ServerResponse, a: Answerers): Promise<void> {
  const { stats, log } = a.door;
  stats.requests++;
  const raw = req.url ?? '/';
  const who = admitted(req.headers.host, raw, a.door.host, a.door.token);
  if ('refused' in who) {
    stats.refused++;
    log(`refused a request: ${who.refused}`);
    return reply(res, 403, 'text/plain; charset=utf-8', memoryBody(Buffer.from(`go-proxy-guard: ${who.refused}\n`)));
  }
  const target = who.rest;
  if (target === WHOAMI_PATH) return reply(res, 200, 'application/json', memoryBody(Buffer.from(JSON.stringify({ pid: process.pid }))));
  const parsed = parseServePath(target);
  if (req.method !== 'GET' || 'refused' in parsed) {
    stats.refused++;
    const why = req.method !== 'GET' ? `method ${req.method} is not part of the GOPROXY protocol` : (parsed as { refused: string }).refused;
    log(`refused ${req.method} ${target.slice(0, 200)}: ${why}`);
    return reply(res, req.method !== 'GET' ? 405 : 400, 'text/plain; charset=utf-8', memoryBody(Buffer.from(`go-proxy-guard: ${why}\n`)));
  }
  return answerModuleRequest(parsed.request, res, a);
}

/** A GOPROXY request: the upstreams' answer, else the module cache's, else a 502 (never a 404). */
async function answerModuleRequest(r: ServeRequest, res: http.ServerResponse, a: Answerers): Promise<void> {
  const { stats, log } = a.door;
  const remember = (line: string) => {
    log(line);
    stats.recentFailures.push(line);
    if (stats.recentFailures.length > RECENT_FAILURES) stats.recentFailures.shift();
  };
  // The go command hung up (killed, or its own timeout): stop asking upstreams for it.
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  const result = await forward(r, a.upstreams, a.policy, undefined, gone.signal).finally(() => (stats.spillPeakBytes = a.spill.peak));
  if (result.kind === 'gone' || gone.signal.aborted) {
    stats.gone = (stats.gone ?? 0) + 1;
    log(`${r.label}: the go command hung up; upstream requests aborted`);
    if (result.kind === 'answer' || result.kind === 'not-found') await result.body.dispose();
    return;
  }
  if (result.kind === 'answer') {
    stats.served++;
    if (result.attempts > 1) stats.rescued++;
    return reply(res, result.status, result.contentType, result.body, (n) => (stats.bytesServed += n));
  }
  if (result.kind === 'not-found') {
    stats.notFound++;
    return reply(res, result.status, result.contentType || 'text/plain; charset=utf-8', result.body);
  }
  const cached = a.moduleCache ? await fromModuleCache(a.moduleCache, r) : undefined;
  if (cached) {
    stats.fromCache++;
    stats.rescued++;
    remember(`${r.label}: every upstream failed (${result.failures.join('; ')}); answered from the module cache`);
    return reply(res, 200, cached.contentType, cached.body, (n) => (stats.bytesServed += n));
  }
  stats.failed++;
  remember(`${r.label}: every upstream failed: ${result.failures.join('; ')}`);
  // Not a 404: the go command must not conclude the version is missing; "|" sends it down the chain.
  return reply(
    res,
    502,
    'text/plain; charset=utf-8',
    memoryBody(Buffer.from(`go-proxy-guard: every upstream failed for ${r.label}: ${result.failures.join('; ')}\n`)),
  );
}

/**
 * Is this request from a go command given our GOPROXY? The Host must be the
 * address we listen on, and the path must start with the token; `rest` is
 * the path below it.
 */
export function admitted(
  hostHeader: string | undefined,
  target: string,
  host: string,
  token: string,
): { rest: string } | { refused: string } {
  if ((hostHeader ?? '').toLowerCase() !== host)
    return { refused: `Host ${JSON.stringify((hostHeader ?? '').slice(0, 100))} is not ${host}` };
  const m = /^\/([^/?#]*)(\/.*)?$/.exec(target);
  const given = Buffer.from(m?.[1] ?? '');
  const want = Buffer.from(token);
  if (!m || given.length !== want.length || !timingSafeEqual(given, want))
    return { refused: 'the path does not start with the access token of this local proxy' };
  return { rest: m[2] ?? '/' };
}

async function reply(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: HeldBody,
  onSent?: (n: number) => void,
): Promise<void> {
  try {
    res.writeHead(status, { 'content-type': contentType, 'content-length': String(body.size) });
    // A small answer goes out with its headers in one write; a large one streams from disk.
    if (body.memory) await new Promise<void>((resolve) => res.end(body.memory, resolve));
    else await pipeline(body.stream(), res);
    onSent?.(body.size);
  } catch {
    // The go command hung up (it was killed, or took the answer from elsewhere): nothing to do.
  } finally {
    await body.dispose();
  }
}
