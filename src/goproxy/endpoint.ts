import { HttpClient } from '@actions/http-client';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import http from 'node:http';
import https from 'node:https';
import { trustedContext } from './trust.js';
import { redactUrl } from '../secrets/secrets.js';
import { credentialFor, refreshCredentials, type Credentials } from './goauth.js';
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
  /** `Authorization` from the URL's user info: go's net/http sends it when GOAUTH gave no header. */
  private readonly urlAuthorization: string | undefined;
  /**
   * Credentials in the URL of a plain-http proxy. The go command refuses to
   * send them ("refusing to pass credentials to insecure URL"); so do we,
   * and the proxy is unusable as configured.
   */
  readonly insecureCredentials: boolean;
  private readonly origin: string;
  private readonly userAgent: string;
  private readonly agents = new Map<string, http.Agent>();

  /** The request URLs keep the user info, as go's do: GOAUTH prefixes are matched against them. */
  private readonly userinfo: string;
  private credentials: Credentials;

  constructor(
    url: string,
    credentials: Credentials,
    private readonly env: NodeJS.ProcessEnv = process.env,
    userAgent = 'go-proxy-guard',
  ) {
    const u = new URL(url);
    this.base = withoutUserinfo(url).replace(/\/+$/, '');
    this.shown = redactUrl(url).replace(/\/+$/, '');
    this.origin = u.origin;
    const secure = u.protocol === 'https:';
    this.insecureCredentials = !secure && (u.username !== '' || u.password !== '');
    this.userinfo = u.username || u.password ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
    this.urlAuthorization =
      secure && u.username
        ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
        : undefined;
    this.credentials = credentials;
    this.userAgent = userAgent;
  }

  /**
   * Headers for a request to `url`, as go 1.24+ builds them: GOAUTH's headers
   * for the longest matching prefix, else the URL's user info; over https
   * only, and only to the proxy's own scheme, host and port.
   */
  headersFor(url: URL, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...extra };
    if (url.origin !== this.origin || url.protocol !== 'https:') return headers;
    const given = credentialFor(this.credentials, this.asGoSeesIt(url));
    if (given) for (const [k, v] of Object.entries(given)) headers[k.toLowerCase()] = v;
    else if (this.urlAuthorization) headers.authorization = this.urlAuthorization;
    return headers;
  }

  /** Does this proxy's request carry credentials (from GOAUTH or its URL)? */
  hasCredentials(): boolean {
    const probe = new URL(`${this.base}/`);
    return this.headersFor(probe).authorization !== undefined;
  }

  private asGoSeesIt(url: URL): URL {
    return this.userinfo ? new URL(url.href.replace('://', `://${this.userinfo}`)) : url;
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
      let res = await this.request(url, opts);
      if (await this.refreshedAfter(res, url)) res = await this.request(url, opts);
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

  /**
   * go asks GOAUTH's git and command methods again, with the URL, after a
   * 4xx over https, and retries once when they gave something new.
   */
  private async refreshedAfter(res: http.IncomingMessage, url: URL): Promise<boolean> {
    const status = res.statusCode ?? 0;
    if (!this.credentials.refresh || url.protocol !== 'https:' || status < 400 || status >= 500) return false;
    const before = JSON.stringify(credentialFor(this.credentials, this.asGoSeesIt(url)) ?? null);
    const head = `HTTP/${res.httpVersion} ${status} ${res.statusMessage ?? ''}\n\n`;
    this.credentials = await refreshCredentials(this.credentials, this.asGoSeesIt(url).href, head, { env: this.env });
    if (JSON.stringify(credentialFor(this.credentials, this.asGoSeesIt(url)) ?? null) === before) return false;
    res.resume();
    return true;
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
