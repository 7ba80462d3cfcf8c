import { describeFailing, factsOf, fitLines, truncate, truncateBytes, utf8Bytes, type AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';
import { inert, withUpstreamText } from './inert.js';

/** WeCom refuses markdown content over 4096 bytes of UTF-8 (errcode 40058): bytes, not characters. */
export const WECOM_LIMITS = { contentBytes: 4096, reasonBytes: 1000, factBytes: 300, proxyLine: 200 };

const COLOR = { failed: 'warning', degraded: 'comment', healthy: 'info' } as const;

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** A WeCom (企业微信) group robot markdown message. */
export function formatWecom(original: AlertMessage, _opts: FormatOptions): FormattedAlert {
  const L = WECOM_LIMITS;
  // WeCom's markdown mentions with `<@userid>` and has no escapes: open no tag, ping nobody, link nowhere.
  const message = withUpstreamText(original, (t) => inert(t.replace(/</g, '<\u200b')));
  const color = message.kind === 'recovery' ? COLOR.healthy : COLOR[message.verdict];
  const head = [
    `## <font color="${color}">${message.title}</font>`,
    truncateBytes(message.reason, L.reasonBytes),
    '',
    ...factsOf(message).map(([label, value]) => `> **${label}**: ${truncateBytes(value, L.factBytes)}`),
  ].join('\n');
  const tail = message.runUrl ? `\n\n[View the run](${message.runUrl}) · ${message.at}` : `\n\n${message.at}`;
  let content = head;
  if (message.failingProxies.length > 0) {
    const heading = `\n\n**Failing proxies (${message.failingProxies.length})**\n`;
    const lines = message.failingProxies.map((p) => `- ${truncate(describeFailing(p, code), L.proxyLine)}`);
    const room = L.contentBytes - utf8Bytes(head) - utf8Bytes(heading) - utf8Bytes(tail);
    content += heading + fitLines(lines, room, { measure: utf8Bytes, more: (n) => `- … and ${n} more` });
  }
  return { body: { msgtype: 'markdown', markdown: { content: truncateBytes(content + tail, L.contentBytes) } } };
}
