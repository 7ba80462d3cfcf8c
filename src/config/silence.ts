import { InputError } from './errors.js';

/**
 * Silence windows: planned maintenance during which alerts are held back.
 * Silence is about people, not builds: the verdict and the gate never look
 * at it. One window per line of the `alert-silence` input:
 *
 *   2026-12-01T02:00Z/2026-12-01T04:00Z           absolute, both ends with a zone
 *   Sat 02:00-04:00 UTC                           weekly; an end before the start crosses midnight
 *   Sun 23:00-01:00 UTC proxy=goproxy.cn          scoped to proxies (host, or full URL)
 */

export type SilenceWhen =
  | { kind: 'absolute'; startMs: number; endMs: number }
  /** Minutes from Monday 00:00 UTC, and the length in minutes (at most a day). */
  | { kind: 'weekly'; startMinute: number; minutes: number };

export interface SilenceWindow {
  /** The line as written (trimmed), for "silenced by <window>". */
  text: string;
  when: SilenceWhen;
  /** Proxies the window covers; empty means every alert. */
  proxies: string[];
}

const INPUT = 'alert-silence';
export const WEEK_MINUTES = 7 * 24 * 60;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FORMS =
  'must be one window per line: "2026-12-01T02:00Z/2026-12-01T04:00Z" or "Sat 02:00-04:00 UTC", optionally followed by proxy=<host>';

/** Parse every line; a bad line is an input error naming its line number. Blank lines and `#` comments are skipped. */
export function parseSilenceWindows(raw: string): SilenceWindow[] {
  const windows: SilenceWindow[] = [];
  raw.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    windows.push(parseLine(line, i + 1));
  });
  return windows;
}

function parseLine(line: string, n: number): SilenceWindow {
  const fail = (why: string): never => {
    throw new InputError(INPUT, line, `line ${n}: ${why}`);
  };
  const tokens = line.split(/\s+/);
  const proxies: string[] = [];
  const rest: string[] = [];
  for (const token of tokens) {
    const scope = /^proxy=(.*)$/i.exec(token);
    if (!scope) {
      rest.push(token);
      continue;
    }
    const hosts = (scope[1] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    if (hosts.length === 0) fail('proxy= needs a host like goproxy.cn (or a proxy URL)');
    proxies.push(...hosts);
  }
  if (rest.length === 1 && rest[0]?.includes('/')) return { text: line, when: parseAbsolute(rest[0], fail), proxies };
  if (rest.length >= 2) return { text: line, when: parseWeekly(rest, fail), proxies };
  return fail(FORMS);
}

/** Both ends need a zone: a window in the runner's local time would move with the runner. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function parseAbsolute(token: string, fail: (why: string) => never): SilenceWhen {
  const [from, to, extra] = token.split('/');
  if (extra !== undefined || !from || !to) return fail(FORMS);
  for (const end of [from, to]) {
    if (!ISO_WITH_ZONE.test(end)) return fail(`"${end}" must be an ISO time with a zone, like 2026-12-01T02:00Z`);
  }
  const startMs = Date.parse(from);
  const endMs = Date.parse(to);
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) return fail(`"${token}" is not a real time`);
  if (endMs <= startMs) return fail('the window must end after it starts');
  return { kind: 'absolute', startMs, endMs };
}

function parseWeekly(tokens: string[], fail: (why: string) => never): SilenceWhen {
  const [dayToken, range, zone, ...extra] = tokens as [string, string, string | undefined, ...string[]];
  if (extra.length > 0) return fail(FORMS);
  const day = DAYS.indexOf(dayToken.slice(0, 3).toLowerCase());
  const fullNames = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  if (day < 0 || !(dayToken.length === 3 || fullNames[day] === dayToken.toLowerCase())) {
    return fail(`"${dayToken}" must be a day of the week: Mon, Tue, Wed, Thu, Fri, Sat or Sun`);
  }
  if (zone !== undefined && !/^(utc|z)$/i.test(zone)) return fail(`weekly windows are in UTC: write "UTC", got "${zone}"`);
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(range);
  if (!m) return fail(`"${range}" must be a time range like 02:00-04:00`);
  const minuteOf = (h: string, mm: string, end: boolean): number => {
    const hours = Number(h);
    const minutes = Number(mm);
    if (minutes > 59 || hours > 24 || (hours === 24 && (minutes > 0 || !end))) fail(`"${range}" has a time that does not exist`);
    return hours * 60 + minutes;
  };
  const start = minuteOf(m[1] as string, m[2] as string, false);
  const end = minuteOf(m[3] as string, m[4] as string, true);
  if (start === end) return fail(`"${range}" is empty: the end must differ from the start`);
  // An end at or before the start is on the next day: 23:00-01:00 crosses midnight.
  const minutes = end > start ? end - start : end + 24 * 60 - start;
  return { kind: 'weekly', startMinute: day * 24 * 60 + start, minutes };
}
