import { createHmac } from 'node:crypto';
import type { AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';

/**
 * The `json` webhook format: a stable, versioned document for receivers we
 * do not know (scripts, incident tools, a team's own bot). Documented in
 * docs/alert-json-schema.md; a field is only ever added within a version,
 * and a removal or change of meaning bumps the `@1`.
 *
 * ```jsonc
 * {
 *   "schema": "go-proxy-guard/alert@1",
 *   "title": "go-proxy-guard: GOPROXY degraded in acme/app",
 *   "kind": "alert",                 // "alert" | "recovery"
 *   "verdict": "degraded",           // "healthy" | "degraded" | "failed"
 *   "repository": "acme/app",        // optional
 *   "workflow": "ci",                // optional
 *   "runUrl": "https://github.com/acme/app/actions/runs/1",  // optional
 *   "failingProxies": [              // every proxy that is not healthy, in rank order; never truncated
 *     { "url": "https://goproxy.io", "verdict": "down", "reason": "connection refused" }
 *   ],                               // verdict: "slow" | "stale" | "broken" | "down"
 *   "healthyCount": 1,
 *   "proxyCount": 2,
 *   "goproxy": "https://proxy.golang.org,direct",
 *   "ladderStep": "proxy",           // optional: "proxy" | "retry" | "direct" | "cache" | "vendor" | "failed"
 *   "reason": "1 of 2 proxies healthy; https://goproxy.io down (connection refused)",
 *   "at": "2025-01-01T00:00:00.000Z"
 * }
 * ```
 *
 * Every text is masked: no webhook URL, secret or proxy credential appears.
 * With a webhook secret the request carries
 * `X-Go-Proxy-Guard-Timestamp: <unix seconds>` and
 * `X-Go-Proxy-Guard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`;
 * a receiver recomputes it over the bytes it received and refuses a
 * timestamp far from its clock, so a captured alert cannot be replayed later.
 */
export const ALERT_SCHEMA = 'go-proxy-guard/alert@1';

export type AlertDocument = { schema: typeof ALERT_SCHEMA } & AlertMessage;

export const JSON_SIGNATURE_HEADER = 'x-go-proxy-guard-signature';
export const JSON_TIMESTAMP_HEADER = 'x-go-proxy-guard-timestamp';

export function jsonSignature(secret: string, timestampSeconds: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex')}`;
}

export function formatJson(message: AlertMessage, opts: FormatOptions): FormattedAlert {
  const body: AlertDocument = { schema: ALERT_SCHEMA, ...message };
  if (!opts.secret) return { body };
  const timestamp = Math.floor(opts.now.getTime() / 1000);
  // The sender posts exactly JSON.stringify(body): the signature covers those bytes.
  return {
    body,
    headers: {
      [JSON_TIMESTAMP_HEADER]: String(timestamp),
      [JSON_SIGNATURE_HEADER]: jsonSignature(opts.secret, timestamp, JSON.stringify(body)),
    },
  };
}
