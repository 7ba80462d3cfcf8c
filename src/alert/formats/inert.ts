/**
 * Failure texts in an alert quote proxies and the go command: text nobody on
 * the team wrote. In a chat room it must not ping anyone or become a link
 * with a misleading label. Each format calls these in its own way (Discord
 * and Feishu escape first, then these break what escaping cannot reach).
 *
 * A zero-width space is used rather than a visible character: the words still
 * read the same, but no renderer sees `@all`, `](` or `://` any more.
 */
import type { AlertMessage } from '../message.js';

const ZWSP = '\u200b';

/** `@all`, `@everyone`, `@here`, `@13800000000`: an @ directly before a word mentions nobody. */
export function breakMentions(text: string): string {
  return text.replace(/@(?=[\p{L}\p{N}_])/gu, `@${ZWSP}`);
}

/** `[label](url)` and a bare `https://host` are no longer links. */
export function breakLinks(text: string): string {
  return text.replace(/\]\(/g, `]${ZWSP}(`).replace(/:\/\//g, `:${ZWSP}//`);
}

/** Mentions and links both. */
export function inert(text: string): string {
  return breakLinks(breakMentions(text));
}

/**
 * The message with its upstream texts (the reason and each failing proxy's
 * reason) passed through `clean`; titles, URLs we configured and facts stay.
 */
export function withUpstreamText(message: AlertMessage, clean: (text: string) => string): AlertMessage {
  return {
    ...message,
    reason: clean(message.reason),
    failingProxies: message.failingProxies.map((p) => ({ ...p, reason: p.reason === p.verdict ? p.reason : clean(p.reason) })),
  };
}
