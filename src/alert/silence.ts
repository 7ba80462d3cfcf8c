import { WEEK_MINUTES, type SilenceWindow } from '../config/silence.js';

/** When a silence window (config/silence.ts parses them) holds an alert back. */

/** Is the window open at `now`? */
export function isActive(window: SilenceWindow, now: Date): boolean {
  const t = now.getTime();
  if (window.when.kind === 'absolute') return t >= window.when.startMs && t < window.when.endMs;
  // getUTCDay: Sunday 0; the windows count from Monday.
  const minuteOfWeek = ((now.getUTCDay() + 6) % 7) * 24 * 60 + now.getUTCHours() * 60 + now.getUTCMinutes();
  const since = (((minuteOfWeek - window.when.startMinute) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  return since < window.when.minutes;
}

/** Does a scope entry name this proxy? A bare host matches the URL's host; a URL must match up to a trailing slash. */
export function scopeMatches(scope: string, proxyUrl: string): boolean {
  const want = scope.toLowerCase().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    return false;
  }
  if (!want.includes('/')) return url.host.toLowerCase() === want || url.hostname.toLowerCase() === want;
  const bare = (u: string) =>
    u
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, '');
  return bare(want) === bare(`${url.host}${url.pathname}`);
}

/**
 * The windows that silence an alert about `proxies` (the failing ones) now,
 * or an empty list when it must be sent. An unscoped window silences
 * everything; scoped windows silence only when every failing proxy is
 * covered, so an outage of another proxy still alerts. A condition with no
 * failing proxy (only the ladder failed) is silenced by unscoped windows only.
 */
export function silencingWindows(windows: readonly SilenceWindow[], now: Date, proxies: readonly string[]): SilenceWindow[] {
  const open = windows.filter((w) => isActive(w, now));
  const global = open.filter((w) => w.proxies.length === 0);
  if (global.length > 0) return global.slice(0, 1);
  if (proxies.length === 0) return [];
  const used: SilenceWindow[] = [];
  for (const proxy of proxies) {
    const w = open.find((x) => x.proxies.some((s) => scopeMatches(s, proxy)));
    if (!w) return [];
    if (!used.includes(w)) used.push(w);
  }
  return used;
}

/** "silenced by <window>" for logs, summary and history. */
export const describeSilence = (by: readonly SilenceWindow[]): string => `silenced by ${by.map((w) => w.text).join('; ')}`;
