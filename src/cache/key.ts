import { createHash } from 'node:crypto';

export interface CacheKeys {
  primary: string;
  /** Prefix restore keys, most specific first. */
  restore: string[];
}

/**
 * prefix-OS-arch-hash(go.sum files): a dependency bump changes the key, and
 * the prefix still finds the last entry so only the changed modules download.
 * The sum files are hashed with their relative paths so moving one matters.
 */
export function cacheKeys(opts: { prefix: string; os: string; arch: string; sums: { name: string; content: Buffer }[] }): CacheKeys {
  const hash = createHash('sha256');
  for (const s of [...opts.sums].sort((a, b) => a.name.localeCompare(b.name))) {
    hash.update(`${s.name}\0${s.content.length}\0`);
    hash.update(s.content);
  }
  const base = `${opts.prefix}-${opts.os}-${opts.arch}-`;
  return { primary: base + hash.digest('hex').slice(0, 32), restore: [base] };
}
