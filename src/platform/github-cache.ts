import * as cache from '@actions/cache';
import type { CiCache } from '../cache/ci-cache.js';
import { withinCacheService } from '../cache/service-bound.js';

/**
 * Bounds on the cache service. The library retries a failing service for
 * about half a minute per call; a cheap lookup with a short bound tells a
 * down service from a large download, so an outage costs seconds, not minutes.
 */
const LOOKUP_TIMEOUT_MS = 10_000;
const RESTORE_TIMEOUT_MS = 300_000;
const SAVE_TIMEOUT_MS = 300_000;

/** The Actions cache, through @actions/cache itself. */
export class GitHubCache implements CiCache {
  static available(): boolean {
    return cache.isFeatureAvailable();
  }

  async restore(paths: string[], primary: string, restoreKeys: string[]): Promise<string | undefined> {
    const found = await withinCacheService(LOOKUP_TIMEOUT_MS, 'cache lookup', () =>
      cache.restoreCache(paths, primary, restoreKeys, { lookupOnly: true }),
    );
    if (!found) return undefined;
    return withinCacheService(RESTORE_TIMEOUT_MS, 'cache restore', () => cache.restoreCache(paths, primary, restoreKeys));
  }

  async save(paths: string[], key: string): Promise<'saved' | 'exists'> {
    // A service that cannot answer a lookup will not take an upload either; and a
    // parallel job (a matrix) may have saved the same key already.
    const found = await withinCacheService(LOOKUP_TIMEOUT_MS, 'cache lookup', () =>
      cache.restoreCache(paths, key, [], { lookupOnly: true }),
    );
    if (found === key) return 'exists';
    // saveCache logs and swallows service errors, returning -1: turn that back into a failure.
    const id = await withinCacheService(SAVE_TIMEOUT_MS, 'cache save', () => cache.saveCache(paths, key));
    if (id === -1) throw new Error(`the cache service did not store "${key}"`);
    return 'saved';
  }
}
