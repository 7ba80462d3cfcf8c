import type { ProxyVerdict, Verdict } from '../model/verdict.js';
import type { RunContext } from '../model/run-context.js';
import type { RunReport } from '../model/run-report.js';
import type { Secrets } from '../secrets/secrets.js';
import type { LadderStep } from '../model/ladder.js';

export type AlertKind = 'alert' | 'recovery';

export interface FailingProxy {
  /** Masked URL. */
  url: string;
  verdict: ProxyVerdict;
  /** The dominant failure in words, or the verdict when there is none. */
  reason: string;
}

/**
 * What every format renders: one value, already masked, with nothing a
 * receiver could use to reach a webhook or a private proxy.
 */
export interface AlertMessage {
  title: string;
  kind: AlertKind;
  verdict: Verdict;
  repository?: string;
  workflow?: string;
  runUrl?: string;
  /** In rank order (the least bad first); may be long: formats truncate, `json` does not. */
  failingProxies: FailingProxy[];
  healthyCount: number;
  proxyCount: number;
  /** The exported GOPROXY chain (masked). */
  goproxy: string;
  /** The rung of the degradation ladder that produced the module cache (absent without pre-warm). */
  ladderStep?: LadderStep;
  reason: string;
  /** ISO 8601 time of the run. */
  at: string;
}

export interface AlertMessageInput {
  kind: AlertKind;
  report: RunReport;
  context: RunContext;
  secrets: Secrets;
}

/** The message of an alert or a recovery; the loud override line (report.override) is never left out. */
export function buildAlertMessage({ kind, report, context, secrets }: AlertMessageInput): AlertMessage {
  const override = report.override;
  const failingProxies = report.proxies
    .filter((p) => p.verdict !== 'healthy')
    .map((p) => ({ url: p.url, verdict: p.verdict, reason: p.failure?.message ?? p.verdict }));
  const where = context.repository ?? context.workflow;
  const title =
    (kind === 'recovery'
      ? `go-proxy-guard: GOPROXY healthy again${where ? ` in ${where}` : ''}`
      : `go-proxy-guard: GOPROXY ${report.verdict}${where ? ` in ${where}` : ''}`) + (override ? ' (OVERRIDE in force)' : '');
  return maskMessage(
    {
      title,
      kind,
      verdict: report.verdict,
      repository: context.repository,
      workflow: context.workflow,
      runUrl: context.runUrl,
      failingProxies,
      healthyCount: report.healthyCount,
      proxyCount: report.proxies.length,
      goproxy: report.goproxy,
      ladderStep: report.warm?.ladderStep,
      // Every format renders the reason, so the override line travels in it.
      reason: override ? `${override} ${report.reason}` : report.reason,
      at: context.at.toISOString(),
    },
    secrets,
  );
}

/**
 * Pass every text of a message through the secrets, then blank any URL
 * password left: a proxy credential that reached a failure message by a path
 * nobody registered must still not reach a chat room.
 */
export function maskMessage(message: AlertMessage, secrets: Pick<Secrets, 'mask'>): AlertMessage {
  const m = (text: string) => redactUserinfo(secrets.mask(text));
  const opt = (text: string | undefined) => (text === undefined ? undefined : m(text));
  return {
    ...message,
    title: m(message.title),
    repository: opt(message.repository),
    workflow: opt(message.workflow),
    runUrl: opt(message.runUrl),
    failingProxies: message.failingProxies.map((p) => ({ url: m(p.url), verdict: p.verdict, reason: m(p.reason) })),
    goproxy: m(message.goproxy),
    reason: m(message.reason),
  };
}

/** `scheme://user:secret@` anywhere in a text becomes `scheme://user:***@`. */
export function redactUserinfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, (_, head: string) => `${head}***@`);
}

/** The facts every format shows next to the reason, in reading order. */
export function factsOf(message: AlertMessage): Array<[label: string, value: string]> {
  const facts: Array<[string, string | undefined]> = [
    ['Verdict', message.verdict],
    ['Healthy proxies', `${message.healthyCount} of ${message.proxyCount}`],
    ['Repository', message.repository],
    ['Workflow', message.workflow],
    ['Ladder step', message.ladderStep],
    ['GOPROXY', message.goproxy || undefined],
  ];
  return facts.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
}

export const ELLIPSIS = '…';

/**
 * Cut `text` to at most `max` UTF-16 units, ending with an ellipsis, without
 * splitting a surrogate pair. Counting UTF-16 units also keeps the text within
 * limits that count code points (Discord), since a code point is 1-2 units.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - ELLIPSIS.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, Math.max(0, end)) + ELLIPSIS;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Cut `text` to at most `maxBytes` of UTF-8, ellipsis included, on a code
 * point boundary: a limit in bytes (WeCom) must never leave half a character.
 */
export function truncateBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(ELLIPSIS);
  if (budget < 0) return '';
  let used = 0;
  let out = '';
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (used + size > budget) break;
    used += size;
    out += ch;
  }
  return out + ELLIPSIS;
}

/**
 * Join as many lines as fit in `budget` (measured by `measure`, separator
 * included), then a closing line saying how many were left out. Whole lines
 * are kept rather than a long list cut mid-URL.
 */
export function fitLines(
  lines: string[],
  budget: number,
  opts: { separator?: string; measure?: (text: string) => number; more?: (left: number) => string } = {},
): string {
  const sep = opts.separator ?? '\n';
  const measure = opts.measure ?? ((t: string) => t.length);
  const more = opts.more ?? ((left: number) => `${ELLIPSIS} and ${left} more`);
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const left = lines.length - i - 1;
    const candidate = [...kept, line, ...(left > 0 ? [more(left)] : [])].join(sep);
    if (measure(candidate) > budget) break;
    kept.push(line);
  }
  const left = lines.length - kept.length;
  if (left === 0) return kept.join(sep);
  const text = [...kept, more(left)].join(sep);
  if (measure(text) <= budget) return text;
  // Not even one line fits beside the summary: the summary alone, if that fits.
  return measure(more(left)) <= budget ? more(left) : '';
}

/** One failing proxy on one line; `code` lets markdown formats set the URL apart. */
export function describeFailing(p: FailingProxy, code: (url: string) => string = (u) => u): string {
  const what = p.reason === p.verdict ? p.verdict : `${p.verdict}: ${p.reason}`;
  return `${code(p.url)} — ${what}`;
}

/** A glanceable sign in front of the title, where the service renders emoji. */
export function verdictMark(message: AlertMessage): string {
  if (message.kind === 'recovery') return '✅';
  return { healthy: '🟢', degraded: '🟠', failed: '🔴' }[message.verdict];
}
