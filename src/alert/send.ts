import { HttpClient } from '@actions/http-client';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Webhook, WebhookFormat } from '../config/config.js';
import { classifyNetworkError, isTransientStatus } from '../diagnosis/failure.js';
import { oneLine } from '../diagnosis/untrusted-text.js';
import type { Secrets } from '../secrets/secrets.js';
import { backoffDelay, BACKOFF_CAP_MS } from '../diagnosis/backoff.js';
import { formatAlert } from './formats/index.js';
import { maskMessage, redactUserinfo, type AlertMessage } from './message.js';

export const ALERT_SEND_DEFAULTS = { timeoutMs: 10_000, retries: 2, backoffMs: 1_000 } as const;

const USER_AGENT = 'go-proxy-guard (alert)';
/** Enough for any service's error answer; a receiver that streams more is cut off. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface AlertLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface SendAlertsOptions {
  /** Signing secret for DingTalk, Feishu and json webhooks. */
  secret?: string;
  /** Every text sent, logged or returned goes through its mask (the webhook URLs and secret are masked besides). */
  secrets: Secrets;
  /** Total time per webhook, every attempt and wait included. */
  timeoutMs?: number;
  /** Retries after the first attempt, for transient failures only. */
  retries?: number;
  /** First backoff; it doubles per retry, with jitter. */
  backoffMs?: number;
  log: AlertLog;
  /** Signing clock (tests sign with a stale one); the deadline uses a monotonic clock. */
  now?: () => Date;
  random?: () => number;
}

export interface SendResult {
  /** Scheme and host only: the rest of a webhook URL is its credential. */
  url: string;
  format: WebhookFormat;
  ok: boolean;
  attempts: number;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Why the last attempt failed (masked). */
  error?: string;
  ms: number;
}

/**
 * POST the message to every webhook at once, each in its own format and
 * within its own time bound. Never throws: an alert that cannot be sent is a
 * warning, not a reason to fail the job it reports on.
 */
export async function sendAlerts(webhooks: Webhook[], message: AlertMessage, opts: SendAlertsOptions): Promise<SendResult[]> {
  const scrub = scrubber(webhooks, opts);
  const masked = maskMessage(message, { mask: scrub });
  return Promise.all(
    webhooks.map(async (webhook) => {
      const started = performance.now();
      try {
        return await sendOne(webhook, masked, opts, scrub, started);
      } catch (err) {
        // Only a programming error gets here; it still must not fail the run.
        const error = scrub(`unexpected error: ${(err as Error)?.message ?? String(err)}`);
        opts.log.warning(`alert: could not send to ${maskWebhookUrl(webhook.url)} (${webhook.format}): ${error}`);
        return { url: maskWebhookUrl(webhook.url), format: webhook.format, ok: false, attempts: 0, error, ms: elapsed(started) };
      }
    }),
  );
}

async function sendOne(
  webhook: Webhook,
  message: AlertMessage,
  opts: SendAlertsOptions,
  scrub: (text: string) => string,
  started: number,
): Promise<SendResult> {
  const timeoutMs = opts.timeoutMs ?? ALERT_SEND_DEFAULTS.timeoutMs;
  const retries = opts.retries ?? ALERT_SEND_DEFAULTS.retries;
  const backoffMs = opts.backoffMs ?? ALERT_SEND_DEFAULTS.backoffMs;
  const now = opts.now ?? (() => new Date());
  const shown = maskWebhookUrl(webhook.url);
  const deadline = started + timeoutMs;
  const result = (ok: boolean, attempts: number, last?: WebhookJudgement): SendResult => ({
    url: shown,
    format: webhook.format,
    ok,
    attempts,
    ...(last?.status !== undefined ? { status: last.status } : {}),
    ms: elapsed(started),
  });

  let attempts = 0;
  let last: WebhookJudgement | undefined;
  let note = '';
  while (attempts <= retries) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    attempts++;
    // Signed per attempt: a retry after a long wait must carry a fresh timestamp.
    const formatted = formatAlert(webhook.format, message, { secret: opts.secret, now: now() });
    const answer = await postOnce(withQuery(webhook.url, formatted.query), JSON.stringify(formatted.body), formatted.headers ?? {}, left);
    last = judgeWebhookAnswer(webhook.format, answer, timeoutMs);
    if (last.ok) {
      opts.log.info(`alert: sent to ${shown} (${webhook.format})${attempts > 1 ? ` on attempt ${attempts}` : ''}`);
      return result(true, attempts, last);
    }
    if (!last.transient || attempts > retries) break;
    const wait = Math.max(backoffDelay(attempts, backoffMs, BACKOFF_CAP_MS, opts.random), last.retryAfterMs ?? 0);
    if (wait >= deadline - performance.now()) {
      // A timeout already says the bound was spent; anything else should say why it was not retried.
      if (!('timedOut' in answer)) note = ` (a retry in ${wait} ms would pass the ${timeoutMs} ms bound)`;
      break;
    }
    opts.log.info(scrub(`alert: ${shown} (${webhook.format}): ${last.error}; retrying in ${wait} ms`));
    await sleep(wait);
  }
  const error = scrub(`${last && !last.ok ? last.error : `no attempt fitted in ${timeoutMs} ms`}${note}`);
  opts.log.warning(`alert: could not send to ${shown} (${webhook.format}) after ${attempts} attempt(s): ${error}`);
  return { ...result(false, attempts, last), error };
}

/** What one POST came back with. */
export type WebhookAnswer = { status: number; headers: IncomingHttpHeaders; body: string } | { networkError: unknown } | { timedOut: true };

export type WebhookJudgement =
  { ok: true; status: number } | { ok: false; transient: boolean; error: string; status?: number; retryAfterMs?: number };

const SERVICE: Record<WebhookFormat, string> = {
  slack: 'Slack',
  discord: 'Discord',
  teams: 'Teams',
  dingtalk: 'DingTalk',
  feishu: 'Feishu',
  wecom: 'WeCom',
  json: 'the receiver',
};

/** Service error codes that mean "slow down", which a later attempt may get past. */
const RATE_LIMIT_CODES: Partial<Record<WebhookFormat, number[]>> = {
  dingtalk: [130101],
  wecom: [45009],
  feishu: [11232],
};

/**
 * Read a service's answer the way the service means it: DingTalk, WeCom and
 * Feishu answer HTTP 200 with an error code in the body, so a 200 is not yet
 * a delivery. Network errors and the statuses diagnosis/failure calls transient (408, 429, 5xx) are transient; anything else
 * (a bad signature, an unknown webhook, a refused payload) will not get better
 * by sending the same request again.
 */
export function judgeWebhookAnswer(format: WebhookFormat, answer: WebhookAnswer, timeoutMs: number): WebhookJudgement {
  const service = SERVICE[format];
  if ('timedOut' in answer) return { ok: false, transient: true, error: `no answer within ${timeoutMs} ms` };
  if ('networkError' in answer) {
    const f = classifyNetworkError(answer.networkError);
    return { ok: false, transient: f.class === 'transient', error: `${f.message} (${f.code})` };
  }
  const { status, body } = answer;
  const json = parseJson(body);
  const said = json && typeof json === 'object' ? jsonErrorOf(json) : undefined;
  if (status >= 200 && status < 300) {
    if (format === 'dingtalk' || format === 'wecom' || format === 'feishu') {
      const codeOf = format === 'feishu' ? feishuCode : errcodeOf;
      if (!json || typeof json !== 'object') {
        return {
          ok: false,
          transient: false,
          status,
          error: `${service} answered HTTP ${status} without its JSON result: ${oneLine(body, 300)}`,
        };
      }
      const code = codeOf(json as Record<string, unknown>);
      if (code !== 0) {
        const field = format === 'feishu' ? 'code' : 'errcode';
        return {
          ok: false,
          transient: (RATE_LIMIT_CODES[format] ?? []).includes(code),
          status,
          error: `${service} refused the message: ${field} ${code}${said?.text ? `: ${said.text}` : ''}`,
        };
      }
    }
    return { ok: true, status };
  }
  const transient = isTransientStatus(status);
  const snippet = said ? `${said.text}${said.code !== undefined ? ` (code ${said.code})` : ''}` : oneLine(body, 300);
  return {
    ok: false,
    transient,
    status,
    error: `${service} answered HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
    ...(status === 429 ? { retryAfterMs: retryAfterMs(answer.headers, json) } : {}),
  };
}

/** DingTalk and WeCom: `{errcode, errmsg}`; a missing errcode is not a success. */
function errcodeOf(json: Record<string, unknown>): number {
  return typeof json.errcode === 'number' ? json.errcode : -1;
}

/** Feishu: `{code, msg}` today, `{StatusCode, StatusMessage}` from older bots. */
function feishuCode(json: Record<string, unknown>): number {
  if (typeof json.code === 'number') return json.code;
  if (typeof json.StatusCode === 'number') return json.StatusCode;
  return -1;
}

/** The human part of a service's JSON error, whichever service it is. */
function jsonErrorOf(json: object): { text: string; code?: string } | undefined {
  const j = json as Record<string, unknown>;
  const nested = j.error && typeof j.error === 'object' ? (j.error as Record<string, unknown>) : undefined;
  const text = [j.errmsg, j.msg, j.StatusMessage, j.message, nested?.message, typeof j.error === 'string' ? j.error : undefined].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  if (text === undefined) return undefined;
  const code = [j.errcode, j.code, j.StatusCode, nested?.code].find((v) => typeof v === 'number' || typeof v === 'string');
  return { text: oneLine(text, 300), ...(code !== undefined ? { code: String(code) } : {}) };
}

function retryAfterMs(headers: IncomingHttpHeaders, json: unknown): number | undefined {
  const header = headers['retry-after'];
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw !== undefined) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const at = Date.parse(raw);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  // Discord puts it in the body too, in (fractional) seconds.
  const body = json as { retry_after?: unknown } | undefined;
  if (body && typeof body.retry_after === 'number') return Math.ceil(body.retry_after * 1000);
  return undefined;
}

/**
 * One POST, bounded by `budgetMs` in total. socketTimeout alone only bounds
 * silence between packets, so the whole exchange races a timer, and losing
 * the race disposes the client, which destroys its sockets.
 */
async function postOnce(url: string, payload: string, headers: Record<string, string>, budgetMs: number): Promise<WebhookAnswer> {
  const client = new HttpClient(USER_AGENT, [], {
    allowRetries: false,
    // A webhook that redirects is misconfigured; following it would post the alert somewhere unknown.
    allowRedirects: false,
    keepAlive: false,
    socketTimeout: Math.max(1, Math.ceil(budgetMs)),
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<WebhookAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), Math.max(0, budgetMs));
  });
  const exchange = (async (): Promise<WebhookAnswer> => {
    const res = await client.request('POST', url, payload, {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json, text/plain, */*',
      ...headers,
    });
    const body = await readLimited(res.message, MAX_ANSWER_BYTES);
    return { status: res.message.statusCode ?? 0, headers: res.message.headers, body };
  })().catch((networkError: unknown): WebhookAnswer => ({ networkError }));
  try {
    return await Promise.race([exchange, deadline]);
  } finally {
    clearTimeout(timer);
    client.dispose();
  }
}

function readLimited(msg: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    msg.on('data', (c: Buffer) => {
      if (size >= limit) return;
      chunks.push(c);
      size += c.length;
      if (size >= limit) msg.destroy();
    });
    const done = () => resolve(Buffer.concat(chunks).subarray(0, limit).toString('utf8'));
    msg.on('end', done);
    msg.on('close', done);
    msg.on('error', (e) => (size >= limit ? done() : reject(e)));
  });
}

/**
 * Only the scheme and host of a webhook may be shown: its path or query is
 * the credential (Slack, Discord and Feishu tokens are in the path, DingTalk
 * and WeCom keys in the query).
 */
export function maskWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return '***';
  }
}

/**
 * A mask for everything this module logs or returns: the webhook URLs, the
 * parts of them that are tokens, and the signing secret (each also
 * URL-encoded), then the run's registered secrets, then any URL password.
 * The webhook values are kept here rather than added to `secrets`, so that
 * sending has no effect on the caller's registry.
 */
function scrubber(webhooks: Webhook[], opts: Pick<SendAlertsOptions, 'secret' | 'secrets'>): (text: string) => string {
  const values = new Set<string>();
  const add = (v: string | undefined) => {
    // Short values would blank ordinary words; tokens and secrets are long.
    if (!v || v.length < 6) return;
    values.add(v);
    values.add(encodeURIComponent(v));
  };
  add(opts.secret);
  for (const { url } of webhooks) {
    add(url);
    try {
      const u = new URL(url);
      add(u.pathname + u.search);
      for (const value of u.searchParams.values()) add(value);
      // Token-looking path segments: long, with a digit (ids and tokens; not words like "webhooks").
      for (const segment of u.pathname.split('/')) if (segment.length >= 8 && /\d/.test(segment)) add(segment);
      if (u.password) add(decodeURIComponent(u.password));
    } catch {
      /* not a URL: the whole string is masked */
    }
  }
  const longestFirst = [...values].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const v of longestFirst) out = out.split(v).join('***');
    return redactUserinfo(opts.secrets.mask(out));
  };
}

function withQuery(url: string, query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return url;
  const u = new URL(url);
  const extra = new URLSearchParams(query).toString();
  // Appended, not merged: the webhook's own query (access_token) is kept byte for byte.
  u.search = u.search ? `${u.search}&${extra}` : `?${extra}`;
  return u.toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const elapsed = (started: number) => Math.round(performance.now() - started);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
