import { createHmac } from 'node:crypto';
import { describeFailing, factsOf, fitLines, truncate, verdictMark, type AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';
import { inert, withUpstreamText } from './inert.js';

/**
 * DingTalk refuses a body over 20000 bytes (errcode 460101) and stops
 * rendering markdown well before that; 3500 characters stays readable and,
 * even at 3 bytes a character, far inside the byte limit.
 */
export const DINGTALK_LIMITS = { text: 3500, title: 100, proxyLine: 300 };

/**
 * The "加签" signature of a DingTalk robot: base64(HMAC-SHA256(secret,
 * `${timestamp}\n${secret}`)). DingTalk refuses it once the timestamp is an
 * hour off its clock, so it is computed per request, never cached.
 */
export function dingtalkSignature(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** A DingTalk custom robot markdown message, signed in the query when a secret is set. */
export function formatDingtalk(original: AlertMessage, opts: FormatOptions): FormattedAlert {
  const L = DINGTALK_LIMITS;
  // DingTalk's markdown has no escapes: upstream text is made inert instead.
  const message = withUpstreamText(original, inert);
  const head = [
    `### ${verdictMark(message)} ${message.title}`,
    '',
    truncate(message.reason, 1000),
    '',
    ...factsOf(message).map(([label, value]) => `- **${label}**: ${truncate(value, 300)}`),
  ].join('\n');
  const tail = message.runUrl ? `\n\n[View the run](${message.runUrl}) · ${message.at}` : `\n\n${message.at}`;
  let text = head;
  if (message.failingProxies.length > 0) {
    const heading = `\n\n**Failing proxies (${message.failingProxies.length})**\n\n`;
    const lines = message.failingProxies.map((p) => `- ${truncate(describeFailing(p, code), L.proxyLine)}`);
    text += heading + fitLines(lines, L.text - head.length - heading.length - tail.length, { more: (n) => `- … and ${n} more` });
  }
  text = truncate(text + tail, L.text);
  const formatted: FormattedAlert = { body: { msgtype: 'markdown', markdown: { title: truncate(message.title, L.title), text } } };
  if (opts.secret) {
    // Raw values: the sender URL-encodes them when it appends the query, which is DingTalk's "urlEncode" step.
    const timestamp = opts.now.getTime();
    formatted.query = { timestamp: String(timestamp), sign: dingtalkSignature(opts.secret, timestamp) };
  }
  return formatted;
}
