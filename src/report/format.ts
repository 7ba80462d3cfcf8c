import type { ProxyVerdict, Verdict } from '../model/verdict.js';

/** One voice for figures in every text a run leaves (log, summary, status page, JUnit): "5 ms", "–" for none. */
export const NONE = '–';
export const millis = (n: number | null | undefined): string => (n === null || n === undefined ? NONE : `${Math.round(n)} ms`);
export const percent = (rate: number): string => `${Math.round(rate * 100)}%`;
export const plural = (n: number, noun: string, nouns = `${noun}s`): string => `${n} ${n === 1 ? noun : nouns}`;
export const kib = (bytes: number): string =>
  bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;

/** A span of time as a reader takes it in: "850 ms", "1.2 s", "3 min", "2 h 5 min", "1 d 3 h". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A sentence ends with one full stop, whatever the text it was built from ended with. */
export const sentence = (text: string): string => `${text.replace(/[.\s]+$/, '')}.`;

/** "a", "a and b", "a, b and c". */
export const joinAnd = (items: string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

export const VERDICT_ICON: Record<Verdict, string> = { healthy: '✅', degraded: '⚠️', failed: '❌' };
export const PROXY_ICON: Record<ProxyVerdict, string> = { healthy: '🟢', slow: '🟡', stale: '🟠', broken: '🔴', down: '🔴' };
