import type { CacheHit } from '../model/cache-hit.js';
/** Where a CI platform keeps the module cache between runs. */
export interface CiCache {
  /** Restore `paths`; returns the key that matched, or undefined on a miss. Throws when the service fails. */
  restore(paths: string[], primary: string, restoreKeys: string[]): Promise<string | undefined>;
  /** Save `paths` under `key` ('exists' when another job already did); throws when the service fails or refuses. */
  save(paths: string[], key: string): Promise<'saved' | 'exists'>;
}

export function hitKind(matched: string | undefined, primary: string): CacheHit {
  if (!matched) return 'none';
  return matched === primary ? 'exact' : 'partial';
}
