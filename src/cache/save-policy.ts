import type { SaveCache } from '../config/config.js';
import type { LadderStep } from '../model/ladder.js';
import type { CacheHit } from '../model/cache-hit.js';

/**
 * Events whose jobs never write a cache, whatever save-cache says: they run
 * in the base repository's cache scope while what they act on (a fork's pull
 * request, a comment, another run's artifacts) is someone else's, so a save
 * there could poison every later job's restore.
 */
export const UNTRUSTED_EVENTS: readonly string[] = ['pull_request_target', 'workflow_run', 'issue_comment'];

/** Why an untrusted event never saves; undefined for any other event. */
export function untrustedEventRefusal(event: string | undefined): string | undefined {
  return event && UNTRUSTED_EVENTS.includes(event)
    ? `${event} events never save caches (untrusted input in the base repository's cache scope)`
    : undefined;
}

export interface SaveDecision {
  save: boolean;
  reason: string;
}

/** The module cache: saved unless policy, the event or an incomplete warm-up says otherwise. */
export function shouldSaveCache(opts: { policy: SaveCache; hit: CacheHit; step: LadderStep; event: string | undefined }): SaveDecision {
  return decideSave(opts, () => {
    if (opts.step === 'failed') return { save: false, reason: 'the module cache is incomplete' };
    if (opts.step === 'vendor') return { save: false, reason: 'the build uses vendor/; nothing new was cached' };
    return undefined;
  });
}

/** The build cache: the same safety rules; its entry is complete whatever rung warmed the modules. */
export function shouldSaveBuildCache(opts: { policy: SaveCache; hit: CacheHit; event: string | undefined }): SaveDecision {
  return decideSave(opts, () => undefined);
}

/** The rules both caches share, in order; `incomplete` may refuse a save after the policy and event allow it. */
function decideSave(
  opts: { policy: SaveCache; hit: CacheHit; event: string | undefined },
  incomplete: () => SaveDecision | undefined,
): SaveDecision {
  if (opts.policy === 'never') return { save: false, reason: 'save-cache is never' };
  const untrusted = untrustedEventRefusal(opts.event);
  if (untrusted) return { save: false, reason: untrusted };
  if (opts.policy === 'always') return { save: true, reason: 'save-cache is always' };
  // An immutable release has nothing to hand later jobs.
  if (opts.event === 'release') return { save: false, reason: 'release events do not save caches' };
  const refused = incomplete();
  if (refused) return refused;
  if (opts.hit === 'exact') return { save: false, reason: 'the exact key was restored; the entry is already saved' };
  return { save: true, reason: opts.hit === 'partial' ? 'dependencies changed since the restored entry' : 'no entry for this key yet' };
}
