import { createHmac } from 'node:crypto';
import { describeFailing, factsOf, fitLines, truncate, truncateBytes, utf8Bytes, type AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';
import { inert, withUpstreamText } from './inert.js';

/** lark_md takes HTML entities: `<at id=all></at>` from a proxy is shown, not sent as a mention. */
const larkEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A Feishu/Lark custom bot refuses a request body over 20 KB; the texts are
 * budgeted in UTF-8 bytes (CJK failure messages take 3 bytes a character) so
 * the whole card stays well under it.
 */
export const FEISHU_LIMITS = { reasonBytes: 2000, factBytes: 600, proxiesBytes: 8000, proxyLine: 300 };

const TEMPLATE = { failed: 'red', degraded: 'orange', healthy: 'green' } as const;

/**
 * Feishu's signature: base64(HMAC-SHA256(key = `${timestamp}\n${secret}`,
 * message = empty)), with the timestamp in seconds. Note the key/message
 * order is the reverse of DingTalk's; Feishu refuses a timestamp more than an
 * hour off its clock (code 19021).
 */
export function feishuSignature(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** A Feishu/Lark custom bot interactive card, signed in the body when a secret is set. */
export function formatFeishu(original: AlertMessage, opts: FormatOptions): FormattedAlert {
  const L = FEISHU_LIMITS;
  const message = withUpstreamText(original, (t) => inert(larkEscape(t)));
  const elements: object[] = [
    { tag: 'div', text: { tag: 'lark_md', content: truncateBytes(message.reason, L.reasonBytes) } },
    {
      tag: 'div',
      fields: factsOf(message).map(([label, value]) => ({
        is_short: label !== 'GOPROXY',
        text: { tag: 'lark_md', content: truncateBytes(`**${label}**\n${value}`, L.factBytes) },
      })),
    },
  ];
  if (message.failingProxies.length > 0) {
    const lines = message.failingProxies.map((p) => `- ${truncate(describeFailing(p), L.proxyLine)}`);
    elements.push({ tag: 'hr' });
    elements.push({
      tag: 'div',
      text: {
        tag: 'lark_md',
        content: `**Failing proxies (${message.failingProxies.length})**\n${fitLines(lines, L.proxiesBytes, { measure: utf8Bytes, more: (n) => `- … and ${n} more` })}`,
      },
    });
  }
  if (message.runUrl) {
    elements.push({
      tag: 'action',
      actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'View the run' }, type: 'primary', url: message.runUrl }],
    });
  }
  elements.push({ tag: 'note', elements: [{ tag: 'plain_text', content: message.at }] });
  const card = {
    config: { wide_screen_mode: true },
    header: {
      template: message.kind === 'recovery' ? TEMPLATE.healthy : TEMPLATE[message.verdict],
      title: { tag: 'plain_text', content: truncate(message.title, 200) },
    },
    elements,
  };
  if (!opts.secret) return { body: { msg_type: 'interactive', card } };
  const timestamp = Math.floor(opts.now.getTime() / 1000);
  return { body: { timestamp: String(timestamp), sign: feishuSignature(opts.secret, timestamp), msg_type: 'interactive', card } };
}
