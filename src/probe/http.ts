import type { IncomingMessage } from 'node:http';
import { classifyNetworkError, failure, type Failure } from '../diagnosis/failure.js';
import { ProxyEndpoint } from '../goproxy/endpoint.js';
import type { Credentials } from '../goproxy/goauth.js';
import type { Answer } from './answer.js';

const USER_AGENT = 'go-proxy-guard (probe)';
const MAX_BODY = 1 << 20;

export type Fetched = { answer: Answer; ms: number } | { failure: Failure; ms: number };

/**
 * A client for one proxy, reached as the local proxy reaches it
 * (endpoint.ts): the credentials the go command would send, and only where
 * it would send them (never over plain http), redirects followed as go
 * follows them. `close()` destroys every socket, which is how a deadline
 * cuts off a hung proxy.
 */
export class ProxyClient {
  private readonly endpoint: ProxyEndpoint;

  constructor(
    proxyUrl: string,
    credentials: Credentials,
    private readonly deadlineMs: number,
  ) {
    this.endpoint = new ProxyEndpoint(proxyUrl, credentials, process.env, USER_AGENT);
  }

  /** GET `path`; for a zip, ask for the first kilobyte only and read no more than the magic bytes need. */
  async get(path: string, opts: { firstBytesOnly?: boolean } = {}): Promise<Fetched> {
    const started = performance.now();
    try {
      const res = await this.endpoint.get(path, {
        headers: opts.firstBytesOnly ? { range: 'bytes=0-1023' } : {},
        timeoutMs: Math.max(1, this.deadlineMs),
      });
      const body = await readBody(res, opts.firstBytesOnly ? 4 : MAX_BODY);
      return {
        answer: { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body },
        ms: performance.now() - started,
      };
    } catch (err) {
      return { failure: classifyNetworkError(err), ms: performance.now() - started };
    }
  }

  close(): void {
    this.endpoint.close();
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
