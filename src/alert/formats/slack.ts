import { describeFailing, factsOf, fitLines, truncate, verdictMark, type AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';
import { breakLinks, withUpstreamText } from './inert.js';

/** Block Kit limits (api.slack.com/reference/block-kit/blocks): beyond them Slack answers 400 invalid_blocks. */
export const SLACK_LIMITS = { header: 150, sectionText: 3000, fields: 10, fieldText: 2000, fallbackText: 3000, proxyLine: 300 };

/** Slack mrkdwn treats &, < and > as control characters (links, mentions): text from a proxy must not. */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/**
 * A Slack incoming-webhook message: `text` is what notifications and
 * screen readers show, the blocks are what the channel shows.
 */
export function formatSlack(original: AlertMessage, _opts: FormatOptions): FormattedAlert {
  const L = SLACK_LIMITS;
  // escape() stops `<!channel>` and `<url|label>`; a bare URL from a proxy would still be linked.
  const message = withUpstreamText(original, breakLinks);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${verdictMark(message)} ${message.title}`, L.header), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(escape(message.reason), L.sectionText) } },
    {
      type: 'section',
      fields: factsOf(message)
        .slice(0, L.fields)
        .map(([label, value]) => ({ type: 'mrkdwn', text: truncate(`*${label}*\n${escape(value)}`, L.fieldText) })),
    },
  ];
  if (message.failingProxies.length > 0) {
    const heading = `*Failing proxies (${message.failingProxies.length})*\n`;
    const lines = message.failingProxies.map((p) => `• ${truncate(escape(describeFailing(p, code)), L.proxyLine)}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: heading + fitLines(lines, L.sectionText - heading.length) } });
  }
  const run = message.runUrl ? `<${escape(message.runUrl)}|View the run>` : undefined;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: [run, escape(message.at)].filter(Boolean).join(' · ') }] });
  return {
    body: { text: truncate(escape(`${message.title}: ${message.reason}`), L.fallbackText), blocks },
  };
}
