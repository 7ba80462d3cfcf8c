/**
 * A real GOPROXY-protocol server on 127.0.0.1 (random port), HTTP or HTTPS,
 * with faults that can be switched while a test runs. The go command and the
 * action under test talk to it exactly as they would to proxy.golang.org.
 *
 * Only loopback is ever bound or contacted.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { trackSockets } from './loopback.js';
import { defaultWorld, latestVersion, tamperedZip, unescapePath, type ModuleVersion } from './modules.js';
import { ensureLabPki, type KeyPair, type LabPki } from './pki.js';
import type { LabSumdb } from './sumdb.js';

export type TlsMode = 'none' | 'valid' | 'expired' | 'expiring-soon' | 'untrusted';

export type Fault =
  | 'ok'
  /** Accept and read the request, never answer (until close()). */
  | 'hang'
  /** 200 headers and part of the body, then destroy the socket. */
  | 'reset'
  /** A 200 text/html captive-portal page for everything. */
  | 'html'
  /** Zip bodies replaced by bytes that are not a zip. */
  | 'corrupt-zip'
  /** Zip bodies replaced by a valid zip of altered content (go.sum mismatch). */
  | 'tampered-zip'
  /** Stop listening (connection refused) but keep the port; unscoped only. */
  | 'refused'
  /** Wait before answering normally. */
  | { slow: number }
  /** 200 headers, then body bytes forever (no Content-Length), as fast as the client reads, until it hangs up. */
  | { endless: true }
  /** The normal answer, one byte every `trickle` ms. */
  | { trickle: number }
  /**
   * A redirect (302 unless `status`) to `to` + the request path below the
   * prefix: `to` is an origin with an optional prefix (`http://127.0.0.1:p/x`)
   * or a bare path (`/mirror`), sent as a relative Location.
   */
  | { redirect: string; status?: number }
  | { status: number; retryAfter?: number | string; body?: string }
  /** Not found; matching versions also vanish from `@v/list` and `@latest` (a stale proxy). */
  | { notFound: 404 | 410 }
  /** The first n matching requests get 503, then `then` (default ok) applies. */
  | { flaky: number; then?: Fault }
  /**
   * Every n-th matching request (the n-th, 2n-th, ...) gets `fault` (default
   * `{ status: status ?? 503 }`); the others are served normally. Counted per
   * rule, like flaky: `failEvery: 2` fails every other request.
   */
  | { failEvery: number; status?: number; fault?: Fault };

/** Limits a fault to some requests; all given fields must match. */
export interface FaultScope {
  /**
   * Tested against the request path below the prefix, percent-decoded but
   * still case-encoded (`/example.com/!upper/!case/@v/list`). A string
   * matches as a substring.
   */
  path?: RegExp | string;
  /** Exact (unescaped) module path, e.g. `example.com/alpha`. */
  module?: string;
  /** Exact version; only requests naming a version (.info/.mod/.zip) match. */
  version?: string;
}

export type RequestKind = 'list' | 'info' | 'mod' | 'zip' | 'latest' | 'sumdb' | 'other';

export interface ProxyRequest {
  method: string;
  /** Request path, prefix and query included, percent-decoded (go sends `!` as `%21`). */
  path: string;
  /** Request target exactly as received. */
  rawPath: string;
  /** Final status; 0 while pending or when never answered (hang). */
  status: number;
  /** Epoch ms when the request arrived. */
  time: number;
  durationMs?: number;
  kind: RequestKind;
  module?: string;
  version?: string;
  /** Fault that applied, as text ('ok' when none). */
  fault: string;
  /** Socket destroyed before the response completed (reset, close). */
  aborted?: boolean;
  /** The Authorization header sent, if any. */
  authorization?: string;
  /** The client's User-Agent: tells the go command (`fromGoCommand`) from the guard's own requests. */
  userAgent?: string;
}

/**
 * Was it the go command that asked? go up to 1.26 sends Go-http-client/1.1 (net/http's default);
 * go 1.27 names itself `GoCommand/1 (+https://go.dev/cmd/go)`.
 */
export const fromGoCommand = (q: { userAgent?: string }): boolean =>
  q.userAgent?.startsWith('Go-http-client') === true || q.userAgent?.startsWith('GoCommand/') === true;

export interface GoProxyOptions {
  /** Module set to serve (default: defaultWorld()). */
  modules?: ModuleVersion[];
  tls?: TlsMode;
  /** Defaults to ensureLabPki(). */
  pki?: LabPki;
  /** Serve under a path prefix, e.g. `/goproxy/`; `url` then includes it. */
  prefix?: string;
  /** Require HTTP basic auth (401 otherwise). */
  auth?: { user: string; pass: string };
  /** Status of `/sumdb/<name>/supported` (default 404: "go to the checksum DB yourself"). */
  sumdbSupported?: number;
  /** A lab checksum database, proxied under `/sumdb/<its name>/` (`supported` then answers 200). */
  sumdb?: LabSumdb;
  /** Host name put in `url` (default 127.0.0.1; the certs also cover localhost). Binding is always 127.0.0.1. */
  host?: '127.0.0.1' | 'localhost';
  /** Fixed port (default: random). */
  port?: number;
}

export interface GoProxy {
  /** GOPROXY value: `http(s)://127.0.0.1:<port>[/prefix]`, no trailing slash. */
  readonly url: string;
  /**
   * `url` with `user:pass@` when auth is configured, else `url`. go only
   * sends such credentials over https ("refusing to pass credentials to
   * insecure URL" otherwise).
   */
  readonly authUrl: string;
  readonly origin: string;
  readonly port: number;
  readonly tls: TlsMode;
  /** CA that clients must trust for the valid/expiring modes. */
  readonly caCert: string;
  readonly requests: ProxyRequest[];
  modules: ModuleVersion[];
  /**
   * Without scope: replace every fault with this one (so `setFault('ok')`
   * heals everything). With a scope: add a rule; the newest matching rule
   * wins over older ones and over the unscoped fault. Await it: 'refused'
   * and leaving 'refused' close and reopen the listener.
   */
  setFault(fault: Fault, scope?: FaultScope): Promise<void>;
  clearFaults(): Promise<void>;
  /** Requests whose path matches. */
  hits(pattern?: RegExp | string): ProxyRequest[];
  resetLog(): void;
  /** Stop, destroying every open socket (hung ones too), so jest can exit. */
  close(): Promise<void>;
}

interface Rule {
  fault: Fault;
  scope?: FaultScope;
  /** Matching requests answered so far (flaky/failEvery counter), per rule. */
  used: number;
}

interface Route {
  kind: RequestKind;
  /** Path below the prefix, without query. */
  rel: string;
  module?: string;
  version?: string;
  ext?: 'info' | 'mod' | 'zip';
}

export function faultName(f: Fault): string {
  return typeof f === 'string' ? f : JSON.stringify(f);
}

const CAPTIVE_PORTAL = `<!DOCTYPE html>
<html><head><title>Sign in to Lab-WiFi</title></head>
<body><h1>Welcome to Lab-WiFi</h1><p>Please accept the terms of use to continue.</p>
<form method="post" action="/login"><button>Accept</button></form></body></html>
`;

const NOT_A_ZIP = Buffer.from('this is not a zip file: the lab proxy corrupted it on purpose\n'.repeat(8));

function keyPairFor(mode: TlsMode, pki: LabPki): KeyPair | undefined {
  switch (mode) {
    case 'none':
      return undefined;
    case 'valid':
      return pki.server;
    case 'expired':
      return pki.expired;
    case 'expiring-soon':
      return pki.expiringSoon;
    case 'untrusted':
      return pki.untrusted;
  }
}

function normalisePrefix(p: string | undefined): string {
  if (!p) return '';
  const trimmed = p.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}

function route(rel: string): Route {
  const sum = /^\/sumdb\/[^/]+\/.*$/.exec(rel);
  if (sum) return { kind: 'sumdb', rel };
  const latest = /^\/(.+)\/@latest$/.exec(rel);
  if (latest?.[1]) {
    const module = unescapePath(latest[1]);
    return module ? { kind: 'latest', rel, module } : { kind: 'other', rel };
  }
  const v = /^\/(.+)\/@v\/(.+)$/.exec(rel);
  if (!v?.[1] || !v[2]) return { kind: 'other', rel };
  const module = unescapePath(v[1]);
  if (!module) return { kind: 'other', rel };
  if (v[2] === 'list') return { kind: 'list', rel, module };
  const f = /^(.+)\.(info|mod|zip)$/.exec(v[2]);
  const version = f?.[1] ? unescapePath(f[1]) : undefined;
  if (!f || !version) return { kind: 'other', rel, module };
  const ext = f[2] as 'info' | 'mod' | 'zip';
  return { kind: ext, rel, module, version, ext };
}

/**
 * Resolve flaky/failEvery for the n-th (1-based) request matching a rule.
 * Nested counting faults count on: `then` sees the requests after the flaky
 * ones, a failEvery's `fault` sees only the failing ones.
 */
function countedFault(f: Fault, n: number): Fault {
  if (typeof f !== 'object') return f;
  if ('flaky' in f)
    return n <= f.flaky ? { status: 503, body: 'lab proxy: flaky, try again\n' } : countedFault(f.then ?? 'ok', n - f.flaky);
  if ('failEvery' in f) return n % f.failEvery === 0 ? countedFault(f.fault ?? { status: f.status ?? 503 }, n / f.failEvery) : 'ok';
  return f;
}

/** Reject faults act() cannot apply per request. */
function checkFault(f: Fault, nested: boolean): void {
  if (f === 'refused' && nested) throw new Error("lab proxy: 'refused' cannot be nested: it closes the listener");
  if (typeof f !== 'object') return;
  if ('failEvery' in f) {
    if (!Number.isInteger(f.failEvery) || f.failEvery < 1)
      throw new Error(`lab proxy: failEvery must be a positive integer, got ${f.failEvery}`);
    if (f.fault !== undefined) checkFault(f.fault, true);
  }
  if ('flaky' in f && f.then !== undefined) checkFault(f.then, true);
  if ('trickle' in f && !(f.trickle > 0)) throw new Error(`lab proxy: trickle must be a positive number of ms, got ${f.trickle}`);
}

function scopeMatches(scope: FaultScope | undefined, r: Route): boolean {
  if (!scope) return true;
  if (scope.module !== undefined && scope.module !== r.module) return false;
  if (scope.version !== undefined && scope.version !== r.version) return false;
  if (scope.path !== undefined) {
    if (
      typeof scope.path === 'string'
        ? !r.rel.includes(scope.path)
        : !new RegExp(scope.path.source, scope.path.flags.replace('g', '')).test(r.rel)
    )
      return false;
  }
  return true;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Stream this file instead of `body` (modules with a `zipFile`): memory stays flat however large. */
  file?: { path: string; size: number };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: Buffer.from(body) };
}

/** Start a proxy; resolves once it listens. */
export async function startGoProxy(opts: GoProxyOptions = {}): Promise<GoProxy> {
  const tlsMode: TlsMode = opts.tls ?? 'none';
  const pki = opts.pki ?? ensureLabPki();
  const pair = keyPairFor(tlsMode, pki);
  const prefix = normalisePrefix(opts.prefix);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: ProxyRequest[] = [];
  const tampered = new Map<ModuleVersion, Buffer>();
  let rules: Rule[] = [];
  let globalRule: Rule = { fault: 'ok', used: 0 };
  let closed = false;
  let listening = false;
  let port = opts.port ?? 0;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = Date.now();
    const fullPath = req.url ?? '/';
    // go percent-encodes the `!` of case-encoded paths (`%21upper`): decode before routing.
    const rawPath = fullPath.split('?')[0] ?? '/';
    let pathOnly = rawPath;
    try {
      pathOnly = decodeURIComponent(rawPath);
    } catch {
      /* malformed escape: route the raw path, which will 404 */
    }
    // Where a relative redirect (`{ redirect: '/mirror' }`) leads: served normally, below the mirror path.
    const mirror =
      typeof globalRule.fault === 'object' && 'redirect' in globalRule.fault && globalRule.fault.redirect.startsWith('/')
        ? `${prefix}${globalRule.fault.redirect.replace(/\/+$/, '')}`
        : undefined;
    const mirrored = mirror !== undefined && pathOnly.startsWith(`${mirror}/`);
    if (mirrored) pathOnly = `${prefix}${pathOnly.slice(mirror.length)}`;
    const inPrefix = !prefix || pathOnly === prefix || pathOnly.startsWith(`${prefix}/`);
    const r = inPrefix ? route(pathOnly.slice(prefix.length) || '/') : { kind: 'other' as const, rel: pathOnly };
    const query = fullPath.includes('?') ? fullPath.slice(fullPath.indexOf('?')) : '';
    const entry: ProxyRequest = {
      method: req.method ?? 'GET',
      path: pathOnly + query,
      rawPath: fullPath,
      status: 0,
      time: started,
      kind: r.kind,
      fault: 'ok',
      userAgent: req.headers['user-agent'],
    };
    if (r.module) entry.module = r.module;
    if (r.version) entry.version = r.version;
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.durationMs = Date.now() - started;
    });
    res.on('close', () => {
      if (!res.writableFinished) entry.aborted = true;
    });
    req.resume(); // drain any body so keep-alive keeps working

    const fault = mirrored ? 'ok' : resolveFault(r, true);
    entry.fault = faultName(fault);
    act(fault, r, req, res, entry);
  };

  /** The effective fault for a request; counting rules advance only when `consume`. */
  function resolveFault(r: Route, consume: boolean): Fault {
    const rule = [...rules].reverse().find((x) => scopeMatches(x.scope, r)) ?? globalRule;
    const n = consume ? ++rule.used : rule.used + 1; // 1-based index of this request within the rule
    return countedFault(rule.fault, n);
  }

  function act(fault: Fault, r: Route, req: http.IncomingMessage, res: http.ServerResponse, entry: ProxyRequest): void {
    if (fault === 'hang') return; // the socket stays open until the client gives up or close()
    if (typeof fault === 'object' && 'slow' in fault) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) act('ok', r, req, res, entry);
      }, fault.slow);
      timers.add(t);
      return;
    }
    if (typeof fault === 'object' && 'endless' in fault) return sendEndless(res);
    if (typeof fault === 'object' && 'redirect' in fault) {
      const location = `${fault.redirect.startsWith('/') ? prefix : ''}${fault.redirect.replace(/\/+$/, '')}${r.rel}`;
      return send(req, res, text(fault.status ?? 302, `moved to ${location}\n`, { location }));
    }
    if (typeof fault === 'object' && 'trickle' in fault) return sendTrickle(res, content('ok', r), fault.trickle);
    if (fault === 'html')
      return send(req, res, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(CAPTIVE_PORTAL) });
    if (typeof fault === 'object' && 'status' in fault && !('failEvery' in fault)) {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      return send(req, res, text(fault.status, fault.body ?? `lab proxy: injected ${fault.status}\n`, headers));
    }
    if (opts.auth && !authorised(req)) {
      return send(req, res, text(401, 'lab proxy: authentication required\n', { 'www-authenticate': 'Basic realm="lab goproxy"' }));
    }
    const reply = content(fault, r);
    if (fault === 'reset') {
      entry.aborted = true;
      entry.status = reply.status;
      const len = reply.file ? reply.file.size : reply.body.length;
      res.writeHead(reply.status, { ...reply.headers, 'content-length': String(len) });
      if (reply.file && req.method !== 'HEAD' && len >= 2) return streamHalfThenReset(req, res, reply.file.path, Math.floor(len / 2));
      const part = req.method === 'HEAD' || reply.file ? Buffer.alloc(0) : reply.body.subarray(0, Math.floor(len / 2));
      res.write(part, () => req.socket.destroy());
      if (!part.length) res.flushHeaders();
      return;
    }
    send(req, res, reply);
  }

  /** Bytes until the client hangs up, pausing whenever it does not read. */
  function sendEndless(res: http.ServerResponse): void {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  }

  /** The reply's bytes one at a time, `everyMs` apart (a 1 byte/s link, or worse). */
  function sendTrickle(res: http.ServerResponse, reply: Reply, everyMs: number): void {
    const body = reply.file ? readFileSync(reply.file.path) : reply.body;
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    let i = 0;
    const tick = (): void => {
      if (res.destroyed) return;
      if (i >= body.length) return void res.end();
      res.write(body.subarray(i, ++i));
      const t = setTimeout(() => {
        timers.delete(t);
        tick();
      }, everyMs);
      timers.add(t);
    };
    tick();
  }

  /** The file's first `bytes`, then destroy the socket once they are flushed. */
  function streamHalfThenReset(req: http.IncomingMessage, res: http.ServerResponse, file: string, bytes: number): void {
    const rs = createReadStream(file, { start: 0, end: bytes - 1 });
    let unflushed = 0;
    let ended = false;
    const cut = (): void => {
      if (ended && unflushed === 0) req.socket.destroy();
    };
    rs.on('data', (c) => {
      unflushed++;
      const more = res.write(c, () => {
        unflushed--;
        cut();
      });
      if (!more) rs.pause();
    });
    res.on('drain', () => rs.resume());
    res.on('close', () => rs.destroy());
    rs.on('end', () => {
      ended = true;
      cut();
    });
    rs.on('error', () => req.socket.destroy());
  }

  function authorised(req: http.IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m?.[1] || !opts.auth) return false;
    return Buffer.from(m[1], 'base64').toString('utf8') === `${opts.auth.user}:${opts.auth.pass}`;
  }

  /** Versions of a module that a stale (notFound) rule has not hidden. */
  function visibleVersions(module: string): ModuleVersion[] {
    return proxy.modules.filter((m) => {
      if (m.path !== module) return false;
      for (const ext of ['info', 'mod', 'zip'] as const) {
        const f = resolveFault(route(`/${m.escapedPath}/@v/${m.escapedVersion}.${ext}`), false);
        if (typeof f === 'object' && 'notFound' in f) return false;
      }
      return true;
    });
  }

  function content(fault: Fault, r: Route): Reply {
    if (typeof fault === 'object' && 'notFound' in fault) {
      return text(fault.notFound, `not found: ${r.module ?? r.rel}${r.version ? `@${r.version}` : ''}: lab proxy says it is gone\n`);
    }
    switch (r.kind) {
      case 'sumdb': {
        const below =
          opts.sumdb && r.rel.startsWith(`/sumdb/${opts.sumdb.name}/`) ? r.rel.slice(`/sumdb/${opts.sumdb.name}`.length) : undefined;
        if (opts.sumdb && below !== undefined) {
          const a = opts.sumdb.answer(below);
          return { status: a.status, headers: { 'content-type': a.contentType }, body: a.body };
        }
        const status = /\/supported$/.test(r.rel) ? (opts.sumdbSupported ?? 404) : 404;
        return text(status, status === 200 ? '' : 'not found\n');
      }
      case 'list': {
        const vs = visibleVersions(r.module ?? '');
        if (!proxy.modules.some((m) => m.path === r.module)) return text(404, `not found: module ${r.module}: no such module in the lab\n`);
        return text(200, vs.map((m) => `${m.version}\n`).join(''));
      }
      case 'latest': {
        const m = latestVersion(visibleVersions(r.module ?? ''));
        return m
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(m.info) }
          : text(404, `not found: module ${r.module}: no versions\n`);
      }
      case 'info':
      case 'mod':
      case 'zip': {
        const m = proxy.modules.find((x) => x.path === r.module && x.version === r.version);
        if (!m) return text(404, `not found: ${r.module}@${r.version}: unknown revision\n`);
        if (r.kind === 'info') return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(m.info) };
        if (r.kind === 'mod') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: m.mod };
        let body = m.zip;
        if (fault === 'corrupt-zip') body = NOT_A_ZIP;
        else if (fault === 'tampered-zip') {
          body = tampered.get(m) ?? tamperedZip(m);
          tampered.set(m, body);
        } else if (m.zipFile) {
          // stat per request: a benchmark may regenerate the file between runs
          return {
            status: 200,
            headers: { 'content-type': 'application/zip' },
            body: Buffer.alloc(0),
            file: { path: m.zipFile, size: statSync(m.zipFile).size },
          };
        }
        return { status: 200, headers: { 'content-type': 'application/zip' }, body };
      }
      default:
        return text(404, 'not found\n');
    }
  }

  function send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    let { status } = reply;
    const headers: Record<string, string> = { ...reply.headers };
    const len = reply.file ? reply.file.size : reply.body.length;
    let start = 0;
    let end = len - 1; // inclusive
    if (status === 200) {
      headers['accept-ranges'] = 'bytes';
      const range = req.headers.range;
      const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
      if (m && (m[1] || m[2])) {
        if (!m[1]) {
          start = Math.max(0, len - Number(m[2])); // suffix range: last n bytes
        } else {
          start = Number(m[1]);
          end = m[2] ? Math.min(Number(m[2]), len - 1) : len - 1;
        }
        if (start >= len || start > end) {
          status = 416;
          headers['content-range'] = `bytes */${len}`;
          start = 0;
          end = -1;
        } else {
          status = 206;
          headers['content-range'] = `bytes ${start}-${end}/${len}`;
        }
      }
    }
    headers['content-length'] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || end < start) return void res.end();
    if (!reply.file) return void res.end(reply.body.subarray(start, end + 1));
    // pipeline destroys the file stream too when the client goes away
    pipeline(createReadStream(reply.file.path, { start, end }), res, () => undefined);
  }

  const server: http.Server = pair
    ? https.createServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key) }, handler)
    : http.createServer(handler);
  trackSockets(server, sockets);
  // Node closes idle keep-alive sockets after 5 s; a keep-alive client that
  // reuses one just then gets a spurious ECONNRESET. Real proxies sit behind
  // load balancers with ~60 s idle timeouts, so a healthy lab proxy must not
  // reset either. close() destroys sockets, so nothing is kept alive longer.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // A client rejecting our certificate is an expected outcome, not a crash.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_e, s: Socket) => s.destroy());

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        port = (server.address() as AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    if (!listening) return Promise.resolve();
    listening = false;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
    });
  }

  async function applyListening(): Promise<void> {
    if (closed) return;
    const wantRefused = globalRule.fault === 'refused';
    if (wantRefused && listening) await stopListening();
    if (!wantRefused && !listening) await listen();
  }

  await listen();
  const host = opts.host ?? '127.0.0.1';
  const origin = `${pair ? 'https' : 'http'}://${host}:${port}`;
  const url = `${origin}${prefix}`;
  const authUrl = opts.auth
    ? `${pair ? 'https' : 'http'}://${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@${host}:${port}${prefix}`
    : url;

  const proxy: GoProxy = {
    url,
    authUrl,
    origin,
    port,
    tls: tlsMode,
    caCert: pki.caCert,
    requests,
    modules: opts.modules ?? defaultWorld(),
    async setFault(fault: Fault, scope?: FaultScope) {
      checkFault(fault, false);
      if (scope) {
        if (fault === 'refused') throw new Error("lab proxy: 'refused' cannot be scoped: it closes the listener");
        rules.push({ fault, scope, used: 0 });
      } else {
        rules = [];
        globalRule = { fault, used: 0 };
      }
      await applyListening();
    },
    async clearFaults() {
      rules = [];
      globalRule = { fault: 'ok', used: 0 };
      await applyListening();
    },
    hits(pattern?: RegExp | string) {
      if (pattern === undefined) return [...requests];
      return requests.filter((x) => (typeof pattern === 'string' ? x.path.includes(pattern) : pattern.test(x.path)));
    },
    resetLog() {
      requests.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopListening();
    },
  };
  return proxy;
}

// ---------------------------------------------------------------- a tiny client

export interface LabResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * GET/HEAD from the test process itself. fetch() cannot be given a CA per
 * call and NODE_EXTRA_CA_CERTS is only read at start-up, so use node:https
 * with an explicit `ca`. Rejects on network/TLS errors (code in `err.code`).
 */
export function labRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; ca?: string | Buffer; timeoutMs?: number } = {},
): Promise<LabResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...opts.headers };
  if (u.username)
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        method: opts.method ?? 'GET',
        hostname: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        headers,
        agent: false,
        ...(u.protocol === 'https:' && opts.ca !== undefined ? { ca: typeof opts.ca === 'string' ? readFileSync(opts.ca) : opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(Object.assign(new Error('lab request timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
