import type { SaveCache } from '../config/config.js';
import type { LadderStep } from '../warm/ladder.js';
import type { CacheHit } from './ci-cache.js';

/** Events whose caches must not be written: untrusted code (pull_request_target) or immutable releases. */
const NO_SAVE_EVENTS = ['pull_request_target', 'release'];

export function shouldSaveCache(opts: {
  policy: SaveCache;
  hit: CacheHit;
  step: LadderStep;
  event: string | undefined;
}): { save: boolean; reason: string } {
  if (opts.policy === 'never') return { save: false, reason: 'save-cache is never' };
  if (opts.policy === 'always') return { save: true, reason: 'save-cache is always' };
  if (opts.step === 'failed') return { save: false, reason: 'the module cache is incomplete' };
  if (opts.step === 'vendor') return { save: false, reason: 'the build uses vendor/; nothing new was cached' };
  if (opts.hit === 'exact') return { save: false, reason: 'the exact key was restored; the entry is already saved' };
  if (opts.event && NO_SAVE_EVENTS.includes(opts.event)) return { save: false, reason: `${opts.event} events do not save caches` };
  return { save: true, reason: opts.hit === 'partial' ? 'dependencies changed since the restored entry' : 'no entry for this key yet' };
}
