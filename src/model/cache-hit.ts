/** How the CI cache answered the restore: the exact key, a partial (restore-keys) match, or nothing. */
export type CacheHit = 'exact' | 'partial' | 'none';
