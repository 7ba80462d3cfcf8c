import * as net from 'node:net';
import * as tls from 'node:tls';
import { classifyNetworkError, failure, type Failure } from '../diagnosis/failure.js';
import { trustedContext } from '../goproxy/trust.js';

export interface TlsInfo {
  /** Whole days until the certificate expires (negative when expired). */
  daysLeft: number;
  validTo: string;
  failure?: Failure;
}

const DAY_MS = 86_400_000;

/**
 * Read the proxy's certificate without trusting it first, so an expired or
 * untrusted certificate is reported with its expiry instead of a bare error.
 * Trust is judged with the same roots the HTTP requests use.
 */
export function readCertificate(proxyUrl: string, timeoutMs: number, now = Date.now()): Promise<TlsInfo | { failure: Failure }> {
  const u = new URL(proxyUrl);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(u.port || 443),
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      secureContext: trustedContext(),
      ALPNProtocols: ['http/1.1'],
    });
    const done = (r: TlsInfo | { failure: Failure }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ failure: failure('timeout', 'TLS handshake timed out') }), timeoutMs);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert || !cert.valid_to) return done({ failure: failure('tls-error', 'no certificate presented') });
      const validTo = new Date(cert.valid_to);
      const daysLeft = Math.floor((validTo.getTime() - now) / DAY_MS);
      const info: TlsInfo = { daysLeft, validTo: validTo.toISOString() };
      const identity = tls.checkServerIdentity(host, cert);
      const authError = socket.authorizationError as unknown as string | Error | null;
      const code = typeof authError === 'string' ? authError : ((authError as { code?: string } | null)?.code ?? authError?.message);
      if (code === 'CERT_HAS_EXPIRED' || validTo.getTime() < now) {
        info.failure = failure('tls-expired', `certificate expired on ${info.validTo.slice(0, 10)}`);
      } else if (!socket.authorized) {
        info.failure = failure('tls-untrusted', `certificate not trusted (${code})`);
      } else if (identity) {
        info.failure = failure('tls-untrusted', `certificate does not match ${host}`);
      }
      done(info);
    });
    socket.once('error', (err) => done({ failure: classifyNetworkError(err) }));
  });
}
