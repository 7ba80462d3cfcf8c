/**
 * The few shapes the page speaks in, defined once and used by reference (a
 * same-document <use>, no request): a check in a circle for healthy, a
 * triangle for degraded, slow or outdated, an octagon (a stop sign) for
 * failed, down or broken; a crossed-out bell for silence, a clock for a stale
 * page. Each stands beside a word: the shape and the word carry the meaning
 * where colour cannot.
 */
export type IconName = 'ok' | 'warn' | 'bad' | 'mute' | 'clock';

const WHITE = 'stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" fill="none"';
const OUTLINE = 'stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" fill="none"';

export const ICON_SYMBOLS = [
  '<svg width="0" height="0" class="defs" aria-hidden="true"><defs>',
  `<symbol id="i-ok" viewBox="0 0 24 24"><circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M6.5 12.5l3.5 3.5 7.5-8" ${WHITE}/></symbol>`,
  `<symbol id="i-warn" viewBox="0 0 24 24"><path d="M12 1.5L23.5 22H.5z" fill="currentColor"/><path d="M12 9v6M12 18.6v.2" ${WHITE}/></symbol>`,
  `<symbol id="i-bad" viewBox="0 0 24 24"><path d="M7.2 1h9.6L23 7.2v9.6L16.8 23H7.2L1 16.8V7.2z" fill="currentColor"/><path d="M8 8l8 8M16 8l-8 8" ${WHITE}/></symbol>`,
  `<symbol id="i-mute" viewBox="0 0 24 24"><path d="M18 13V9a6 6 0 0 0-9.4-4.9M6 9v4l-2 4h13M10 20.5a2 2 0 0 0 4 0M2.5 2.5l19 19" ${OUTLINE}/></symbol>`,
  `<symbol id="i-clock" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10" ${OUTLINE}/><path d="M12 6.5V12l3.5 2.5" ${OUTLINE}/></symbol>`,
  '</defs></svg>',
].join('');

export const icon = (name: IconName): string => `<svg class="icon" aria-hidden="true"><use href="#i-${name}"/></svg>`;
