import { HttpClient } from '@actions/http-client';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import http from 'node:http';
import https from 'node:https';
import { trustedContext } from './trust.js';
import { redactUrl } from '../secrets/secrets.js';
import { netrcFor, type NetrcEntry } from './netrc.js';
import { withoutUserinfo } from './proxy-url.js';

/** Hops the go command's client follows before it gives up (cmd/go/internal/web/http.go). */
export const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * One proxy as both the probe and the local proxy reach it: where to send
 * requests, the credentials the go command would send, how it may be shown,
 * and the connection pools (HTTP(S)_PROXY honoured, go's roots trusted).
 */
export class ProxyEndpoint {
  /** The URL without user info or trailing slash. */
  readonly base: string;
  /** The URL as logs and reports may show it: credentials masked. */
  readonly shown: string;
  /** `Authorization` for the proxy's own host; undefined when there is none to send. */
  readonly authorization: string | undefined;
  /**
   * Credentials in the URL of a plain-http proxy. The go command refuses to
   * send them ("refusing to pass credentials to insecure URL"); so do we,
   * and the proxy is unusable as configured.
   */
  readonly insecureCredentials: boolean;
  private readonly origin: string;
  private readonly userAgent: string;
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    url: string,
    netrc: NetrcEntry[],
    private readonly env: NodeJS.ProcessEnv = process.env,
    userAgent = 'go-proxy-guard',
  ) {
    const u = new URL(url);
    this.base = withoutUserinfo(url).replace(/\/+$/, '');
    this.shown = redactUrl(url).replace(/\/+$/, '');
    this.origin = u.origin;
    const secure = u.protocol === 'https:';
    this.insecureCredentials = !secure && (u.username !== '' || u.password !== '');
    // As the go command: URL user info, else the netrc entry for the host, and either only over https.
    const entry = u.username ? undefined : netrcFor(netrc, u.hostname);
    const user = u.username ? decodeURIComponent(u.username) : entry?.login;
    const pass = u.username ? decodeURIComponent(u.password) : entry?.password;
    this.authorization = secure && user !== undefined ? `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}` : undefined;
    this.userAgent = userAgent;
  }

  /** Headers for a request to `url`: credentials only to the proxy's own scheme, host and port. */
  headersFor(url: URL, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...extra };
    if (this.authorization && url.origin === this.origin) headers.authorization = this.authorization;
    return headers;
  }

  /** The pool for `url`'s origin: the toolkit's choice of a tunnel through HTTP(S)_PROXY, go's roots for TLS. */
  agentFor(url: URL): http.Agent {
    let agent = this.agents.get(url.origin);
    if (agent) return agent;
    const client = new HttpClient(this.userAgent, [], { keepAlive: true, allowRetries: false });
    agent = client.getAgent(url.origin) as http.Agent;
    if (url.protocol === 'https:' && !getProxyUrl(url)) {
      const a = agent as http.Agent & { options: Record<string, unknown> };
      a.options = { ...a.options, secureContext: trustedContext(this.env) };
    }
    this.agents.set(url.origin, agent);
    return agent;
  }

  /** Start a GET of `url`; the caller owns the response. */
  request(
    url: URL,
    opts: { signal?: AbortSignal; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<http.IncomingMessage> {
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        url,
        { method: 'GET', agent: this.agentFor(url), headers: this.headersFor(url, opts.headers), signal: opts.signal },
        resolve,
      );
      if (opts.timeoutMs)
        req.setTimeout(opts.timeoutMs, () =>
          req.destroy(Object.assign(new Error(`timed out after ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
        );
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * GET `path` below the proxy, following redirects as the go command's
   * client does: at most MAX_REDIRECTS hops, a relative Location resolved
   * against the request URL, never from https to http, credentials only to
   * the proxy's own origin.
   */
  async get(
    path: string,
    opts: { signal?: AbortSignal; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<http.IncomingMessage> {
    if (this.insecureCredentials) throw new InsecureCredentialsError(this.shown);
    let url = new URL(`${this.base}/${path}`);
    for (let hop = 0; ; hop++) {
      const res = await this.request(url, opts);
      const location = res.headers.location;
      if (!REDIRECT_STATUSES.has(res.statusCode ?? 0) || !location) return res;
      res.resume();
      const next = redirectTarget(url, location, hop + 1);
      if ('refused' in next) {
        res.destroy();
        throw new RedirectError(next.refused);
      }
      url = next.url;
    }
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

/** Where a redirect leads, or why it is not followed (pure: the rules of go's securityPreservingHTTPClient). */
export function redirectTarget(from: URL, location: string, hops: number): { url: URL } | { refused: string } {
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    return { refused: `redirect to an unreadable Location ${JSON.stringify(location.slice(0, 100))}` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { refused: `redirect to a ${url.protocol} URL` };
  if (from.protocol === 'https:' && url.protocol !== 'https:')
    return { refused: `redirected from secure URL ${from.origin} to insecure URL ${url.origin}` };
  if (hops > MAX_REDIRECTS) return { refused: `stopped after ${MAX_REDIRECTS} redirects` };
  return { url };
}

export class InsecureCredentialsError extends Error {
  readonly code = 'INSECURE_CREDENTIALS';
  constructor(shown: string) {
    super(`refusing to pass credentials to insecure URL ${shown} (use https, as the go command requires)`);
  }
}

export class RedirectError extends Error {
  readonly code = 'BAD_REDIRECT';
}
