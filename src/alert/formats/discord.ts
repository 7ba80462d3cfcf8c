import { describeFailing, factsOf, fitLines, truncate, type AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert } from './formatted.js';
import { inert, withUpstreamText } from './inert.js';

/**
 * Discord's markdown honours backslash escapes: a masked link `[label](url)`
 * or a `<@id>` from a proxy is shown as typed. allowed_mentions stops pings.
 */
const discordEscape = (text: string) => text.replace(/[\\[\]()<>*_~`|]/g, (c) => `\\${c}`);

/**
 * Discord's documented limits (discord.com/developers/docs/resources/message#embed-object-embed-limits);
 * a message over any of them is refused whole with 400 "Invalid Form Body".
 * Fact values are held well below the 1024 allowed so that the 6000 total
 * can always be met by shortening the description alone.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
  factValue: 256,
  proxyLine: 300,
};

const COLOR = { failed: 0xd73a49, degraded: 0xdbab09, healthy: 0x2ea043 } as const;

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** A Discord webhook message: a one-line `content` and one embed with the details. */
export function formatDiscord(original: AlertMessage, _opts: FormatOptions): FormattedAlert {
  const L = DISCORD_LIMITS;
  const message = withUpstreamText(original, (t) => inert(discordEscape(t)));
  const title = truncate(message.title, L.title);
  const footer = 'go-proxy-guard';
  const fields = factsOf(message)
    .slice(0, L.fields)
    .map(([name, value]) => ({
      name: truncate(name, L.fieldName),
      value: truncate(name === 'GOPROXY' ? code(value) : value, Math.min(L.factValue, L.fieldValue)),
      inline: name !== 'GOPROXY',
    }));
  const fixed = title.length + footer.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const room = Math.min(L.description, L.total - fixed);
  const reason = truncate(message.reason, Math.min(1024, room));
  let description = reason;
  if (message.failingProxies.length > 0) {
    const heading = `\n\n**Failing proxies (${message.failingProxies.length})**\n`;
    const lines = message.failingProxies.map((p) => `• ${truncate(describeFailing(p, code), L.proxyLine)}`);
    description += heading + fitLines(lines, room - reason.length - heading.length);
  }
  const embed: Record<string, unknown> = {
    title,
    description: truncate(description, room),
    color: message.kind === 'recovery' ? COLOR.healthy : COLOR[message.verdict],
    fields,
    timestamp: message.at,
    footer: { text: footer },
  };
  if (message.runUrl && /^https?:\/\//.test(message.runUrl)) embed.url = message.runUrl;
  return {
    body: {
      // The line notifications show; the embed carries the rest.
      content: truncate(message.title, L.content),
      // Failure texts come from proxies and the go command: they must never ping @everyone.
      allowed_mentions: { parse: [] },
      embeds: [embed],
    },
  };
}
