import { describeFailing, factsOf, fitLines, truncate, type AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';
import { breakLinks, withUpstreamText } from './inert.js';

/**
 * Teams refuses a card over about 28 KB; these text budgets keep the whole
 * card far below that even with every character escaped in JSON.
 */
export const TEAMS_LIMITS = { reason: 2000, factValue: 500, proxies: 8000, proxyLine: 300 };

const COLOR = { failed: 'Attention', degraded: 'Warning', healthy: 'Good' } as const;

/**
 * A message for a Teams "Workflows" webhook (the Power Automate trigger that
 * replaced Office 365 connectors): one Adaptive Card 1.4 attachment.
 */
export function formatTeams(original: AlertMessage, _opts: FormatOptions): FormattedAlert {
  const L = TEAMS_LIMITS;
  // A TextBlock renders markdown links; mentions need entities we never send.
  const message = withUpstreamText(original, breakLinks);
  const body: object[] = [
    {
      type: 'TextBlock',
      text: message.title,
      weight: 'Bolder',
      size: 'Large',
      wrap: true,
      color: message.kind === 'recovery' ? COLOR.healthy : COLOR[message.verdict],
    },
    { type: 'TextBlock', text: truncate(message.reason, L.reason), wrap: true },
    { type: 'FactSet', facts: factsOf(message).map(([title, value]) => ({ title, value: truncate(value, L.factValue) })) },
  ];
  if (message.failingProxies.length > 0) {
    body.push({ type: 'TextBlock', text: `Failing proxies (${message.failingProxies.length})`, weight: 'Bolder', wrap: true });
    const lines = message.failingProxies.map((p) => `- ${truncate(describeFailing(p), L.proxyLine)}`);
    body.push({ type: 'TextBlock', text: fitLines(lines, L.proxies, { more: (n) => `- … and ${n} more` }), wrap: true });
  }
  body.push({ type: 'TextBlock', text: message.at, isSubtle: true, size: 'Small', wrap: true });
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  };
  if (message.runUrl) content.actions = [{ type: 'Action.OpenUrl', title: 'View the run', url: message.runUrl }];
  return {
    body: {
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
    },
  };
}
