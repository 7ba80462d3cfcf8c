import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { NetrcEntry } from '../goproxy/netrc.js';
import { memoryBody, type HeldBody } from './body.js';
import { forward, type ForwardPolicy } from './forward.js';
import { fromModuleCache } from './module-cache.js';
import { parseServePath } from './request-path.js';
import { RECENT_FAILURES, type ServeStats } from './serve-stats.js';
import { Upstream, type UpstreamSpec } from './upstream.js';

export interface LocalProxyOptions {
  upstreams: UpstreamSpec[];
  netrc: NetrcEntry[];
  /** GOMODCACHE/cache/download, answered from when every upstream fails. */
  moduleCache: string | undefined;
  policy: ForwardPolicy;
  /** 0 for a random free port. */
  port: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface LocalProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  stats(): ServeStats;
  /** Epoch ms of the last request, for the idle timeout. */
  lastActivity(): number;
  inFlight(): number;
  close(reason: string): Promise<ServeStats>;
}

/**
 * A GOPROXY server on loopback that stands between the go command and the
 * ranked upstreams: deadlines, retries, hedging and validation per request
 * (forward.ts), the module cache as the last resort, byte-for-byte answers.
 */
export async function startLocalProxy(opts: LocalProxyOptions): Promise<LocalProxy> {
  const log = opts.log ?? (() => {});
  const upstreams = opts.upstreams.map((spec) => new Upstream(spec, opts.netrc, opts.env));
  const sockets = new Set<Socket>();
  let last = Date.now();
  let active = 0;
  const stats: ServeStats = {
    url: '',
    pid: process.pid,
    startedAt: new Date().toISOString(),
    requests: 0,
    served: 0,
    fromCache: 0,
    notFound: 0,
    failed: 0,
    refused: 0,
    rescued: 0,
    bytesServed: 0,
    upstreams: upstreams.map((u) => u.stats),
    recentFailures: [],
  };
  const remember = (line: string) => {
    log(line);
    stats.recentFailures.push(line);
    if (stats.recentFailures.length > RECENT_FAILURES) stats.recentFailures.shift();
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    last = Date.now();
    stats.requests++;
    const target = req.url ?? '/';
    const parsed = parseServePath(target);
    if (req.method !== 'GET' || 'refused' in parsed) {
      stats.refused++;
      const why = req.method !== 'GET' ? `method ${req.method} is not part of the GOPROXY protocol` : (parsed as { refused: string }).refused;
      log(`refused ${req.method} ${target.slice(0, 200)}: ${why}`);
      return reply(res, req.method !== 'GET' ? 405 : 400, 'text/plain; charset=utf-8', memoryBody(Buffer.from(`go-proxy-guard: ${why}\n`)));
    }
    const r = parsed.request;
    const result = await forward(r, upstreams, opts.policy);
    if (result.kind === 'answer') {
      stats.served++;
      if (result.attempts > 1) stats.rescued++;
      return reply(res, result.status, result.contentType, result.body, (n) => (stats.bytesServed += n));
    }
    if (result.kind === 'not-found') {
      stats.notFound++;
      return reply(res, result.status, result.contentType || 'text/plain; charset=utf-8', result.body);
    }
    const cached = opts.moduleCache ? await fromModuleCache(opts.moduleCache, r) : undefined;
    if (cached) {
      stats.fromCache++;
      stats.rescued++;
      remember(`${r.label}: every upstream failed (${result.failures.join('; ')}); answered from the module cache`);
      return reply(res, 200, cached.contentType, cached.body, (n) => (stats.bytesServed += n));
    }
    stats.failed++;
    remember(`${r.label}: every upstream failed: ${result.failures.join('; ')}`);
    // Not a 404: the go command must not conclude the version is missing; "|" sends it down the chain.
    return reply(res, 502, 'text/plain; charset=utf-8', memoryBody(Buffer.from(`go-proxy-guard: every upstream failed for ${r.label}: ${result.failures.join('; ')}\n`)));
  };

  const server = http.createServer((req, res) => {
    active++;
    req.resume();
    handle(req, res)
      .catch((err: unknown) => {
        log(`internal error on ${req.url}: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      })
      .finally(() => {
        active--;
        last = Date.now();
      });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (_e, s: Socket) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the proxy serves this machine's go commands and nothing else.
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  stats.url = `http://127.0.0.1:${port}`;

  return {
    url: stats.url,
    stats: () => stats,
    lastActivity: () => last,
    inFlight: () => active,
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

async function reply(res: http.ServerResponse, status: number, contentType: string, body: HeldBody, onSent?: (n: number) => void): Promise<void> {
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

