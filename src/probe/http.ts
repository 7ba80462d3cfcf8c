import { HttpClient } from '@actions/http-client';
import type { IncomingMessage } from 'node:http';
import { classifyNetworkError, failure, type Failure } from '../diagnosis/failure.js';
import { netrcFor, type NetrcEntry } from '../goproxy/netrc.js';
import { withoutUserinfo } from '../goproxy/proxy-url.js';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import { trustedContext } from './trust.js';
import type { Answer } from './answer.js';

const USER_AGENT = 'go-proxy-guard (probe)';
const MAX_BODY = 1 << 20;

export type Fetched = { answer: Answer; ms: number } | { failure: Failure; ms: number };

/**
 * A client for one proxy. It sends the credentials the go command would
 * send (URL userinfo, else the netrc entry for the host), and `close()`
 * destroys every socket, which is how a deadline cuts off a hung proxy.
 */
export class ProxyClient {
  private readonly client: HttpClient;
  private readonly base: string;
  private readonly headers: Record<string, string> = {};

  constructor(proxyUrl: string, netrc: NetrcEntry[], deadlineMs: number) {
    const u = new URL(proxyUrl);
    const user = u.username ? decodeURIComponent(u.username) : netrcFor(netrc, u.hostname)?.login;
    const pass = u.username ? decodeURIComponent(u.password) : netrcFor(netrc, u.hostname)?.password;
    if (user !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`;
    }
    this.base = withoutUserinfo(proxyUrl).replace(/\/+$/, '');
    this.client = new HttpClient(USER_AGENT, [], {
      keepAlive: true,
      allowRetries: false,
      allowRedirects: true,
      maxRedirects: 5,
      socketTimeout: Math.max(1, deadlineMs),
    });
    // Judge certificates by the roots the go command trusts too (see trust.ts); the
    // toolkit offers no option for it, but reads its agent's options as ours.
    if (this.base.startsWith('https:') && !getProxyUrl(new URL(this.base))) {
      const agent = this.client.getAgent(this.base) as { options?: Record<string, unknown> };
      agent.options = { ...agent.options, secureContext: trustedContext() };
    }
  }

  /** GET `path`; for a zip, ask for the first kilobyte only and read no more than the magic bytes need. */
  async get(path: string, opts: { firstBytesOnly?: boolean } = {}): Promise<Fetched> {
    const started = performance.now();
    const headers = { ...this.headers, ...(opts.firstBytesOnly ? { range: 'bytes=0-1023' } : {}) };
    try {
      const res = await this.client.request('GET', `${this.base}/${path}`, null, headers);
      const body = await readBody(res.message, opts.firstBytesOnly ? 4 : MAX_BODY);
      return {
        answer: { status: res.message.statusCode ?? 0, contentType: String(res.message.headers['content-type'] ?? ''), body },
        ms: performance.now() - started,
      };
    } catch (err) {
      return { failure: classifyNetworkError(err), ms: performance.now() - started };
    }
  }

  close(): void {
    this.client.dispose();
  }
}

/** Read up to `limit` bytes, then stop the transfer: a probe never downloads a whole module. */
function readBody(msg: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    msg.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= limit) {
        finish();
        msg.destroy();
      }
    });
    msg.on('end', () => finish());
    msg.on('aborted', () => finish(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
    msg.on('error', (e) => finish(e));
    msg.on('close', () => {
      if (!msg.complete && size < limit) finish(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
      else finish();
    });
  });
}

export const deadlineFailure = (ms: number): Failure => failure('timeout', `no answer within ${ms} ms`);
