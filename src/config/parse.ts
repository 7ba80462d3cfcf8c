import { InputError } from './errors.js';

/** Pure parsers for input values. Each throws an InputError naming the input. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest wait a Node timer can hold (2^31-1 ms, about 24.8 days): a
 * longer one fires at once, so `probe-timeout: 999h` would time every proxy
 * out immediately. Every duration input is held to it.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;
const MAX_DURATION_SHOWN = '596h (24.8 days)';

/** Go-style durations: "2500ms", "3s", "1m", "1m30s". A bare number is refused: units matter. */
export function parseDuration(input: string, raw: string): number {
  const value = raw.trim();
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let matched = 0;
  let pos = 0;
  while (pos < value.length) {
    part.lastIndex = pos;
    const m = part.exec(value);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = part.lastIndex;
    matched++;
  }
  if (matched === 0 || pos !== value.length) {
    throw new InputError(input, raw, 'must be a duration like 3s, 2500ms or 1m');
  }
  if (Math.round(total) > MAX_DURATION_MS) {
    throw new InputError(input, raw, `must be a duration of at most ${MAX_DURATION_SHOWN}, the longest a timer can wait`);
  }
  return Math.round(total);
}

export function parseBoolean(input: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new InputError(input, raw, 'must be true or false');
}

export function parseNumber(input: string, raw: string, min: number, max: number): number {
  const value = raw.trim();
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new InputError(input, raw, `must be a number from ${min} to ${max}`);
  }
  return n;
}

export function parseInteger(input: string, raw: string, min: number, max: number): number {
  const value = raw.trim();
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InputError(input, raw, `must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

export function parseChoice<T extends string>(input: string, raw: string, choices: readonly T[]): T {
  const value = raw.trim().toLowerCase();
  const found = choices.find((c) => c === value);
  if (!found) throw new InputError(input, raw, `must be one of ${choices.join(', ')}`);
  return found;
}

/** Newline- or comma-separated list; blank entries and `#` comments are dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((s) => s.replace(/\s+#.*$/, '').trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

/** `key=value` pairs separated by commas or newlines, keys restricted to `known`. */
export function parseKeyValues(input: string, raw: string, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of parseList(raw)) {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    if (!known.includes(key)) {
      throw new InputError(input, raw, `must be key=value pairs with keys ${known.join(', ')}`);
    }
    out.set(key, item.slice(eq + 1).trim());
  }
  return out;
}
